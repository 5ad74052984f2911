// The MLflow Model Registry wire (/api/2.0/mlflow and its /ajax-api twin) and Unity Catalog
// models (/api/2.1/unity-catalog/models) over the same store: every endpoint, the errors
// the reference lists, the search grammar and page tokens, and both views agreeing.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, rawRequest, assertError } = require('./lib');

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

const ML = '/api/2.0/mlflow';
const UC = '/api/2.1/unity-catalog';
const post = (p, body) => srv.req('POST', ML + p, { body });
const get = (p) => srv.req('GET', ML + p);
const del = (p, body) => srv.req('DELETE', ML + p, { body });
const patch = (p, body) => srv.req('PATCH', ML + p, { body });

// MLflow errors: {error_code, message} and nothing else, with MLflow's status.
function mlError(res, status, code, re) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${res.text}`);
  assert.equal(res.json.error_code, code, res.text);
  assert.equal(typeof res.json.message, 'string');
  assert.equal(res.json.details, undefined, 'MLflow errors carry no details');
  if (re) assert.match(res.json.message, re);
}

async function createModel(name, extra = {}) {
  const r = await post('/registered-models/create', { name, ...extra });
  assert.equal(r.status, 200, r.text);
  return r.json.registered_model;
}
async function createVersion(name, extra = {}) {
  const r = await post('/model-versions/create', { name, source: 's3://bucket/' + name, ...extra });
  assert.equal(r.status, 200, r.text);
  return r.json.model_version;
}

test('create answers the MLflow shape: int64 numbers, empty lists omitted; a duplicate is 400 RESOURCE_ALREADY_EXISTS', async () => {
  const m = await createModel('fraud');
  assert.equal(m.name, 'fraud');
  assert.equal(typeof m.creation_timestamp, 'number');
  assert.equal(m.creation_timestamp, m.last_updated_timestamp);
  assert.equal(m.tags, undefined);
  assert.equal(m.latest_versions, undefined);
  mlError(await post('/registered-models/create', { name: 'fraud' }), 400, 'RESOURCE_ALREADY_EXISTS', /Registered Model \(name=fraud\) already exists/);
});

test('missing, empty and wrongly typed arguments are 400 INVALID_PARAMETER_VALUE', async () => {
  mlError(await post('/registered-models/create', {}), 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'name'/);
  mlError(await post('/registered-models/create', { name: '' }), 400, 'INVALID_PARAMETER_VALUE', /'name'/);
  mlError(await post('/registered-models/create', { name: 5 }), 400, 'INVALID_PARAMETER_VALUE', /Hint: Value was of type 'int'/);
  mlError(await post('/registered-models/create', { name: 'has space' }), 400, 'INVALID_PARAMETER_VALUE', /'name'/);
  mlError(await post('/registered-models/create', { name: 'a.b' }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/registered-models/create', { name: 'okname', tags: [{ key: 'k', value: 123 }] }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/registered-models/create', { name: 'okname', tags: { key: 'k' } }), 400, 'INVALID_PARAMETER_VALUE');
  const noCt = await srv.req('POST', ML + '/registered-models/create', { raw: '{"name":"x1"}' });
  mlError(noCt, 400, 'INVALID_PARAMETER_VALUE', /Content-Type/);
  const textCt = await srv.req('POST', ML + '/registered-models/create', { raw: '{"name":"x1"}', headers: { 'content-type': 'text/plain' } });
  mlError(textCt, 400, 'INVALID_PARAMETER_VALUE', /Content-Type/);
  const charset = await srv.req('POST', ML + '/registered-models/create', { raw: '{"name":"x1"}', headers: { 'content-type': 'application/json; charset=utf-8' } });
  assert.equal(charset.status, 200, charset.text);
  const unknown = await post('/registered-models/create', { name: 'x2', something_else: [1, 2] });
  assert.equal(unknown.status, 200, 'unknown fields are ignored');
  // nothing of the refused requests was created
  mlError(await get('/registered-models/get?name=okname'), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('get, unknown names, and the /ajax-api twin', async () => {
  await createModel('twin', { description: 'd', tags: [{ key: 't', value: 'v' }] });
  const a = await get('/registered-models/get?name=twin');
  const b = await srv.req('GET', '/ajax-api/2.0/mlflow/registered-models/get?name=twin');
  assert.equal(a.status, 200);
  assert.deepEqual(a.json, b.json);
  assert.equal(a.json.registered_model.description, 'd');
  assert.deepEqual(a.json.registered_model.tags, [{ key: 't', value: 'v' }]);
  mlError(await get('/registered-models/get?name=nope'), 404, 'RESOURCE_DOES_NOT_EXIST', /Registered Model with name=nope not found/);
  mlError(await get('/registered-models/get'), 400, 'INVALID_PARAMETER_VALUE');
  // GET without a query string reads the JSON body
  const body = '{"name":"twin"}';
  const viaBody = await rawRequest(srv.port, `GET ${ML}/registered-models/get HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  assert.match(viaBody, /^HTTP\/1\.1 200/);
  assert.match(viaBody, /"name":"twin"/);
  const ajaxCreate = await srv.req('POST', '/ajax-api/2.0/mlflow/registered-models/create', { body: { name: 'viaajax' } });
  assert.equal(ajaxCreate.status, 200);
  assert.equal((await get('/registered-models/get?name=viaajax')).status, 200);
});

test('rename and update: timestamps, collisions, the description quirk', async () => {
  const m = await createModel('ren1');
  await createModel('ren2');
  await createVersion('ren1');
  mlError(await post('/registered-models/rename', { name: 'ren1', new_name: 'ren2' }), 400, 'RESOURCE_ALREADY_EXISTS');
  mlError(await post('/registered-models/rename', { name: 'ren1' }), 400, 'INVALID_PARAMETER_VALUE', /new_name/);
  mlError(await post('/registered-models/rename', { name: 'nope', new_name: 'x' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  await new Promise((r) => setTimeout(r, 5));
  const r = await post('/registered-models/rename', { name: 'ren1', new_name: 'ren3' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.registered_model.name, 'ren3');
  assert.equal(r.json.registered_model.creation_timestamp, m.creation_timestamp);
  assert.ok(r.json.registered_model.last_updated_timestamp > m.last_updated_timestamp);
  assert.equal(r.json.registered_model.latest_versions[0].name, 'ren3');
  mlError(await get('/registered-models/get?name=ren1'), 404, 'RESOURCE_DOES_NOT_EXIST');
  const u = await patch('/registered-models/update', { name: 'ren3', description: 'hello' });
  assert.equal(u.json.registered_model.description, 'hello');
  const cleared = await patch('/registered-models/update', { name: 'ren3' });
  assert.equal(cleared.status, 200);
  assert.equal(cleared.json.registered_model.description, '');
  mlError(await patch('/registered-models/update', { name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('model versions: numbering never reuses, READY and current_stage always present, get/update/delete', async () => {
  await createModel('ver');
  const v1 = await createVersion('ver', { run_id: 'abc123', description: 'first', tags: [{ key: 'a', value: '1' }] });
  assert.equal(v1.version, '1');
  assert.equal(v1.status, 'READY');
  assert.equal(v1.current_stage, 'None');
  assert.equal(v1.run_id, 'abc123');
  assert.deepEqual(v1.tags, [{ key: 'a', value: '1' }]);
  const v2 = await createVersion('ver');
  assert.equal(v2.run_id, '');
  assert.equal(v2.description, '');
  const v3 = await createVersion('ver');
  assert.equal(v3.version, '3');
  assert.deepEqual((await del('/model-versions/delete', { name: 'ver', version: '3' })).json, {});
  mlError(await get('/model-versions/get?name=ver&version=3'), 404, 'RESOURCE_DOES_NOT_EXIST', /Model Version \(name=ver, version=3\) not found/);
  assert.equal((await createVersion('ver')).version, '4', 'numbers are never reused');
  mlError(await get('/model-versions/get?name=ver&version=something+not+correct'), 400, 'INVALID_PARAMETER_VALUE',
    /Parameter 'version' must be an integer, got 'something not correct'/);
  mlError(await post('/model-versions/create', { name: 'ver' }), 400, 'INVALID_PARAMETER_VALUE', /source/);
  mlError(await post('/model-versions/create', { name: 'nope', source: 's3://x' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  for (const bad of ['s3://b/../x', 'http://h/a/..%2f..', 'file:///etc/passwd', '/abs/path', 'rel/path', 's3://b/%00',
    'mlflow-artifacts:/a%3f/../..', 'https://h/%252e%252e/x'])
    mlError(await post('/model-versions/create', { name: 'ver', source: bad }), 400, 'INVALID_PARAMETER_VALUE', /source/);
  mlError(await post('/model-versions/transition-stage', { name: 'ver', version: 1, stage: 'Staging' }), 400, 'INVALID_PARAMETER_VALUE',
    /Hint: Value was of type 'int'/);
  const up = await patch('/model-versions/update', { name: 'ver', version: '1', description: 'changed' });
  assert.equal(up.json.model_version.description, 'changed');
  mlError(await patch('/model-versions/update', { name: 'ver', version: '99', description: 'x' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  for (const good of ['mlflow-artifacts:/models///', 'runs:/abc/model', 's3://b/a..b/c'])
    assert.equal((await post('/model-versions/create', { name: 'ver', source: good })).status, 200, good);
  const dbl = await srv.req('POST', ML + '/model-versions/update', { raw: JSON.stringify(JSON.stringify({ name: 'ver', version: '1', description: 'dbl' })), headers: { 'content-type': 'application/json' } });
  assert.equal(dbl.status, 405, 'update is PATCH only');
  const dbl2 = await srv.req('PATCH', ML + '/model-versions/update', { raw: JSON.stringify(JSON.stringify({ name: 'ver', version: '1', description: 'dbl' })) });
  assert.equal(dbl2.status, 200, 'a double-encoded JSON body is decoded again: ' + dbl2.text);
  assert.equal(dbl2.json.model_version.description, 'dbl');
  await patch('/model-versions/update', { name: 'ver', version: '1', description: 'changed' });
  const uri = await get('/model-versions/get-download-uri?name=ver&version=1');
  assert.equal(uri.json.artifact_uri, 's3://bucket/ver');
  mlError(await get('/model-versions/get-download-uri?name=ver&version=3'), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlError(await del('/model-versions/delete', { name: 'ver', version: '3' }), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('stages: case-insensitive, archive_existing_versions, bad stages, get-latest-versions POST and GET', async () => {
  await createModel('stg');
  for (let i = 0; i < 4; i++) await createVersion('stg');
  let r = await post('/model-versions/transition-stage', { name: 'stg', version: '1', stage: 'production', archive_existing_versions: false });
  assert.equal(r.json.model_version.current_stage, 'Production');
  r = await post('/model-versions/transition-stage', { name: 'stg', version: '2', stage: 'StAgInG' });
  assert.equal(r.json.model_version.current_stage, 'Staging');
  r = await post('/model-versions/transition-stage', { name: 'stg', version: '3', stage: 'Production', archive_existing_versions: true });
  assert.equal(r.status, 200, r.text);
  assert.equal((await get('/model-versions/get?name=stg&version=1')).json.model_version.current_stage, 'Archived');
  mlError(await post('/model-versions/transition-stage', { name: 'stg', version: '1', stage: 'Bogus' }), 400, 'INVALID_PARAMETER_VALUE', /Invalid Model Version stage: Bogus/);
  mlError(await post('/model-versions/transition-stage', { name: 'stg', version: '1', stage: 'None', archive_existing_versions: true }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/model-versions/transition-stage', { name: 'stg', version: '1', stage: 'Staging', archive_existing_versions: 'true' }), 400, 'INVALID_PARAMETER_VALUE');
  const all = await post('/registered-models/get-latest-versions', { name: 'stg' });
  const byStage = Object.fromEntries(all.json.model_versions.map((v) => [v.current_stage, v.version]));
  assert.deepEqual(byStage, { None: '4', Staging: '2', Production: '3', Archived: '1' });
  const g = await get('/registered-models/get-latest-versions?name=stg&stages=Staging&stages=production');
  assert.deepEqual(g.json.model_versions.map((v) => v.version).sort(), ['2', '3']);
  mlError(await post('/registered-models/get-latest-versions', { name: 'stg', stages: ['Nope'] }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/registered-models/get-latest-versions', { name: 'stg', stages: 'Staging' }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/registered-models/get-latest-versions', { name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  const none = await createModel('stg_empty');
  assert.ok(none);
  assert.deepEqual((await post('/registered-models/get-latest-versions', { name: 'stg_empty' })).json, {});
});

test('tags on models and versions: set, upsert, empty value, delete (absent is fine), bad keys', async () => {
  await createModel('tagm');
  await createVersion('tagm');
  assert.deepEqual((await post('/registered-models/set-tag', { name: 'tagm', key: 'k', value: 'v1' })).json, {});
  await post('/registered-models/set-tag', { name: 'tagm', key: 'k', value: 'v2' });
  await post('/registered-models/set-tag', { name: 'tagm', key: 'empty', value: '' });
  let m = (await get('/registered-models/get?name=tagm')).json.registered_model;
  assert.deepEqual(m.tags, [{ key: 'empty', value: '' }, { key: 'k', value: 'v2' }]);
  assert.deepEqual((await del('/registered-models/delete-tag', { name: 'tagm', key: 'k' })).json, {});
  assert.equal((await del('/registered-models/delete-tag', { name: 'tagm', key: 'never' })).status, 200);
  mlError(await del('/registered-models/delete-tag', { name: 'nope', key: 'k' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlError(await post('/registered-models/set-tag', { name: 'tagm', key: '../x', value: 'v' }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/registered-models/set-tag', { name: 'tagm', key: 'k', value: 5 }), 400, 'INVALID_PARAMETER_VALUE');
  assert.deepEqual((await post('/model-versions/set-tag', { name: 'tagm', version: '1', key: 'vk', value: 'vv' })).json, {});
  let v = (await get('/model-versions/get?name=tagm&version=1')).json.model_version;
  assert.deepEqual(v.tags, [{ key: 'vk', value: 'vv' }]);
  assert.equal((await del('/model-versions/delete-tag', { name: 'tagm', version: '1', key: 'vk' })).status, 200);
  v = (await get('/model-versions/get?name=tagm&version=1')).json.model_version;
  assert.equal(v.tags, undefined);
  mlError(await post('/model-versions/set-tag', { name: 'tagm', version: '7', key: 'vk', value: 'vv' }), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('aliases: set, move, get by alias, latest, reserved names refused, unknown alias is 400, delete with a JSON body', async () => {
  await createModel('al');
  await createVersion('al');
  await createVersion('al');
  assert.deepEqual((await post('/registered-models/alias', { name: 'al', alias: 'champion', version: '1' })).json, {});
  let m = (await get('/registered-models/get?name=al')).json.registered_model;
  assert.deepEqual(m.aliases, [{ alias: 'champion', version: '1' }]);
  const byAlias = await get('/registered-models/alias?name=al&alias=champion');
  assert.deepEqual(byAlias.json.model_version.aliases, ['champion']);
  assert.deepEqual(byAlias.json, (await get('/model-versions/get?name=al&version=1')).json);
  await post('/registered-models/alias', { name: 'al', alias: 'champion', version: '2' });
  assert.equal((await get('/registered-models/alias?name=al&alias=champion')).json.model_version.version, '2');
  assert.equal((await get('/registered-models/alias?name=al&alias=latest')).json.model_version.version, '2');
  for (const reserved of ['latest', 'LATEST', 'v1', 'V20'])
    mlError(await post('/registered-models/alias', { name: 'al', alias: reserved, version: '1' }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/registered-models/alias', { name: 'al', alias: 'bad alias!', version: '1' }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/registered-models/alias', { name: 'al', alias: 'ok', version: '9' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlError(await get('/registered-models/alias?name=al&alias=nobody'), 400, 'INVALID_PARAMETER_VALUE', /Registered model alias nobody not found/);
  mlError(await get('/registered-models/alias?name=nope&alias=x'), 404, 'RESOURCE_DOES_NOT_EXIST');
  assert.deepEqual((await del('/registered-models/alias', { name: 'al', alias: 'champion' })).json, {});
  assert.equal((await del('/registered-models/alias', { name: 'al', alias: 'champion' })).status, 200, 'absent alias: success');
  m = (await get('/registered-models/get?name=al')).json.registered_model;
  assert.equal(m.aliases, undefined);
  // deleting a version drops its aliases
  await post('/registered-models/alias', { name: 'al', alias: 'gone', version: '1' });
  await del('/model-versions/delete', { name: 'al', version: '1' });
  mlError(await get('/registered-models/alias?name=al&alias=gone'), 400, 'INVALID_PARAMETER_VALUE');
  const empty = await createModel('al_empty');
  assert.ok(empty);
  mlError(await get('/registered-models/alias?name=al_empty&alias=latest'), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('search registered models: grammar, case-sensitive LIKE, ILIKE, tags, order_by, pagination, errors', async () => {
  for (let i = 0; i < 12; i++) await createModel(`srch${String(i).padStart(2, '0')}`, { tags: [{ key: 'team', value: i % 2 ? 'odd' : 'even' }] });
  const s = (q) => get('/registered-models/search?' + q);
  let r = await s("filter=name+LIKE+'srch%25'&max_results=1000");
  assert.equal(r.json.registered_models.length, 12);
  r = await s("filter=name+LIKE+'SRCH%25'");
  assert.deepEqual(r.json, {}, 'LIKE is case-sensitive; no hits answer {}');
  r = await s("filter=name+ILIKE+'SRCH%25'");
  assert.equal(r.json.registered_models.length, 12);
  r = await s(encodeURI("filter=name LIKE 'srch%' AND tags.team = 'odd'").replace(/%20/g, '+'));
  assert.equal(r.json.registered_models.length, 6);
  r = await s('filter=' + encodeURIComponent("tags.`team` != 'odd' and name = 'srch00'"));
  assert.deepEqual(r.json.registered_models.map((m) => m.name), ['srch00']);
  r = await s('filter=' + encodeURIComponent("name LIKE 'srch%'") + '&order_by=name+DESC&max_results=3');
  assert.deepEqual(r.json.registered_models.map((m) => m.name), ['srch11', 'srch10', 'srch09']);
  // pages: concatenated equal the full list
  const names = [];
  let token;
  do {
    r = await s('filter=' + encodeURIComponent("name LIKE 'srch%'") + '&max_results=5' + (token ? '&page_token=' + encodeURIComponent(token) : ''));
    assert.equal(r.status, 200, r.text);
    names.push(...r.json.registered_models.map((m) => m.name));
    token = r.json.next_page_token;
  } while (token);
  assert.deepEqual(names, Array.from({ length: 12 }, (_, i) => `srch${String(i).padStart(2, '0')}`));
  const first = await s('filter=' + encodeURIComponent("name LIKE 'srch%'") + '&max_results=5');
  assert.equal(Buffer.from(first.json.next_page_token, 'base64').toString(), '{"offset": 5}');
  // order_by as repeated keys; timestamp alias
  r = await s('order_by=last_updated_timestamp+DESC&order_by=name+ASC&max_results=2');
  assert.equal(r.status, 200, r.text);
  // errors
  const bad = [
    ['filter=' + encodeURIComponent("name = 'a' OR name = 'b'"), /Invalid clause/],
    ['filter=' + encodeURIComponent("name = a"), /not quoted/],
    ['filter=' + encodeURIComponent("foo.name = 'a'"), /Invalid entity type/],
    ['filter=' + encodeURIComponent("run_id = 'a'"), /Invalid attribute key/],
    ['filter=' + encodeURIComponent("name = 'a'; name = 'b'"), /multiple expression/],
    ['filter=' + encodeURIComponent("name IN ('a')"), /IN/],
    ['order_by=creation_timestamp', /Invalid order by key/],
    ['order_by=name&order_by=name+DESC', /duplicate/],
    ['order_by=' + encodeURIComponent('name ASC extra'), /Invalid order_by clause/],
    ['max_results=1001', /max_results/],
    ['max_results=-1', /max_results/],
    ['page_token=%25%25%25', /Invalid page token/],
    ['page_token=' + Buffer.from('{"nope":1}').toString('base64'), /Invalid page token/],
    ['max_results=+5', /max_results/],
    ['max_results=%205', /max_results/],
  ];
  for (const [q, re] of bad) mlError(await s(q), 400, 'INVALID_PARAMETER_VALUE', re);
  // a LIKE pattern SQLite would refuse (found by fuzz/): a 400 naming the limit, not a 500
  mlError(await s('filter=' + encodeURIComponent("name LIKE '" + 'b'.repeat(10001) + "'")), 400, 'INVALID_PARAMETER_VALUE', /at most 10000/);
  assert.equal((await s('filter=' + encodeURIComponent("name LIKE '" + 'c'.repeat(10000) + "'"))).status, 200);
  assert.deepEqual((await s('page_token=')).status, 200, 'an empty page_token is no token');
});

test('prompts are hidden from search unless the filter asks for them', async () => {
  await createModel('myprompt', { tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] });
  let r = await get('/registered-models/search?filter=' + encodeURIComponent("name = 'myprompt'"));
  assert.deepEqual(r.json, {});
  r = await get('/registered-models/search?filter=' + encodeURIComponent("tags.`mlflow.prompt.is_prompt` = 'true'"));
  assert.deepEqual(r.json.registered_models.map((m) => m.name), ['myprompt']);
});

test('search model versions: run_id IN (uppercase dropped), source_path, version_number, tags, default order, errors', async () => {
  await createModel('mvs');
  await createVersion('mvs', { run_id: 'run1', source: 'runs:/run1/model' });
  await createVersion('mvs', { run_id: 'run2', source: 'runs:/run2/model', tags: [{ key: 'x', value: 'y' }] });
  await createVersion('mvs', { run_id: 'run1', source: 'runs:/run1/model' });
  const s = (f, extra = '') => get('/model-versions/search?filter=' + encodeURIComponent(f) + extra);
  let r = await s("name = 'mvs'");
  assert.deepEqual(r.json.model_versions.map((v) => v.version), ['3', '2', '1'], 'default: last_updated_timestamp DESC');
  r = await s("run_id IN ('run1', 'RUN2')");
  assert.deepEqual(r.json.model_versions.map((v) => v.version), ['3', '1']);
  r = await s("source_path = 'runs:/run2/model'");
  assert.deepEqual(r.json.model_versions.map((v) => v.version), ['2']);
  r = await s("name = 'mvs' AND version_number <= 2", '&order_by=version_number+ASC');
  assert.deepEqual(r.json.model_versions.map((v) => v.version), ['1', '2']);
  r = await s("tags.x = 'y'");
  assert.deepEqual(r.json.model_versions.map((v) => v.version), ['2']);
  r = await s("name = 'mvs'", '&max_results=2');
  assert.equal(r.json.model_versions.length, 2);
  assert.ok(r.json.next_page_token);
  mlError(await s("run_id IN ()"), 400, 'INVALID_PARAMETER_VALUE', /empty list/);
  mlError(await s("run_id IN (1, 2)"), 400, 'INVALID_PARAMETER_VALUE', /different type/);
  mlError(await s("run_id IN (,)"), 400, 'INVALID_PARAMETER_VALUE', /ill-formed/);
  mlError(await s("run_id IN ("), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await s("foo = 'x'"), 400, 'INVALID_PARAMETER_VALUE', /Invalid attribute key/);
  mlError(await get('/model-versions/search?max_results=0'), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await get('/model-versions/search?max_results=200001'), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await get('/model-versions/search?order_by=run_id'), 400, 'INVALID_PARAMETER_VALUE');

  // Unfiltered, newest first, versions are read from the updated-at index (another plan than
  // any filtered search): page by page it must answer exactly what the filtered plan answers.
  const walk = async (q) => {
    const out = [];
    let tok;
    do {
      const res = await get('/model-versions/search?max_results=3' + q + (tok ? '&page_token=' + encodeURIComponent(tok) : ''));
      assert.equal(res.status, 200, res.text);
      out.push(...(res.json.model_versions || []).map((v) => `${v.name}/${v.version}/${v.last_updated_timestamp}`));
      tok = res.json.next_page_token;
    } while (tok);
    return out;
  };
  const plain = await walk('');
  assert.ok(plain.length >= 3, plain.join());
  assert.deepEqual(plain, await walk('&filter=' + encodeURIComponent("name LIKE '%'")));
  assert.deepEqual(plain, await walk('&order_by=last_updated_timestamp+DESC'));
  const ts = plain.map((x) => Number(x.split('/')[2]));
  assert.deepEqual(ts, [...ts].sort((a, b) => b - a), 'newest first');
});

test('delete a registered model with a JSON body; its name can be reused and starts at version 1', async () => {
  await createModel('gone');
  await createVersion('gone');
  await createVersion('gone');
  mlError(await del('/registered-models/delete', {}), 400, 'INVALID_PARAMETER_VALUE');
  assert.deepEqual((await del('/registered-models/delete', { name: 'gone' })).json, {});
  mlError(await get('/registered-models/get?name=gone'), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlError(await del('/registered-models/delete', { name: 'gone' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  await createModel('gone');
  assert.equal((await createVersion('gone')).version, '1');
});

test('Unity Catalog models: CRUD, versions, finalize, aliases, errors in the Databricks envelope', async () => {
  assert.equal((await srv.req('POST', UC + '/catalogs', { body: { name: 'ml' } })).status, 200);
  assert.equal((await srv.req('POST', UC + '/schemas', { body: { name: 'prod', catalog_name: 'ml' } })).status, 200);
  const c = await srv.req('POST', UC + '/models', { body: { name: 'churn', catalog_name: 'ml', schema_name: 'prod', comment: 'c' } });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.full_name, 'ml.prod.churn');
  assert.equal(c.json.owner, 'admin');
  assertError(await srv.req('POST', UC + '/models', { body: { name: 'churn', catalog_name: 'ml', schema_name: 'prod' } }), 409, 'ALREADY_EXISTS');
  assertError(await srv.req('POST', UC + '/models', { body: { name: 'bad name', catalog_name: 'ml', schema_name: 'prod' } }), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('POST', UC + '/models', { body: { name: 'x', catalog_name: 'ml', schema_name: 'nope' } }), 404, 'SCHEMA_NOT_FOUND');
  const g = await srv.req('GET', UC + '/models/ml.prod.churn');
  assert.equal(g.json.comment, 'c');
  assertError(await srv.req('GET', UC + '/models/ml.prod.nope'), 404, 'NOT_FOUND');
  const list = await srv.req('GET', UC + '/models?catalog_name=ml&schema_name=prod');
  assert.deepEqual(list.json.registered_models.map((m) => m.full_name), ['ml.prod.churn']);
  assertError(await srv.req('GET', UC + '/models?catalog_name=ml'), 400, 'INVALID_PARAMETER_VALUE');
  const v = await srv.req('POST', UC + '/models/versions', { body: { model_name: 'churn', catalog_name: 'ml', schema_name: 'prod', source: 's3://b/churn', run_id: 'r1' } });
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.version, 1);
  assert.equal(v.json.status, 'PENDING_REGISTRATION');
  const f = await srv.req('PATCH', UC + '/models/ml.prod.churn/versions/1/finalize', { body: { full_name: 'ml.prod.churn', version: 1 } });
  assert.equal(f.json.status, 'READY');
  assertError(await srv.req('PATCH', UC + '/models/ml.prod.churn/versions/1/finalize', { body: {} }), 400, 'INVALID_ARGUMENT');
  const up = await srv.req('PATCH', UC + '/models/ml.prod.churn/versions/1', { body: { comment: 'vc' } });
  assert.equal(up.json.comment, 'vc');
  assertError(await srv.req('GET', UC + '/models/ml.prod.churn/versions/7'), 404, 'NOT_FOUND');
  assertError(await srv.req('GET', UC + '/models/ml.prod.churn/versions/x'), 400, 'INVALID_PARAMETER_VALUE');
  const al = await srv.req('PUT', UC + '/models/ml.prod.churn/aliases/prod', { body: { version_num: 1 } });
  assert.deepEqual(al.json, { alias_name: 'prod', version_num: 1 });
  assertError(await srv.req('PUT', UC + '/models/ml.prod.churn/aliases/latest', { body: { version_num: 1 } }), 400, 'INVALID_PARAMETER_VALUE');
  assert.equal((await srv.req('GET', UC + '/models/ml.prod.churn/aliases/prod')).json.version, 1);
  assert.deepEqual((await srv.req('GET', UC + '/models/ml.prod.churn')).json.aliases, [{ alias_name: 'prod', version_num: 1 }]);
  assert.equal((await srv.req('DELETE', UC + '/models/ml.prod.churn/aliases/prod')).status, 200);
  assertError(await srv.req('GET', UC + '/models/ml.prod.churn/aliases/prod'), 404, 'NOT_FOUND');
  const vl = await srv.req('GET', UC + '/models/ml.prod.churn/versions');
  assert.deepEqual(vl.json.model_versions.map((x) => x.version), [1]);
  const ren = await srv.req('PATCH', UC + '/models/ml.prod.churn', { body: { new_name: 'churn2', comment: 'cc' } });
  assert.equal(ren.json.full_name, 'ml.prod.churn2');
  const nochange = await srv.req('PATCH', UC + '/models/ml.prod.churn2');
  assert.equal(nochange.status, 200);
  assert.equal(nochange.json.comment, 'cc');
  assertError(await srv.req('PATCH', UC + '/models/ml.prod.churn2', { body: { owner: 'nobody-here' } }), 400, 'INVALID_PARAMETER_VALUE');
  const grp = await srv.req('POST', '/api/2.0/preview/scim/v2/Groups', { body: { displayName: 'ml-owners' } });
  assert.equal(grp.status, 201, grp.text);
  const own = await srv.req('PATCH', UC + '/models/ml.prod.churn2', { body: { owner: 'ml-owners' } });
  assert.equal(own.json.owner, 'ml-owners', own.text);
  assertError(await srv.req('DELETE', UC + '/models/ml.prod.churn2'), 409, 'ABORTED');
  assert.equal((await srv.req('DELETE', UC + '/models/ml.prod.churn2/versions/1')).status, 200);
  assert.equal((await srv.req('DELETE', UC + '/models/ml.prod.churn2')).status, 200);
  assertError(await srv.req('GET', UC + '/models/ml.prod.churn2'), 404, 'NOT_FOUND');
});

test('a Unity Catalog model delete with ?force=true takes its versions with it; ?force=false is refused like none', async () => {
  assert.equal((await srv.req('POST', UC + '/catalogs', { body: { name: 'mlforce' } })).status, 200);
  assert.equal((await srv.req('POST', UC + '/schemas', { body: { name: 's', catalog_name: 'mlforce' } })).status, 200);
  assert.equal((await srv.req('POST', UC + '/models', { body: { name: 'm', catalog_name: 'mlforce', schema_name: 's' } })).status, 200);
  const v = await srv.req('POST', UC + '/models/versions', { body: { model_name: 'm', catalog_name: 'mlforce', schema_name: 's', source: 's3://b/m' } });
  assert.equal(v.status, 200, v.text);
  assertError(await srv.req('DELETE', UC + '/models/mlforce.s.m?force=false'), 409, 'ABORTED');
  assertError(await srv.req('DELETE', UC + '/models/mlforce.s.m?force=maybe'), 400, 'INVALID_PARAMETER_VALUE');
  const d = await srv.req('DELETE', UC + '/models/mlforce.s.m?force=true');
  assert.equal(d.status, 200, d.text);
  assert.deepEqual(d.json, {});
  assertError(await srv.req('GET', UC + '/models/mlforce.s.m'), 404, 'NOT_FOUND');
  assertError(await srv.req('GET', UC + '/models/mlforce.s.m/versions/1'), 404, 'NOT_FOUND');
});

test('both views agree: MLflow models in main.default show in UC, UC models show in MLflow (three-level names elsewhere)', async () => {
  await createModel('agree');
  await createVersion('agree');
  const u = await srv.req('GET', UC + '/models/main.default.agree');
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.full_name, 'main.default.agree');
  assert.equal((await srv.req('GET', UC + '/models/main.default.agree/versions/1')).json.status, 'READY');
  const listed = await srv.req('GET', UC + '/models?catalog_name=main&schema_name=default&max_results=1000');
  assert.ok(listed.json.registered_models.some((m) => m.name === 'agree'));
  const c = await srv.req('POST', UC + '/models', { body: { name: 'fromuc', catalog_name: 'main', schema_name: 'default' } });
  assert.equal(c.status, 200, c.text);
  assert.equal((await get('/registered-models/get?name=fromuc')).json.registered_model.name, 'fromuc');
  await srv.req('POST', UC + '/catalogs', { body: { name: 'other' } });
  await srv.req('POST', UC + '/schemas', { body: { name: 's', catalog_name: 'other' } });
  const three = await post('/registered-models/create', { name: 'other.s.deep' });
  assert.equal(three.status, 200, three.text);
  assert.equal(three.json.registered_model.name, 'other.s.deep');
  assert.equal((await srv.req('GET', UC + '/models/other.s.deep')).status, 200);
  const r = await get('/registered-models/search?filter=' + encodeURIComponent("name = 'other.s.deep'"));
  assert.deepEqual(r.json.registered_models.map((m) => m.name), ['other.s.deep']);
  mlError(await post('/registered-models/rename', { name: 'other.s.deep', new_name: 'moved' }), 400, 'INVALID_PARAMETER_VALUE', /another catalog or schema/);
});

test('a forced schema delete removes its models and versions; a plain one is refused', async () => {
  await srv.req('POST', UC + '/catalogs', { body: { name: 'tmpcat' } });
  await srv.req('POST', UC + '/schemas', { body: { name: 'tmps', catalog_name: 'tmpcat' } });
  await post('/registered-models/create', { name: 'tmpcat.tmps.m1' });
  await post('/model-versions/create', { name: 'tmpcat.tmps.m1', source: 's3://x/y' });
  assertError(await srv.req('DELETE', UC + '/schemas/tmpcat.tmps'), 400, 'FAILED_PRECONDITION');
  assert.equal((await srv.req('DELETE', UC + '/schemas/tmpcat.tmps?force=true')).status, 200);
  mlError(await get('/registered-models/get?name=tmpcat.tmps.m1'), 404, 'RESOURCE_DOES_NOT_EXIST');
  const r = await get('/model-versions/search?filter=' + encodeURIComponent("name = 'tmpcat.tmps.m1'"));
  assert.deepEqual(r.json, {});
});

test('governance: a caller without grants sees no models and may not create; grants open them up', async () => {
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { body: { displayName: 'ci-bot' } });
  assert.equal(sp.status, 201, sp.text);
  const t = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId } });
  assert.equal(t.status, 200, t.text);
  const bot = t.json.token_value;
  const app = sp.json.applicationId;
  await createModel('govm');
  await createVersion('govm');
  assert.deepEqual((await srv.req('GET', ML + '/registered-models/search', { token: bot })).json, {});
  assert.deepEqual((await srv.req('GET', ML + '/model-versions/search', { token: bot })).json, {});
  mlError(await srv.req('GET', ML + '/registered-models/get?name=govm', { token: bot }), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlError(await srv.req('POST', ML + '/registered-models/create', { token: bot, body: { name: 'botmodel' } }), 403, 'PERMISSION_DENIED');
  // USE CATALOG + USE SCHEMA + CREATE MODEL on main.default: the bot may create, and owns what it creates
  const g1 = await srv.req('PATCH', UC + '/permissions/catalog/main', { body: { changes: [{ principal: app, add: ['USE_CATALOG'] }] } });
  assert.equal(g1.status, 200, g1.text);
  const g2 = await srv.req('PATCH', UC + '/permissions/schema/main.default', { body: { changes: [{ principal: app, add: ['USE_SCHEMA', 'CREATE_MODEL'] }] } });
  assert.equal(g2.status, 200, g2.text);
  const c2 = await srv.req('POST', ML + '/registered-models/create', { token: bot, body: { name: 'botmodel' } });
  assert.equal(c2.status, 200, c2.text);
  assert.equal((await srv.req('POST', ML + '/model-versions/create', { token: bot, body: { name: 'botmodel', source: 's3://b/m' } })).status, 200);
  const mine = await srv.req('GET', ML + '/registered-models/search', { token: bot });
  assert.deepEqual(mine.json.registered_models.map((m) => m.name), ['botmodel'], 'only what it may browse');
  // not the owner of govm and no EXECUTE: still hidden; writing a version needs ownership
  mlError(await srv.req('POST', ML + '/model-versions/create', { token: bot, body: { name: 'govm', source: 's3://b/m' } }), 404, 'RESOURCE_DOES_NOT_EXIST');
  const g3 = await srv.req('PATCH', UC + '/permissions/registered_model/main.default.govm', { body: { changes: [{ principal: app, add: ['EXECUTE'] }] } });
  assert.equal(g3.status, 200, g3.text);
  assert.equal((await srv.req('GET', ML + '/registered-models/get?name=govm', { token: bot })).status, 200);
  assert.equal((await srv.req('GET', ML + '/model-versions/get-download-uri?name=govm&version=1', { token: bot })).status, 200);
  mlError(await srv.req('POST', ML + '/model-versions/create', { token: bot, body: { name: 'govm', source: 's3://b/m' } }), 403, 'PERMISSION_DENIED');
  mlError(await srv.req('DELETE', ML + '/registered-models/delete', { token: bot, body: { name: 'govm' } }), 403, 'PERMISSION_DENIED');
});

// One source rule for both model-version routes (issue 9's live bug): '..' hidden under nine
// or twenty rounds of percent-encoding is refused by the MLflow and the Unity Catalog route
// alike, and nothing is stored.
test('a source with .. encoded nine or twenty times is refused on the MLflow and the UC route', async () => {
  const encode = (s, rounds) => { for (let i = 0; i < rounds; i++) s = s.replace(/%/g, '%25'); return s; };
  await createModel('enc');
  const ucCat = await srv.req('POST', UC + '/catalogs', { body: { name: 'enccat' } });
  assert.equal(ucCat.status, 200, ucCat.text);
  assert.equal((await srv.req('POST', UC + '/schemas', { body: { name: 's', catalog_name: 'enccat' } })).status, 200);
  assert.equal((await srv.req('POST', UC + '/models', { body: { name: 'm', catalog_name: 'enccat', schema_name: 's' } })).status, 200);
  for (const rounds of [1, 8, 9, 20]) {
    const src = `s3://bucket/${encode('%2e%2e', rounds - 1)}/secret`;
    mlError(await post('/model-versions/create', { name: 'enc', source: src }), 400, 'INVALID_PARAMETER_VALUE', /source/);
    assertError(await srv.req('POST', UC + '/models/versions', { body: { model_name: 'm', catalog_name: 'enccat', schema_name: 's', source: src } }),
      400, 'INVALID_PARAMETER_VALUE');
  }
  // the same depth of encoding without '..' is fine on both
  const fine = `s3://bucket/${encode('%41', 19)}/model`;
  assert.equal((await post('/model-versions/create', { name: 'enc', source: fine })).status, 200);
  const ucOk = await srv.req('POST', UC + '/models/versions', { body: { model_name: 'm', catalog_name: 'enccat', schema_name: 's', source: fine } });
  assert.equal(ucOk.status, 200, ucOk.text);
  // only the two good ones were stored
  const listed = await srv.req('GET', UC + '/models/enccat.s.m/versions');
  assert.equal(listed.json.model_versions.length, 1);
  const mlv = await get('/model-versions/search?filter=' + encodeURIComponent("name='enc'"));
  assert.equal(mlv.json.model_versions.length, 1);
});
