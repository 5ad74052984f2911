// Grants, effective permissions, workspaces and catalog bindings over HTTP, including the
// DEV/STG/PRD scenario: three workspaces sharing one metastore, kept apart by ISOLATED
// catalogs and bindings (isolation binds admins too, so admin tokens per workspace suffice).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, assertError, ok } = require('./lib');

const UC = '/api/2.1/unity-catalog';
let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

test('workspaces: create, list, get, duplicate, assign, delete; default cannot be deleted', async () => {
  const w = await ok(await srv.req('POST', '/api/2.0/weir/workspaces', { body: { name: 'ws_a' } }));
  assert.equal(w.name, 'ws_a');
  assert.equal(typeof w.workspace_id, 'number');
  assertError(await srv.req('POST', '/api/2.0/weir/workspaces', { body: { name: 'ws_a' } }), 400, 'RESOURCE_ALREADY_EXISTS');
  assertError(await srv.req('POST', '/api/2.0/weir/workspaces', { body: { name: 'bad name' } }), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('POST', '/api/2.0/weir/workspaces', { body: {} }), 400, 'INVALID_PARAMETER_VALUE');
  const list = await ok(await srv.req('GET', '/api/2.0/weir/workspaces'));
  assert.deepEqual(list.workspaces.map((x) => x.name).sort(), ['default', 'ws_a']);
  assert.equal((await ok(await srv.req('GET', '/api/2.0/weir/workspaces/ws_a'))).workspace_id, w.workspace_id);
  assertError(await srv.req('GET', '/api/2.0/weir/workspaces/nope'), 404, 'RESOURCE_DOES_NOT_EXIST');
  await ok(await srv.req('PUT', '/api/2.0/weir/workspaces/ws_a/assignments/admin'));
  const asg = await ok(await srv.req('GET', '/api/2.0/weir/workspaces/ws_a/assignments'));
  assert.deepEqual(asg.assignments.map((a) => a.principal), ['admin']);
  assertError(await srv.req('PUT', '/api/2.0/weir/workspaces/ws_a/assignments/ghost'), 404, 'NOT_FOUND');
  assertError(await srv.req('PUT', '/api/2.0/weir/workspaces/default/assignments/admin'), 400, 'INVALID_PARAMETER_VALUE');
  // a token in ws_a works while admin is assigned, and stops the moment the assignment goes
  const t = await ok(await srv.req('POST', '/api/2.0/token/create', { body: { workspace: 'ws_a' } }));
  assert.equal((await srv.req('GET', UC + '/catalogs', { token: t.token_value })).status, 200);
  await ok(await srv.req('DELETE', '/api/2.0/weir/workspaces/ws_a/assignments/admin'));
  assertError(await srv.req('GET', UC + '/catalogs', { token: t.token_value }), 401, 'UNAUTHENTICATED');
  assertError(await srv.req('POST', '/api/2.0/token/create', { body: { workspace: 'ws_a' } }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('POST', '/api/2.0/token/create', { body: { workspace: 'nope' } }), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('DELETE', '/api/2.0/weir/workspaces/default'), 400, 'INVALID_PARAMETER_VALUE');
  await ok(await srv.req('DELETE', '/api/2.0/weir/workspaces/ws_a'));
  assertError(await srv.req('GET', '/api/2.0/weir/workspaces/ws_a'), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('permissions: grant, read back, effective with inheritance, and every bad input changes nothing', async () => {
  await ok(await srv.req('POST', UC + '/catalogs', { body: { name: 'gcat' } }));
  await ok(await srv.req('POST', UC + '/schemas', { body: { name: 'gs', catalog_name: 'gcat' } }));
  await ok(await srv.req('POST', UC + '/tables', { body: { name: 'gt', catalog_name: 'gcat', schema_name: 'gs',
    table_type: 'EXTERNAL', storage_location: 's3://bucket/gt', columns: [] } }));
  const upd = await ok(await srv.req('PATCH', UC + '/permissions/catalog/gcat', { body: { changes: [
    { principal: 'admins', add: ['USE_CATALOG', 'USE SCHEMA', 'SELECT'] }] } }));
  assert.deepEqual(upd.privilege_assignments, [{ principal: 'admins', privileges: ['SELECT', 'USE_CATALOG', 'USE_SCHEMA'] }]);
  const get = await ok(await srv.req('GET', UC + '/permissions/catalog/gcat'));
  assert.deepEqual(get.privilege_assignments, upd.privilege_assignments);
  // direct grants only on the table; effective shows where they come from
  assert.deepEqual((await ok(await srv.req('GET', UC + '/permissions/table/gcat.gs.gt'))).privilege_assignments, []);
  const eff = await ok(await srv.req('GET', UC + '/effective-permissions/table/gcat.gs.gt?principal=admin'));
  const entry = eff.privilege_assignments.find((a) => a.principal === 'admins');
  assert.ok(entry, JSON.stringify(eff));
  const sel = entry.privileges.find((p) => p.privilege === 'SELECT');
  assert.equal(sel.inherited_from_type, 'CATALOG');
  assert.equal(sel.inherited_from_name, 'gcat');
  // bad input: all refused, nothing changed
  const before = JSON.stringify(get);
  assertError(await srv.req('PATCH', UC + '/permissions/catalog/gcat', { body: { changes: [
    { principal: 'admins', add: ['MODIFY'] }, { principal: 'ghost', add: ['SELECT'] }] } }), 404, 'NOT_FOUND');
  assertError(await srv.req('PATCH', UC + '/permissions/catalog/gcat', { body: { changes: [
    { principal: 'admins', add: ['FLY'] }] } }), 400, 'INVALID_PARAMETER_VALUE');
  const na = await srv.req('PATCH', UC + '/permissions/table/gcat.gs.gt', { body: { changes: [
    { principal: 'admins', add: ['CREATE_SCHEMA'] }] } });
  assertError(na, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(na.json.details[0].metadata.field, 'changes[0].add[0]');
  assertError(await srv.req('PATCH', UC + '/permissions/catalog/gcat', { body: { changes: 'x' } }), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', UC + '/permissions/widget/gcat'), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', UC + '/permissions/catalog/nope'), 404, 'CATALOG_NOT_FOUND');
  assertError(await srv.req('GET', UC + '/permissions/table/gcat.gs'), 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(JSON.stringify(await ok(await srv.req('GET', UC + '/permissions/catalog/gcat'))), before);
  // an empty PATCH (the SDK's) changes nothing
  assert.equal(JSON.stringify(await ok(await srv.req('PATCH', UC + '/permissions/catalog/gcat'))), before);
  // remove
  const rem = await ok(await srv.req('PATCH', UC + '/permissions/catalog/gcat', { body: { changes: [
    { principal: 'admins', remove: ['SELECT'] }] } }));
  assert.deepEqual(rem.privilege_assignments[0].privileges, ['USE_CATALOG', 'USE_SCHEMA']);
  // metastore grants
  await ok(await srv.req('PATCH', UC + '/permissions/metastore/any', { body: { changes: [
    { principal: 'admins', add: ['CREATE_CATALOG'] }] } }));
  assertError(await srv.req('PATCH', UC + '/permissions/metastore/any', { body: { changes: [
    { principal: 'admins', add: ['SELECT'] }] } }), 400, 'INVALID_PARAMETER_VALUE');
});

test('DEV/STG/PRD: isolated catalogs are visible only where bound; READ_ONLY refuses writes', async () => {
  const ws = {};
  for (const n of ['dev', 'stg', 'prd']) {
    ws[n] = await ok(await srv.req('POST', '/api/2.0/weir/workspaces', { body: { name: n.toUpperCase() } }));
    await ok(await srv.req('PUT', `/api/2.0/weir/workspaces/${n.toUpperCase()}/assignments/admin`));
    ws[n].token = (await ok(await srv.req('POST', '/api/2.0/token/create', { body: { workspace: n.toUpperCase() } }))).token_value;
    await ok(await srv.req('POST', UC + '/catalogs', { body: { name: n } }));
    await ok(await srv.req('POST', UC + '/schemas', { body: { name: 'core', catalog_name: n } }));
  }
  const bind = (cat, add) => srv.req('PATCH', `${UC}/bindings/catalog/${cat}`, { body: { add } });
  const RW = 'BINDING_TYPE_READ_WRITE', RO = 'BINDING_TYPE_READ_ONLY';
  await ok(await bind('dev', [{ workspace_id: ws.dev.workspace_id, binding_type: RW }]));
  await ok(await bind('stg', [{ workspace_id: ws.stg.workspace_id, binding_type: RW }, { workspace_id: ws.dev.workspace_id, binding_type: RO }]));
  await ok(await bind('prd', [{ workspace_id: ws.prd.workspace_id, binding_type: RW }]));
  // each workspace isolates its own catalog (isolating binds the caller's workspace, here already bound)
  for (const n of ['dev', 'stg', 'prd'])
    assert.equal((await ok(await srv.req('PATCH', `${UC}/catalogs/${n}`, { token: ws[n].token, body: { isolation_mode: 'ISOLATED' } }))).isolation_mode, 'ISOLATED');

  const names = async (tok) => (await ok(await srv.req('GET', UC + '/catalogs', { token: tok }))).catalogs.map((c) => c.name).filter((n) => ['dev', 'stg', 'prd'].includes(n)).sort();
  assert.deepEqual(await names(ws.dev.token), ['dev', 'stg']);
  assert.deepEqual(await names(ws.stg.token), ['stg']);
  assert.deepEqual(await names(ws.prd.token), ['prd']);
  assert.deepEqual(await names(srv.token), []); // default workspace: bound to none

  // DEV: prd does not exist; dev is writable; stg is read-only
  assertError(await srv.req('GET', UC + '/catalogs/prd', { token: ws.dev.token }), 404, 'CATALOG_NOT_FOUND');
  assertError(await srv.req('GET', UC + '/schemas/prd.core', { token: ws.dev.token }), 404, 'CATALOG_NOT_FOUND');
  await ok(await srv.req('POST', UC + '/schemas', { token: ws.dev.token, body: { name: 'x', catalog_name: 'dev' } }));
  await ok(await srv.req('GET', UC + '/schemas/stg.core', { token: ws.dev.token }));
  assertError(await srv.req('POST', UC + '/schemas', { token: ws.dev.token, body: { name: 'x', catalog_name: 'stg' } }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('PATCH', UC + '/schemas/stg.core', { token: ws.dev.token, body: { comment: 'no' } }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('DELETE', UC + '/schemas/stg.core', { token: ws.dev.token }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('PATCH', UC + '/permissions/catalog/stg', { token: ws.dev.token, body: { changes: [{ principal: 'admins', add: ['BROWSE'] }] } }), 403, 'PERMISSION_DENIED');
  await ok(await srv.req('POST', UC + '/schemas', { token: ws.stg.token, body: { name: 'y', catalog_name: 'stg' } }));
  // PRD writes from PRD work, and nothing of prd is reachable from STG
  await ok(await srv.req('POST', UC + '/schemas', { token: ws.prd.token, body: { name: 'y', catalog_name: 'prd' } }));
  assertError(await srv.req('GET', UC + '/schemas?catalog_name=prd', { token: ws.stg.token }), 404, 'CATALOG_NOT_FOUND');

  // bindings read back, in both API shapes; bad bindings change nothing
  const b = await ok(await srv.req('GET', `${UC}/bindings/catalog/stg`));
  assert.deepEqual(b.bindings.map((x) => x.binding_type).sort(), [RO, RW]);
  const legacy = await ok(await srv.req('GET', `${UC}/workspace-bindings/catalogs/stg`));
  assert.deepEqual(legacy.workspaces.sort(), [ws.dev.workspace_id, ws.stg.workspace_id].sort());
  assertError(await bind('stg', [{ workspace_id: 999999, binding_type: RW }]), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await bind('stg', [{ workspace_id: ws.prd.workspace_id, binding_type: 'SOMETIMES' }]), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${UC}/bindings/schema/stg.core`), 400, 'INVALID_PARAMETER_VALUE');
  // the older API's errors name its own fields
  const legacyBad = async (body, field) => {
    const res = await srv.req('PATCH', `${UC}/workspace-bindings/catalogs/stg`, { body });
    assertError(res, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(res.json.details[0].metadata.field, field, res.text);
  };
  await legacyBad({ assign_workspaces: [ws.prd.workspace_id, 999999] }, 'assign_workspaces[1]');
  await legacyBad({ unassign_workspaces: ['dev'] }, 'unassign_workspaces[0]');
  await legacyBad({ assign_workspaces: 7 }, 'assign_workspaces');
  assert.deepEqual((await ok(await srv.req('GET', `${UC}/bindings/catalog/stg`))).bindings, b.bindings);
  // unbinding DEV from stg hides it from DEV at once
  await ok(await srv.req('PATCH', `${UC}/bindings/catalog/stg`, { body: { remove: [{ workspace_id: ws.dev.workspace_id }] } }));
  assertError(await srv.req('GET', UC + '/catalogs/stg', { token: ws.dev.token }), 404, 'CATALOG_NOT_FOUND');
  // back to OPEN: visible everywhere again
  await ok(await srv.req('PATCH', `${UC}/catalogs/prd`, { token: ws.prd.token, body: { isolation_mode: 'OPEN' } }));
  assert.deepEqual(await names(srv.token), ['prd']);
  assertError(await srv.req('PATCH', `${UC}/catalogs/dev`, { token: ws.dev.token, body: { isolation_mode: 'HALF' } }), 400, 'INVALID_PARAMETER_VALUE');
});
