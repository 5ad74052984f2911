// Replays what the Databricks Python SDK (databricks-sdk-py, service/catalog.py and
// core/config.py) sends for the Unity Catalog calls Weir once lacked or refused
// (issue 14): tables.list_summaries, grants.list / grants.list_effective, functions.create
// without type_json, catalogs.update to ISOLATED. Same method, path, query encoding
// (booleans as "true"/"false", like the SDK's _fix_query_string) and headers (Accept,
// User-Agent, Content-Type only on bodies); each test checks what the SDK reads from the
// answer, the bad input of the route, and that hidden objects look missing.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, assertError } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const UA = 'databricks-sdk-py/0.57.0 python/3.11.2 os/linux auth/pat';
let srv;
let reader; // {name, token}: a service principal that is not an admin

// One request exactly as the Python SDK's ApiClient makes it.
function py(method, p, { query, body, token } = {}) {
  const q = query ? Object.entries(query).filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === 'boolean' ? String(v) : v)}`).join('&') : '';
  const headers = { Accept: 'application/json', 'User-Agent': UA };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return srv.req(method, p + (q ? '?' + q : ''), { raw: body === undefined ? undefined : JSON.stringify(body), headers, token });
}
function ok(res) {
  assert.equal(res.status, 200, res.text);
  return res.json;
}
// The SDK's iterator: pages until next_page_token is absent or empty.
async function pages(p, query, key, token) {
  const items = [];
  const seen = [];
  let q = { ...query };
  for (;;) {
    const page = ok(await py('GET', p, { query: q, token }));
    seen.push(page);
    items.push(...(page[key] || []));
    if (!page.next_page_token) return { items, seen };
    q = { ...q, page_token: page.next_page_token };
  }
}
const admin = (method, p, body) => srv.req(method, UC + p, body === undefined ? {} : { body });

before(async () => {
  srv = await startServer();
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { body: { displayName: 'py-reader' } });
  assert.equal(sp.status, 201, sp.text);
  const t = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId } });
  assert.equal(t.status, 200, t.text);
  reader = { name: sp.json.applicationId, token: t.json.token_value };
});
after(async () => { await srv.stop(); });

test('tables.list_summaries: patterns, pages in (schema, table) order, nothing the caller may not browse', async () => {
  ok(await admin('POST', '/catalogs', { name: 'sumcat' }));
  for (const s of ['alpha', 'beta', 'gamma']) ok(await admin('POST', '/schemas', { catalog_name: 'sumcat', name: s }));
  const mk = (s, n, type) => admin('POST', '/tables', type === 'VIEW'
    ? { catalog_name: 'sumcat', schema_name: s, name: n, table_type: 'VIEW', view_definition: 'select 1', columns: [] }
    : { catalog_name: 'sumcat', schema_name: s, name: n, table_type: 'EXTERNAL', data_source_format: 'DELTA', storage_location: `s3://b/${s}/${n}`, columns: [] });
  for (const [s, n, type] of [['alpha', 'orders', 'EXTERNAL'], ['alpha', 'order_view', 'VIEW'], ['alpha', 'users', 'EXTERNAL'],
    ['beta', 'orders', 'EXTERNAL'], ['gamma', 'secret', 'EXTERNAL']]) ok(await mk(s, n, type));

  const all = await pages(UC + '/table-summaries', { catalog_name: 'sumcat', max_results: 2 }, 'tables');
  assert.deepEqual(all.items, [
    { full_name: 'sumcat.alpha.order_view', table_type: 'VIEW' },
    { full_name: 'sumcat.alpha.orders', table_type: 'EXTERNAL' },
    { full_name: 'sumcat.alpha.users', table_type: 'EXTERNAL' },
    { full_name: 'sumcat.beta.orders', table_type: 'EXTERNAL' },
    { full_name: 'sumcat.gamma.secret', table_type: 'EXTERNAL' },
  ]);
  assert.equal(all.seen.length, 3);
  assert.equal(all.seen[2].next_page_token, undefined, 'the last page has no token');
  const like = ok(await py('GET', UC + '/table-summaries', { query: { catalog_name: 'sumcat', schema_name_pattern: '%a', table_name_pattern: 'order%' } }));
  assert.deepEqual(like.tables.map((t) => t.full_name), ['sumcat.alpha.order_view', 'sumcat.alpha.orders', 'sumcat.beta.orders']);
  const one = ok(await py('GET', UC + '/table-summaries', { query: { catalog_name: 'sumcat', schema_name_pattern: 'bet_', table_name_pattern: '' } }));
  assert.deepEqual(one.tables.map((t) => t.full_name), ['sumcat.beta.orders']);

  // a reader with USE CATALOG, USE SCHEMA on alpha and gamma, SELECT on alpha.orders and on gamma's tables
  const grant = (type, name, privs) => admin('PATCH', `/permissions/${type}/${name}`, { changes: [{ principal: reader.name, add: privs }] });
  ok(await grant('catalog', 'sumcat', ['USE_CATALOG']));
  ok(await grant('schema', 'sumcat.alpha', ['USE_SCHEMA']));
  ok(await grant('table', 'sumcat.alpha.orders', ['SELECT']));
  ok(await grant('table', 'sumcat.beta.orders', ['SELECT'])); // beta itself is not usable
  const mine = await pages(UC + '/table-summaries', { catalog_name: 'sumcat', max_results: 1 }, 'tables', reader.token);
  assert.deepEqual(mine.items, [{ full_name: 'sumcat.alpha.orders', table_type: 'EXTERNAL' }]);
  assert.equal(mine.seen.length, 1, 'no token pointing past hidden tables');
  assert.ok(!JSON.stringify(mine.seen).match(/secret|users|beta|order_view/), 'hidden names never appear');

  // bad input, hidden and missing catalogs
  assertError(await py('GET', UC + '/table-summaries'), 400, 'INVALID_PARAMETER_VALUE');
  const neg = await py('GET', UC + '/table-summaries', { query: { catalog_name: 'sumcat', max_results: -1 } });
  assertError(neg, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(neg.json.details[0].metadata.field, 'max_results');
  const tok = await py('GET', UC + '/table-summaries', { query: { catalog_name: 'sumcat', page_token: 'nodot' } });
  assertError(tok, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(tok.json.details[0].metadata.field, 'page_token');
  const flag = await py('GET', UC + '/table-summaries', { query: { catalog_name: 'sumcat', include_manifest_capabilities: 'maybe' } });
  assert.equal(flag.json.details[0].metadata.field, 'include_manifest_capabilities');
  assertError(await py('GET', UC + '/table-summaries', { query: { catalog_name: 'nosuchcat' } }), 404, 'CATALOG_NOT_FOUND');
  ok(await admin('POST', '/catalogs', { name: 'sumhidden' }));
  assertError(await py('GET', UC + '/table-summaries', { query: { catalog_name: 'sumhidden' }, token: reader.token }), 404, 'CATALOG_NOT_FOUND');
});

test('grants.list and grants.list_effective: page_size, page_token, whole assignments, hidden securables missing', async () => {
  ok(await admin('POST', '/catalogs', { name: 'pacat' }));
  ok(await admin('POST', '/schemas', { catalog_name: 'pacat', name: 's' }));
  // 160 groups with USE_CATALOG on the catalog: more than one page of 150
  const names = [];
  for (let i = 0; i < 160; i++) {
    const name = `pa-g${String(i).padStart(3, '0')}`;
    const g = await srv.req('POST', '/api/2.0/preview/scim/v2/Groups', { body: { displayName: name } });
    assert.equal(g.status, 201, g.text);
    names.push(name);
  }
  ok(await admin('PATCH', '/permissions/catalog/pacat', { changes: names.map((n) => ({ principal: n, add: ['USE_CATALOG'] })) }));
  ok(await admin('PATCH', '/permissions/schema/pacat.s', { changes: [{ principal: 'pa-g000', add: ['USE_SCHEMA', 'CREATE_TABLE'] }] }));

  const direct = await pages(UC + '/privilege-assignments/catalog/pacat', { page_size: 150 }, 'privilege_assignments');
  assert.equal(direct.seen.length, 2);
  assert.equal(direct.seen[0].privilege_assignments.length, 150);
  const groups = direct.items.filter((a) => a.principal.startsWith('pa-g'));
  assert.deepEqual(groups.map((a) => a.principal), names, 'every assignment once, in principal order');
  assert.ok(groups.every((a) => a.privileges.length === 1 && a.privileges[0] === 'USE_CATALOG'));
  // the unpaginated default (no page_size) answers them all on one page
  const whole = ok(await py('GET', UC + '/privilege-assignments/CATALOG/pacat'));
  assert.equal(whole.next_page_token, undefined);
  assert.equal(whole.privilege_assignments.filter((a) => a.principal.startsWith('pa-g')).length, 160);
  const only = ok(await py('GET', UC + '/privilege-assignments/schema/pacat.s', { query: { principal: 'pa-g000' } }));
  assert.deepEqual(only.privilege_assignments.map((a) => a.principal), ['pa-g000']);
  assert.deepEqual([...only.privilege_assignments[0].privileges].sort(), ['CREATE_TABLE', 'USE_SCHEMA']);

  const eff = await pages(UC + '/effective-privilege-assignments/schema/pacat.s', { page_size: 150, include_deleted_principals: false }, 'effective_privilege_assignments');
  assert.equal(eff.seen.length, 2);
  const g0 = eff.items.find((a) => a.principal === 'pa-g000');
  const byPriv = Object.fromEntries(g0.privileges.map((p) => [p.privilege, [p.inherited_from_type, p.inherited_from_name]]));
  assert.deepEqual(byPriv, { USE_CATALOG: ['CATALOG', 'pacat'], USE_SCHEMA: [undefined, undefined], CREATE_TABLE: [undefined, undefined] });
  assert.equal(eff.items.filter((a) => a.principal.startsWith('pa-g')).length, 160);

  // bad input
  for (const [q, field] of [[{ page_size: 10 }, 'page_size'], [{ page_size: -1 }, 'page_size'], [{ page_size: 'x' }, 'page_size'],
    [{ include_deleted_principals: 'perhaps' }, 'include_deleted_principals']]) {
    const res = await py('GET', UC + '/privilege-assignments/catalog/pacat', { query: q });
    assertError(res, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(res.json.details[0].metadata.field, field, JSON.stringify(q));
  }
  const badType = await py('GET', UC + '/effective-privilege-assignments/warehouse/pacat');
  assertError(badType, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(badType.json.details[0].metadata.field, 'securable_type');
  assertError(await py('GET', UC + '/privilege-assignments/catalog/nopacat'), 404, 'CATALOG_NOT_FOUND');
  assertError(await py('GET', UC + '/effective-privilege-assignments/table/pacat.s.none'), 404, 'TABLE_NOT_FOUND');
  const ghost = await py('GET', UC + '/effective-privilege-assignments/catalog/pacat', { query: { principal: 'ghost@nowhere' } });
  assertError(ghost, 404, 'NOT_FOUND');
  // what the reader may not browse is missing, not forbidden
  assertError(await py('GET', UC + '/privilege-assignments/catalog/pacat', { token: reader.token }), 404, 'CATALOG_NOT_FOUND');
  assertError(await py('GET', UC + '/effective-privilege-assignments/schema/pacat.s', { token: reader.token }), 404, 'CATALOG_NOT_FOUND');
  // a reader with USE CATALOG sees only its own assignment
  ok(await admin('PATCH', '/permissions/catalog/pacat', { changes: [{ principal: reader.name, add: ['USE_CATALOG'] }] }));
  const own = ok(await py('GET', UC + '/privilege-assignments/catalog/pacat', { token: reader.token }));
  assert.deepEqual(own, { privilege_assignments: [{ principal: reader.name, privileges: ['USE_CATALOG'] }] });
});

test('functions.create without type_json: derived from type_text as Databricks does; audited; bad types name the field', async () => {
  ok(await admin('POST', '/catalogs', { name: 'fncat' }));
  ok(await admin('POST', '/schemas', { catalog_name: 'fncat', name: 's' }));
  // CreateFunctionRequest as the SDK serializes it (FunctionParameterInfo without type_json)
  const param = (name, type_text, type_name, position, extra = {}) => ({ name, type_text, type_name, position, ...extra });
  const body = {
    function_info: {
      name: 'add_tax', catalog_name: 'fncat', schema_name: 's', data_type: 'DECIMAL', full_data_type: 'decimal(12,2)',
      routine_body: 'SQL', routine_definition: 'price * 1.2', parameter_style: 'S', is_deterministic: true,
      sql_data_access: 'CONTAINS_SQL', is_null_call: false, security_type: 'DEFINER', specific_name: 'add_tax',
      input_params: { parameters: [
        param('price', 'decimal(10,2)', 'DECIMAL', 0, { type_precision: 10, type_scale: 2 }),
        param('n', 'INT', 'INT', 1),
        param('tags', 'array<string>', 'ARRAY', 2),
        param('attrs', 'map<string, bigint>', 'MAP', 3),
        param('addr', 'struct<street:string,zip:int not null>', 'STRUCT', 4),
        param('at', 'timestamp', 'TIMESTAMP', 5, { type_json: '{"name":"at","type":"timestamp","nullable":true,"metadata":{}}' }),
      ] },
    },
  };
  const res = await py('POST', UC + '/functions', { body });
  const fn = ok(res);
  const tj = Object.fromEntries(fn.input_params.parameters.map((p) => [p.name, JSON.parse(p.type_json)]));
  const field = (name, type) => ({ name, type, nullable: true, metadata: {} });
  assert.deepEqual(tj.price, field('price', 'decimal(10,2)'));
  assert.deepEqual(tj.n, field('n', 'integer'));
  assert.deepEqual(tj.tags, field('tags', { type: 'array', elementType: 'string', containsNull: true }));
  assert.deepEqual(tj.attrs, field('attrs', { type: 'map', keyType: 'string', valueType: 'long', valueContainsNull: true }));
  assert.deepEqual(tj.addr, field('addr', { type: 'struct', fields: [field('street', 'string'), { ...field('zip', 'integer'), nullable: false }] }));
  assert.deepEqual(tj.at, field('at', 'timestamp'), 'a given type_json is kept');
  const got = ok(await py('GET', UC + '/functions/fncat.s.add_tax'));
  assert.deepEqual(got.input_params, fn.input_params, 'what GET answers is what create answered');

  // the create is audited once, with the function's full name
  const rid = res.headers.get('x-request-id');
  const audit = ok(await srv.req('GET', '/api/2.0/weir/audit?action_name=createFunction'));
  const rows = audit.events.filter((e) => e.request_id === rid);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].securable, 'fncat.s.add_tax');

  // a type_text that is no type (and no type_json to take one from) names the field
  for (const bad of ['intt', 'array<int', 'decimal(2,5)', 'struct<a int,>', 'map<string>']) {
    const b = structuredClone(body);
    b.function_info.name = b.function_info.specific_name = 'bad_fn';
    b.function_info.input_params.parameters = [param('x', bad, 'INT', 0)];
    const r = await py('POST', UC + '/functions', { body: b });
    assertError(r, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(r.json.details[0].metadata.field, 'function_info.input_params.parameters[0].type_text', bad);
  }
  assertError(await py('GET', UC + '/functions/fncat.s.bad_fn'), 404, 'NOT_FOUND');
  const noText = structuredClone(body);
  noText.function_info.name = noText.function_info.specific_name = 'bad_fn2';
  delete noText.function_info.input_params.parameters[1].type_text;
  const r2 = await py('POST', UC + '/functions', { body: noText });
  assertError(r2, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(r2.json.details[0].metadata.field, 'function_info.input_params.parameters[1].type_text');
  // a schema the reader may not browse looks missing
  assertError(await py('POST', UC + '/functions', { body, token: reader.token }), 404, 'CATALOG_NOT_FOUND');
});

test('catalogs.update to ISOLATED binds the calling workspace read-write: get and delete(force) keep working; audited', async () => {
  ok(await admin('POST', '/catalogs', { name: 'isocat', comment: 'c' }));
  ok(await admin('POST', '/schemas', { catalog_name: 'isocat', name: 's' }));
  // UpdateCatalog as the SDK sends it: PATCH with only the set fields
  const res = await py('PATCH', UC + '/catalogs/isocat', { body: { isolation_mode: 'ISOLATED' } });
  assert.equal(ok(res).isolation_mode, 'ISOLATED');
  const got = ok(await py('GET', UC + '/catalogs/isocat'));
  assert.equal(got.isolation_mode, 'ISOLATED');
  ok(await py('GET', UC + '/schemas/isocat.s'));
  const b = ok(await py('GET', UC + '/bindings/catalog/isocat'));
  assert.equal(b.bindings.length, 1);
  assert.equal(b.bindings[0].binding_type, 'BINDING_TYPE_READ_WRITE');
  const rid = res.headers.get('x-request-id');
  const rows = ok(await srv.req('GET', '/api/2.0/weir/audit?action_name=updateCatalog')).events.filter((e) => e.request_id === rid);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].response.status_code, 200);

  // another workspace: isolating from there binds that workspace, and the catalog is gone from the first
  const w = ok(await srv.req('POST', '/api/2.0/weir/workspaces', { body: { name: 'ISO2' } }));
  ok(await srv.req('PUT', '/api/2.0/weir/workspaces/ISO2/assignments/admin'));
  const tok2 = ok(await srv.req('POST', '/api/2.0/token/create', { body: { workspace: 'ISO2' } })).token_value;
  ok(await admin('POST', '/catalogs', { name: 'isocat2' }));
  ok(await py('PATCH', UC + '/catalogs/isocat2', { body: { isolation_mode: 'ISOLATED' }, token: tok2 }));
  const b2 = ok(await py('GET', UC + '/bindings/catalog/isocat2'));
  assert.deepEqual(b2.bindings, [{ workspace_id: w.workspace_id, binding_type: 'BINDING_TYPE_READ_WRITE' }]);
  assertError(await py('GET', UC + '/catalogs/isocat2'), 404, 'CATALOG_NOT_FOUND');
  assertError(await py('GET', UC + '/catalogs/isocat', { token: tok2 }), 404, 'CATALOG_NOT_FOUND');
  // isolating again (already ISOLATED) binds nothing more
  ok(await py('PATCH', UC + '/catalogs/isocat2', { body: { isolation_mode: 'ISOLATED' }, token: tok2 }));
  assert.equal(ok(await py('GET', UC + '/bindings/catalog/isocat2')).bindings.length, 1);

  // bad input changes nothing (and binds nothing); hidden catalogs look missing
  ok(await admin('POST', '/catalogs', { name: 'isocat3' }));
  const bad = await py('PATCH', UC + '/catalogs/isocat3', { body: { isolation_mode: 'isolated' } });
  assertError(bad, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(bad.json.details[0].metadata.field, 'isolation_mode');
  assert.deepEqual(ok(await py('GET', UC + '/bindings/catalog/isocat3')).bindings, []);
  assertError(await py('PATCH', UC + '/catalogs/isocat3', { body: { isolation_mode: 'ISOLATED' }, token: reader.token }), 404, 'CATALOG_NOT_FOUND');
  assert.equal(ok(await py('GET', UC + '/catalogs/isocat3')).isolation_mode, 'OPEN');

  // the SDK's catalogs.delete(name, force=True)
  assert.deepEqual(ok(await py('DELETE', UC + '/catalogs/isocat', { query: { force: true } })), {});
  assertError(await py('GET', UC + '/catalogs/isocat'), 404, 'CATALOG_NOT_FOUND');
});
