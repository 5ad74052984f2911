// First contentful paint of the jobs, SQL, models, experiments and lineage views from a warm
// server (each view loaded once before it is measured), in Chromium: the browser's own
// 'first-contentful-paint' entry, and the time until the view's heading shows (data loaded).
// Prints the figures (bench/ui/RESULTS.md records them) and holds FCP under 500 ms.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, launch, openPage, sessionCookie } = require('./lib');

let srv, browser, jobId, runId, expId, runIds;

before(async () => {
  srv = await startServer();
  browser = await launch();
  const ok = async (r) => {
    assert.ok(r.status < 300, r.text);
    return r.json;
  };
  jobId = (await ok(await srv.req('POST', '/api/2.2/jobs/create', { body: { name: 'perf', tasks: [{ task_key: 'a', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } }] } }))).job_id;
  runId = (await ok(await srv.req('POST', '/api/2.2/jobs/run-now', { body: { job_id: jobId } }))).run_id;
  expId = (await ok(await srv.req('POST', '/api/2.0/mlflow/experiments/create', { body: { name: 'perf' } }))).experiment_id;
  runIds = [];
  for (let i = 0; i < 2; i++) {
    const r = await ok(await srv.req('POST', '/api/2.0/mlflow/runs/create', { body: { experiment_id: expId, run_name: `r${i}` } }));
    runIds.push(r.run.info.run_id);
  }
  await ok(await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { body: { name: 'pc' } }));
  await ok(await srv.req('POST', '/api/2.1/unity-catalog/schemas', { body: { name: 's', catalog_name: 'pc' } }));
  await ok(await srv.req('POST', '/api/2.1/unity-catalog/tables', { body: { name: 't', catalog_name: 'pc', schema_name: 's', table_type: 'MANAGED', data_source_format: 'DELTA', columns: [{ name: 'id', type_name: 'INT', type_text: 'int', position: 0 }] } }));
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('first contentful paint of each view from a warm server', async (t) => {
  const p = await openPage(browser, srv, t);
  let failed = true;
  try {
    await sessionCookie(p.context, srv, srv.token);
    const views = [
      ['jobs list', '/jobs', 'Jobs'],
      ['job', `/jobs/${jobId}`, 'perf'],
      ['job run', `/jobs/${jobId}/runs/${runId}`, new RegExp(`^Run ${runId}`)],
      ['sql editor', '/sql', 'SQL editor'],
      ['models', '/models', 'Models'],
      ['experiments', '/experiments', 'Experiments'],
      ['experiment', `/experiments/${expId}`, 'perf'],
      ['compare', `/compare?runs=${runIds.join(',')}`, 'Compare 2 runs'],
      ['lineage', '/lineage/pc.s.t', 'Lineage of pc.s.t'],
    ];
    const RUNS = 5;
    const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const rows = [];
    for (const [name, url, heading] of views) {
      await p.page.goto(url); // warm: the server's caches, the bundle in the browser's cache
      await p.page.getByRole('heading', { level: 1, name: heading }).waitFor();
      const fcps = [];
      const readys = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = Date.now();
        await p.page.goto(url);
        await p.page.getByRole('heading', { level: 1, name: heading }).waitFor();
        readys.push(Date.now() - t0);
        fcps.push(
          await p.page.evaluate(() => {
            const e = performance.getEntriesByName('first-contentful-paint')[0];
            return e ? Math.round(e.startTime) : null;
          }),
        );
      }
      assert.ok(fcps.every((x) => x !== null), `no paint entry for ${url}`);
      rows.push({ name, fcp: med(fcps), fcpMax: Math.max(...fcps), ready: med(readys) });
    }
    t.diagnostic(`median of ${RUNS} (ms): ${rows.map((r) => `${r.name} fcp=${r.fcp} (max ${r.fcpMax}) ready=${r.ready}`).join('; ')}`);
    for (const r of rows) assert.ok(r.fcp < 500, `first contentful paint of ${r.name}: median ${r.fcp} ms`);
    assert.deepEqual(p.unexpectedErrors(), []);
    failed = false;
  } finally {
    await p.done(failed);
  }
});
