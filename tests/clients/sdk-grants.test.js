// The official Databricks JS SDK (@databricks/sdk-experimental 0.17.0, pinned) against Weir's
// grant and binding APIs: grants.get, grants.getEffective (privileges and their
// inherited_from_type / inherited_from_name), workspaceBindings.getBindings (async iterator)
// and workspaceBindings.get (the older ids-only API), as an admin and as a service principal
// that manages nothing; errors surface as ApiError with error_code and status.
//
// SDK quirk designed around: PATCH goes out without a body (grants.update,
// workspaceBindings.update/updateBindings), so changes are made with fetch and read back
// through the SDK; the SDK's bodiless PATCH must change nothing.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { ApiError } = require('@databricks/sdk-experimental');
const { startServer } = require('../http/lib');
const { makeHome, removeHome, patClient, all } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const SCIM = '/api/2.0/preview/scim/v2';
const RW = 'BINDING_TYPE_READ_WRITE';
const RO = 'BINDING_TYPE_READ_ONLY';
let srv;
let home;
let w; // admin
let r; // service principal `sdk-reader`, member of group `readers`
let reader; // its applicationId
let readerToken;
let devId;

async function ok(res, status = 200) {
  assert.equal(res.status, status, res.text);
  return res.json;
}
const patch = async (p, body) => ok(await srv.req('PATCH', UC + p, { body }));
const client = (token) => patClient(srv.base, token, home);

async function rejects(promise, status, code) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ApiError ${status} ${code}, got success`);
  assert.ok(err instanceof ApiError, `expected ApiError, got ${err && err.constructor.name}: ${err && err.message}`);
  assert.equal(err.statusCode, status, err.message);
  assert.equal(err.errorCode, code, err.message);
  return err;
}
// {principal: {privilege: [inherited_from_type, inherited_from_name]}}
function effective(list) {
  return Object.fromEntries(list.privilege_assignments.map((a) => [a.principal,
    Object.fromEntries(a.privileges.map((p) => [p.privilege, [p.inherited_from_type, p.inherited_from_name]]))]));
}

before(async () => {
  srv = await startServer();
  home = makeHome('weir-sdk-grants-home-');
  w = client(srv.token);
  const sp = await ok(await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: 'sdk-reader' } }), 201);
  reader = sp.applicationId;
  await ok(await srv.req('POST', `${SCIM}/Groups`, { body: { displayName: 'readers', members: [{ value: sp.id }] } }), 201);
  const t = await ok(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: reader } }));
  readerToken = t.token_value;
  r = client(readerToken);
  await w.catalogs.create({ name: 'gc' });
  await w.schemas.create({ catalog_name: 'gc', name: 's' });
  await w.catalogs.create({ name: 'secret_cat' });
  await ok(await srv.req('POST', UC + '/tables', { body: {
    catalog_name: 'gc', schema_name: 's', name: 't', table_type: 'EXTERNAL', data_source_format: 'DELTA',
    storage_location: 's3://sdk-grants/gc/s/t', columns: [],
  } }));
  await patch('/permissions/catalog/gc', { changes: [{ principal: 'readers', add: ['USE_CATALOG'] }, { principal: 'admins', add: ['BROWSE'] }] });
  await patch('/permissions/schema/gc.s', { changes: [{ principal: 'readers', add: ['USE SCHEMA', 'select'] }] });
  devId = (await ok(await srv.req('POST', '/api/2.0/weir/workspaces', { body: { name: 'DEV' } }))).workspace_id;
});

after(async () => {
  if (srv) await srv.stop();
  removeHome(home);
});

test('grants.get: direct grants only, privileges parsed, principal filter, any case of securable_type', async () => {
  const cat = await w.grants.get({ securable_type: 'catalog', full_name: 'gc' });
  assert.deepEqual(cat.privilege_assignments, [
    { principal: 'admins', privileges: ['BROWSE'] },
    { principal: 'readers', privileges: ['USE_CATALOG'] },
  ]);
  // the SDK's SecurableType enum is upper case: the path carries it as given
  assert.deepEqual(await w.grants.get({ securable_type: 'CATALOG', full_name: 'gc' }), cat);
  const sch = await w.grants.get({ securable_type: 'schema', full_name: 'gc.s' });
  assert.deepEqual(sch.privilege_assignments, [{ principal: 'readers', privileges: ['SELECT', 'USE_SCHEMA'] }]);
  // inherited grants are not direct grants
  assert.deepEqual((await w.grants.get({ securable_type: 'table', full_name: 'gc.s.t' })).privilege_assignments, []);
  const only = await w.grants.get({ securable_type: 'catalog', full_name: 'gc', principal: 'readers' });
  assert.deepEqual(only.privilege_assignments.map((a) => a.principal), ['readers']);
});

test('grants.getEffective: inherited privileges carry inherited_from_type and inherited_from_name', async () => {
  const eff = effective(await w.grants.getEffective({ securable_type: 'table', full_name: 'gc.s.t' }));
  assert.deepEqual(eff.readers, {
    SELECT: ['SCHEMA', 'gc.s'], USE_SCHEMA: ['SCHEMA', 'gc.s'], USE_CATALOG: ['CATALOG', 'gc'],
  });
  assert.deepEqual(eff.admins, { BROWSE: ['CATALOG', 'gc'] });
  // a direct grant has no inherited_from fields
  const cat = await w.grants.getEffective({ securable_type: 'catalog', full_name: 'gc' });
  for (const a of cat.privilege_assignments) {
    for (const p of a.privileges) {
      assert.equal(typeof p.privilege, 'string');
      assert.ok(!('inherited_from_type' in p) && !('inherited_from_name' in p), JSON.stringify(p));
    }
  }
  // for one principal: what reaches it, through its groups
  const forReader = effective(await w.grants.getEffective({ securable_type: 'table', full_name: 'gc.s.t', principal: reader }));
  assert.deepEqual(Object.keys(forReader), ['readers']);
});

test('grants.update sends no body and changes nothing; fetch PATCH changes, the SDK reads it back', async () => {
  const before0 = await w.grants.get({ securable_type: 'table', full_name: 'gc.s.t' });
  const echoed = await w.grants.update({ securable_type: 'table', full_name: 'gc.s.t',
    changes: [{ principal: 'readers', add: ['MODIFY'] }] });
  assert.deepEqual(echoed, before0);
  assert.deepEqual(await w.grants.get({ securable_type: 'table', full_name: 'gc.s.t' }), before0);

  const res = await patch('/permissions/table/gc.s.t', { changes: [{ principal: 'readers', add: ['MODIFY'] }, { principal: reader, add: ['APPLY TAG'] }] });
  assert.deepEqual(res.privilege_assignments, [
    { principal: 'readers', privileges: ['MODIFY'] },
    { principal: reader, privileges: ['APPLY_TAG'] },
  ]);
  const got = await w.grants.get({ securable_type: 'table', full_name: 'gc.s.t' });
  assert.deepEqual(Object.fromEntries(got.privilege_assignments.map((a) => [a.principal, a.privileges])),
    { readers: ['MODIFY'], [reader]: ['APPLY_TAG'] });
  const eff = effective(await w.grants.getEffective({ securable_type: 'table', full_name: 'gc.s.t' }));
  assert.deepEqual(eff.readers.MODIFY, [undefined, undefined]);
  assert.deepEqual(eff.readers.SELECT, ['SCHEMA', 'gc.s']);
  assert.deepEqual(eff[reader], { APPLY_TAG: [undefined, undefined] });
  // revoke through fetch, read back through the SDK
  await patch('/permissions/table/gc.s.t', { changes: [{ principal: 'readers', remove: ['MODIFY'] }, { principal: reader, remove: ['APPLY_TAG'] }] });
  assert.deepEqual((await w.grants.get({ securable_type: 'table', full_name: 'gc.s.t' })).privilege_assignments, []);
});

test('a caller who manages nothing sees its own assignments only, and errors are ApiErrors', async () => {
  // through its group, the reader sees the group's entry, not the admins' one
  assert.deepEqual((await r.grants.get({ securable_type: 'catalog', full_name: 'gc' })).privilege_assignments,
    [{ principal: 'readers', privileges: ['USE_CATALOG'] }]);
  assert.deepEqual(Object.keys(effective(await r.grants.getEffective({ securable_type: 'table', full_name: 'gc.s.t' }))), ['readers']);
  await rejects(r.grants.getEffective({ securable_type: 'table', full_name: 'gc.s.t', principal: 'admin' }), 403, 'PERMISSION_DENIED');
  // not allowed to change grants: 403; a catalog it cannot browse does not exist for it
  const denied = await fetch(`${srv.base}${UC}/permissions/catalog/gc`, { method: 'PATCH',
    headers: { authorization: `Bearer ${readerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ changes: [{ principal: reader, add: ['CREATE_SCHEMA'] }] }) });
  assert.equal(denied.status, 403);
  const hidden = await rejects(r.grants.get({ securable_type: 'catalog', full_name: 'secret_cat' }), 404, 'CATALOG_NOT_FOUND');
  const missing = await rejects(r.grants.get({ securable_type: 'catalog', full_name: 'no_such_cat' }), 404, 'CATALOG_NOT_FOUND');
  assert.equal(hidden.message.replace('secret_cat', 'X'), missing.message.replace('no_such_cat', 'X'));
  // bad input
  await rejects(w.grants.get({ securable_type: 'widget', full_name: 'gc' }), 400, 'INVALID_PARAMETER_VALUE');
  await rejects(w.grants.getEffective({ securable_type: 'table', full_name: 'gc.s.nope' }), 404, 'TABLE_NOT_FOUND');
  await rejects(w.grants.getEffective({ securable_type: 'catalog', full_name: 'gc', principal: 'ghost' }), 404, 'NOT_FOUND');
});

test('workspaceBindings.getBindings and .get read the bindings set through fetch', async () => {
  assert.deepEqual(await all(w.workspaceBindings.getBindings({ securable_type: 'catalog', securable_name: 'gc' })), []);
  assert.deepEqual(await w.workspaceBindings.get({ name: 'gc' }), { workspaces: [] });
  const set = await patch('/bindings/catalog/gc', { add: [{ workspace_id: 1, binding_type: RW }, { workspace_id: devId, binding_type: RO }] });
  const bindings = await all(w.workspaceBindings.getBindings({ securable_type: 'catalog', securable_name: 'gc' }));
  assert.deepEqual(bindings, set.bindings);
  assert.deepEqual(bindings, [{ workspace_id: 1, binding_type: RW }, { workspace_id: devId, binding_type: RO }]);
  assert.deepEqual(await w.workspaceBindings.get({ name: 'gc' }), { workspaces: [1, devId] });
  // the reader may browse gc, so it may read the bindings too
  assert.deepEqual(await all(r.workspaceBindings.getBindings({ securable_type: 'catalog', securable_name: 'gc' })), bindings);

  // the SDK's bodiless PATCHes change nothing
  await w.workspaceBindings.updateBindings({ securable_type: 'catalog', securable_name: 'gc', remove: [{ workspace_id: devId }] });
  await w.workspaceBindings.update({ name: 'gc', unassign_workspaces: [devId] });
  assert.deepEqual(await all(w.workspaceBindings.getBindings({ securable_type: 'catalog', securable_name: 'gc' })), bindings);

  // the older API through fetch: unassign DEV, read back both ways
  assert.deepEqual(await patch('/workspace-bindings/catalogs/gc', { unassign_workspaces: [devId] }), { workspaces: [1] });
  assert.deepEqual(await all(w.workspaceBindings.getBindings({ securable_type: 'catalog', securable_name: 'gc' })), [{ workspace_id: 1, binding_type: RW }]);
  assert.deepEqual(await w.workspaceBindings.get({ name: 'gc' }), { workspaces: [1] });

  // errors
  await rejects(all(w.workspaceBindings.getBindings({ securable_type: 'catalog', securable_name: 'nope' })), 404, 'CATALOG_NOT_FOUND');
  await rejects(all(w.workspaceBindings.getBindings({ securable_type: 'schema', securable_name: 'gc.s' })), 400, 'INVALID_PARAMETER_VALUE');
  await rejects(r.workspaceBindings.get({ name: 'secret_cat' }), 404, 'CATALOG_NOT_FOUND');
  const denied = await srv.req('PATCH', `${UC}/bindings/catalog/gc`, { token: readerToken, body: { add: [{ workspace_id: devId }] } });
  assert.equal(denied.status, 403, denied.text);
});

test('an ISOLATED catalog: bindings decide where it exists; the SDK sees it from a bound workspace only', async () => {
  await patch('/catalogs/gc', { isolation_mode: 'ISOLATED' });
  await ok(await srv.req('PUT', '/api/2.0/weir/workspaces/DEV/assignments/admin'));
  const devTok = await ok(await srv.req('POST', '/api/2.0/token/create', { body: { workspace: 'DEV' } }));
  const dev = client(devTok.token_value);
  // gc is bound to default only now: visible from default, not from DEV
  assert.ok((await all(w.catalogs.list({}))).some((c) => c.name === 'gc'));
  await rejects(dev.catalogs.get({ name: 'gc' }), 404, 'CATALOG_NOT_FOUND');
  // admins manage bindings from anywhere: bind DEV read-only, read it back through the SDK
  const res = await fetch(`${srv.base}${UC}/bindings/catalog/gc`, { method: 'PATCH',
    headers: { authorization: `Bearer ${devTok.token_value}`, 'content-type': 'application/json' },
    body: JSON.stringify({ add: [{ workspace_id: devId, binding_type: RO }] }) });
  assert.equal(res.status, 200, await res.text());
  assert.deepEqual(await all(dev.workspaceBindings.getBindings({ securable_type: 'catalog', securable_name: 'gc' })),
    [{ workspace_id: 1, binding_type: RW }, { workspace_id: devId, binding_type: RO }]);
  assert.equal((await dev.catalogs.get({ name: 'gc' })).name, 'gc');
  // read-only from DEV: grants can be read but not changed
  assert.ok((await dev.grants.get({ securable_type: 'catalog', full_name: 'gc' })).privilege_assignments.length > 0);
  const ro = await srv.req('PATCH', `${UC}/permissions/catalog/gc`, { token: devTok.token_value, body: { changes: [{ principal: 'readers', add: ['BROWSE'] }] } });
  assert.equal(ro.status, 403, ro.text);
  await patch('/catalogs/gc', { isolation_mode: 'OPEN' });
});
