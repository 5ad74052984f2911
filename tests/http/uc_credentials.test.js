// Temporary credentials (Unity Catalog's temporary-table-, temporary-volume- and
// temporary-path-credentials, and the Databricks SDKs' /api/2.0 paths): what an
// engine that uses Weir as its catalog (Spark's and DuckDB's Unity Catalog connectors) asks
// before it reads a table's files. The answer for an EXTERNAL table or volume on file://
// storage is its url with no cloud credential (Unity Catalog OSS's answer for local
// storage); MANAGED data, views and cloud storage are refused with FAILED_PRECONDITION; the
// caller needs SELECT (READ) or SELECT and MODIFY (READ_WRITE), READ VOLUME or WRITE VOLUME;
// what it may not see answers as missing; every call is audited, refusals included.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, assertError, ok, servicePrincipal } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const TT = UC + '/temporary-table-credentials';
const TV = UC + '/temporary-volume-credentials';
const TT_SDK = '/api/2.0/unity-catalog/temporary-table-credentials';
const TP = UC + '/temporary-path-credentials';
const TP_SDK = '/api/2.0/unity-catalog/temporary-path-credentials';
const AUDIT = '/api/2.0/weir/audit';
let srv;
const ids = {};

const principal = (name) => servicePrincipal(srv, name);
const grant = async (type, name, who, privs) =>
  ok(await srv.req('PATCH', `${UC}/permissions/${type}/${name}`, { body: { changes: [{ principal: who, add: privs }] } }));

before(async () => {
  srv = await startServer();
  ok(await srv.req('POST', UC + '/catalogs', { body: { name: 'cr' } }));
  ok(await srv.req('POST', UC + '/schemas', { body: { name: 's', catalog_name: 'cr' } }));
  const col = [{ name: 'id', type_name: 'LONG', type_text: 'bigint', position: 0 }];
  const table = async (name, extra) => ok(await srv.req('POST', UC + '/tables', {
    body: { name, catalog_name: 'cr', schema_name: 's', columns: col, ...extra },
  })).table_id;
  ids.ext = await table('ext', { table_type: 'EXTERNAL', data_source_format: 'DELTA', storage_location: 'file:///srv/lake/ext/' });
  ids.s3 = await table('on_s3', { table_type: 'EXTERNAL', data_source_format: 'DELTA', storage_location: 's3://bucket/lake/t' });
  ids.managed = await table('managed', { table_type: 'MANAGED', data_source_format: 'DELTA' });
  ids.view = await table('v', { table_type: 'VIEW', view_definition: 'SELECT 1' });
  const volume = async (name, extra) => ok(await srv.req('POST', UC + '/volumes', {
    body: { name, catalog_name: 'cr', schema_name: 's', ...extra },
  })).volume_id;
  ids.extVol = await volume('files', { volume_type: 'EXTERNAL', storage_location: 'file:///srv/lake/files' });
  ids.managedVol = await volume('mvol', { volume_type: 'MANAGED' });
  ids.catalog = ok(await srv.req('GET', UC + '/catalogs/cr')).id;
});
after(() => srv.stop());

test('an EXTERNAL table on file:// storage: its url and no cloud credential, on both paths, for READ and READ_WRITE', async () => {
  for (const p of [TT, TT_SDK]) {
    for (const operation of ['READ', 'READ_WRITE']) {
      const res = ok(await srv.req('POST', p, { body: { table_id: ids.ext, operation } }));
      assert.deepEqual(res, { url: 'file:///srv/lake/ext' }, `${p} ${operation}`);
    }
  }
});

test('an EXTERNAL volume on file:// storage: its url, for READ_VOLUME and WRITE_VOLUME', async () => {
  for (const operation of ['READ_VOLUME', 'WRITE_VOLUME']) {
    assert.deepEqual(ok(await srv.req('POST', TV, { body: { volume_id: ids.extVol, operation } })), { url: 'file:///srv/lake/files' });
  }
});

test('MANAGED data, a view and cloud storage: 400 FAILED_PRECONDITION with the reason', async () => {
  const managed = await srv.req('POST', TT, { body: { table_id: ids.managed, operation: 'READ' } });
  assertError(managed, 400, 'FAILED_PRECONDITION');
  assert.match(managed.json.message, /cr\.s\.managed' is MANAGED.*SQL warehouse/);
  const view = await srv.req('POST', TT, { body: { table_id: ids.view, operation: 'READ' } });
  assertError(view, 400, 'FAILED_PRECONDITION');
  assert.match(view.json.message, /cr\.s\.v' is a VIEW/);
  const s3 = await srv.req('POST', TT_SDK, { body: { table_id: ids.s3, operation: 'READ' } });
  assertError(s3, 400, 'FAILED_PRECONDITION');
  assert.match(s3.json.message, /file:\/\/ locations only, not for s3 storage/);
  const mvol = await srv.req('POST', TV, { body: { volume_id: ids.managedVol, operation: 'READ_VOLUME' } });
  assertError(mvol, 400, 'FAILED_PRECONDITION');
  assert.match(mvol.json.message, /cr\.s\.mvol' is MANAGED.*Files API/);
});

test('bad input: a clear 400 naming the field', async () => {
  const field = (res, name) => {
    assertError(res, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(res.json.details[0].metadata.field, name, res.text);
  };
  field(await srv.req('POST', TT, { body: { operation: 'READ' } }), 'table_id');
  field(await srv.req('POST', TT, { body: { table_id: '', operation: 'READ' } }), 'table_id');
  field(await srv.req('POST', TT, { body: { table_id: 7, operation: 'READ' } }), 'table_id');
  field(await srv.req('POST', TT, { body: { table_id: ids.ext } }), 'operation');
  for (const operation of ['UNKNOWN_TABLE_OPERATION', 'WRITE', 'read', 'READ_VOLUME']) {
    field(await srv.req('POST', TT, { body: { table_id: ids.ext, operation } }), 'operation');
  }
  for (const operation of ['UNKNOWN_VOLUME_OPERATION', 'READ']) {
    field(await srv.req('POST', TV, { body: { volume_id: ids.extVol, operation } }), 'operation');
  }
  field(await srv.req('POST', TV, { body: { table_id: ids.extVol, operation: 'READ_VOLUME' } }), 'volume_id');
  assertError(await srv.req('POST', TT, { raw: 'not json', headers: { 'content-type': 'application/json' } }), 400, 'MALFORMED_REQUEST');
});

test('an id of nothing, or of another kind of securable: 404 as a missing table or volume', async () => {
  assertError(await srv.req('POST', TT, { body: { table_id: '00000000-0000-0000-0000-000000000000', operation: 'READ' } }), 404, 'TABLE_NOT_FOUND');
  assertError(await srv.req('POST', TT, { body: { table_id: ids.extVol, operation: 'READ' } }), 404, 'TABLE_NOT_FOUND');
  assertError(await srv.req('POST', TT, { body: { table_id: ids.catalog, operation: 'READ' } }), 404, 'TABLE_NOT_FOUND');
  assertError(await srv.req('POST', TV, { body: { volume_id: ids.ext, operation: 'READ_VOLUME' } }), 404, 'NOT_FOUND');
});

test('privileges: hidden is missing; SELECT reads, READ_WRITE needs MODIFY too; a volume needs READ VOLUME, WRITE VOLUME', async () => {
  const u = await principal('engine');
  // nothing granted: the table is hidden, exactly as one that does not exist
  const hidden = await srv.req('POST', TT, { ...u.as, body: { table_id: ids.ext, operation: 'READ' } });
  const missing = await srv.req('POST', TT, { ...u.as, body: { table_id: 'ffffffff-0000-0000-0000-000000000000', operation: 'READ' } });
  assertError(hidden, 404, 'TABLE_NOT_FOUND');
  assert.equal(hidden.json.message.replace(ids.ext, 'X'), missing.json.message.replace('ffffffff-0000-0000-0000-000000000000', 'X'));
  await grant('catalog', 'cr', u.name, ['USE_CATALOG']);
  await grant('schema', 'cr.s', u.name, ['USE_SCHEMA']);
  // visible (a privilege on it), but no SELECT
  await grant('table', 'cr.s.ext', u.name, ['APPLY_TAG']);
  assertError(await srv.req('POST', TT, { ...u.as, body: { table_id: ids.ext, operation: 'READ' } }), 403, 'PERMISSION_DENIED');
  await grant('table', 'cr.s.ext', u.name, ['SELECT']);
  assert.deepEqual(ok(await srv.req('POST', TT, { ...u.as, body: { table_id: ids.ext, operation: 'READ' } })), { url: 'file:///srv/lake/ext' });
  assertError(await srv.req('POST', TT_SDK, { ...u.as, body: { table_id: ids.ext, operation: 'READ_WRITE' } }), 403, 'PERMISSION_DENIED');
  await grant('table', 'cr.s.ext', u.name, ['MODIFY']);
  ok(await srv.req('POST', TT_SDK, { ...u.as, body: { table_id: ids.ext, operation: 'READ_WRITE' } }));

  assertError(await srv.req('POST', TV, { ...u.as, body: { volume_id: ids.extVol, operation: 'READ_VOLUME' } }), 404, 'NOT_FOUND');
  await grant('volume', 'cr.s.files', u.name, ['READ_VOLUME']);
  ok(await srv.req('POST', TV, { ...u.as, body: { volume_id: ids.extVol, operation: 'READ_VOLUME' } }));
  assertError(await srv.req('POST', TV, { ...u.as, body: { volume_id: ids.extVol, operation: 'WRITE_VOLUME' } }), 403, 'PERMISSION_DENIED');
  await grant('volume', 'cr.s.files', u.name, ['WRITE_VOLUME']);
  ok(await srv.req('POST', TV, { ...u.as, body: { volume_id: ids.extVol, operation: 'WRITE_VOLUME' } }));
});

test('audited: each call with the table or volume it named, refusals included', async () => {
  const u = await principal('auditee');
  await grant('catalog', 'cr', u.name, ['USE_CATALOG']);
  await grant('schema', 'cr.s', u.name, ['USE_SCHEMA']);
  await grant('table', 'cr.s.on_s3', u.name, ['SELECT']);
  const granted = await srv.req('POST', TT, { body: { table_id: ids.ext, operation: 'READ' } });
  const denied = await srv.req('POST', TT, { ...u.as, body: { table_id: ids.s3, operation: 'READ_WRITE' } });
  const refused = await srv.req('POST', TT, { ...u.as, body: { table_id: ids.s3, operation: 'READ' } });
  const vol = await srv.req('POST', TV, { body: { volume_id: ids.extVol, operation: 'READ_VOLUME' } });
  assert.deepEqual([granted.status, denied.status, refused.status, vol.status], [200, 403, 400, 200]);
  const rows = ok(await srv.req('GET', `${AUDIT}?action_name=generateTemporaryTableCredentials`)).events
    .concat(ok(await srv.req('GET', `${AUDIT}?action_name=generateTemporaryVolumeCredentials`)).events);
  const byRid = new Map(rows.map((e) => [e.request_id, e]));
  const want = [[granted, 200, 'cr.s.ext'], [denied, 403, 'cr.s.on_s3'], [refused, 400, 'cr.s.on_s3'], [vol, 200, 'cr.s.files']];
  for (const [res, status, securable] of want) {
    const e = byRid.get(res.headers.get('x-request-id'));
    assert.ok(e, `an audit row for ${securable} ${status}`);
    assert.equal(e.response.status_code, status);
    assert.equal(e.securable, securable);
  }
});

test('paths: metastore admins (others through an external location: uc_storage.test.js); a file:// path normalized, cloud storage refused, bad input named', async () => {
  for (const p of [TP, TP_SDK]) {
    for (const operation of ['PATH_READ', 'PATH_READ_WRITE', 'PATH_CREATE_TABLE']) {
      assert.deepEqual(ok(await srv.req('POST', p, { body: { url: 'file:///srv/lake//new/', operation } })), { url: 'file:///srv/lake/new' });
    }
  }
  const s3 = await srv.req('POST', TP, { body: { url: 's3://bucket/lake/x', operation: 'PATH_READ' } });
  assertError(s3, 400, 'FAILED_PRECONDITION');
  const field = (res, name) => {
    assertError(res, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(res.json.details[0].metadata.field, name, res.text);
  };
  field(await srv.req('POST', TP, { body: { operation: 'PATH_READ' } }), 'url');
  field(await srv.req('POST', TP, { body: { url: 'file:///srv/lake', operation: 'UNKNOWN_PATH_OPERATION' } }), 'operation');
  field(await srv.req('POST', TP, { body: { url: 'file:///srv/lake' } }), 'operation');
  field(await srv.req('POST', TP, { body: { url: 's3://bucket', operation: 'PATH_READ' } }), 'url');
  field(await srv.req('POST', TP, { body: { url: 'file:///srv/../etc', operation: 'PATH_READ' } }), 'url');
  field(await srv.req('POST', TP, { body: { url: 'ftp://host/x', operation: 'PATH_READ' } }), 'url');
  // Weir's own managed storage is never vended
  field(await srv.req('POST', TP, { body: { url: `file://${srv.data}/warehouse`, operation: 'PATH_READ' } }), 'url');
  // a user who is not an admin, with no external location covering the path
  const u = await principal('pathless');
  assertError(await srv.req('POST', TP, { ...u.as, body: { url: 'file:///srv/lake/ext', operation: 'PATH_READ' } }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('POST', TP_SDK, { ...u.as, body: { url: 'file:///srv/lake/ext', operation: 'PATH_READ' } }), 403, 'PERMISSION_DENIED');
  const rows = ok(await srv.req('GET', `${AUDIT}?action_name=generateTemporaryPathCredentials`)).events;
  assert.ok(rows.some((e) => e.response.status_code === 200 && e.request_params.url === 'file:///srv/lake//new/'), JSON.stringify(rows[0]));
  assert.ok(rows.some((e) => e.response.status_code === 403));
});

test('model versions (Unity Catalog OSS): checked and authorized; Weir keeps their files, so the answer is FAILED_PRECONDITION with the reason', async () => {
  const TM = UC + '/temporary-model-version-credentials';
  ok(await srv.req('POST', UC + '/models', { body: { name: 'm', catalog_name: 'cr', schema_name: 's' } }));
  ok(await srv.req('POST', UC + '/models/versions', { body: { model_name: 'm', catalog_name: 'cr', schema_name: 's', source: 's3://b/models/m' } }));
  const mv = (operation, extra = {}, as = {}) =>
    srv.req('POST', TM, { ...as, body: { catalog_name: 'cr', schema_name: 's', model_name: 'm', version: 1, operation, ...extra } });
  // a pending version: its files are Weir's (the artifacts API serves them)
  for (const op of ['READ_MODEL_VERSION', 'READ_WRITE_MODEL_VERSION']) {
    const res = await mv(op);
    assertError(res, 400, 'FAILED_PRECONDITION');
    assert.match(res.json.message, /cr\.s\.m\/1' is kept in Weir's managed storage/);
  }
  // finalized: writing is refused for that reason first
  ok(await srv.req('PATCH', UC + '/models/cr.s.m/versions/1/finalize', { body: { full_name: 'cr.s.m', version: 1 } }));
  const rw = await mv('READ_WRITE_MODEL_VERSION');
  assertError(rw, 400, 'FAILED_PRECONDITION');
  assert.match(rw.json.message, /is READY: a finalized version's files are read-only/);
  // bad input names its field
  const field = (res, name) => {
    assertError(res, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(res.json.details[0].metadata.field, name, res.text);
  };
  field(await mv('UNKNOWN_MODEL_VERSION_OPERATION'), 'operation');
  field(await mv('READ'), 'operation');
  field(await mv('READ_MODEL_VERSION', { version: 0 }), 'version');
  field(await mv('READ_MODEL_VERSION', { version: 'one' }), 'version');
  field(await mv('READ_MODEL_VERSION', { model_name: undefined }), 'model_name');
  field(await mv('READ_MODEL_VERSION', { schema_name: 'a.b' }), 'schema_name');
  assertError(await mv('READ_MODEL_VERSION', { version: 9 }), 404, 'NOT_FOUND');
  assertError(await mv('READ_MODEL_VERSION', { model_name: 'nope' }), 404, 'NOT_FOUND');
  // privileges: hidden is missing; EXECUTE reads; writing needs ownership
  const u = await principal('mv-reader');
  assertError(await mv('READ_MODEL_VERSION', {}, u.as), 404, 'CATALOG_NOT_FOUND');
  await grant('catalog', 'cr', u.name, ['USE_CATALOG']);
  await grant('schema', 'cr.s', u.name, ['USE_SCHEMA']);
  await grant('registered_model', 'cr.s.m', u.name, ['EXECUTE']);
  assertError(await mv('READ_MODEL_VERSION', {}, u.as), 400, 'FAILED_PRECONDITION'); // authorized: the storage's answer
  assertError(await mv('READ_WRITE_MODEL_VERSION', {}, u.as), 403, 'PERMISSION_DENIED');
  const rows = ok(await srv.req('GET', `${AUDIT}?action_name=generateTemporaryModelVersionCredentials`)).events;
  assert.ok(rows.some((e) => e.response.status_code === 400 && e.securable === 'cr.s.m'), JSON.stringify(rows[0]));
  assert.ok(rows.some((e) => e.response.status_code === 403));
});
