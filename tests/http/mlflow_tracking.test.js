// MLflow tracking over HTTP: experiments, runs, logging, search, metric history paging, run
// inputs, the artifact proxy, and every error the reference lists, in MLflow's dialect
// ({error_code, message}, RESOURCE_ALREADY_EXISTS 400, never 5xx for a deterministic error).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { startServer, rawRequest } = require('./lib');

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

const API = '/api/2.0/mlflow';
const ART = '/api/2.0/mlflow-artifacts/artifacts';

// Asserts MLflow's error shape: status, error_code and a string message, nothing else.
function mlErr(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${res.text}`);
  assert.ok(res.json, 'error body must be JSON: ' + res.text);
  assert.equal(res.json.error_code, code, res.text);
  assert.equal(typeof res.json.message, 'string');
  assert.equal(res.json.details, undefined, 'MLflow errors carry no details');
}

const post = (p, body, opts = {}) => srv.req('POST', API + p, { body, ...opts });
const get = (p, opts = {}) => srv.req('GET', API + p, opts);
const ok = (res) => { assert.equal(res.status, 200, res.text); return res.json; };

async function newExperiment(name) {
  return ok(await post('/experiments/create', { name })).experiment_id;
}
async function newRun(experimentId, extra = {}) {
  return ok(await post('/runs/create', { experiment_id: experimentId, ...extra })).run;
}

test('experiment 0 "Default" exists from the start', async () => {
  const e = ok(await get('/experiments/get?experiment_id=0')).experiment;
  assert.equal(e.experiment_id, '0');
  assert.equal(e.name, 'Default');
  assert.equal(e.lifecycle_stage, 'active');
  assert.equal(typeof e.creation_time, 'number');
});

test('experiments: create, get, get-by-name with + for space, duplicates and unknown ids', async () => {
  const id = await newExperiment('team a/exp 1');
  assert.match(id, /^[0-9]+$/);
  mlErr(await post('/experiments/create', { name: 'team a/exp 1' }), 400, 'RESOURCE_ALREADY_EXISTS');
  mlErr(await post('/experiments/create', {}), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/create', { name: '' }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/create', { name: 42 }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/create', { name: 'x', tags: 'nope' }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/create', { name: 'x', artifact_location: '/etc' }), 400, 'INVALID_PARAMETER_VALUE');
  // the MLflow client's request with a local path: the message says why and what to use instead
  for (const loc of ['file:///tmp/x', '/tmp/x', 'FILE:/tmp/y']) {
    const r = await post('/experiments/create', { name: 'local-' + loc, artifact_location: loc });
    mlErr(r, 400, 'INVALID_PARAMETER_VALUE');
    assert.match(r.json.message, /local paths \(file:\/\/ or a bare path\) are not accepted/);
    assert.match(r.json.message, /Leave artifact_location out/);
  }
  const q = await post('/experiments/create', { name: 'x', artifact_location: 's3://b/p?x=1' });
  mlErr(q, 400, 'INVALID_PARAMETER_VALUE');
  assert.match(q.json.message, /without fragment or query/);
  const byName = ok(await get('/experiments/get-by-name?experiment_name=team+a%2Fexp+1')).experiment;
  assert.equal(byName.experiment_id, id);
  assert.equal(byName.artifact_location, `mlflow-artifacts:/${id}`);
  assert.equal(byName.tags, undefined, 'empty lists are omitted');
  mlErr(await get('/experiments/get-by-name?experiment_name=nope'), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlErr(await get('/experiments/get?experiment_id=424242'), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlErr(await get('/experiments/get?experiment_id=abc'), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await get('/experiments/get'), 400, 'INVALID_PARAMETER_VALUE');
});

test('experiments: update, set/delete tag, delete keeps the name reserved, restore', async () => {
  const id = await newExperiment('to-rename');
  await newExperiment('taken');
  ok(await post('/experiments/update', { experiment_id: id, new_name: 'renamed' }));
  mlErr(await post('/experiments/update', { experiment_id: id, new_name: 'taken' }), 400, 'RESOURCE_ALREADY_EXISTS');
  mlErr(await post('/experiments/update', { experiment_id: id }), 400, 'INVALID_PARAMETER_VALUE');
  ok(await post('/experiments/set-experiment-tag', { experiment_id: id, key: 'team', value: 'risk' }));
  mlErr(await post('/experiments/set-experiment-tag', { experiment_id: id, key: 'bad/../key', value: 'v' }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/set-experiment-tag', { experiment_id: '999999', key: 'k', value: 'v' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  let e = ok(await get(`/experiments/get?experiment_id=${id}`)).experiment;
  assert.equal(e.name, 'renamed');
  assert.deepEqual(e.tags, [{ key: 'team', value: 'risk' }]);
  ok(await post('/experiments/delete-experiment-tag', { experiment_id: id, key: 'team' }));
  mlErr(await post('/experiments/delete-experiment-tag', { experiment_id: id, key: 'team' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  const run = await newRun(id);
  ok(await post('/experiments/delete', { experiment_id: id }));
  e = ok(await get(`/experiments/get?experiment_id=${id}`)).experiment;
  assert.equal(e.lifecycle_stage, 'deleted');
  assert.equal(ok(await get(`/runs/get?run_id=${run.info.run_id}`)).run.info.lifecycle_stage, 'deleted');
  mlErr(await post('/experiments/create', { name: 'renamed' }), 400, 'RESOURCE_ALREADY_EXISTS');
  mlErr(await post('/runs/create', { experiment_id: id }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/update', { experiment_id: id, new_name: 'again' }), 400, 'INVALID_STATE');
  ok(await post('/experiments/restore', { experiment_id: id }));
  assert.equal(ok(await get(`/runs/get?run_id=${run.info.run_id}`)).run.info.lifecycle_stage, 'active');
  mlErr(await post('/experiments/delete', { experiment_id: '999999' }), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('experiments/search: POST and GET, filter, repeated order_by, view_type, pages, bad input', async () => {
  for (const n of ['s-alpha', 's-beta', 's-gamma']) await newExperiment(n);
  const all = ok(await post('/experiments/search', { max_results: 100, filter: "name LIKE 's-%'", order_by: ['name DESC'] }));
  assert.deepEqual(all.experiments.map((e) => e.name), ['s-gamma', 's-beta', 's-alpha']);
  // the Python client's GET encoding: spaces as '+', quotes and % escaped, repeated order_by
  const q = 'filter=name+LIKE+%27s-%25%27&max_results=2&order_by=name+ASC&order_by=experiment_id+DESC';
  const p1 = ok(await get('/experiments/search?' + q));
  assert.deepEqual(p1.experiments.map((e) => e.name), ['s-alpha', 's-beta']);
  assert.ok(p1.next_page_token);
  const p2 = ok(await get('/experiments/search?' + q + '&page_token=' + encodeURIComponent(p1.next_page_token)));
  assert.deepEqual(p2.experiments.map((e) => e.name), ['s-gamma']);
  assert.equal(p2.next_page_token, undefined);
  const none = ok(await post('/experiments/search', { max_results: 5, filter: "name = 'nothing'" }));
  assert.deepEqual(none, {}, 'no hits answer {}');
  // LIKE is case-sensitive, ILIKE is not
  assert.deepEqual(ok(await post('/experiments/search', { max_results: 5, filter: "name LIKE 'S-%'" })), {});
  assert.equal(ok(await post('/experiments/search', { max_results: 5, filter: "name ILIKE 'S-%'" })).experiments.length, 3);
  // the ajax-api twin answers the same
  const ajax = await srv.req('POST', '/ajax-api/2.0/mlflow/experiments/search', { body: { max_results: 100, filter: "name LIKE 's-%'" } });
  assert.equal(ok(ajax).experiments.length, 3);
  mlErr(await post('/experiments/search', { max_results: 0 }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/search', { max_results: 50001 }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/search', { max_results: 5, filter: 'name = unquoted' }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/search', { max_results: 5, filter: "metrics.x > 1" }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/search', { max_results: 5, page_token: 'not base64!' }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/search', { max_results: 5, page_token: Buffer.from('[1]').toString('base64') }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/search', { max_results: 5, order_by: 'name' }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/search', { max_results: 5, order_by: ['name', 'name DESC'] }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/experiments/search', { max_results: 5, view_type: 'SOMETIMES' }), 400, 'INVALID_PARAMETER_VALUE');
  const listed = ok(await get('/experiments/list?max_results=1000'));
  assert.ok(listed.experiments.length >= 4);
});

test('runs: create, get, update, delete, restore, and their errors', async () => {
  const exp = await newExperiment('runs-basic');
  const run = await newRun(exp, { run_name: 'first', start_time: '1700000000000', tags: [{ key: 'mlflow.user', value: 'ci' }] });
  assert.match(run.info.run_id, /^[0-9a-f]{32}$/);
  assert.equal(run.info.run_uuid, run.info.run_id);
  assert.equal(run.info.run_name, 'first');
  assert.equal(run.info.status, 'RUNNING');
  assert.equal(run.info.start_time, 1700000000000, 'int64 as a JSON number, from a string');
  assert.equal(run.info.artifact_uri, `mlflow-artifacts:/${exp}/${run.info.run_id}/artifacts`);
  assert.ok(run.data.tags.some((t) => t.key === 'mlflow.runName' && t.value === 'first'));
  const noName = await newRun(exp);
  assert.match(noName.info.run_name, /^[a-z]+-[a-z]+-\d+$/);
  const def = await newRun(undefined);
  assert.equal(def.info.experiment_id, '0', 'experiment_id defaults to "0"');
  mlErr(await post('/runs/create', { experiment_id: '999999' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlErr(await post('/runs/create', { experiment_id: exp, run_name: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/runs/create', { experiment_id: exp, start_time: 'yesterday' }), 400, 'INVALID_PARAMETER_VALUE');
  const id = run.info.run_id;
  const upd = ok(await post('/runs/update', { run_id: id, status: 'FINISHED', end_time: 1700000000500 }));
  assert.equal(upd.run_info.status, 'FINISHED');
  assert.equal(upd.run_info.end_time, 1700000000500);
  mlErr(await post('/runs/update', { run_id: id, status: 'DONE' }), 400, 'INVALID_PARAMETER_VALUE');
  // run_uuid is accepted as an alias
  assert.equal(ok(await get(`/runs/get?run_uuid=${id}`)).run.info.run_id, id);
  mlErr(await get('/runs/get?run_id=0123456789abcdef0123456789abcdef'), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlErr(await get('/runs/get'), 400, 'INVALID_PARAMETER_VALUE');
  ok(await post('/runs/delete', { run_id: id }));
  assert.equal(ok(await get(`/runs/get?run_id=${id}`)).run.info.lifecycle_stage, 'deleted');
  mlErr(await post('/runs/log-parameter', { run_id: id, key: 'k', value: 'v' }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/runs/update', { run_id: id, status: 'KILLED' }), 400, 'INVALID_PARAMETER_VALUE');
  ok(await post('/runs/restore', { run_id: id }));
  assert.equal(ok(await get(`/runs/get?run_id=${id}`)).run.info.lifecycle_stage, 'active');
  mlErr(await post('/runs/delete', { run_id: '0123456789abcdef0123456789abcdef' }), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('logging: metric, parameter immutability, tags, delete-tag, wrong JSON types', async () => {
  const run = (await newRun('0')).info.run_id;
  ok(await post('/runs/log-metric', { run_id: run, key: 'loss', value: 0.5, timestamp: 10, step: 1 }));
  ok(await post('/runs/log-metric', { run_id: run, key: 'loss', value: 'NaN', timestamp: 11, step: 2 }));
  ok(await post('/runs/log-metric', { run_id: run, key: 'acc', value: 'Infinity', timestamp: '12' }));
  mlErr(await post('/runs/log-metric', { run_id: run, key: 'loss', value: 1 }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/runs/log-metric', { run_id: run, key: 'loss', value: true, timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/runs/log-metric', { run_id: run, key: 'bad key!', value: 1, timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE');
  ok(await post('/runs/log-parameter', { run_id: run, key: 'lr', value: '0.01' }));
  ok(await post('/runs/log-parameter', { run_uuid: run, key: 'lr', value: '0.01' }));
  const changed = await post('/runs/log-parameter', { run_id: run, key: 'lr', value: '0.02' });
  mlErr(changed, 400, 'INVALID_PARAMETER_VALUE');
  assert.match(changed.json.message, /Changing param values is not allowed/);
  mlErr(await post('/runs/log-parameter', { run_id: run, key: 'n', value: 5 }), 400, 'INVALID_PARAMETER_VALUE');
  ok(await post('/runs/set-tag', { run_id: run, key: 'team', value: 'a' }));
  ok(await post('/runs/set-tag', { run_id: run, key: 'team', value: 'b' }));
  ok(await post('/runs/set-tag', { run_id: run, key: 'mlflow.runName', value: 'named-by-tag' }));
  const r = ok(await get(`/runs/get?run_id=${run}`)).run;
  assert.equal(r.info.run_name, 'named-by-tag');
  const m = Object.fromEntries(r.data.metrics.map((x) => [x.key, x]));
  assert.equal(m.loss.value, 'NaN');
  assert.equal(m.loss.step, 2);
  assert.equal(m.acc.value, 'Infinity');
  assert.deepEqual(r.data.params, [{ key: 'lr', value: '0.01' }]);
  assert.ok(r.data.tags.some((t) => t.key === 'team' && t.value === 'b'));
  ok(await post('/runs/delete-tag', { run_id: run, key: 'team' }));
  mlErr(await post('/runs/delete-tag', { run_id: run, key: 'team' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlErr(await post('/runs/set-tag', { run_id: '0123456789abcdef0123456789abcdef', key: 'k', value: 'v' }), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('log-batch: 1,000 metrics in one call, limits, changed and duplicate params change nothing', async () => {
  const run = (await newRun('0')).info.run_id;
  const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 10}`, value: i / 10, timestamp: 1000 + i, step: i }));
  const t0 = process.hrtime.bigint();
  ok(await post('/runs/log-batch', { run_id: run, metrics }));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(ms < 500, `log-batch of 1,000 metrics took ${ms} ms`);
  ok(await post('/runs/log-batch', { run_id: run, params: [{ key: 'p', value: '1' }], tags: [{ key: 't', value: 'x' }] }));
  const over = [
    { metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'x', value: 1, timestamp: i })) },
    { params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })) },
    { tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 'v' })) },
  ];
  for (const b of over) mlErr(await post('/runs/log-batch', { run_id: run, ...b }), 400, 'INVALID_PARAMETER_VALUE');
  // a changed param fails the whole batch: the new metric and the new param are not logged
  mlErr(await post('/runs/log-batch', {
    run_id: run, metrics: [{ key: 'new', value: 1, timestamp: 1 }], params: [{ key: 'q', value: '1' }, { key: 'p', value: '2' }],
  }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/runs/log-batch', { run_id: run, params: [{ key: 'd', value: '1' }, { key: 'd', value: '1' }] }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/runs/log-batch', { run_id: run, metrics: { key: 'x' } }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/runs/log-batch', { run_id: run, metrics: [{ key: 'x', value: 'high', timestamp: 1 }] }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/runs/log-batch', { metrics: [] }), 400, 'INVALID_PARAMETER_VALUE');
  const r = ok(await get(`/runs/get?run_id=${run}`)).run;
  assert.equal(r.data.metrics.length, 10);
  assert.ok(!r.data.metrics.some((m) => m.key === 'new'));
  assert.deepEqual(r.data.params, [{ key: 'p', value: '1' }]);
  const m9 = r.data.metrics.find((m) => m.key === 'm9');
  assert.equal(m9.step, 999);
  assert.equal(m9.value, 99.9);
});

test('metrics/get-history: keyset pages with max_results and page_token cover every point once', async () => {
  const run = (await newRun('0')).info.run_id;
  for (let b = 0; b < 3; b++) {
    const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (b * 1000 + i + 1), timestamp: 5000 + b * 1000 + i, step: b * 1000 + i }));
    ok(await post('/runs/log-batch', { run_id: run, metrics }));
  }
  const seen = [];
  let token;
  let pages = 0;
  do {
    const q = `/metrics/get-history?run_id=${run}&metric_key=loss&max_results=700` + (token ? `&page_token=${encodeURIComponent(token)}` : '');
    const page = ok(await get(q));
    pages++;
    for (const m of page.metrics) seen.push(m.step);
    token = page.next_page_token;
  } while (token);
  assert.equal(pages, 5);
  assert.equal(seen.length, 3000);
  assert.deepEqual(seen, Array.from({ length: 3000 }, (_, i) => i));
  const all = ok(await get(`/metrics/get-history?run_id=${run}&metric_key=loss`));
  assert.equal(all.metrics.length, 3000, 'without max_results every point comes back');
  assert.deepEqual(Object.keys(all.metrics[0]).sort(), ['key', 'step', 'timestamp', 'value']);
  assert.deepEqual(ok(await get(`/metrics/get-history?run_id=${run}&metric_key=nothing`)), {});
  mlErr(await get(`/metrics/get-history?run_id=${run}&metric_key=loss&page_token=%25%25`), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await get(`/metrics/get-history?run_id=${run}&metric_key=loss&page_token=e30%3D`), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await get(`/metrics/get-history?run_id=${run}&metric_key=loss&max_results=0`), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await get(`/metrics/get-history?run_id=${run}`), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await get('/metrics/get-history?run_id=0123456789abcdef0123456789abcdef&metric_key=loss'), 404, 'RESOURCE_DOES_NOT_EXIST');
  // bulk interval: sampled steps per run, each point tagged with its run
  const bulk = ok(await get(`/metrics/get-history-bulk-interval?run_ids=${run}&metric_key=loss&max_results=5`));
  assert.deepEqual(bulk.metrics.map((m) => m.step), [0, 749, 1499, 2249, 2999]);
  assert.ok(bulk.metrics.every((m) => m.run_id === run));
  const ranged = ok(await get(`/metrics/get-history-bulk-interval?run_ids=${run}&metric_key=loss&start_step=10&end_step=12`));
  assert.deepEqual(ranged.metrics.map((m) => m.step), [10, 11, 12]);
  mlErr(await get('/metrics/get-history-bulk-interval?metric_key=loss'), 400, 'INVALID_PARAMETER_VALUE');
});

test('metrics/get-history across hot-table merges (WEIR_TRK_HOT_ROWS=40): every point once, in order, duplicates once', async () => {
  // New points wait in a small hot table and move to trk_metrics in slices
  // (migrations/0009_metrics_hot.sql); a server started with a 40-point target merges on
  // almost every batch. A walk started before merges continues after them, and points
  // logged again (already merged, or twice in one batch) read back once.
  const prev = process.env.WEIR_TRK_HOT_ROWS;
  process.env.WEIR_TRK_HOT_ROWS = '40';
  let s2;
  try { s2 = await startServer(); } finally {
    if (prev === undefined) delete process.env.WEIR_TRK_HOT_ROWS; else process.env.WEIR_TRK_HOT_ROWS = prev;
  }
  try {
    const p2 = (p, body) => s2.req('POST', API + p, { body });
    const g2 = (p) => s2.req('GET', API + p);
    const run = ok(await p2('/runs/create', { experiment_id: '0' })).run.info.run_id;
    const keys = ['acc', 'loss', 'lr', 'f1', 'auc'];
    const want = new Map(keys.map((k) => [k, new Map()])); // key -> "step/ts/value" -> point
    const logBatch = async (metrics) => {
      ok(await p2('/runs/log-batch', { run_id: run, metrics }));
      for (const m of metrics) want.get(m.key).set(`${m.step}/${m.timestamp}/${m.value}`, m);
    };
    const sorted = (k) => [...want.get(k).values()].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp || a.value - b.value);
    const walk = async (k, max, token) => {
      const seen = [];
      do {
        const q = `/metrics/get-history?run_id=${run}&metric_key=${k}&max_results=${max}` + (token ? `&page_token=${encodeURIComponent(token)}` : '');
        const page = ok(await g2(q));
        assert.ok((page.metrics || []).length <= max);
        for (const m of page.metrics || []) seen.push({ key: m.key, step: m.step, timestamp: m.timestamp, value: m.value });
        token = page.next_page_token;
      } while (token);
      return seen;
    };
    // 3 points per key per batch: every point goes through the hot table
    let step = 0;
    const batchOf = () => keys.flatMap((k, ki) => [0, 1, 2].map((j) => ({ key: k, value: ki + j / 4, timestamp: 1000 + step, step: step + j })));
    for (let b = 0; b < 5; b++, step += 3) await logBatch(batchOf());
    // the first page of a walk of "loss", before most merges
    const first = ok(await g2(`/metrics/get-history?run_id=${run}&metric_key=loss&max_results=4`));
    assert.deepEqual(first.metrics.map((m) => m.step), sorted('loss').slice(0, 4).map((m) => m.step));
    for (let b = 0; b < 20; b++, step += 3) {
      const metrics = batchOf();
      if (b % 4 === 1) metrics.push(metrics[0], { ...sorted('acc')[0] }); // twice in a batch; an old (merged) point again
      await logBatch(metrics);
    }
    // the walk resumes after 20 batches of merges: the rest of "loss", each point once
    const rest = await walk('loss', 7, first.next_page_token);
    assert.deepEqual([...first.metrics.map((m) => m.step), ...rest.map((m) => m.step)], sorted('loss').map((m) => m.step));
    for (const k of keys) {
      const got = await walk(k, 9);
      assert.deepEqual(got, sorted(k).map((m) => ({ key: m.key, step: m.step, timestamp: m.timestamp, value: m.value })), k);
    }
    const all = ok(await g2(`/metrics/get-history?run_id=${run}&metric_key=acc`)).metrics;
    assert.equal(all.length, sorted('acc').length, 'duplicates are read once');
    const bulk = ok(await g2(`/metrics/get-history-bulk-interval?run_ids=${run}&metric_key=acc&max_results=1000`)).metrics;
    assert.deepEqual(bulk.map((m) => `${m.step}/${m.timestamp}/${m.value}`), sorted('acc').map((m) => `${m.step}/${m.timestamp}/${m.value}`));
    const latest = ok(await g2(`/runs/get?run_id=${run}`)).run.data.metrics.find((m) => m.key === 'lr');
    assert.equal(latest.step, step - 1);
  } finally {
    await s2.stop();
  }
});

test('runs/search: metric, param, tag and attribute filters, order_by, view types, page tokens', async () => {
  const exp = await newExperiment('search-runs');
  const ids = [];
  for (let i = 0; i < 4; i++) {
    const id = (await newRun(exp, { run_name: `r${i}`, start_time: 1000 + i })).info.run_id;
    ids.push(id);
    ok(await post('/runs/log-batch', {
      run_id: id, metrics: [{ key: 'acc', value: i / 10, timestamp: 1 }],
      params: [{ key: 'opt', value: i % 2 ? 'sgd' : 'adam' }], tags: [{ key: 'team', value: `Risk ${i}` }],
    }));
  }
  const names = (res) => (ok(res).runs || []).map((r) => r.info.run_name);
  const search = (body) => post('/runs/search', { experiment_ids: [exp], ...body });
  assert.deepEqual(names(await search({})), ['r3', 'r2', 'r1', 'r0'], 'default order: start_time DESC');
  assert.deepEqual(names(await search({ filter: 'metrics.acc >= 0.2' })), ['r3', 'r2']);
  assert.deepEqual(names(await search({ filter: "params.opt = 'adam' and metrics.acc < 0.1" })), ['r0']);
  assert.deepEqual(names(await search({ filter: "tags.team LIKE 'Risk %'", order_by: ['attributes.run_name ASC'] })), ['r0', 'r1', 'r2', 'r3']);
  assert.deepEqual(names(await search({ filter: "tags.team LIKE 'risk %'" })), [], 'LIKE is case-sensitive');
  assert.equal(names(await search({ filter: "tags.team ILIKE 'risk %'" })).length, 4);
  assert.deepEqual(names(await search({ filter: "attributes.run_name = 'r1'" })), ['r1']);
  assert.deepEqual(names(await search({ filter: `attributes.run_id IN ('${ids[0]}', '${ids[3]}')`, order_by: ['metrics.acc ASC'] })), ['r0', 'r3']);
  assert.deepEqual(names(await search({ filter: "params.missing IS NULL and attributes.status = 'RUNNING'" })).length, 4);
  assert.deepEqual(names(await search({ order_by: ['metrics.acc DESC'], max_results: 10 })), ['r3', 'r2', 'r1', 'r0']);
  assert.deepEqual(names(await search({ order_by: ['params.opt ASC', 'start_time ASC'] })), ['r0', 'r2', 'r1', 'r3']);
  // pages
  const p1 = ok(await search({ max_results: 3 }));
  assert.equal(p1.runs.length, 3);
  const p2 = ok(await search({ max_results: 3, page_token: p1.next_page_token }));
  assert.deepEqual(p2.runs.map((r) => r.info.run_name), ['r0']);
  assert.equal(p2.next_page_token, undefined);
  // view types
  ok(await post('/runs/delete', { run_id: ids[1] }));
  assert.deepEqual(names(await search({})), ['r3', 'r2', 'r0']);
  assert.deepEqual(names(await search({ run_view_type: 'DELETED_ONLY' })), ['r1']);
  assert.equal(names(await search({ run_view_type: 'ALL' })).length, 4);
  assert.deepEqual(ok(await post('/runs/search', { experiment_ids: ['999999'] })), {});
  const bad = [
    { filter: "metrics.acc > 'high'" }, { filter: 'params.opt = adam' }, { filter: "bogus.x = 'a'" },
    { filter: "attributes.colour = 'red'" }, { filter: "params.a = 'x' OR params.b = 'y'" }, { filter: "params.a = 'x'; drop" },
    { filter: 'attributes.run_id IN ()' }, { filter: "metrics.acc LIKE '1%'" }, { order_by: ['metrics.acc DESC extra'] },
    { order_by: ['start_time', 'attributes.start_time DESC'] }, { page_token: 'xyz' }, { max_results: 50001 },
    { run_view_type: 'NEVER' }, { filter: 42 },
    // past SQLite's LIKE pattern limit: a 400, not a 500 the Python client would retry (found by fuzz/)
    { filter: "tags.t LIKE '" + '%_'.repeat(30000) + "'" }, { filter: "params.p ILIKE '" + 'x'.repeat(10001) + "'" },
  ];
  for (const b of bad) mlErr(await search(b), 400, 'INVALID_PARAMETER_VALUE');
  assert.ok(ok(await search({ filter: "params.p LIKE '" + 'x'.repeat(10000) + "'" })));
});

test('log-inputs: datasets with digests and tags show on the run; bad datasets change nothing', async () => {
  const run = (await newRun('0')).info.run_id;
  const datasets = [
    {
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
      dataset: { name: 'main.sales.orders', digest: 'abc123', source_type: 'delta_table', source: '{"table_name": "main.sales.orders"}', schema: '{"mlflow_colspec": []}', profile: '{"num_rows": 10}' },
    },
    { dataset: { name: 'iris', digest: 'd1', source_type: 'http', source: '{"url": "https://example.com/iris.csv"}' } },
  ];
  ok(await post('/runs/log-inputs', { run_id: run, datasets }));
  ok(await post('/runs/log-inputs', { run_id: run, datasets }));
  const r = ok(await get(`/runs/get?run_id=${run}`)).run;
  const di = r.inputs.dataset_inputs;
  assert.equal(di.length, 2, 'logging the same datasets twice keeps one input each');
  assert.deepEqual(di[0].tags, [{ key: 'mlflow.data.context', value: 'training' }]);
  assert.equal(di[0].dataset.digest, 'abc123');
  assert.equal(di[0].dataset.profile, '{"num_rows": 10}');
  assert.equal(di[1].dataset.schema, undefined);
  mlErr(await post('/runs/log-inputs', { run_id: run, datasets: [{ dataset: { name: 'x', digest: 'y', source_type: 'z' } }] }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/runs/log-inputs', { run_id: run, datasets: 'x' }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await post('/runs/log-inputs', { run_id: '0123456789abcdef0123456789abcdef', datasets }), 404, 'RESOURCE_DOES_NOT_EXIST');
  const filtered = ok(await post('/runs/search', { experiment_ids: ['0'], filter: "datasets.digest = 'abc123'" }));
  assert.deepEqual(filtered.runs.map((x) => x.info.run_id), [run]);
});

test('wire rules: Content-Type, malformed and double-encoded bodies, unknown fields, methods, auth, ajax twin', async () => {
  mlErr(await srv.req('POST', API + '/experiments/create', { raw: '{"name":"ct"}', headers: { 'content-type': 'text/plain' } }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await srv.req('POST', API + '/experiments/create', { raw: '{"name":' , headers: { 'content-type': 'application/json' } }), 400, 'INVALID_PARAMETER_VALUE');
  const dbl = await srv.req('POST', API + '/experiments/create', { raw: JSON.stringify(JSON.stringify({ name: 'double' })), headers: { 'content-type': 'application/json; charset=utf-8' } });
  assert.equal(dbl.status, 200, dbl.text);
  ok(await post('/experiments/create', { name: 'unknown-fields', whatever: [1, 2] }));
  // wrong methods are answered by the router (JSON error with a code, 405)
  for (const [m, p] of [['GET', '/runs/delete'], ['DELETE', '/experiments/delete']]) {
    const res = await srv.req(m, API + p, { body: m === 'GET' ? undefined : { experiment_id: '0' } });
    assert.equal(res.status, 405, res.text);
    assert.equal(res.json.error_code, 'METHOD_NOT_ALLOWED');
  }
  const unauth = await srv.req('GET', API + '/experiments/get?experiment_id=0', { token: null });
  assert.equal(unauth.status, 401);
  assert.equal(unauth.json.error_code, 'UNAUTHENTICATED');
  // GET with no query string reads the JSON body, as MLflow does
  const body = '{"experiment_id": "0"}';
  const viaBody = await rawRequest(srv.port, `GET ${API}/experiments/get HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  assert.match(viaBody, /^HTTP\/1\.1 200/);
  assert.match(viaBody, /"name":"Default"/);
  const ajax = ok(await srv.req('GET', '/ajax-api/2.0/mlflow/experiments/get-by-name?experiment_name=Default'));
  assert.equal(ajax.experiment.experiment_id, '0');
  mlErr(await srv.req('POST', '/ajax-api/2.0/mlflow/runs/log-batch', { body: { run_id: '0123456789abcdef0123456789abcdef' } }), 404, 'RESOURCE_DOES_NOT_EXIST');
});

// Sends a PUT whose body is cut off before Content-Length bytes, then drops the socket.
function abortedUpload(port, p, token) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(`PUT ${p} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 1000000\r\n\r\n`);
      sock.write(Buffer.alloc(200000, 0x61));
      setTimeout(() => { sock.destroy(); resolve(); }, 200);
    });
    sock.on('error', () => resolve());
  });
}

test('artifacts: upload streamed to disk, download, list, run artifacts/list, delete', async () => {
  const run = await newRun('0');
  const rid = run.info.run_id;
  const base = `${ART}/0/${rid}/artifacts`;
  const big = crypto.randomBytes(3 * 1024 * 1024 + 17);
  const up = await srv.req('PUT', `${base}/model/model.pkl`, { raw: big, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(up.status, 200, up.text);
  assert.deepEqual(up.json, {});
  ok(await srv.req('PUT', `${base}/model/MLmodel`, { raw: 'artifact_path: model\n' }));
  ok(await srv.req('PUT', `${base}/empty.txt`, { raw: '' }));
  const down = await fetch(srv.base + `${base}/model/model.pkl`, { headers: { authorization: `Bearer ${srv.token}` } });
  assert.equal(down.status, 200);
  const buf = Buffer.from(await down.arrayBuffer());
  assert.equal(crypto.createHash('sha256').update(buf).digest('hex'), crypto.createHash('sha256').update(big).digest('hex'));
  const empty = await srv.req('GET', `${base}/empty.txt`);
  assert.equal(empty.status, 200);
  assert.equal(empty.text, '');
  const listed = ok(await srv.req('GET', `${ART}?path=0/${rid}/artifacts/model`));
  assert.deepEqual(listed.files, [
    { path: 'MLmodel', is_dir: false, file_size: 21 },
    { path: 'model.pkl', is_dir: false, file_size: big.length },
  ]);
  const top = ok(await srv.req('GET', `${ART}?path=0/${rid}/artifacts`));
  assert.deepEqual(top.files, [{ path: 'empty.txt', is_dir: false, file_size: 0 }, { path: 'model', is_dir: true }]);
  assert.deepEqual(ok(await srv.req('GET', `${ART}?path=nothing/here`)), {});
  const runList = ok(await get(`/artifacts/list?run_id=${rid}&path=model`));
  assert.equal(runList.root_uri, run.info.artifact_uri);
  assert.deepEqual(runList.files.map((f) => f.path), ['model/MLmodel', 'model/model.pkl']);
  // overwrite replaces the whole file
  ok(await srv.req('PUT', `${base}/model/MLmodel`, { raw: 'v2' }));
  assert.equal((await srv.req('GET', `${base}/model/MLmodel`)).text, 'v2');
  mlErr(await srv.req('GET', `${base}/model`), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await srv.req('GET', `${base}/missing.bin`), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlErr(await srv.req('PUT', `${base}/model`, { raw: 'x' }), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await srv.req('PUT', `${base}/model/MLmodel/inside`, { raw: 'x' }), 400, 'INVALID_PARAMETER_VALUE');
  ok(await srv.req('DELETE', `${base}/model/MLmodel`));
  mlErr(await srv.req('GET', `${base}/model/MLmodel`), 404, 'RESOURCE_DOES_NOT_EXIST');
  ok(await srv.req('DELETE', `${base}/model`));
  assert.deepEqual(ok(await srv.req('GET', `${ART}?path=0/${rid}/artifacts`)).files.map((f) => f.path), ['empty.txt']);
  mlErr(await srv.req('DELETE', `${base}/model`), 404, 'RESOURCE_DOES_NOT_EXIST');
  // the ajax twin serves the same store
  assert.equal((await srv.req('GET', `/ajax-api/2.0/mlflow-artifacts/artifacts/0/${rid}/artifacts/empty.txt`)).status, 200);
  const unauth = await srv.req('GET', `${base}/empty.txt`, { token: null });
  assert.equal(unauth.status, 401);
});

test('artifacts: traversal, absolute paths, backslashes and empty segments are refused; an aborted upload leaves nothing', async () => {
  const send = async (method, p) => {
    const raw = await rawRequest(srv.port, `${method} ${p} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx`);
    const status = Number(raw.split(' ')[1]);
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    return { status, body };
  };
  const bad = [
    `${ART}/../../etc/passwd`, `${ART}/a/../../x`, `${ART}/a/%2e%2e/%2e%2e/x`, `${ART}/..%2f..%2fx`,
    `${ART}//etc/passwd`, `${ART}/a//b`, `${ART}/a/./b`, `${ART}/a%5cb`, `${ART}/a/`,
  ];
  const skipped = [];
  for (const p of bad) {
    for (const m of ['PUT', 'GET', 'DELETE']) {
      const res = await send(m, p);
      if (res.status === 404 && /ENDPOINT_NOT_FOUND/.test(res.body)) { skipped.push(`${m} ${p}`); continue; } // never reached the artifact routes
      assert.equal(res.status, 400, `${m} ${p}: ${res.status} ${res.body}`);
      assert.match(res.body, /INVALID_PARAMETER_VALUE/);
    }
  }
  assert.ok(skipped.length < 6, 'most traversal attempts reach the artifact routes and get 400: ' + skipped.join(', '));
  mlErr(await srv.req('GET', `${ART}?path=../x`), 400, 'INVALID_PARAMETER_VALUE');
  mlErr(await srv.req('GET', `${ART}?path=/etc`), 400, 'INVALID_PARAMETER_VALUE');
  // nothing escaped the store
  assert.ok(!fs.existsSync(path.join(srv.data, 'etc')));
  assert.ok(!fs.existsSync(path.join(srv.data, 'x')));
  // an upload cut off mid-body leaves no file, visible or temporary
  await abortedUpload(srv.port, `${ART}/aborted/file.bin`, srv.token);
  await new Promise((r) => setTimeout(r, 200));
  mlErr(await srv.req('GET', `${ART}/aborted/file.bin`), 404, 'RESOURCE_DOES_NOT_EXIST');
  const tmp = path.join(srv.data, 'tmp');
  const leftovers = fs.existsSync(tmp) ? fs.readdirSync(tmp) : [];
  assert.deepEqual(leftovers, []);
});

test('log-inputs records lineage: a UC table dataset as TABLE -> MLFLOW_RUN, others as DATASET', async () => {
  const uc = (p, body) => srv.req('POST', '/api/2.1/unity-catalog' + p, { body });
  ok(await uc('/catalogs', { name: 'trk_lin' }));
  ok(await uc('/schemas', { catalog_name: 'trk_lin', name: 's' }));
  ok(await uc('/tables', {
    catalog_name: 'trk_lin', schema_name: 's', name: 'orders', table_type: 'EXTERNAL', data_source_format: 'DELTA',
    storage_location: '/tmp/weir-ext/trk_lin/s/orders', columns: [],
  }));
  const run = (await newRun('0', { run_name: 'lineage-run' })).info.run_id;
  ok(await post('/runs/log-inputs', {
    run_id: run,
    datasets: [
      { dataset: { name: 'orders', digest: 'a1', source_type: 'delta_table', source: '{"table_name": "trk_lin.s.orders"}' } },
      { dataset: { name: 'iris', digest: 'b2', source_type: 'http', source: '{"url": "https://example.com/iris.csv"}' } },
    ],
  }));
  const g = await srv.req('GET', `/api/2.0/weir/lineage/graph?node=${encodeURIComponent('table:trk_lin.s.orders')}&direction=downstream&depth=1`);
  if (g.status === 404 && g.json && g.json.error_code === 'ENDPOINT_NOT_FOUND') return; // lineage reads not built
  assert.equal(g.status, 200, g.text);
  const text = JSON.stringify(g.json);
  assert.ok(text.includes(run), 'the run is downstream of the table: ' + text.slice(0, 500));
  const up = await srv.req('GET', `/api/2.0/weir/lineage/graph?node=${encodeURIComponent('mlflow_run:' + run)}&direction=upstream&depth=1`);
  if (up.status === 200) assert.ok(JSON.stringify(up.json).includes('iris.csv') || JSON.stringify(up.json).includes('trk_lin.s.orders'), up.text.slice(0, 500));
});
