// The official Databricks JS SDK (@databricks/sdk-experimental, pinned 0.17.0) drives Weir's
// Unity Catalog surface: create, get, list across several pages (the SDK's async iterators
// follow next_page_token), update and delete catalogs, schemas, tables, volumes,
// functions, storage credentials (both of the SDK's services) and external locations;
// errors surface as ApiError with error_code, status and parsed details.
// The SDK sends PATCH without a body (an SDK bug), so updates go through plain fetch and are
// read back through the SDK. currentUser.me is not covered here (identity is separate).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { WorkspaceClient, ApiError } = require('@databricks/sdk-experimental');
const { startServer } = require('../http/lib');
const { makeHome, removeHome, patClient, recordCalls, all } = require('./lib');

const UC = '/api/2.1/unity-catalog';
let srv;
let w;
let home;
const calls = []; // every request the SDK makes: {method, path, query}

before(async () => {
  srv = await startServer();
  // Isolated from the developer's environment and ~/.databrickscfg.
  home = makeHome('weir-sdk-home-');
  w = patClient(srv.base, srv.token, home);
  recordCalls(w, calls);
});

after(async () => {
  await srv.stop();
  removeHome(home);
});

// Runs fn, returns the SDK list requests it made to `p`.
async function listCalls(p, fn) {
  const start = calls.length;
  const result = await fn();
  return { result, pages: calls.slice(start).filter((c) => c.method === 'GET' && c.path === p) };
}

async function patch(p, body) {
  const res = await srv.req('PATCH', p, { body });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

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

// The pages the iterator requested: the first without a token, each next one with the
// token of the page before, max_results on all of them.
function assertPaged(pages, n, pageSize) {
  const expected = Math.floor(n / pageSize) + 1 - (n % pageSize === 0 ? 1 : 0);
  assert.equal(pages.length, expected, `pages requested: ${JSON.stringify(pages)}`);
  assert.equal(pages[0].query.page_token, undefined);
  for (const p of pages) assert.equal(String(p.query.max_results), String(pageSize));
  for (const p of pages.slice(1)) assert.ok(p.query.page_token, 'later pages carry page_token');
}

test('catalogs: create, get, list over pages, update, delete', async () => {
  const names = [];
  for (let i = 0; i < 7; i++) {
    const name = `sdk_cat_${i}`;
    names.push(name);
    const c = await w.catalogs.create({ name, comment: `catalog ${i}`, properties: { idx: String(i) } });
    assert.equal(c.name, name);
    assert.equal(c.comment, `catalog ${i}`);
    assert.deepEqual(c.properties, { idx: String(i) });
    assert.equal(c.owner, 'admin');
    assert.equal(typeof c.created_at, 'number');
  }
  const got = await w.catalogs.get({ name: 'sdk_cat_3' });
  assert.equal(got.full_name, 'sdk_cat_3');
  assert.equal(got.comment, 'catalog 3');

  // 7 catalogs of ours (and maybe others) in pages of 3: the iterator follows the tokens.
  const { result, pages } = await listCalls(`${UC}/catalogs`, () => all(w.catalogs.list({ max_results: 3 })));
  const listed = result.map((c) => c.name);
  assert.deepEqual(listed.filter((n) => n.startsWith('sdk_cat_')), names);
  assert.deepEqual([...listed].sort(), listed, 'ordered by name');
  assert.equal(new Set(listed).size, listed.length, 'no item twice');
  assertPaged(pages, listed.length, 3);

  // Updates by fetch (the SDK drops PATCH bodies), read back through the SDK.
  await patch(`${UC}/catalogs/sdk_cat_1`, { comment: 'changed', properties: { k: 'v' } });
  const upd = await w.catalogs.get({ name: 'sdk_cat_1' });
  assert.equal(upd.comment, 'changed');
  assert.deepEqual(upd.properties, { k: 'v' });
  assert.ok(upd.updated_at >= upd.created_at);
  await patch(`${UC}/catalogs/sdk_cat_1`, { new_name: 'sdk_cat_1_renamed' });
  assert.equal((await w.catalogs.get({ name: 'sdk_cat_1_renamed' })).comment, 'changed');
  await rejects(w.catalogs.get({ name: 'sdk_cat_1' }), 404, 'CATALOG_NOT_FOUND');

  // The SDK's own update goes out without a body: the server answers the object unchanged.
  const same = await w.catalogs.update({ name: 'sdk_cat_2', comment: 'dropped by the SDK' });
  assert.equal(same.name, 'sdk_cat_2');
  assert.equal(same.comment, 'catalog 2');

  for (const name of ['sdk_cat_0', 'sdk_cat_1_renamed', 'sdk_cat_2', 'sdk_cat_3', 'sdk_cat_4', 'sdk_cat_5', 'sdk_cat_6']) {
    assert.deepEqual(await w.catalogs.delete({ name }), {});
  }
  await rejects(w.catalogs.get({ name: 'sdk_cat_0' }), 404, 'CATALOG_NOT_FOUND');
  const left = (await all(w.catalogs.list({}))).map((c) => c.name);
  assert.deepEqual(left.filter((n) => n.startsWith('sdk_cat_')), []);
});

test('schemas: create, get, list over pages, update, delete; a non-empty catalog needs force', async () => {
  await w.catalogs.create({ name: 'sdk_sch' });
  const names = [];
  for (let i = 0; i < 5; i++) {
    const s = await w.schemas.create({ catalog_name: 'sdk_sch', name: `s${i}`, comment: `schema ${i}`, properties: { i: String(i) } });
    assert.equal(s.full_name, `sdk_sch.s${i}`);
    assert.equal(s.catalog_name, 'sdk_sch');
    names.push(`s${i}`);
  }
  const got = await w.schemas.get({ full_name: 'sdk_sch.s2' });
  assert.equal(got.comment, 'schema 2');
  assert.deepEqual(got.properties, { i: '2' });

  const { result, pages } = await listCalls(`${UC}/schemas`, () =>
    all(w.schemas.list({ catalog_name: 'sdk_sch', max_results: 2 })));
  assert.deepEqual(result.map((s) => s.name), names);
  assertPaged(pages, 5, 2);
  for (const p of pages) assert.equal(p.query.catalog_name, 'sdk_sch');

  await patch(`${UC}/schemas/sdk_sch.s1`, { comment: 'changed', new_name: 's1b' });
  const upd = await w.schemas.get({ full_name: 'sdk_sch.s1b' });
  assert.equal(upd.comment, 'changed');
  assert.equal(upd.full_name, 'sdk_sch.s1b');
  await rejects(w.schemas.get({ full_name: 'sdk_sch.s1' }), 404, 'SCHEMA_NOT_FOUND');
  await rejects(w.schemas.get({ full_name: 'sdk_nowhere.s1' }), 404, 'CATALOG_NOT_FOUND');

  assert.deepEqual(await w.schemas.delete({ full_name: 'sdk_sch.s0' }), {});
  await rejects(w.schemas.get({ full_name: 'sdk_sch.s0' }), 404, 'SCHEMA_NOT_FOUND');
  await rejects(w.catalogs.delete({ name: 'sdk_sch' }), 400, 'FAILED_PRECONDITION');
  assert.deepEqual(await w.catalogs.delete({ name: 'sdk_sch', force: true }), {});
  await rejects(w.schemas.get({ full_name: 'sdk_sch.s2' }), 404, 'CATALOG_NOT_FOUND');
});

test('tables: create, get, exists, list over pages, update, delete', async () => {
  await w.catalogs.create({ name: 'sdk_tab' });
  await w.schemas.create({ catalog_name: 'sdk_tab', name: 'd' });
  const columns = [
    { name: 'id', type_name: 'LONG', type_text: 'BIGINT', position: 0, nullable: false,
      type_json: '{"name":"id","type":"long","nullable":false,"metadata":{}}' },
    { name: 'label', type_name: 'STRING', type_text: 'STRING', position: 1, nullable: true, comment: 'a label',
      type_json: '{"name":"label","type":"string","nullable":true,"metadata":{}}' },
  ];
  const ext = path.join(srv.dir, 'external');
  const names = [];
  for (let i = 0; i < 5; i++) {
    const name = `t${i}`;
    names.push(name);
    const managed = i % 2 === 0;
    const t = await w.tables.create({
      catalog_name: 'sdk_tab', schema_name: 'd', name, columns,
      table_type: managed ? 'MANAGED' : 'EXTERNAL',
      data_source_format: managed ? 'DELTA' : 'PARQUET',
      ...(managed ? {} : { storage_location: `${ext}/${name}` }),
      properties: { n: String(i) },
    });
    assert.equal(t.full_name, `sdk_tab.d.${name}`);
    assert.equal(t.table_type, managed ? 'MANAGED' : 'EXTERNAL');
    assert.match(t.storage_location, /^file:\/\/\//);
    if (!managed) assert.equal(t.storage_location, `file://${ext}/${name}`);
  }
  const got = await w.tables.get({ full_name: 'sdk_tab.d.t1' });
  assert.equal(got.data_source_format, 'PARQUET');
  assert.deepEqual(got.columns.map((c) => [c.name, c.type_name, c.type_text, c.position, c.nullable]),
    [['id', 'LONG', 'bigint', 0, false], ['label', 'STRING', 'string', 1, true]]);
  assert.equal(got.columns[1].comment, 'a label');
  assert.deepEqual(got.properties, { n: '1' });

  assert.deepEqual(await w.tables.exists({ full_name: 'sdk_tab.d.t1' }), { table_exists: true });
  assert.deepEqual(await w.tables.exists({ full_name: 'sdk_tab.d.nope' }), { table_exists: false });

  const { result, pages } = await listCalls(`${UC}/tables`, () =>
    all(w.tables.list({ catalog_name: 'sdk_tab', schema_name: 'd', max_results: 2 })));
  assert.deepEqual(result.map((t) => t.name), names);
  assert.ok(result.every((t) => Array.isArray(t.columns) && t.columns.length === 2));
  assertPaged(pages, 5, 2);
  const bare = await all(w.tables.list({ catalog_name: 'sdk_tab', schema_name: 'd', omit_columns: true, omit_properties: true }));
  assert.ok(bare.every((t) => t.columns === undefined && t.properties === undefined));

  // Only the owner of a table can change (Databricks' updateTable).
  await patch(`${UC}/tables/sdk_tab.d.t3`, { owner: 'admin' });
  const upd = await w.tables.get({ full_name: 'sdk_tab.d.t3' });
  assert.equal(upd.owner, 'admin');
  assert.ok(upd.updated_at >= upd.created_at);

  assert.deepEqual(await w.tables.delete({ full_name: 'sdk_tab.d.t3' }), {});
  await rejects(w.tables.get({ full_name: 'sdk_tab.d.t3' }), 404, 'TABLE_NOT_FOUND');
  await rejects(w.tables.get({ full_name: 'sdk_tab.nope.t3' }), 404, 'SCHEMA_NOT_FOUND');
  assert.deepEqual(await w.tables.exists({ full_name: 'sdk_tab.d.t3' }), { table_exists: false });
  await rejects(w.tables.create({ catalog_name: 'sdk_tab', schema_name: 'd', name: 't0', table_type: 'MANAGED', columns }),
    400, 'TABLE_ALREADY_EXISTS');
  await w.catalogs.delete({ name: 'sdk_tab', force: true });
});

test('volumes: create, read, list over pages, update, delete', async () => {
  await w.catalogs.create({ name: 'sdk_vol' });
  await w.schemas.create({ catalog_name: 'sdk_vol', name: 'd' });
  const names = [];
  for (let i = 0; i < 5; i++) {
    const name = `v${i}`;
    names.push(name);
    const external = i === 4;
    const v = await w.volumes.create({
      catalog_name: 'sdk_vol', schema_name: 'd', name, comment: `volume ${i}`,
      volume_type: external ? 'EXTERNAL' : 'MANAGED',
      ...(external ? { storage_location: path.join(srv.dir, 'ext-volume') } : {}),
    });
    assert.equal(v.full_name, `sdk_vol.d.${name}`);
    assert.equal(v.volume_type, external ? 'EXTERNAL' : 'MANAGED');
    assert.match(v.volume_id, /^[0-9a-f-]{36}$/);
    if (external) assert.equal(v.storage_location, `file://${path.join(srv.dir, 'ext-volume')}`);
  }
  const got = await w.volumes.read({ name: 'sdk_vol.d.v2' });
  assert.equal(got.comment, 'volume 2');

  const { result, pages } = await listCalls(`${UC}/volumes`, () =>
    all(w.volumes.list({ catalog_name: 'sdk_vol', schema_name: 'd', max_results: 2 })));
  assert.deepEqual(result.map((v) => v.name), names);
  assertPaged(pages, 5, 2);

  await patch(`${UC}/volumes/sdk_vol.d.v1`, { comment: 'changed', new_name: 'v1b' });
  const upd = await w.volumes.read({ name: 'sdk_vol.d.v1b' });
  assert.equal(upd.comment, 'changed');
  await rejects(w.volumes.read({ name: 'sdk_vol.d.v1' }), 404, 'NOT_FOUND');
  await rejects(w.volumes.create({ catalog_name: 'sdk_vol', schema_name: 'd', name: 'v2', volume_type: 'MANAGED' }),
    400, 'RESOURCE_ALREADY_EXISTS');

  assert.deepEqual(await w.volumes.delete({ name: 'sdk_vol.d.v1b' }), {});
  await rejects(w.volumes.read({ name: 'sdk_vol.d.v1b' }), 404, 'NOT_FOUND');
  await w.catalogs.delete({ name: 'sdk_vol', force: true });
});

test('functions: create, get, list over pages, update, delete', async () => {
  await w.catalogs.create({ name: 'sdk_fn' });
  await w.schemas.create({ catalog_name: 'sdk_fn', name: 'd' });
  const names = [];
  for (let i = 0; i < 5; i++) {
    const name = `f${i}`;
    names.push(name);
    const f = await w.functions.create({
      function_info: {
        catalog_name: 'sdk_fn', schema_name: 'd', name,
        input_params: { parameters: [{ name: 'x', type_name: 'INT', type_text: 'int', position: 0,
          type_json: '{"name":"x","type":"integer","nullable":true,"metadata":{}}' }] },
        data_type: 'INT', full_data_type: 'int',
        routine_body: 'SQL', routine_definition: `x + ${i}`,
        parameter_style: 'S', is_deterministic: true, sql_data_access: 'CONTAINS_SQL',
        is_null_call: false, security_type: 'DEFINER', specific_name: name,
        comment: `function ${i}`,
      },
    });
    assert.equal(f.full_name, `sdk_fn.d.${name}`);
    assert.equal(f.routine_definition, `x + ${i}`);
    assert.match(f.function_id, /^[0-9a-f-]{36}$/);
  }
  const got = await w.functions.get({ name: 'sdk_fn.d.f2' });
  assert.equal(got.data_type, 'INT');
  assert.equal(got.comment, 'function 2');
  assert.deepEqual(got.input_params.parameters.map((p) => p.name), ['x']);

  const { result, pages } = await listCalls(`${UC}/functions`, () =>
    all(w.functions.list({ catalog_name: 'sdk_fn', schema_name: 'd', max_results: 2 })));
  assert.deepEqual(result.map((f) => f.name), names);
  assertPaged(pages, 5, 2);

  await patch(`${UC}/functions/sdk_fn.d.f1`, { owner: 'admin' });
  assert.equal((await w.functions.get({ name: 'sdk_fn.d.f1' })).owner, 'admin');

  assert.deepEqual(await w.functions.delete({ name: 'sdk_fn.d.f1' }), {});
  await rejects(w.functions.get({ name: 'sdk_fn.d.f1' }), 404, 'NOT_FOUND');
  await w.catalogs.delete({ name: 'sdk_fn', force: true });
  await rejects(w.functions.get({ name: 'sdk_fn.d.f2' }), 404, 'CATALOG_NOT_FOUND');
});

test('temporary table credentials: an EXTERNAL table on file:// storage answers its url; a MANAGED one is refused', async () => {
  await w.catalogs.create({ name: 'sdk_cred' });
  await w.schemas.create({ catalog_name: 'sdk_cred', name: 'd' });
  const columns = [{ name: 'id', type_name: 'LONG', type_text: 'BIGINT', position: 0 }];
  const loc = path.join(srv.dir, 'lake', 'events');
  const ext = await w.tables.create({ catalog_name: 'sdk_cred', schema_name: 'd', name: 'ext', columns,
    table_type: 'EXTERNAL', data_source_format: 'DELTA', storage_location: loc });
  const start = calls.length;
  const creds = await w.temporaryTableCredentials.generateTemporaryTableCredentials({ table_id: ext.table_id, operation: 'READ' });
  assert.deepEqual(creds, { url: `file://${loc}` });
  assert.deepEqual(calls.slice(start).map((c) => `${c.method} ${c.path}`), ['POST /api/2.0/unity-catalog/temporary-table-credentials']);
  const managed = await w.tables.create({ catalog_name: 'sdk_cred', schema_name: 'd', name: 'm', columns,
    table_type: 'MANAGED', data_source_format: 'DELTA' });
  await rejects(w.temporaryTableCredentials.generateTemporaryTableCredentials({ table_id: managed.table_id, operation: 'READ_WRITE' }),
    400, 'FAILED_PRECONDITION');
  await w.catalogs.delete({ name: 'sdk_cred', force: true });
});

test('storage credentials, credentials and external locations: the SDK creates, reads, lists and deletes them', async () => {
  const cred = await w.storageCredentials.create({ name: 'sdk_role', aws_iam_role: { role_arn: 'arn:aws:iam::1:role/sdk' }, comment: 'c' });
  assert.equal(cred.aws_iam_role.role_arn, 'arn:aws:iam::1:role/sdk');
  assert.ok(cred.aws_iam_role.external_id);
  assert.equal((await w.storageCredentials.get({ name: 'sdk_role' })).id, cred.id);
  const byNew = await w.credentials.getCredential({ name_arg: 'sdk_role' });
  assert.equal(byNew.purpose, 'STORAGE');
  const sp = await w.credentials.createCredential({ name: 'sdk_sp', purpose: 'STORAGE',
    azure_service_principal: { directory_id: 'd', application_id: 'a', client_secret: 'sdk-secret' } });
  assert.equal(sp.azure_service_principal.client_secret, undefined);
  const loc = await w.externalLocations.create({ name: 'sdk_loc', url: 'file:///srv/sdk/loc/', credential_name: 'sdk_role' });
  assert.equal(loc.url, 'file:///srv/sdk/loc');
  assert.equal(loc.credential_id, cred.id);
  // the list iterators, one page at a time
  const { result: creds, pages } = await listCalls(`${UC}/storage-credentials`, () => all(w.storageCredentials.list({ max_results: 1 })));
  assert.deepEqual(creds.map((c) => c.name), ['sdk_role', 'sdk_sp']);
  assert.ok(pages.length >= 2, 'followed next_page_token');
  assert.deepEqual((await all(w.credentials.listCredentials({ purpose: 'STORAGE' }))).map((c) => c.name), ['sdk_role', 'sdk_sp']);
  assert.deepEqual((await all(w.externalLocations.list({}))).map((l) => l.name), ['sdk_loc']);
  const dup = await rejects(w.externalLocations.create({ name: 'sdk_loc2', url: 'file:///srv/sdk/loc/in', credential_name: 'sdk_role' }),
    400, 'INVALID_PARAMETER_VALUE');
  assert.equal(dup.getErrorInfo()[0].metadata.get('field'), 'url');
  await rejects(w.storageCredentials.create({ name: 'sdk_role', aws_iam_role: { role_arn: 'r' } }), 400, 'STORAGE_CREDENTIAL_ALREADY_EXISTS');
  await rejects(w.storageCredentials.delete({ name: 'sdk_role' }), 400, 'FAILED_PRECONDITION');
  assert.equal((await patch(`${UC}/external-locations/sdk_loc`, { read_only: true })).read_only, true);
  assert.equal((await w.externalLocations.get({ name: 'sdk_loc' })).read_only, true);
  await w.externalLocations.delete({ name: 'sdk_loc' });
  await w.storageCredentials.delete({ name: 'sdk_role' });
  await w.credentials.deleteCredential({ name_arg: 'sdk_sp' });
  await rejects(w.externalLocations.get({ name: 'sdk_loc' }), 404, 'NOT_FOUND');
});

test('ABAC policies: the SDK creates (the PolicyInfo as the body), gets, lists over pages with inherited ones, and deletes them', async () => {
  await w.catalogs.create({ name: 'sdk_pol' });
  await w.schemas.create({ catalog_name: 'sdk_pol', name: 'd' });
  await w.functions.create({
    function_info: {
      catalog_name: 'sdk_pol', schema_name: 'd', name: 'redact',
      input_params: { parameters: [{ name: 'x', type_name: 'STRING', type_text: 'string', position: 0,
        type_json: '{"name":"x","type":"string","nullable":true,"metadata":{}}' }] },
      data_type: 'STRING', full_data_type: 'string', routine_body: 'SQL', routine_definition: "'***'",
      parameter_style: 'S', is_deterministic: true, sql_data_access: 'CONTAINS_SQL',
      is_null_call: false, security_type: 'DEFINER', specific_name: 'redact',
    },
  });
  const info = (name, type, full) => ({
    name, on_securable_type: type, on_securable_fullname: full, for_securable_type: 'TABLE',
    policy_type: 'POLICY_TYPE_COLUMN_MASK', to_principals: ['admins'], when_condition: "hasTag('pii')",
    match_columns: [{ condition: "hasTagValue('pii', 'email')", alias: 'e' }],
    column_mask: { function_name: 'sdk_pol.d.redact', on_column: 'e' },
  });
  const p = await w.policies.createPolicy({ policy_info: info('on_catalog', 'CATALOG', 'sdk_pol') });
  assert.match(p.id, /^[0-9a-f-]{36}$/);
  assert.equal(p.on_securable_fullname, 'sdk_pol');
  for (const n of ['s1', 's2', 's3']) await w.policies.createPolicy({ policy_info: info(n, 'SCHEMA', 'sdk_pol.d') });
  const got = await w.policies.getPolicy({ on_securable_type: 'SCHEMA', on_securable_fullname: 'sdk_pol.d', name: 's2' });
  assert.deepEqual(got.column_mask, { function_name: 'sdk_pol.d.redact', on_column: 'e' });
  const { result, pages } = await listCalls(`${UC}/policies/SCHEMA/sdk_pol.d`, () =>
    all(w.policies.listPolicies({ on_securable_type: 'SCHEMA', on_securable_fullname: 'sdk_pol.d', include_inherited: true, max_results: 2 })));
  assert.deepEqual(result.map((x) => x.name), ['on_catalog', 's1', 's2', 's3']);
  assertPaged(pages, 4, 2);
  const bad = await rejects(w.policies.createPolicy({ policy_info: { ...info('bad', 'SCHEMA', 'sdk_pol.d'), to_principals: ['nobody-here'] } }),
    400, 'INVALID_PARAMETER_VALUE');
  assert.equal(bad.getErrorInfo()[0].metadata.get('field'), 'to_principals[0]');
  assert.deepEqual(await w.policies.deletePolicy({ on_securable_type: 'SCHEMA', on_securable_fullname: 'sdk_pol.d', name: 's1' }), {});
  await rejects(w.policies.getPolicy({ on_securable_type: 'SCHEMA', on_securable_fullname: 'sdk_pol.d', name: 's1' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  await w.catalogs.delete({ name: 'sdk_pol', force: true });
});

test('tag policies: the SDK creates, gets, lists over pages, updates with update_mask and deletes them; a governed key refuses other values', async () => {
  for (const k of ['sdk_a', 'sdk_b', 'sdk_c'])
    await w.tagPolicies.createTagPolicy({ tag_policy: { tag_key: k, description: `d ${k}`, values: [{ name: 'x' }, { name: 'y' }] } });
  const got = await w.tagPolicies.getTagPolicy({ tag_key: 'sdk_b' });
  assert.deepEqual(got.values, [{ name: 'x' }, { name: 'y' }]);
  const { result, pages } = await listCalls('/api/2.1/tag-policies', () => all(w.tagPolicies.listTagPolicies({ page_size: 2 })));
  assert.deepEqual(result.map((t) => t.tag_key).filter((k) => k.startsWith('sdk_')), ['sdk_a', 'sdk_b', 'sdk_c']);
  assert.ok(pages.length >= 2, 'followed next_page_token');
  // the SDK sends PATCH without its body (it answers the policy unchanged); a plain PATCH changes it
  assert.equal((await w.tagPolicies.updateTagPolicy({ tag_key: 'sdk_b', update_mask: 'description', tag_policy: { tag_key: 'sdk_b', description: 'new' } })).description, 'd sdk_b');
  const upd = await patch('/api/2.1/tag-policies/sdk_b?update_mask=description', { tag_key: 'sdk_b', description: 'new', values: [] });
  assert.equal(upd.description, 'new');
  assert.equal(upd.values.length, 2);
  await w.catalogs.create({ name: 'sdk_tagged' });
  const bad = await rejects(w.entityTagAssignments.create({ tag_assignment: { entity_type: 'catalogs', entity_name: 'sdk_tagged', tag_key: 'sdk_b', tag_value: 'z' } }),
    400, 'INVALID_PARAMETER_VALUE');
  assert.equal(bad.getErrorInfo()[0].metadata.get('field'), 'tag_value');
  await w.entityTagAssignments.create({ tag_assignment: { entity_type: 'catalogs', entity_name: 'sdk_tagged', tag_key: 'sdk_b', tag_value: 'y' } });
  for (const k of ['sdk_a', 'sdk_b', 'sdk_c']) await w.tagPolicies.deleteTagPolicy({ tag_key: k });
  await rejects(w.tagPolicies.getTagPolicy({ tag_key: 'sdk_a' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  await w.catalogs.delete({ name: 'sdk_tagged', force: true });
});

test('errors: ApiError carries error_code, status and details[].metadata', async () => {
  const missing = await rejects(w.catalogs.get({ name: 'sdk_missing' }), 404, 'CATALOG_NOT_FOUND');
  assert.match(missing.message, /sdk_missing/);
  const info = missing.getErrorInfo();
  assert.equal(info.length, 1);
  assert.equal(info[0].reason, 'CATALOG_NOT_FOUND');
  assert.ok(info[0].metadata instanceof Map);

  // A field error names the field in details[0].metadata.
  const bad = await rejects(w.catalogs.create({ name: 'has space' }), 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(bad.getErrorInfo()[0].metadata.get('field'), 'name');
  const neg = await rejects(all(w.catalogs.list({ max_results: -1 })), 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(neg.getErrorInfo()[0].metadata.get('field'), 'max_results');

  await w.catalogs.create({ name: 'sdk_dup' });
  await rejects(w.catalogs.create({ name: 'sdk_dup' }), 400, 'CATALOG_ALREADY_EXISTS');
  await rejects(w.schemas.create({ catalog_name: 'sdk_missing', name: 's' }), 404, 'CATALOG_NOT_FOUND');
  await w.catalogs.delete({ name: 'sdk_dup' });

  // A bad token is a 401 the SDK reports as such (not retried).
  const other = new WorkspaceClient({ host: srv.base, token: 'dapi-not-a-token', authType: 'pat', env: { HOME: home } });
  await rejects(other.catalogs.get({ name: 'x' }), 401, 'UNAUTHENTICATED');
});
