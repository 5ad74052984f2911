// Models and experiments in Chromium: the models list (a UC model and a workspace registry
// model), a model's versions with stage and alias, a version's source run and its lineage
// link; the experiments list, an experiment's runs with params and metrics, a run's metric
// chart over steps from metrics/get-history, its artifacts (a folder opened, a file
// downloaded with its bytes), the comparison of two runs side by side (differences marked, a
// chart with a line per run), as an admin; a principal without grants sees no UC model and a
// deep link to it answers as missing. Names holding HTML render as text.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startServer, launch, withPage, sessionCookie, checkA11y, tabTo, makeUser } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const ML = '/api/2.0/mlflow';
const XSS = '<img src=x onerror="window.__xss=1">';
let srv, browser, user, exp, runA, runB;

async function ok(res, status = 200) {
  assert.equal(res.status, status, res.text);
  return res.json;
}
const post = (p, body) => srv.req('POST', p, { body });

before(async () => {
  srv = await startServer();
  browser = await launch();
  user = await makeUser(srv, 'models-user');
  exp = (await ok(await post(`${ML}/experiments/create`, { name: `churn ${XSS}` }))).experiment_id;
  const mk = async (name, lr, losses) => {
    const r = (await ok(await post(`${ML}/runs/create`, { experiment_id: exp, run_name: name, start_time: Date.now() }))).run;
    const id = r.info.run_id;
    await ok(await post(`${ML}/runs/log-batch`, {
      run_id: id,
      params: [{ key: 'lr', value: lr }, { key: 'depth', value: '6' }],
      metrics: losses.map((v, step) => ({ key: 'loss', value: v, step, timestamp: Date.now() })),
    }));
    return r;
  };
  const a = await mk('run-a', '0.1', [0.9, 0.6, 0.4, 0.3]);
  const b = await mk('run-b', '0.01', [0.95, 0.8, 0.7, 0.65]);
  runA = a.info.run_id;
  runB = b.info.run_id;
  const dir = a.info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
  for (const [p, body] of [[`${dir}/model/MLmodel`, 'flavors: {}\n'], [`${dir}/notes.txt`, 'hello artifacts\n']]) {
    const r = await srv.req('PUT', `/api/2.0/mlflow-artifacts/artifacts/${p}`, { body, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(r.status, 200, r.text);
  }
  // a UC model with a version from run-a and an alias; a workspace registry model with a stage
  await ok(await post(`${UC}/catalogs`, { name: 'ml' }));
  await ok(await post(`${UC}/schemas`, { name: 'prod', catalog_name: 'ml' }));
  await ok(await post(`${UC}/models`, { catalog_name: 'ml', schema_name: 'prod', name: 'churn', comment: `Churn ${XSS}` }));
  await ok(await post(`${UC}/models/versions`, { model_name: 'churn', catalog_name: 'ml', schema_name: 'prod', source: `${a.info.artifact_uri}/model`, run_id: runA }));
  await ok(await srv.req('PUT', `${UC}/models/ml.prod.churn/aliases/champion`, { body: { version_num: 1 } }));
  const ws = await post(`${ML}/registered-models/create`, { name: 'ws-model' });
  if (ws.status === 200) {
    await ok(await post(`${ML}/model-versions/create`, { name: 'ws-model', source: `${b.info.artifact_uri}/model`, run_id: runB }));
    await ok(await post(`${ML}/model-versions/transition-stage`, { name: 'ws-model', version: '1', stage: 'Staging', archive_existing_versions: false }));
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

test('admin: models list, a UC model with versions, alias and source run, a workspace model with its stage', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/models');
    const list = page.getByRole('table', { name: 'Registered models' });
    await list.getByRole('link', { name: 'ml.prod.churn', exact: true }).waitFor();
    await list.getByText(`Churn ${XSS}`).waitFor();
    await checkA11y(page, 'models list');
    await list.getByRole('link', { name: 'ml.prod.churn', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'ml.prod.churn' }).waitFor();
    await page.getByText('champion → version 1').waitFor();
    const versions = page.getByRole('table', { name: 'Versions' });
    await versions.getByRole('link', { name: 'run-a' }).waitFor(); // the source run, by its name
    await tabTo(page, versions.getByRole('button', { name: 'Version 1' }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'Version 1 of ml.prod.churn' }).waitFor();
    assert.match(page.url(), /version=1/);
    await page.getByRole('link', { name: 'Open the lineage graph' }).waitFor();
    await checkA11y(page, 'model version');
    await assertNoXss(page);
    // the source run link leads to the run in its experiment
    await versions.getByRole('link', { name: 'run-a' }).click();
    await page.waitForURL((u) => u.pathname === `/experiments/${exp}/runs/${runA}`);
    await page.getByRole('heading', { level: 1, name: 'run-a' }).waitFor();
    // the workspace registry model: its stage
    await page.goto('/models/ws-model');
    await page.getByRole('heading', { level: 1, name: 'ws-model' }).waitFor();
    await page.getByRole('table', { name: 'Versions' }).getByRole('cell', { name: 'Staging' }).waitFor();
  });
});

test('admin: experiments, runs with params and metrics, a metric chart, artifacts download, compare two runs', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/experiments');
    await page.getByRole('link', { name: `churn ${XSS}` }).click();
    await page.waitForURL((u) => u.pathname === `/experiments/${exp}`);
    const runs = page.getByRole('table', { name: 'Runs with params and metrics' });
    await runs.getByRole('link', { name: 'run-a' }).waitFor();
    await runs.getByRole('columnheader', { name: 'param lr' }).waitFor();
    await runs.getByRole('cell', { name: '0.01', exact: true }).waitFor();
    await runs.getByRole('cell', { name: '0.3', exact: true }).waitFor(); // run-a's latest loss
    await checkA11y(page, 'experiment runs');
    await assertNoXss(page);
    // choose both runs and compare
    await page.getByRole('checkbox', { name: 'Compare run-a' }).check();
    await page.getByRole('checkbox', { name: 'Compare run-b' }).check();
    await tabTo(page, page.getByRole('button', { name: 'Compare 2 selected runs' }));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/compare\?runs=/);
    const cmp = page.getByRole('table', { name: 'Runs side by side' });
    await cmp.getByRole('rowheader', { name: 'param lr (differs)' }).waitFor();
    await cmp.getByRole('rowheader', { name: 'param depth', exact: true }).waitFor();
    const chart = page.getByRole('img', { name: 'Metric loss over steps: 8 points in 2 runs' });
    await chart.waitFor();
    assert.equal(await chart.locator('path.chart-line').count(), 2);
    await checkA11y(page, 'compare');
    await page.reload(); // the comparison is a deep link
    await cmp.getByRole('rowheader', { name: 'param lr (differs)' }).waitFor();

    // a run: charts and artifacts
    await page.goto(`/experiments/${exp}/runs/${runA}?tab=charts`);
    const one = page.getByRole('img', { name: 'Metric loss over steps: 4 points in 1 runs' });
    await one.waitFor();
    assert.equal(await one.locator('circle').count(), 4);
    await page.getByRole('tab', { name: 'Artifacts' }).click();
    const files = page.getByRole('table', { name: 'Files' });
    await files.getByRole('button', { name: 'model/' }).waitFor();
    await checkA11y(page, 'artifacts');
    const dl = page.waitForEvent('download');
    await files.getByRole('button', { name: 'Download notes.txt' }).click();
    const file = await dl;
    assert.equal(file.suggestedFilename(), 'notes.txt');
    assert.equal(fs.readFileSync(await file.path(), 'utf8'), 'hello artifacts\n');
    await files.getByRole('button', { name: 'model/' }).click();
    await files.getByRole('button', { name: 'Download model/MLmodel' }).waitFor();
    assert.match(page.url(), /path=model/);
  });
});

test('a principal without grants sees no UC model; a deep link to it answers as missing', async (t) => {
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(403, 404);
    await sessionCookie(context, srv, user.token);
    await page.goto('/models');
    await page.getByRole('heading', { level: 1, name: 'Models' }).waitFor();
    await page.getByRole('status').waitFor({ state: 'detached' }).catch(() => {});
    await page.waitForFunction(() => !document.querySelector('.loading'));
    assert.equal(await page.getByRole('link', { name: 'ml.prod.churn' }).count(), 0, 'a hidden model is not listed');
    await checkA11y(page, 'models as a user');
    await page.goto('/models/ml.prod.churn');
    await page.getByRole('heading', { level: 1, name: 'Model not found' }).waitFor();
    assert.equal(await page.getByText(`Churn ${XSS}`).count(), 0, 'nothing of the hidden model shows');
  });
});
