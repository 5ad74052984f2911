// Unity Catalog core seen by a caller who is not an admin (a service principal with an
// on-behalf-of token): lists leave out what it may not browse and page over what is left
// without revealing hidden names, hidden objects are "not found" (404, never 403), and
// refused writes change nothing.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, assertError } = require('./lib');

const UC = '/api/2.1/unity-catalog';
let srv;
let user; // {appId, token}
before(async () => {
  srv = await startServer();
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { body: { displayName: 'reader' } });
  assert.equal(sp.status, 201, sp.text);
  const t = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId } });
  assert.equal(t.status, 200, t.text);
  user = { appId: sp.json.applicationId, token: t.json.token_value };
});
after(async () => { await srv.stop(); });

function ok(res) {
  assert.equal(res.status, 200, res.text);
  return res.json;
}
const admin = (method, p, body) => srv.req(method, UC + p, body === undefined ? {} : { body });
const as = (method, p, body) => srv.req(method, UC + p, body === undefined ? { token: user.token } : { token: user.token, body });
const grant = (type, name, privs) => admin('PATCH', `/permissions/${type}/${name}`, { changes: [{ principal: user.appId, add: privs }] });

test('catalog lists show only browsable catalogs and page over them without naming hidden ones', async () => {
  for (const n of ['va', 'vb', 'vc', 'vd', 've', 'vf']) ok(await admin('POST', '/catalogs', { name: n }));
  for (const n of ['vb', 'vd', 'vf']) ok(await grant('catalog', n, ['USE_CATALOG']));
  const all = ok(await as('GET', '/catalogs')).catalogs.map((c) => c.name).filter((n) => n.startsWith('v'));
  assert.deepEqual(all, ['vb', 'vd', 'vf']);
  const seen = [];
  let token;
  let pages = 0;
  do {
    const page = ok(await as('GET', '/catalogs?max_results=1' + (token ? '&page_token=' + token : '')));
    pages++;
    seen.push(...page.catalogs.map((c) => c.name));
    token = page.next_page_token;
    if (token) assert.ok(['vb', 'vd'].includes(token), token);
  } while (token);
  assert.deepEqual(seen.filter((n) => n.startsWith('v')), ['vb', 'vd', 'vf']);
  assert.equal(pages, seen.length);
  assertError(await as('GET', '/catalogs/va'), 404, 'CATALOG_NOT_FOUND');
  assertError(await as('GET', '/schemas?catalog_name=va'), 404, 'CATALOG_NOT_FOUND');
  ok(await as('GET', '/catalogs/vb'));
});

test('tables hidden in a usable schema are left out of lists, exists is false, GET is 404', async () => {
  ok(await admin('POST', '/catalogs', { name: 'tv' }));
  ok(await admin('POST', '/schemas', { catalog_name: 'tv', name: 's' }));
  for (const n of ['t1', 't2', 't3', 't4']) {
    ok(await admin('POST', '/tables', { catalog_name: 'tv', schema_name: 's', name: n, table_type: 'VIEW', view_definition: 'select 1' }));
  }
  ok(await grant('catalog', 'tv', ['USE_CATALOG']));
  ok(await grant('schema', 'tv.s', ['USE_SCHEMA']));
  ok(await grant('table', 'tv.s.t2', ['SELECT']));
  ok(await grant('table', 'tv.s.t4', ['SELECT']));
  const p1 = ok(await as('GET', '/tables?catalog_name=tv&schema_name=s&max_results=1'));
  assert.deepEqual(p1.tables.map((t) => t.name), ['t2']);
  assert.equal(p1.next_page_token, 't2');
  const p2 = ok(await as('GET', '/tables?catalog_name=tv&schema_name=s&max_results=1&page_token=t2'));
  assert.deepEqual(p2.tables.map((t) => t.name), ['t4']);
  assert.equal(p2.next_page_token, undefined);
  const full = ok(await as('GET', '/tables?catalog_name=tv&schema_name=s&max_results=2'));
  assert.deepEqual(full.tables.map((t) => t.name), ['t2', 't4']);
  assert.equal(full.next_page_token, undefined);
  assertError(await as('GET', '/tables/tv.s.t1'), 404, 'TABLE_NOT_FOUND');
  assert.deepEqual(ok(await as('GET', '/tables/tv.s.t1/exists')), { table_exists: false });
  assert.deepEqual(ok(await as('GET', '/tables/tv.s.t2/exists')), { table_exists: true });
  assertError(await as('DELETE', '/tables/tv.s.t1'), 404, 'TABLE_NOT_FOUND');
  ok(await admin('GET', '/tables/tv.s.t1'));
});

test('refused writes are 403 and change nothing', async () => {
  ok(await admin('POST', '/catalogs', { name: 'wv', comment: 'orig' }));
  ok(await grant('catalog', 'wv', ['USE_CATALOG']));
  assertError(await as('POST', '/schemas', { catalog_name: 'wv', name: 's' }), 403, 'PERMISSION_DENIED');
  assertError(await as('PATCH', '/catalogs/wv', { comment: 'changed' }), 403, 'PERMISSION_DENIED');
  assertError(await as('PATCH', '/catalogs/wv', { owner: user.appId }), 403, 'PERMISSION_DENIED');
  assertError(await as('DELETE', '/catalogs/wv'), 403, 'PERMISSION_DENIED');
  assertError(await as('POST', '/catalogs', { name: 'mine' }), 403, 'PERMISSION_DENIED');
  const c = ok(await admin('GET', '/catalogs/wv'));
  assert.equal(c.comment, 'orig');
  assert.equal(c.owner, 'admin');
  assert.deepEqual(ok(await admin('GET', '/schemas?catalog_name=wv')).schemas, []);
  assertError(await admin('GET', '/catalogs/mine'), 404, 'CATALOG_NOT_FOUND');
  // with CREATE_SCHEMA the same call works, and the creator owns what it made
  ok(await grant('catalog', 'wv', ['CREATE_SCHEMA']));
  const s = ok(await as('POST', '/schemas', { catalog_name: 'wv', name: 's' }));
  assert.equal(s.owner, user.appId);
  ok(await as('PATCH', '/schemas/wv.s', { comment: 'mine' }));
});

test('include_browse: BROWSE without USE CATALOG shows metadata marked browse_only, and nothing more', async () => {
  ok(await admin('POST', '/catalogs', { name: 'br' }));
  ok(await admin('POST', '/schemas', { catalog_name: 'br', name: 's' }));
  ok(await admin('POST', '/tables', {
    catalog_name: 'br', schema_name: 's', name: 't', table_type: 'EXTERNAL', data_source_format: 'DELTA',
    storage_location: 's3://b/br/t', columns: [{ name: 'id', type_name: 'LONG', type_text: 'bigint' }],
  }));
  ok(await admin('POST', '/volumes', { catalog_name: 'br', schema_name: 's', name: 'v', volume_type: 'MANAGED' }));
  ok(await grant('catalog', 'br', ['BROWSE']));

  // Without include_browse nothing below the catalog is visible: hidden means "not found".
  assertError(await as('GET', '/schemas/br.s'), 404, 'SCHEMA_NOT_FOUND');
  assertError(await as('GET', '/tables/br.s.t'), 404, 'SCHEMA_NOT_FOUND');
  assert.equal((ok(await as('GET', '/schemas?catalog_name=br')).schemas || []).length, 0);

  // With it, the schema, the table and the volume show, each marked browse_only.
  const sch = ok(await as('GET', '/schemas/br.s?include_browse=true'));
  assert.equal(sch.browse_only, true);
  const schemas = ok(await as('GET', '/schemas?catalog_name=br&include_browse=true')).schemas;
  assert.deepEqual(schemas.map((x) => [x.name, x.browse_only]), [['s', true]]);
  const t = ok(await as('GET', '/tables/br.s.t?include_browse=true'));
  assert.equal(t.browse_only, true);
  assert.equal(t.columns[0].name, 'id');
  const tables = ok(await as('GET', '/tables?catalog_name=br&schema_name=s&include_browse=true')).tables;
  assert.deepEqual(tables.map((x) => [x.name, x.browse_only]), [['t', true]]);
  const vols = ok(await as('GET', '/volumes?catalog_name=br&schema_name=s&include_browse=true')).volumes;
  assert.deepEqual(vols.map((x) => [x.name, x.browse_only]), [['v', true]]);
  assertError(await as('GET', '/tables/br.s.t?include_browse=maybe'), 400, 'INVALID_PARAMETER_VALUE');
  // and a GET without the flag right after is still "not found" (nothing cached leaks it)
  assertError(await as('GET', '/tables/br.s.t'), 404, 'SCHEMA_NOT_FOUND');
  assertError(await as('GET', '/tables/br.s.t?include_browse=false'), 404, 'SCHEMA_NOT_FOUND');

  // BROWSE reads metadata only: no grants, no writes, no table creation, even with the flag.
  assertError(await as('GET', '/permissions/table/br.s.t?include_browse=true'), 404, 'SCHEMA_NOT_FOUND');
  assertError(await as('PATCH', '/tables/br.s.t?include_browse=true', { comment: 'x' }), 404, 'SCHEMA_NOT_FOUND');
  assertError(await as('DELETE', '/tables/br.s.t?include_browse=true'), 404, 'SCHEMA_NOT_FOUND');
  assert.equal(ok(await admin('GET', '/tables/br.s.t')).comment, undefined);

  // Once the caller may use the catalog and schema and read the table, nothing is browse_only.
  ok(await grant('catalog', 'br', ['USE_CATALOG']));
  ok(await grant('schema', 'br.s', ['USE_SCHEMA']));
  ok(await grant('table', 'br.s.t', ['SELECT']));
  const full = ok(await as('GET', '/tables/br.s.t?include_browse=true'));
  assert.equal(full.browse_only, undefined);
  const full2 = ok(await as('GET', '/tables/br.s.t'));
  assert.equal(full2.browse_only, undefined);
  // The admin never sees browse_only on a table.
  assert.equal(ok(await admin('GET', '/tables/br.s.t?include_browse=true')).browse_only, undefined);
});
