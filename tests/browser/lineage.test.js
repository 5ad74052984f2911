// The lineage graph in Chromium: upstream and downstream of a table, depth and direction
// (kept in the query string), re-centring on another node, a table expanded into its columns,
// a column's impact followed downstream, as-of and per-run views, as an admin; a principal
// without grants gets "not found" for the same table, and with rights on one catalog only sees
// the other catalog's table drawn as masked (no name). A graph of 1,000 nodes lays out and
// draws in under a second (the page's own performance.now() figure, printed).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, launch, withPage, sessionCookie, checkA11y, tabTo, makeUser } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const XSS = '<img src=x onerror="window.__xss=1">';
let srv, browser, user, seq = 0;
const RUN_CLEAN = '0190c5f5-0000-7000-8000-00000000c1ea';

const uuid = () => `0190c5f5-0000-7000-8000-${String(++seq).padStart(12, '0')}`;
function ev({ job, inputs, outputs, time = '2026-01-01T00:00:00Z', runId = uuid() }) {
  return {
    eventType: 'COMPLETE', eventTime: time, run: { runId, facets: {} }, job: { namespace: 'etl', name: job, facets: {} },
    inputs, outputs, producer: 'https://github.com/weir/tests', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
  };
}
const col = (fields) => ({ columnLineage: { _producer: 'https://x', _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json', fields } });
const from = (name, field) => ({ inputFields: [{ namespace: 'weir', name, field, transformations: [{ type: 'DIRECT', subtype: 'IDENTITY' }] }] });

before(async () => {
  srv = await startServer();
  browser = await launch();
  user = await makeUser(srv, 'lineage-user');
  for (const c of ['lc', 'secret_cat']) {
    assert.equal((await srv.req('POST', `${UC}/catalogs`, { body: { name: c } })).status, 200);
    assert.equal((await srv.req('POST', `${UC}/schemas`, { body: { name: 's', catalog_name: c } })).status, 200);
  }
  for (const [c, t] of [['lc', 'raw'], ['lc', 'clean'], ['lc', 'report'], ['secret_cat', 'vault']]) {
    const r = await srv.req('POST', `${UC}/tables`, { body: {
      name: t, catalog_name: c, schema_name: 's', table_type: 'MANAGED', data_source_format: 'DELTA', comment: `${t} ${XSS}`,
      columns: [{ name: 'id', type_name: 'INT', type_text: 'int', position: 0 }, { name: 'amount', type_name: 'INT', type_text: 'int', position: 1 }],
    } });
    assert.equal(r.status, 200, r.text);
  }
  const events = [
    ev({ job: 'vault_job', time: '2026-01-01T00:00:00Z', inputs: [{ namespace: 'weir', name: 'secret_cat.s.vault' }], outputs: [{ namespace: 'weir', name: 'lc.s.raw' }] }),
    ev({ job: 'clean_job', time: '2026-01-01T01:00:00Z', runId: RUN_CLEAN, inputs: [{ namespace: 'weir', name: 'lc.s.raw' }],
      outputs: [{ namespace: 'weir', name: 'lc.s.clean', facets: col({ id: from('lc.s.raw', 'id') }) }] }),
    ev({ job: 'report_job', time: '2026-03-01T01:00:00Z', inputs: [{ namespace: 'weir', name: 'lc.s.clean' }],
      outputs: [{ namespace: 'weir', name: 'lc.s.report', facets: col({ amount: from('lc.s.clean', 'id') }) }] }),
    ev({ job: 'export', time: '2026-03-01T02:00:00Z', inputs: [{ namespace: 'weir', name: 'lc.s.report' }], outputs: [{ namespace: 's3://bucket', name: `exports/${XSS}` }] }),
  ];
  for (const e of events) {
    const r = await srv.req('POST', '/api/v1/lineage', { body: e });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

async function assertNoXss(page) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'injected script ran');
  assert.equal(await page.locator('img[onerror]').count(), 0, 'an injected element exists');
}

test('admin: upstream and downstream, depth, re-centre, columns, column impact, as-of and per-run', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/lineage');
    await page.getByLabel('Table or node').fill('lc.s.clean');
    await page.getByRole('button', { name: 'Show lineage' }).click();
    await page.waitForURL((u) => u.pathname === '/lineage/lc.s.clean');
    const g = page.getByRole('group', { name: 'Lineage graph' });
    // depth 2 both ways: vault, raw | clean | report, export
    for (const n of ['secret_cat.s.vault', 'lc.s.raw', 'lc.s.clean', 'lc.s.report']) await g.getByRole('button', { name: new RegExp(`^${n.replace(/\./g, '\\.')} table`) }).waitFor();
    await g.getByRole('button', { name: /exports\/<img/ }).waitFor(); // a dataset name with HTML, as text
    assert.equal(await g.locator('g.node.n-root').count(), 1);
    await page.getByText('5 nodes, 4 edges').waitFor();
    await checkA11y(page, 'lineage graph');
    await assertNoXss(page);
    // depth 1, upstream only
    await page.getByLabel('Depth').selectOption('1');
    await page.getByLabel('Direction').selectOption('upstream');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/depth=1&direction=upstream/);
    await page.getByText('2 nodes, 1 edges').waitFor();
    assert.equal(await g.getByRole('button', { name: /^lc\.s\.report/ }).count(), 0);
    await page.reload(); // the view survives a reload
    await page.getByText('2 nodes, 1 edges').waitFor();
    assert.equal(await page.getByLabel('Direction').inputValue(), 'upstream');
    // choose raw with the keyboard and re-centre on it
    const raw = g.getByRole('button', { name: /^lc\.s\.raw table/ });
    await tabTo(page, raw);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'lc.s.raw' }).waitFor();
    await page.getByRole('button', { name: 'Lineage from here' }).click();
    await page.waitForURL((u) => u.pathname === '/lineage/lc.s.raw');
    await page.getByRole('heading', { level: 1, name: 'Lineage of lc.s.raw' }).waitFor();
    // raw's columns, then id's impact downstream: clean.id (1), report.amount (2)
    await page.goto('/lineage/lc.s.raw?depth=3&direction=downstream');
    await page.getByText('4 nodes, 3 edges').waitFor();
    await g.getByRole('button', { name: /^lc\.s\.raw table/ }).click();
    await page.getByRole('button', { name: 'Show columns' }).click();
    const idCol = g.getByRole('button', { name: 'id column', exact: true });
    await idCol.waitFor();
    await g.getByRole('button', { name: 'amount column', exact: true }).waitFor();
    await idCol.click();
    await page.getByRole('heading', { level: 2, name: 'Column id' }).waitFor();
    await tabTo(page, page.getByRole('button', { name: 'Follow impact' }));
    await page.keyboard.press('Enter');
    await page.getByText('2 columns read this column.').waitFor();
    await g.getByRole('button', { name: 'amount column of lc.s.report' }).waitFor();
    assert.equal(await g.locator('g.node.n-impact').count(), 2);
    assert.ok(await g.locator('path.edge.hl').count() >= 2, 'the impact edges are highlighted');
    await checkA11y(page, 'column impact');
    // as of a time before report_job: clean has no downstream yet
    await page.goto('/lineage/lc.s.clean?direction=downstream');
    await page.getByText('3 nodes, 2 edges').waitFor();
    await page.getByLabel('As of (UTC)').fill('2026-02-01T00:00');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/as_of=/);
    await page.getByText(/1 nodes, 0 edges · as of 2026-02-01/).waitFor();
    // per run: the clean_job run saw raw -> clean only
    await page.goto(`/lineage/lc.s.clean?run=${RUN_CLEAN}`);
    await page.getByText(`2 nodes, 1 edges · run ${RUN_CLEAN}`).waitFor();
  });
});

test('a principal without grants: the table answers as missing; with rights on one catalog the other is masked', async (t) => {
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(403, 404);
    await sessionCookie(context, srv, user.token);
    await page.goto('/lineage/lc.s.clean');
    await page.getByRole('heading', { level: 2, name: 'Not found' }).waitFor();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByRole('group', { name: 'Lineage graph' }).count(), 0);
    await checkA11y(page, 'lineage not found');
    // rights on lc only: secret_cat.s.vault is drawn masked, without its name
    const r = await srv.req('PATCH', `${UC}/permissions/catalog/lc`, { body: { changes: [{ principal: user.name, add: ['USE_CATALOG', 'USE_SCHEMA', 'SELECT'] }] } });
    assert.equal(r.status, 200, r.text);
    await page.reload();
    const g = page.getByRole('group', { name: 'Lineage graph' });
    await g.getByRole('button', { name: /^lc\.s\.raw table/ }).waitFor();
    const masked = g.locator('g.node.n-masked');
    await masked.first().waitFor();
    assert.equal(await masked.count(), 1);
    assert.equal(await g.getByText('vault').count(), 0, 'the masked name never reaches the page');
    assert.equal(await page.content().then((h) => h.includes('secret_cat')), false);
    await page.getByText('1 nodes you may not see are drawn as masked', { exact: false }).waitFor();
    await masked.first().click();
    await page.getByRole('heading', { level: 2, name: 'A node you may not see' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Lineage from here' }).count(), 0);
    await checkA11y(page, 'masked lineage');
  });
});

test('a graph of 1,000 nodes lays out and draws in under a second', async (t) => {
  // 1,000 datasets: n0 feeds the rest through a tree with cross edges (a wide, deep graph)
  const N = 1000;
  const name = (i) => `n${i}`;
  const evs = [];
  for (let i = 1; i < N; i++) {
    const inputs = [{ namespace: 'bench://x', name: name(Math.floor((i - 1) / 3)) }];
    if (i > 10 && i % 4 === 0) inputs.push({ namespace: 'bench://x', name: name((i * 7919) % i) });
    evs.push(ev({ job: `b${i}`, inputs, outputs: [{ namespace: 'bench://x', name: name(i) }] }));
  }
  for (let i = 0; i < evs.length; i += 100) {
    const r = await srv.req('POST', '/api/v1/lineage/batch', { body: evs.slice(i, i + 100) });
    assert.ok(r.status < 300, r.text);
  }
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto(`/lineage/${encodeURIComponent('dataset:bench://x:n0')}?depth=100&direction=downstream`);
    const note = page.locator('[data-render-ms]');
    await page.getByText(`${N} nodes,`, { exact: false }).waitFor({ timeout: 20000 });
    await page.getByText(`Laid out and drawn ${N} nodes in`).waitFor({ timeout: 20000 });
    const ms = Number(await note.getAttribute('data-render-ms'));
    // laid out whole, drawn where the scroll box shows it; scrolling draws the rest
    const region = page.getByRole('region', { name: /Lineage graph: 1000 nodes/ });
    assert.equal(await region.getAttribute('data-nodes'), String(N));
    const ids = () => page.locator('g.node').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    const before = await ids();
    assert.ok(before.length > 20 && before.length < N, `drawn ${before.length}`);
    await region.evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await page.waitForFunction((first) => !document.querySelector(`g.node[data-id="${first}"]`), before[0]);
    const after = await ids();
    assert.ok(after.length > 20 && after.length < N);
    assert.ok(after.some((id) => !before.includes(id)), 'scrolling drew other nodes');
    await checkA11y(page, '1,000-node graph');
    const layoutMs = Number(await page.locator("svg.graph").getAttribute("data-layout-ms"));
    t.diagnostic(`1,000-node lineage graph: layout + render ${ms.toFixed(1)} ms (layout alone ${layoutMs} ms, ${before.length} nodes drawn in view)`);
    assert.ok(ms > 0 && ms < 1000, `layout and render took ${ms} ms`);
  });
});
