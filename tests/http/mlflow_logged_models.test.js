// MLflow 3's LoggedModel API, replayed as the MLflow 3 Python client sends it (issue 14, item
// 1). The requests are those of shared/reference/clients/mlflow3-logged-models.md: MLflow
// 3.11.2.dev0 (harupy/mlflow a89bed6), recorded against the real MLflow server, for
// `mlflow.pyfunc.log_model(...)` -> `register_model("models:/<id>")` -> set alias ->
// `load_model("models:/m_reg@champion")` (the artifact downloads) -> `list_artifacts(run_id,
// dir)`, with the same methods, paths, query strings, bodies and headers; each answer is
// checked for what the client reads from it. The MLflow client cannot be installed from
// Debian's packages, so this replay is the guard (README, "MLflow").
//
// Then bad input (unknown ids, malformed bodies, the grammar the real server answers with a
// 500), the governance matrix of a logged model's files (as the runs of its experiment until
// a registered model version claims them through models:/<id>; then the registered model's
// rules, and what a caller may not see looks missing), and the audit rows of every change.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./lib');

const ML = '/api/2.0/mlflow';
const UC = '/api/2.1/unity-catalog';
const ART = '/api/2.0/mlflow-artifacts/artifacts';
const VERSION = '3.11.2.dev0';
// What the Python client sends on every request (rest_utils.py).
const CLIENT_HEADERS = { 'user-agent': `mlflow-python-client/${VERSION}`, 'x-mlflow-client-version': VERSION };

let srv;
const tok = {}; // principal -> token
const app = {}; // principal -> applicationId

async function principal(name) {
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { body: { displayName: name } });
  assert.equal(sp.status, 201, sp.text);
  const t = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId } });
  assert.equal(t.status, 200, t.text);
  return { token: t.json.token_value, app: sp.json.applicationId };
}

async function grant(type, name, who, privileges) {
  const res = await srv.req('PATCH', `${UC}/permissions/${type}/${name}`, { body: { changes: [{ principal: app[who], add: privileges }] } });
  assert.equal(res.status, 200, res.text);
}

// The client's request: JSON bodies as `requests` sends them (json=), GET arguments in the
// query string; `who` is the caller.
async function client(method, p, body, who = 'client', headers = {}) {
  const opts = { token: tok[who], headers: { ...CLIENT_HEADERS, ...headers } };
  if (body !== undefined) opts.body = body;
  return srv.req(method, p, opts);
}
async function ok(method, p, body, who) {
  const res = await client(method, p, body, who);
  assert.equal(res.status, 200, `${method} ${p}: ${res.text}`);
  assert.match(res.headers.get('content-type') || '', /^application\/json/);
  return res.json;
}
const upload = (who, p, bytes, type) => srv.req('PUT', `${ART}/${p}`, { token: tok[who], raw: bytes, headers: { ...CLIENT_HEADERS, 'content-type': type } });

function mlError(res, status, code, message) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.error_code, code, res.text);
  if (message !== undefined) assert.equal(res.json.message, message);
}

// The files pyfunc.log_model uploads (the pickle as bytes that are not UTF-8).
const pickle = Buffer.from(Array.from({ length: 1276 }, (_, i) => (i * 37 + 128) % 256));
function modelFiles(artifactUri, modelId, runId) {
  return [
    ['requirements.txt', 'text/plain', 'mlflow==3.11.1\ncloudpickle==2.2.0\n'],
    ['MLmodel', 'text/plain', `artifact_path: ${artifactUri}\nflavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n    python_model: python_model.pkl\nmodel_id: ${modelId}\nrun_id: ${runId}\n`],
    ['python_env.yaml', 'text/plain', 'python: 3.11.2\nbuild_dependencies:\n- pip==23.0.1\n'],
    ['python_model.pkl', 'application/octet-stream', pickle],
    ['conda.yaml', 'text/plain', 'channels:\n- conda-forge\ndependencies:\n- python=3.11.2\n'],
  ];
}

// State of the replay, for the tests that follow it.
const S = {};

before(async () => {
  srv = await startServer();
  tok.admin = srv.token;
  for (const who of ['client', 'executor', 'nobody', 'thief']) {
    const p = await principal(who);
    tok[who] = p.token;
    app[who] = p.app;
  }
  // the first MLflow create makes catalog main and schema main.default (owned by admin)
  assert.equal((await srv.req('POST', `${ML}/registered-models/create`, { body: { name: 'seed' } })).status, 200);
  for (const who of ['client', 'executor', 'thief']) {
    await grant('catalog', 'main', who, ['USE_CATALOG']);
    await grant('schema', 'main.default', who, ['USE_SCHEMA']);
  }
  await grant('schema', 'main.default', 'client', ['CREATE_MODEL']);
  await grant('schema', 'main.default', 'thief', ['CREATE_MODEL']);
});

after(async () => {
  if (srv) await srv.stop();
});

test('log_model -> register_model(models:/<id>) -> alias -> load_model by alias -> list_artifacts, as the MLflow 3 client sends them', async () => {
  // 1-2. create_experiment, set_experiment
  const exp = (await ok('POST', `${ML}/experiments/create`, { name: 'logged-models-demo' })).experiment_id;
  assert.equal(typeof exp, 'string');
  const e = (await ok('GET', `${ML}/experiments/get?experiment_id=${exp}`)).experiment;
  assert.equal(e.artifact_location, `mlflow-artifacts:/${exp}`);
  // 3. start_run
  const run = (await ok('POST', `${ML}/runs/create`, {
    experiment_id: exp, user_id: 'root', start_time: 1796176807615,
    tags: [{ key: 'mlflow.user', value: 'root' }, { key: 'mlflow.source.name', value: '<script>/scenario.py' }, { key: 'mlflow.source.type', value: 'LOCAL' }],
  })).run;
  const rid = run.info.run_id;
  assert.equal(run.info.artifact_uri, `mlflow-artifacts:/${exp}/${rid}/artifacts`);
  const runQ = `run_uuid=${rid}&run_id=${rid}`;
  // 4-7. log_param, log_params, log_metric, log_metrics
  assert.deepEqual(await ok('POST', `${ML}/runs/log-parameter`, { run_uuid: rid, key: 'alpha', value: '0.5', run_id: rid }), {});
  assert.deepEqual(await ok('POST', `${ML}/runs/log-batch`, { run_id: rid, params: [{ key: 'l1', value: '0.1' }, { key: 'epochs', value: '3' }] }), {});
  assert.deepEqual(await ok('POST', `${ML}/runs/log-metric`, { run_uuid: rid, key: 'loss', value: 0.25, timestamp: 1796176807923, step: 1, run_id: rid }), {});
  assert.deepEqual(await ok('POST', `${ML}/runs/log-batch`, {
    run_id: rid,
    metrics: [{ key: 'loss', value: 0.2, timestamp: 1796176807984, step: 2, run_id: rid }, { key: 'acc', value: 0.9, timestamp: 1796176807984, step: 2, run_id: rid }],
  }), {});
  // 8. log_text(..., 'some/dir/notes.txt')
  let got = (await ok('GET', `${ML}/runs/get?${runQ}`)).run;
  assert.deepEqual(got.inputs, {});
  assert.deepEqual(got.outputs, {});
  let up = await upload('client', `${exp}/${rid}/artifacts/some/dir/notes.txt`, 'hello', 'text/plain');
  assert.equal(up.status, 200, up.text);

  // 9. pyfunc.log_model(name='m', python_model=AddOne()): the run's params and mlflow tags
  // are copied into the create
  got = (await ok('GET', `${ML}/runs/get?${runQ}`)).run;
  const params = got.data.params.map(({ key, value }) => ({ key, value }));
  const created = (await ok('POST', `${ML}/logged-models`, {
    experiment_id: exp, name: 'm', source_run_id: rid, params,
    tags: [{ key: 'mlflow.user', value: 'root' }, { key: 'mlflow.source.name', value: '<script>/scenario.py' }, { key: 'mlflow.source.type', value: 'LOCAL' }],
  })).model;
  const id = created.info.model_id;
  assert.match(id, /^m-[0-9a-f]{32}$/);
  const artifactUri = `mlflow-artifacts:/${exp}/models/${id}/artifacts`;
  assert.deepEqual(Object.keys(created).sort(), ['data', 'info']);
  assert.equal(created.info.experiment_id, exp);
  assert.equal(created.info.name, 'm');
  assert.equal(created.info.artifact_uri, artifactUri);
  assert.equal(created.info.status, 'LOGGED_MODEL_PENDING');
  assert.equal(created.info.model_type, '');
  assert.equal(created.info.source_run_id, rid);
  assert.equal(created.info.creation_timestamp_ms, created.info.last_updated_timestamp_ms);
  assert.deepEqual(created.info.tags.map((t) => t.key), ['mlflow.source.name', 'mlflow.source.type', 'mlflow.user']);
  assert.deepEqual(created.data.params, [{ key: 'alpha', value: '0.5' }, { key: 'epochs', value: '3' }, { key: 'l1', value: '0.1' }]);
  assert.equal(created.data.metrics, undefined);
  assert.deepEqual(await ok('POST', `${ML}/runs/outputs`, { run_id: rid, models: [{ model_id: id, step: 0 }] }), {});
  got = (await ok('GET', `${ML}/runs/get?${runQ}`)).run;
  assert.deepEqual(got.outputs, { model_outputs: [{ model_id: id, step: 0 }] });
  assert.deepEqual(got.inputs, {});
  for (const [key, n] of [['loss', 2], ['acc', 1]]) {
    const h = await ok('GET', `${ML}/metrics/get-history?${runQ.replace('&', `&metric_key=${key}&`)}&max_results=25000`);
    assert.equal(h.metrics.length, n);
  }
  assert.deepEqual((await ok('GET', `${ML}/logged-models/${id}`)).model, created);
  const files = modelFiles(artifactUri, id, rid);
  for (const [name, type, body] of files) {
    up = await upload('client', `${exp}/models/${id}/artifacts/${name}`, body, type);
    assert.equal(up.status, 200, `${name}: ${up.text}`);
    assert.deepEqual(up.json, {});
  }
  const ready = (await ok('PATCH', `${ML}/logged-models/${id}`, { model_id: id, status: 'LOGGED_MODEL_READY' })).model;
  assert.equal(ready.info.status, 'LOGGED_MODEL_READY');
  assert.ok(ready.info.last_updated_timestamp_ms >= created.info.creation_timestamp_ms);
  assert.equal(ready.info.creation_timestamp_ms, created.info.creation_timestamp_ms);

  // 10. log_metric('val_loss', 0.3, model_id=...)
  assert.deepEqual(await ok('POST', `${ML}/runs/log-inputs`, { run_id: rid, models: [{ model_id: id }] }), {});
  assert.deepEqual(await ok('POST', `${ML}/runs/log-metric`, { run_uuid: rid, key: 'val_loss', value: 0.3, timestamp: 1796176812785, step: 0, run_id: rid, model_id: id }), {});

  // 11. register_model('models:/<id>', 'm_reg'): the server fills run_id and tags the model
  assert.equal((await ok('POST', `${ML}/registered-models/create`, { name: 'm_reg' })).registered_model.name, 'm_reg');
  const mv = (await ok('POST', `${ML}/model-versions/create`, { name: 'm_reg', source: `models:/${id}`, model_id: id })).model_version;
  assert.equal(mv.version, '1');
  assert.equal(mv.status, 'READY');
  assert.equal(mv.current_stage, 'None');
  assert.equal(mv.source, `models:/${id}`);
  assert.equal(mv.run_id, rid);
  for (let i = 0; i < 2; i++) {
    const lm = (await ok('GET', `${ML}/logged-models/${id}`)).model;
    assert.equal(lm.info.tags[0].key, 'mlflow.modelVersions');
    assert.equal(lm.info.tags[0].value, '[{"name": "m_reg", "version": 1}]');
    assert.deepEqual(lm.data.metrics, [{ key: 'val_loss', value: 0.3, timestamp: 1796176812785, step: 0, model_id: id, run_id: rid }]);
  }
  const appended = '[{"name": "m_reg", "version": 1}, {"name": "m_reg", "version": "1"}]';
  assert.deepEqual(await ok('PATCH', `${ML}/logged-models/${id}/tags`, { tags: [{ key: 'mlflow.modelVersions', value: appended }] }), {});

  // 12. set_registered_model_alias('m_reg', 'champion', version)
  const rm = (await ok('GET', `${ML}/registered-models/get?name=m_reg`)).registered_model;
  assert.equal(rm.latest_versions[0].version, '1');
  assert.deepEqual(await ok('POST', `${ML}/registered-models/alias`, { name: 'm_reg', alias: 'champion', version: '1' }), {});

  // 13. load_model('models:/m_reg@champion'): alias, model, download URI, list, every file
  const byAlias = (await ok('GET', `${ML}/registered-models/alias?name=m_reg&alias=champion`)).model_version;
  assert.equal(byAlias.version, '1');
  assert.deepEqual(byAlias.aliases, ['champion']);
  assert.deepEqual((await ok('GET', `${ML}/registered-models/get?name=m_reg`)).registered_model.aliases, [{ alias: 'champion', version: '1' }]);
  const uri = (await ok('GET', `${ML}/model-versions/get-download-uri?name=m_reg&version=1`)).artifact_uri;
  assert.equal(uri, artifactUri);
  const want = files.map(([name, , body]) => ({ path: name, is_dir: false, file_size: Buffer.byteLength(body) }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(await ok('GET', `${ART}?path=${uri.slice('mlflow-artifacts:/'.length)}`), { files: want });
  }
  for (const [name, , body] of files) {
    const res = await srv.req('GET', `${ART}/${exp}/models/${id}/artifacts/${name}`, { token: tok.client, headers: CLIENT_HEADERS });
    assert.equal(res.status, 200, name);
    const bytes = Buffer.from(await (await fetch(`${srv.base}${ART}/${exp}/models/${id}/artifacts/${name}`, { headers: { authorization: `Bearer ${tok.client}` } })).arrayBuffer());
    assert.ok(bytes.equals(Buffer.from(body)), `${name}: the bytes uploaded`);
  }

  // 15-16. search_logged_models
  let found = await ok('POST', `${ML}/logged-models/search`, { experiment_ids: [exp], filter: "name = 'm'", max_results: 10 });
  assert.deepEqual(found.models.map((x) => x.info.model_id), [id]);
  assert.equal(found.next_page_token, undefined);
  found = await ok('POST', `${ML}/logged-models/search`, { experiment_ids: [exp], filter: 'metrics.val_loss < 1', order_by: [{ field_name: 'creation_time', ascending: false }] });
  assert.deepEqual(found.models.map((x) => x.info.model_id), [id]);
  assert.equal(found.models[0].info.tags[0].value, appended);
  // 17-20. get, set tags, delete tag, finalize again
  assert.equal((await ok('GET', `${ML}/logged-models/${id}`)).model.info.status, 'LOGGED_MODEL_READY');
  assert.deepEqual(await ok('PATCH', `${ML}/logged-models/${id}/tags`, { tags: [{ key: 'team', value: 'a' }, { key: 'stage', value: 'dev' }] }), {});
  assert.deepEqual(await ok('DELETE', `${ML}/logged-models/${id}/tags/stage`), {});
  const again = (await ok('PATCH', `${ML}/logged-models/${id}`, { model_id: id, status: 'LOGGED_MODEL_READY' })).model;
  assert.deepEqual(again.info.tags.map((t) => t.key), ['mlflow.modelVersions', 'mlflow.source.name', 'mlflow.source.type', 'mlflow.user', 'team']);
  // 21-24. create m2, log params, finalize FAILED, delete
  const m2 = (await ok('POST', `${ML}/logged-models`, {
    experiment_id: exp, name: 'm2', model_type: 'custom', source_run_id: rid, params: [{ key: 'p', value: '1' }], tags: [{ key: 'k', value: 'v' }],
  })).model;
  assert.equal(m2.info.model_type, 'custom');
  const m2id = m2.info.model_id;
  await ok('GET', `${ML}/logged-models/${m2id}`);
  assert.deepEqual(await ok('POST', `${ML}/logged-models/${m2id}/params`, { model_id: m2id, params: [{ key: 'q', value: '2' }] }), {});
  const failed = (await ok('PATCH', `${ML}/logged-models/${m2id}`, { model_id: m2id, status: 'LOGGED_MODEL_UPLOAD_FAILED' })).model;
  assert.equal(failed.info.status, 'LOGGED_MODEL_UPLOAD_FAILED');
  assert.deepEqual(failed.data.params, [{ key: 'p', value: '1' }, { key: 'q', value: '2' }]);
  assert.deepEqual(await ok('DELETE', `${ML}/logged-models/${m2id}`, { model_id: m2id }), {});
  mlError(await client('GET', `${ML}/logged-models/${m2id}`), 404, 'RESOURCE_DOES_NOT_EXIST', `Logged model with ID '${m2id}' not found.`);

  // 25. list_artifacts(run_id, 'some/dir'): the run, the listing, the logged-model check ({})
  await ok('GET', `${ML}/runs/get?${runQ}`);
  assert.deepEqual(await ok('GET', `${ART}?path=${exp}/${rid}/artifacts/some/dir`), { files: [{ path: 'notes.txt', is_dir: false, file_size: 5 }] });
  got = (await ok('GET', `${ML}/runs/get?${runQ}`)).run;
  assert.deepEqual(got.inputs, { model_inputs: [{ model_id: id }] });
  assert.deepEqual(got.outputs, { model_outputs: [{ model_id: id, step: 0 }] });
  assert.deepEqual(await ok('POST', `${ML}/logged-models/search`, { experiment_ids: [exp], filter: "name = 'some'" }), {});
  // 26. list_artifacts(run_id) at the root
  assert.deepEqual(await ok('GET', `${ART}?path=${exp}/${rid}/artifacts`), { files: [{ path: 'some', is_dir: true }] });
  // 27. mlflow.artifacts.list_artifacts('models:/<id>')
  assert.equal((await ok('GET', `${ML}/logged-models/${id}`)).model.info.artifact_uri, artifactUri);
  assert.equal((await ok('GET', `${ART}?path=${exp}/models/${id}/artifacts`)).files.length, 5);
  // 28. end_run
  assert.equal((await ok('POST', `${ML}/runs/update`, { run_uuid: rid, status: 'FINISHED', end_time: 1796176815124, run_id: rid })).run_info.status, 'FINISHED');
  // 29. search after the delete: only m
  found = await ok('POST', `${ML}/logged-models/search`, { experiment_ids: [exp] });
  assert.deepEqual(found.models.map((x) => x.info.model_id), [id]);
  assert.deepEqual(found.models[0].data.params.map((p) => p.key), ['alpha', 'epochs', 'l1']);
  Object.assign(S, { exp, rid, id, m2id, artifactUri, files });
});

test('pages of a search: max_results, next_page_token bound to its query, the last page without a token', async () => {
  const exp = (await ok('POST', `${ML}/experiments/create`, { name: 'paging' })).experiment_id;
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await ok('POST', `${ML}/logged-models`, { experiment_id: exp, name: `p${i}` })).model.info.model_id);
  const seen = [];
  let token;
  let pages = 0;
  do {
    const body = { experiment_ids: [exp], max_results: 2, order_by: [{ field_name: 'name', ascending: true }] };
    if (token) body.page_token = token;
    const page = await ok('POST', `${ML}/logged-models/search`, body);
    seen.push(...page.models.map((m) => m.info.name));
    token = page.next_page_token;
    pages++;
    if (token && pages === 1) {
      mlError(await client('POST', `${ML}/logged-models/search`, { experiment_ids: [exp], max_results: 2, page_token: token }), 400, 'INVALID_PARAMETER_VALUE');
    }
  } while (token);
  assert.deepEqual(seen, ['p0', 'p1', 'p2', 'p3', 'p4']);
  assert.equal(pages, 3);
  mlError(await client('POST', `${ML}/logged-models/search`, { experiment_ids: [exp], page_token: 'not a token' }), 400, 'INVALID_PARAMETER_VALUE');
});

test('bad input: unknown ids are 404 with MLflow\'s message, malformed bodies 400 naming the field, never a 5xx', async () => {
  const unknown = 'm-0123456789abcdef0123456789abcdef';
  const notFound = (id) => `Logged model with ID '${id}' not found.`;
  mlError(await client('GET', `${ML}/logged-models/m-doesnotexist`), 404, 'RESOURCE_DOES_NOT_EXIST', notFound('m-doesnotexist'));
  for (const [method, p, body] of [
    ['GET', `${ML}/logged-models/${unknown}`],
    ['PATCH', `${ML}/logged-models/${unknown}`, { model_id: unknown, status: 'LOGGED_MODEL_READY' }],
    ['DELETE', `${ML}/logged-models/${unknown}`, { model_id: unknown }],
    ['PATCH', `${ML}/logged-models/${unknown}/tags`, { tags: [{ key: 'a', value: 'b' }] }],
    ['DELETE', `${ML}/logged-models/${unknown}/tags/a`],
    ['POST', `${ML}/logged-models/${unknown}/params`, { params: [{ key: 'a', value: 'b' }] }],
    ['GET', `${ML}/logged-models/${S.m2id}`], // deleted
  ]) {
    const res = await client(method, p, body);
    mlError(res, 404, 'RESOURCE_DOES_NOT_EXIST', notFound(p.split('/')[5]));
    assert.deepEqual(Object.keys(res.json).sort(), ['error_code', 'message']);
  }
  mlError(await client('DELETE', `${ML}/logged-models/${S.id}/tags/nope`), 404, 'RESOURCE_DOES_NOT_EXIST', `No tag with key 'nope' found for model with ID '${S.id}'.`);
  mlError(await client('POST', `${ML}/runs/outputs`, { run_id: S.rid, models: [{ model_id: unknown, step: 0 }] }), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlError(await client('POST', `${ML}/runs/log-inputs`, { run_id: S.rid, models: [{ model_id: unknown }] }), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlError(await client('POST', `${ML}/runs/log-metric`, { run_id: S.rid, key: 'x', value: 1, timestamp: 1, model_id: unknown }), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlError(await client('POST', `${ML}/runs/outputs`, { run_id: '0123456789abcdef0123456789abcdef', models: [{ model_id: S.id }] }), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlError(await client('POST', `${ML}/model-versions/create`, { name: 'm_reg', source: `models:/${unknown}` }), 404, 'RESOURCE_DOES_NOT_EXIST', notFound(unknown));
  mlError(await client('POST', `${ML}/model-versions/create`, { name: 'm_reg', source: 's3://b/x', model_id: unknown }), 404, 'RESOURCE_DOES_NOT_EXIST', notFound(unknown));
  mlError(await client('POST', `${ML}/logged-models`, { experiment_id: '9999' }), 404, 'RESOURCE_DOES_NOT_EXIST');

  // the real server's own 400 for a missing experiment_id, word for word
  mlError(await client('POST', `${ML}/logged-models`, { name: 'x' }), 400, 'INVALID_PARAMETER_VALUE',
    "Missing value for required parameter 'experiment_id'. See the API docs for more information about request parameters.");
  const bad = [
    ['POST', `${ML}/logged-models`, { experiment_id: [] }, /experiment_id/],
    ['POST', `${ML}/logged-models`, { experiment_id: S.exp, params: 'x' }, /params/],
    ['POST', `${ML}/logged-models`, { experiment_id: S.exp, tags: [{ value: 'v' }] }, /key/],
    ['POST', `${ML}/logged-models`, { experiment_id: S.exp, name: 'a/b' }, /name/],
    ['POST', `${ML}/logged-models`, { experiment_id: S.exp, source_run_id: 7 }, /source_run_id/],
    ['PATCH', `${ML}/logged-models/${S.id}`, { status: 'BOGUS' }, /status/],
    ['PATCH', `${ML}/logged-models/${S.id}`, {}, /status/],
    ['PATCH', `${ML}/logged-models/${S.id}/tags`, { tags: {} }, /tags/],
    ['POST', `${ML}/logged-models/${S.id}/params`, { params: [{ key: 'alpha', value: 'changed' }] }, /Changing param values is not allowed/],
    ['POST', `${ML}/logged-models/search`, { experiment_ids: [S.exp], filter: 'foo = 1' }, /foo/],
    ['POST', `${ML}/logged-models/search`, { experiment_ids: [S.exp], filter: "name = 'm' OR name = 'x'" }, /filter/],
    ['POST', `${ML}/logged-models/search`, { experiment_ids: [S.exp], order_by: ['name'] }, /order_by/],
    ['POST', `${ML}/logged-models/search`, { experiment_ids: [S.exp], order_by: [{ field_name: 'tags.x' }] }, /metrics/],
    ['POST', `${ML}/logged-models/search`, { experiment_ids: ['x'] }, /experiment/],
    ['POST', `${ML}/logged-models/search`, { experiment_ids: [S.exp], max_results: 5000 }, /max_results/],
    ['POST', `${ML}/runs/outputs`, { run_id: S.rid, models: [{ step: 0 }] }, /model_id/],
  ];
  for (const [method, p, body, msg] of bad) {
    const res = await client(method, p, body);
    mlError(res, 400, 'INVALID_PARAMETER_VALUE');
    assert.match(res.json.message, msg, `${method} ${p} ${JSON.stringify(body)}`);
  }
  // not JSON, a JSON array, no Content-Type on a POST
  for (const raw of ['{"experiment_id": ', '[1]']) {
    const res = await srv.req('POST', `${ML}/logged-models`, { raw, headers: { 'content-type': 'application/json' } });
    mlError(res, 400, 'INVALID_PARAMETER_VALUE');
  }
  mlError(await srv.req('POST', `${ML}/logged-models`, { raw: JSON.stringify({ experiment_id: S.exp }) }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await srv.req('PATCH', `${ML}/logged-models/${S.id}`, { raw: 'nope', headers: { 'content-type': 'application/json' } }), 400, 'INVALID_PARAMETER_VALUE');
  // no token
  const anon = await srv.req('GET', `${ML}/logged-models/${S.id}`, { token: null });
  assert.equal(anon.status, 401);
  // the model is unchanged by all of it
  const lm = (await ok('GET', `${ML}/logged-models/${S.id}`)).model;
  assert.equal(lm.info.status, 'LOGGED_MODEL_READY');
  assert.deepEqual(lm.data.params, [{ key: 'alpha', value: '0.5' }, { key: 'epochs', value: '3' }, { key: 'l1', value: '0.1' }]);
});

// Logged models are governed as the runs of their experiment: any authenticated principal
// may read and change them and their files. Once a registered model version names the
// files (source models:/<id>), they are also that registered model's: downloading and
// listing need what reading it needs (EXECUTE, or ownership), uploading and deleting need
// ownership; what a caller may not see answers as a missing file (a list as {}).
test('governance of a logged model\'s files: as runs until registered, then the registered model\'s rules; hidden looks missing', async () => {
  const { exp, id } = S;
  const dir = `${exp}/models/${id}/artifacts`;
  // an unregistered logged model (another principal's): everyone authenticated
  const free = (await ok('POST', `${ML}/logged-models`, { experiment_id: exp, name: 'free' }, 'executor')).model.info.model_id;
  const freeDir = `${exp}/models/${free}/artifacts`;
  for (const who of ['admin', 'client', 'executor', 'nobody', 'thief']) {
    const p = `${freeDir}/by-${who}.txt`;
    assert.equal((await upload(who, p, who, 'text/plain')).status, 200, `${who} uploads to an unregistered model`);
    assert.equal((await srv.req('GET', `${ART}/${p}`, { token: tok[who] })).text, who);
    assert.ok((await ok('GET', `${ART}?path=${freeDir}`, undefined, who)).files.length >= 1);
    assert.equal((await srv.req('DELETE', `${ART}/${p}`, { token: tok[who] })).status, 200, `${who} deletes`);
    assert.equal((await ok('GET', `${ML}/logged-models/${free}`, undefined, who)).model.info.name, 'free');
  }

  // the registered one (m_reg, owned by client; executor has EXECUTE)
  await grant('registered_model', 'main.default.m_reg', 'executor', ['EXECUTE']);
  const file = `${dir}/MLmodel`;
  const original = (await srv.req('GET', `${ART}/${file}`, { token: tok.client })).text;
  const matrix = {
    // [download, upload, delete, list]
    admin: ['ok', 'ok', 'ok', 'ok'],
    client: ['ok', 'ok', 'ok', 'ok'],
    executor: ['ok', 'denied', 'denied', 'ok'],
    nobody: ['hidden', 'hidden', 'hidden', 'hidden'],
    thief: ['hidden', 'hidden', 'hidden', 'hidden'],
  };
  const missingFile = `${dir}/does-not-exist`;
  const hiddenAs = async (res, p, what, who) => {
    const m = await srv.req('GET', `${ART}/${missingFile}`, { token: tok.admin });
    assert.equal(res.status, 404, `${what}: ${res.text}`);
    assert.equal(res.text, m.text.replace(missingFile, p), `${what}: the answer for a missing file (${who})`);
  };
  for (const [who, [down, put, rm, ls]] of Object.entries(matrix)) {
    const what = (op) => `${who} ${op}`;
    const g = await srv.req('GET', `${ART}/${file}`, { token: tok[who] });
    if (down === 'ok') assert.equal(g.text, original, what('download'));
    else await hiddenAs(g, file, what('download'), who);
    const l = await srv.req('GET', `${ART}?path=${dir}`, { token: tok[who] });
    assert.equal(l.status, 200, what('list'));
    if (ls === 'ok') assert.equal(l.json.files.length, 5, what('list'));
    else assert.deepEqual(l.json, {}, what('list: as a missing directory'));
    const scratch = `${dir}/scratch-${who}.txt`;
    const u = await upload(who, scratch, 'x', 'text/plain');
    if (put === 'ok') assert.equal(u.status, 200, what('upload'));
    else if (put === 'denied') mlError(u, 403, 'PERMISSION_DENIED');
    else await hiddenAs(u, scratch, what('upload'), who);
    const target = put === 'ok' ? scratch : file;
    const d = await srv.req('DELETE', `${ART}/${target}`, { token: tok[who] });
    if (rm === 'ok') assert.equal(d.status, 200, what('delete'));
    else if (rm === 'denied') mlError(d, 403, 'PERMISSION_DENIED');
    else await hiddenAs(d, target, what('delete'), who);
  }
  // nothing refused changed the files
  assert.equal((await srv.req('GET', `${ART}/${file}`, { token: tok.admin })).text, original);
  // the metadata stays the run rule's (anyone authenticated), as MLflow's without its auth app
  assert.equal((await client('GET', `${ML}/logged-models/${id}`, undefined, 'nobody')).status, 200);
  // a version from files the caller may not read is refused naming source (the thief has
  // CREATE MODEL but no EXECUTE on m_reg), the same for an absent model's files; from an
  // unregistered model's files it is allowed
  assert.equal((await client('POST', `${ML}/registered-models/create`, { name: 'steal' }, 'thief')).status, 200);
  const refused = await client('POST', `${ML}/model-versions/create`, { name: 'steal', source: `models:/${id}`, model_id: id }, 'thief');
  mlError(refused, 403, 'PERMISSION_DENIED');
  assert.match(refused.json.message, /source/);
  const fine = await client('POST', `${ML}/model-versions/create`, { name: 'steal', source: `models:/${free}` }, 'thief');
  assert.equal(fine.status, 200, fine.text);
  assert.equal(fine.json.model_version.version, '1');
  assert.equal((await ok('GET', `${ML}/model-versions/get-download-uri?name=steal&version=1`, undefined, 'thief')).artifact_uri, `mlflow-artifacts:/${freeDir}`);
  // ... and now the free model's files are the thief's model's: executor, who made the
  // logged model, no longer sees them
  const l = await srv.req('GET', `${ART}?path=${freeDir}`, { token: tok.executor });
  assert.deepEqual(l.json, {});
});

test('every change to a logged model is audited, reads are not', async () => {
  const exp = S.exp;
  const c = await client('POST', `${ML}/logged-models`, { experiment_id: exp, name: 'audited' });
  const mid = c.json.model.info.model_id;
  const reqs = [
    [c, 'createLoggedModel', 200],
    [await client('PATCH', `${ML}/logged-models/${mid}/tags`, { tags: [{ key: 'a', value: 'b' }] }), 'setLoggedModelTags', 200],
    [await client('DELETE', `${ML}/logged-models/${mid}/tags/a`), 'deleteLoggedModelTag', 200],
    [await client('POST', `${ML}/logged-models/${mid}/params`, { params: [{ key: 'a', value: 'b' }] }), 'logLoggedModelParams', 200],
    [await client('PATCH', `${ML}/logged-models/${mid}`, { status: 'LOGGED_MODEL_READY' }), 'finalizeLoggedModel', 200],
    [await client('POST', `${ML}/runs/outputs`, { run_id: S.rid, models: [{ model_id: mid, step: 1 }] }), 'logOutputs', 200],
    [await client('DELETE', `${ML}/logged-models/${mid}`, {}), 'deleteLoggedModel', 200],
    [await client('DELETE', `${ML}/logged-models/${mid}`, {}), 'deleteLoggedModel', 404],
  ];
  const read = await client('GET', `${ML}/logged-models/${S.id}`);
  const search = await client('POST', `${ML}/logged-models/search`, { experiment_ids: [exp] });
  const events = [];
  let token;
  do {
    const res = await srv.req('GET', `/api/2.0/weir/audit${token ? `?page_token=${encodeURIComponent(token)}` : ''}`);
    assert.equal(res.status, 200, res.text);
    events.push(...res.json.events);
    token = res.json.next_page_token;
  } while (token);
  for (const [res, action, status] of reqs) {
    assert.equal(res.status, status, `${action}: ${res.text}`);
    const rows = events.filter((e) => e.request_id === res.headers.get('x-request-id'));
    assert.equal(rows.length, 1, `${action} ${status}: one audit row`);
    assert.equal(rows[0].service_name, 'mlflowExperiment');
    assert.equal(rows[0].action_name, action);
    assert.equal(rows[0].response.status_code, status);
    if (action !== 'createLoggedModel' && action !== 'logOutputs') assert.equal(rows[0].securable, mid, action);
  }
  for (const res of [read, search]) {
    assert.equal(res.status, 200);
    assert.equal(events.filter((e) => e.request_id === res.headers.get('x-request-id')).length, 0);
  }
});
