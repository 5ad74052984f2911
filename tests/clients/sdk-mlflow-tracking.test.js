// The official Databricks JS SDK (@databricks/sdk-experimental, pinned 0.17.0), service
// `experiments`, drives Weir's MLflow tracking surface: experiments create/get/getByName/
// search (async iterator over pages)/update/tags/delete/restore, runs create/get/update/
// logMetric/logParam/logBatch/logInputs/setTag/deleteTag/search/delete/restore, metric
// history paging through the SDK's iterator, artifacts listing, and MLflow errors surfacing
// as ApiError with error_code and status. (MLflow uses POST, so the SDK's body-less PATCH
// bug does not matter here.)
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { ApiError } = require('@databricks/sdk-experimental');
const { startServer } = require('../http/lib');
const { makeHome, removeHome, patClient, recordCalls, all } = require('./lib');

let srv;
let w;
let home;
const calls = [];

before(async () => {
  srv = await startServer();
  home = makeHome('weir-sdk-home-');
  w = patClient(srv.base, srv.token, home);
  recordCalls(w, calls);
});

after(async () => {
  await srv.stop();
  removeHome(home);
});

async function rejectsWith(promise, status, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${e}`);
    assert.equal(e.statusCode, status, e.message);
    assert.equal(e.errorCode, code, e.message);
    return true;
  });
}

test('experiments: create, get, getByName, update, tags, delete and restore through the SDK', async () => {
  const { experiment_id: id } = await w.experiments.createExperiment({ name: 'sdk exp', tags: [{ key: 'team', value: 'ml' }] });
  assert.match(id, /^[0-9]+$/);
  const got = await w.experiments.getExperiment({ experiment_id: id });
  assert.equal(got.experiment.name, 'sdk exp');
  assert.deepEqual(got.experiment.tags, [{ key: 'team', value: 'ml' }]);
  const byName = await w.experiments.getByName({ experiment_name: 'sdk exp' });
  assert.equal(byName.experiment.experiment_id, id);
  await w.experiments.updateExperiment({ experiment_id: id, new_name: 'sdk exp renamed' });
  await w.experiments.setExperimentTag({ experiment_id: id, key: 'stage', value: 'dev' });
  const after1 = await w.experiments.getExperiment({ experiment_id: id });
  assert.equal(after1.experiment.name, 'sdk exp renamed');
  assert.equal(after1.experiment.tags.length, 2);
  await w.experiments.deleteExperiment({ experiment_id: id });
  assert.equal((await w.experiments.getExperiment({ experiment_id: id })).experiment.lifecycle_stage, 'deleted');
  await w.experiments.restoreExperiment({ experiment_id: id });
  assert.equal((await w.experiments.getExperiment({ experiment_id: id })).experiment.lifecycle_stage, 'active');
  await rejectsWith(w.experiments.createExperiment({ name: 'sdk exp renamed' }), 400, 'RESOURCE_ALREADY_EXISTS');
  await rejectsWith(w.experiments.getByName({ experiment_name: 'no such experiment' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  await rejectsWith(w.experiments.getExperiment({ experiment_id: '987654' }), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('experiments: searchExperiments and listExperiments iterate across pages', async () => {
  for (let i = 0; i < 5; i++) await w.experiments.createExperiment({ name: `page-exp-${i}` });
  calls.length = 0;
  const found = await all(w.experiments.searchExperiments({ filter: "name LIKE 'page-exp-%'", max_results: 2, order_by: ['name ASC'] }));
  assert.deepEqual(found.map((e) => e.name), ['page-exp-0', 'page-exp-1', 'page-exp-2', 'page-exp-3', 'page-exp-4']);
  assert.equal(calls.filter((c) => c.path === '/api/2.0/mlflow/experiments/search').length, 3);
  const listed = await all(w.experiments.listExperiments({ max_results: 3 }));
  assert.ok(listed.length >= 6, 'Default plus the page experiments');
});

test('runs: create, log metric/param/batch/inputs, tags, update, get, search, delete, restore', async () => {
  const { experiment_id: exp } = await w.experiments.createExperiment({ name: 'sdk runs' });
  const { run } = await w.experiments.createRun({ experiment_id: exp, run_name: 'sdk-run', start_time: 1700000000000, tags: [{ key: 'src', value: 'sdk' }] });
  const id = run.info.run_id;
  assert.match(id, /^[0-9a-f]{32}$/);
  await w.experiments.logMetric({ run_id: id, key: 'loss', value: 0.7, timestamp: 1700000000001, step: 0 });
  await w.experiments.logParam({ run_id: id, key: 'lr', value: '0.3' });
  await w.experiments.logBatch({
    run_id: id,
    metrics: Array.from({ length: 250 }, (_, i) => ({ key: 'loss', value: 1 / (i + 2), timestamp: 1700000000002 + i, step: i + 1 })),
    params: [{ key: 'depth', value: '4' }],
    tags: [{ key: 'team', value: 'ml' }],
  });
  await w.experiments.logInputs({ run_id: id, datasets: [{ dataset: { name: 'train', digest: 'd1', source_type: 'local', source: '{}' } }] });
  await w.experiments.setTag({ run_id: id, key: 'note', value: 'x' });
  await w.experiments.deleteTag({ run_id: id, key: 'note' });
  const upd = await w.experiments.updateRun({ run_id: id, status: 'FINISHED', end_time: 1700000009999 });
  assert.equal(upd.run_info.status, 'FINISHED');
  const got = (await w.experiments.getRun({ run_id: id })).run;
  assert.equal(got.info.end_time, 1700000009999);
  assert.deepEqual(got.data.params.map((p) => p.key), ['depth', 'lr']);
  assert.equal(got.data.metrics.find((m) => m.key === 'loss').step, 250);
  assert.equal(got.inputs.dataset_inputs[0].dataset.name, 'train');
  assert.ok(!got.data.tags.some((t) => t.key === 'note'));
  await rejectsWith(w.experiments.logParam({ run_id: id, key: 'lr', value: '0.4' }), 400, 'INVALID_PARAMETER_VALUE');
  await rejectsWith(w.experiments.getRun({ run_id: '0123456789abcdef0123456789abcdef' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  await rejectsWith(w.experiments.logBatch({ run_id: id, params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' })) }), 400, 'INVALID_PARAMETER_VALUE');
  // metric history through the SDK's iterator, 100 points per page
  calls.length = 0;
  const hist = await all(w.experiments.getHistory({ run_id: id, metric_key: 'loss', max_results: 100 }));
  assert.equal(hist.length, 251);
  assert.deepEqual(hist.map((m) => m.step), Array.from({ length: 251 }, (_, i) => i));
  assert.equal(calls.filter((c) => c.path === '/api/2.0/mlflow/metrics/get-history').length, 3);
  // search runs (iterator), with a filter and paging
  for (let i = 0; i < 3; i++) {
    const r = (await w.experiments.createRun({ experiment_id: exp, run_name: `more-${i}` })).run;
    await w.experiments.logParam({ run_id: r.info.run_id, key: 'lr', value: '0.3' });
  }
  const runs = await all(w.experiments.searchRuns({ experiment_ids: [exp], filter: "params.lr = '0.3'", max_results: 2 }));
  assert.equal(runs.length, 4);
  await rejectsWith(all(w.experiments.searchRuns({ experiment_ids: [exp], filter: 'params.lr = unquoted' })), 400, 'INVALID_PARAMETER_VALUE');
  await w.experiments.deleteRun({ run_id: id });
  assert.equal((await w.experiments.getRun({ run_id: id })).run.info.lifecycle_stage, 'deleted');
  await w.experiments.restoreRun({ run_id: id });
  assert.equal((await w.experiments.getRun({ run_id: id })).run.info.lifecycle_stage, 'active');
});

test('artifacts: the SDK lists a run\'s artifacts uploaded through the artifact proxy', async () => {
  const { run } = await w.experiments.createRun({ experiment_id: '0' });
  const id = run.info.run_id;
  const put = await fetch(`${srv.base}/api/2.0/mlflow-artifacts/artifacts/0/${id}/artifacts/model/MLmodel`, {
    method: 'PUT', headers: { authorization: `Bearer ${srv.token}` }, body: 'artifact_path: model\n',
  });
  assert.equal(put.status, 200);
  const files = await all(w.experiments.listArtifacts({ run_id: id, path: 'model' }));
  assert.deepEqual(files, [{ path: 'model/MLmodel', is_dir: false, file_size: 21 }]);
});
