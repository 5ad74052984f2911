// Hostile numbers in requests (issue 13, finding 7): INT64_MIN, INT64_MAX, -1, 2^53+1, 1e300
// and their string forms in every numeric body member, query parameter and page-token
// offset a client can send. Each is answered with a 2xx or a 4xx, never a 5xx, and never
// crashes the server (under `make check`, which runs this file against the sanitized build,
// a signed overflow aborts the process and the clean-exit check in lib.js fails).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./lib');

let srv;
after(async () => { await srv.stop(); });

const ML = '/api/2.0/mlflow';
const UC = '/api/2.1/unity-catalog';
const WL = '/api/2.0/weir/lineage';

const BAD = ['-9223372036854775808', '9223372036854775807', '-9223372036854775809', '9223372036854775808',
  '-1', '0', '9007199254740993', '-9007199254740993', '1e300', '-1e300'];
// each bad number as a JSON number and as a JSON string (protobuf JSON sends int64 as strings)
const BAD_JSON = BAD.flatMap((n) => [n, JSON.stringify(n)]);

const b64url = (s) => Buffer.from(s).toString('base64url');
const raw = (method, p, text) => srv.req(method, p, { raw: text, headers: { 'content-type': 'application/json' } });

function not5xx(res, what) {
  assert.ok(res.status < 500, `${what}: ${res.status} ${res.text}`);
}

async function alive() {
  const h = await srv.req('GET', '/healthz', { token: null });
  assert.equal(h.status, 200, 'server still answers');
}

let runId, expId;
before(async () => {
  srv = await startServer();
  const e = await srv.req('POST', ML + '/experiments/create', { body: { name: 'numbers' } });
  assert.equal(e.status, 200, e.text);
  expId = e.json.experiment_id;
  const r = await srv.req('POST', ML + '/runs/create', { body: { experiment_id: expId } });
  assert.equal(r.status, 200, r.text);
  runId = r.json.run.info.run_id;
  for (let s = 0; s < 3; s++) {
    const m = await srv.req('POST', ML + '/runs/log-metric', { body: { run_id: runId, key: 'm', value: s, timestamp: 1000 + s, step: s } });
    assert.equal(m.status, 200, m.text);
  }
  assert.equal((await srv.req('POST', UC + '/catalogs', { body: { name: 'numc' } })).status, 200);
  assert.equal((await srv.req('POST', UC + '/schemas', { body: { name: 's', catalog_name: 'numc' } })).status, 200);
  const good = await raw('POST', UC + '/tables', '{"name": "t0", "catalog_name": "numc", "schema_name": "s", "table_type": "MANAGED", "data_source_format": "DELTA", "columns": [{"name": "c", "type_name": "INT", "type_text": "int", "position": 0}]}');
  assert.equal(good.status, 200, 'the table body the sweep varies is valid: ' + good.text);
  assert.equal((await srv.req('POST', ML + '/registered-models/create', { body: { name: 'nm' } })).status, 200);
  assert.equal((await srv.req('POST', ML + '/model-versions/create', { body: { name: 'nm', source: 's3://b/nm' } })).status, 200);
});

test('view_type and run_view_type of INT64_MIN are refused with 400 naming the field, not an overflow', async () => {
  for (const [p, key] of [['/experiments/search', 'view_type'], ['/runs/search', 'run_view_type']]) {
    const res = await raw('POST', ML + p, `{"experiment_ids": ["${expId}"], "${key}": -9223372036854775808}`);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(res.json.message, new RegExp(key));
    // the numbers MLflow defines still work: 1 ACTIVE_ONLY, 2 DELETED_ONLY, 3 ALL
    for (const v of [1, 2, 3]) {
      const okr = await raw('POST', ML + p, `{"experiment_ids": ["${expId}"], "${key}": ${v}}`);
      assert.equal(okr.status, 200, okr.text);
    }
    for (const v of ['0', '4', '9223372036854775807', '-1']) {
      const bad = await raw('POST', ML + p, `{"experiment_ids": ["${expId}"], "${key}": ${v}}`);
      assert.equal(bad.status, 400, `${key}=${v}: ${bad.text}`);
    }
  }
  // the run status enum takes numbers from 1 too
  const st = await raw('POST', ML + '/runs/update', `{"run_id": "${runId}", "status": -9223372036854775808}`);
  assert.equal(st.status, 400, st.text);
  await alive();
});

test('every numeric MLflow body member survives hostile numbers', async () => {
  const bodies = [
    ['/experiments/search', (n) => `{"max_results": ${n}}`],
    ['/experiments/search', (n) => `{"view_type": ${n}}`],
    ['/runs/search', (n) => `{"experiment_ids": ["${expId}"], "max_results": ${n}}`],
    ['/runs/search', (n) => `{"experiment_ids": [${n}]}`],
    ['/runs/search', (n) => `{"experiment_ids": ["${expId}"], "run_view_type": ${n}}`],
    ['/runs/search', (n) => `{"experiment_ids": ["${expId}"], "filter": "metrics.m > ${JSON.parse(n)}"}`],
    ['/runs/create', (n) => `{"experiment_id": "${expId}", "start_time": ${n}}`],
    ['/runs/update', (n) => `{"run_id": "${runId}", "end_time": ${n}}`],
    ['/runs/update', (n) => `{"run_id": "${runId}", "status": ${n}}`],
    ['/runs/log-metric', (n) => `{"run_id": "${runId}", "key": "h", "value": 1, "timestamp": ${n}, "step": ${n}}`],
    ['/runs/log-batch', (n) => `{"run_id": "${runId}", "metrics": [{"key": "b", "value": 1, "timestamp": ${n}, "step": ${n}}]}`],
    ['/registered-models/alias', (n) => `{"name": "nm", "alias": "a", "version": ${n}}`],
    ['/model-versions/transition-stage', (n) => `{"name": "nm", "version": ${n}, "stage": "Staging"}`],
  ];
  for (const [p, mk] of bodies) {
    for (const n of BAD_JSON) {
      let text;
      try { text = mk(n); } catch { continue; }
      not5xx(await raw('POST', ML + p, text), `POST ${p} ${text}`);
    }
  }
  await alive();
});

test('query parameters and page tokens with hostile numbers are 4xx or 2xx, never 5xx', async () => {
  const offsets = ['9223372036854775807', '9223372036854775806', '-9223372036854775808', '-1', '9007199254740993', '1e300'];
  const tokens = [
    ...offsets.map((o) => b64url(`{"offset": ${o}}`)),
    ...offsets.map((o) => b64url(`{"s": ${o}, "t": ${o}, "v": "1", "n": 0}`)),
    ...offsets, ...offsets.map((o) => `${o}.${o}`),
  ];
  const paths = [
    (n) => `${ML}/registered-models/search?max_results=${n}`,
    (n) => `${ML}/model-versions/search?max_results=${n}`,
    (n) => `${ML}/model-versions/get?name=nm&version=${n}`,
    (n) => `${ML}/experiments/search?max_results=${n}`,
    (n) => `${ML}/metrics/get-history?run_id=${runId}&metric_key=m&max_results=${n}`,
    (n) => `${ML}/metrics/get-history-bulk-interval?run_ids=${runId}&metric_key=m&start_step=-9223372036854775808&end_step=${n}`,
    (n) => `${ML}/metrics/get-history-bulk-interval?run_ids=${runId}&metric_key=m&start_step=${n}&end_step=${n}&max_results=${n}`,
    (n) => `${ML}/experiments/get?experiment_id=${n}`,
    (n) => `${ML}/runs/search?experiment_ids=${expId}&run_view_type=${n}&max_results=${n}`,
    (n) => `${ML}/webhooks?max_results=${n}`,
    (n) => `${UC}/catalogs?max_results=${n}`,
    (n) => `${UC}/models?max_results=${n}`,
    (n) => `${UC}/models/numc.s.x/versions/${n}`,
    (n) => `/api/2.0/preview/scim/v2/Users?startIndex=${n}&count=${n}`,
    (n) => `/api/2.0/preview/scim/v2/Users/${n}`,
    (n) => `/api/2.0/weir/audit?max_results=${n}`,
    (n) => `/api/2.0/weir/audit?start_time=${n}&end_time=9223372036854775807&status_code=${n}&workspace_id=${n}`,
    (n) => `${UC}/schemas?catalog_name=numc&max_results=${n}`,
    (n) => `${UC}/tables?catalog_name=numc&schema_name=s&max_results=${n}`,
    (n) => `${UC}/entity-tag-assignments/catalogs/numc/tags?max_results=${n}`,
    (n) => `/api/2.0/weir/tags/search?max_results=${n}`,
    (n) => `${WL}/graph?node=job:x:y&depth=${n}&max_nodes=${n}&max_edges=${n}&as_of=${n}`,
    (n) => `${WL}/column-impact?table=a.b.c&column=x&depth=${n}&max_nodes=${n}`,
  ];
  // UC bodies: column positions, precisions and scales
  for (const n of BAD_JSON) {
    const col = (k) => `{"name": "t_${Math.random().toString(36).slice(2)}", "catalog_name": "numc", "schema_name": "s", "table_type": "MANAGED", "data_source_format": "DELTA", "columns": [{"name": "c", "type_name": "INT", "type_text": "int", "${k}": ${n}}]}`;
    for (const k of ['position', 'type_precision', 'type_scale', 'partition_index'])
      not5xx(await raw('POST', UC + '/tables', col(k)), `POST tables ${k}=${n}`);
    not5xx(await raw('POST', '/api/2.0/token/create', `{"lifetime_seconds": ${n}}`), `token/create lifetime_seconds=${n}`);
  }
  for (const mk of paths)
    for (const n of BAD) not5xx(await srv.req('GET', mk(encodeURIComponent(n))), `GET ${mk(n)}`);
  const tokPaths = [
    (t) => `${ML}/registered-models/search?max_results=1&page_token=${t}`,
    (t) => `${ML}/model-versions/search?max_results=1&page_token=${t}`,
    (t) => `${ML}/experiments/search?max_results=1&page_token=${t}`,
    (t) => `${ML}/metrics/get-history?run_id=${runId}&metric_key=m&max_results=1&page_token=${t}`,
    (t) => `${ML}/webhooks?max_results=1&page_token=${t}`,
    (t) => `${UC}/catalogs?max_results=1&page_token=${t}`,
    (t) => `/api/2.0/weir/audit?max_results=1&page_token=${t}`,
  ];
  for (const mk of tokPaths)
    for (const t of tokens) not5xx(await srv.req('GET', mk(encodeURIComponent(t))), `GET ${mk(t)}`);
  for (const t of tokens) {
    not5xx(await raw('POST', ML + '/runs/search', JSON.stringify({ experiment_ids: [expId], max_results: 1, page_token: t })), `runs/search ${t}`);
    not5xx(await raw('POST', ML + '/experiments/search', JSON.stringify({ max_results: 1, page_token: t })), `experiments/search ${t}`);
  }
  // a page offset past every row is an empty page, not an overflow when the next offset is computed
  const far = await raw('POST', ML + '/experiments/search', JSON.stringify({ max_results: 1, page_token: b64url('{"offset": 9223372036854775807}') }));
  assert.ok(far.status === 200 || far.status === 400, far.text);
  if (far.status === 200) assert.equal(far.json.next_page_token, undefined);
  await alive();
});
