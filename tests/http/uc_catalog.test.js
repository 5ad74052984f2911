// Unity Catalog core against the real server: catalogs, schemas, tables, volumes, functions
// and the metastore summary. Success paths, every error the UC reference names (status,
// error_code, details[0].metadata.field), pagination, renames, cascades, concurrency.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, rawRequest, assertError, ok } = require('./lib');

const UC = '/api/2.1/unity-catalog';
let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

const get = (p) => srv.req('GET', UC + p);
const post = (p, body) => srv.req('POST', UC + p, { body });
const patch = (p, body) => srv.req('PATCH', UC + p, body === undefined ? {} : { body });
const del = (p) => srv.req('DELETE', UC + p);

// assertError plus the field named in details[0].metadata.field.
function assertField(res, field, code = 'INVALID_PARAMETER_VALUE') {
  assertError(res, 400, code);
  assert.ok(Array.isArray(res.json.details) && res.json.details.length > 0, res.text);
  assert.equal(res.json.details[0].metadata.field, field, res.text);
}

async function mkCatalog(name, extra = {}) { return ok(await post('/catalogs', { name, ...extra })); }
async function mkSchema(cat, name, extra = {}) { return ok(await post('/schemas', { catalog_name: cat, name, ...extra })); }
async function mkExternal(cat, sch, name, extra = {}) {
  return ok(await post('/tables', {
    catalog_name: cat, schema_name: sch, name, table_type: 'EXTERNAL', data_source_format: 'DELTA',
    storage_location: `/tmp/weir-ext/${cat}/${sch}/${name}`, columns: [], ...extra,
  }));
}
function fnInfo(cat, sch, name, extra = {}) {
  return {
    function_info: {
      name, catalog_name: cat, schema_name: sch, data_type: 'INT', full_data_type: 'int',
      routine_body: 'SQL', routine_definition: 'x + 1', parameter_style: 'S', is_deterministic: true,
      sql_data_access: 'NO_SQL', is_null_call: false, security_type: 'DEFINER', specific_name: name,
      input_params: { parameters: [{ name: 'x', type_text: 'int', type_json: '{"name":"x","type":"integer","nullable":true,"metadata":{}}', type_name: 'INT', position: 0 }] },
      ...extra,
    },
  };
}

// Raw request with exact bytes and headers; returns {status, json}.
async function raw(method, path, body, headers = {}) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body || '');
  let h = `${method} ${UC}${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\nConnection: close\r\n`;
  for (const [k, v] of Object.entries(headers)) h += `${k}: ${v}\r\n`;
  h += `Content-Length: ${buf.length}\r\n\r\n`;
  const text = await rawRequest(srv.port, Buffer.concat([Buffer.from(h, 'latin1'), buf]).toString('latin1'));
  const status = Number(text.slice(9, 12));
  const i = text.indexOf('\r\n\r\n');
  let json;
  try { json = JSON.parse(text.slice(i + 4)); } catch { json = undefined; }
  return { status, json, text };
}

test('metastore_summary answers the metastore id', async () => {
  const m = ok(await get('/metastore_summary'));
  assert.match(m.metastore_id, /^[0-9a-f-]{36}$/);
  assert.equal(typeof m.owner, 'string');
});

test('catalog CRUD: create answers 200 with the info, get equals create, delete answers {}', async () => {
  const c = await mkCatalog('crud_cat', { comment: 'hello', properties: { k: 'v' } });
  assert.equal(c.name, 'crud_cat');
  assert.equal(c.full_name, 'crud_cat');
  assert.equal(c.comment, 'hello');
  assert.deepEqual(c.properties, { k: 'v' });
  assert.match(c.id, /^[0-9a-f-]{36}$/);
  assert.equal(c.owner, 'admin');
  assert.equal(typeof c.created_at, 'number');
  assert.equal(c.created_at, c.updated_at);
  assert.equal(c.isolation_mode, 'OPEN');
  assert.deepEqual(ok(await get('/catalogs/crud_cat')), c);
  const d = await del('/catalogs/crud_cat');
  assert.equal(d.status, 200);
  assert.deepEqual(d.json, {});
  assertError(await get('/catalogs/crud_cat'), 404, 'CATALOG_NOT_FOUND');
  assertError(await del('/catalogs/crud_cat'), 404, 'CATALOG_NOT_FOUND');
  assertError(await patch('/catalogs/crud_cat', { comment: 'x' }), 404, 'CATALOG_NOT_FOUND');
});

test('catalog with a storage_root gets a normalized managed storage_location', async () => {
  const c = await mkCatalog('rooted', { storage_root: '/tmp//weir-root/' });
  assert.equal(c.storage_root, 'file:///tmp/weir-root');
  assert.equal(c.storage_location, `file:///tmp/weir-root/__unitystorage/catalogs/${c.id}`);
  assertField(await post('/catalogs', { name: 'rooted2', storage_root: 'ftp://x/y' }), 'storage_root');
  assertField(await post('/catalogs', { name: 'rooted3', storage_root: '/tmp/x/__unitystorage/y' }), 'storage_root');
  assertField(await post('/catalogs', { name: 'rooted4', storage_root: '/tmp/../etc' }), 'storage_root');
  assertError(await get('/catalogs/rooted2'), 404, 'CATALOG_NOT_FOUND');
});

test('duplicate names: CATALOG_, SCHEMA_, TABLE_ and RESOURCE_ALREADY_EXISTS are 400', async () => {
  await mkCatalog('dup');
  assertError(await post('/catalogs', { name: 'dup' }), 400, 'CATALOG_ALREADY_EXISTS');
  const s = await mkSchema('dup', 's', { comment: 'sc', properties: { a: 'b' } });
  assert.deepEqual(ok(await get('/schemas/dup.s')), s);
  assert.equal(s.full_name, 'dup.s');
  assert.equal(s.catalog_name, 'dup');
  assert.deepEqual(s.properties, { a: 'b' });
  assertError(await post('/schemas', { catalog_name: 'dup', name: 's' }), 400, 'SCHEMA_ALREADY_EXISTS');
  await mkExternal('dup', 's', 't');
  assertError(await post('/tables', { catalog_name: 'dup', schema_name: 's', name: 't', table_type: 'VIEW', view_definition: 'select 1' }),
    400, 'TABLE_ALREADY_EXISTS');
  ok(await post('/volumes', { catalog_name: 'dup', schema_name: 's', name: 'v', volume_type: 'MANAGED' }));
  assertError(await post('/volumes', { catalog_name: 'dup', schema_name: 's', name: 'v', volume_type: 'MANAGED' }),
    400, 'RESOURCE_ALREADY_EXISTS');
  ok(await post('/functions', fnInfo('dup', 's', 'f')));
  assertError(await post('/functions', fnInfo('dup', 's', 'f')), 400, 'RESOURCE_ALREADY_EXISTS');
  // names are case-sensitive exact matches
  await mkCatalog('DUP');
});

test('missing parents and objects: CATALOG_, SCHEMA_, TABLE_NOT_FOUND and NOT_FOUND are 404', async () => {
  await mkCatalog('nf');
  await mkSchema('nf', 's');
  assertError(await post('/schemas', { catalog_name: 'nope', name: 's' }), 404, 'CATALOG_NOT_FOUND');
  assertError(await get('/schemas/nope.s'), 404, 'CATALOG_NOT_FOUND');
  assertError(await get('/schemas/nf.nope'), 404, 'SCHEMA_NOT_FOUND');
  assertError(await get('/schemas?catalog_name=nope'), 404, 'CATALOG_NOT_FOUND');
  assertError(await get('/tables/nf.nope.t'), 404, 'SCHEMA_NOT_FOUND');
  assertError(await get('/tables/nf.s.nope'), 404, 'TABLE_NOT_FOUND');
  assertError(await del('/tables/nf.s.nope'), 404, 'TABLE_NOT_FOUND');
  assertError(await get('/tables?catalog_name=nf&schema_name=nope'), 404, 'SCHEMA_NOT_FOUND');
  assertError(await post('/tables', { catalog_name: 'nf', schema_name: 'nope', name: 't', table_type: 'VIEW', view_definition: 'select 1' }),
    404, 'SCHEMA_NOT_FOUND');
  assertError(await get('/volumes/nf.s.nope'), 404, 'NOT_FOUND');
  assertError(await del('/volumes/nf.s.nope'), 404, 'NOT_FOUND');
  assertError(await patch('/volumes/nf.s.nope', { comment: 'x' }), 404, 'NOT_FOUND');
  assertError(await get('/functions/nf.s.nope'), 404, 'NOT_FOUND');
  assertError(await del('/functions/nf.s.nope'), 404, 'NOT_FOUND');
  assertError(await post('/volumes', { catalog_name: 'nf', schema_name: 'nope', name: 'v', volume_type: 'MANAGED' }), 404, 'SCHEMA_NOT_FOUND');
  assertError(await post('/functions', fnInfo('nope', 's', 'f')), 404, 'CATALOG_NOT_FOUND');
});

test('lists need their parent names', async () => {
  assertField(await get('/schemas'), 'catalog_name');
  assertField(await get('/tables?catalog_name=x'), 'schema_name');
  assertField(await get('/volumes?schema_name=x'), 'catalog_name');
  assertField(await get('/functions?catalog_name=x'), 'schema_name');
  assertField(await get('/tables?catalog_name=a.b&schema_name=c'), 'catalog_name');
});

test('invalid JSON bodies are 400 and create nothing', async () => {
  assertError(await post('/catalogs', '{"name": "bad1"'), 400, 'MALFORMED_REQUEST');
  assertError(await post('/catalogs', '"bad1"'), 400, 'MALFORMED_REQUEST');
  assertError(await post('/catalogs', '{"name":"bad1","name":"bad2"}'), 400, 'MALFORMED_REQUEST');
  assertError(await post('/catalogs', ''), 400, 'MALFORMED_REQUEST');
  const bad = Buffer.concat([Buffer.from('{"name":"bad'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  const r = await raw('POST', '/catalogs', bad, { 'Content-Type': 'application/json' });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error_code, 'MALFORMED_REQUEST');
  const overlong = Buffer.concat([Buffer.from('{"name":"bad'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
  const r2 = await raw('POST', '/catalogs', overlong, { 'Content-Type': 'application/json' });
  assert.equal(r2.status, 400, r2.text);
  const list = ok(await get('/catalogs'));
  assert.ok(!list.catalogs.some((c) => c.name.startsWith('bad')));
});

test('wrong JSON types name the field', async () => {
  assertField(await post('/catalogs', { name: 5 }), 'name');
  assertField(await post('/catalogs', { name: 'types', properties: { a: 1 } }), 'properties');
  assertField(await post('/catalogs', { name: 'types', properties: 'x' }), 'properties');
  assertField(await post('/catalogs', { name: 'types', comment: ['x'] }), 'comment');
  assertField(await post('/catalogs', {}), 'name');
  await mkCatalog('types');
  await mkSchema('types', 's');
  assertField(await post('/schemas', { catalog_name: 7, name: 's2' }), 'catalog_name');
  assertField(await post('/tables', { catalog_name: 'types', schema_name: 's', name: 't', table_type: 'EXTERNAL',
    storage_location: '/tmp/weir-ext/types', columns: 'x' }), 'columns');
  assertField(await post('/tables', { catalog_name: 'types', schema_name: 's', name: 't', table_type: 'EXTERNAL',
    storage_location: '/tmp/weir-ext/types', columns: ['x'] }), 'columns[0]');
  assertField(await post('/tables', { catalog_name: 'types', schema_name: 's', name: 't', table_type: 'EXTERNAL',
    storage_location: '/tmp/weir-ext/types', columns: [{ name: 'a', nullable: 'yes' }] }), 'columns[0].nullable');
  assertField(await post('/tables', { catalog_name: 'types', schema_name: 's', name: 't', table_type: 'WHATEVER' }), 'table_type');
  assertField(await post('/tables', { catalog_name: 'types', schema_name: 's', name: 't' }), 'table_type');
  assertField(await post('/volumes', { catalog_name: 'types', schema_name: 's', name: 'v', volume_type: 'OTHER' }), 'volume_type');
  assertField(await post('/functions', { function_info: 'x' }), 'function_info');
  assertField(await post('/functions', fnInfo('types', 's', 'f', { data_type: 'NOPE' })), 'function_info.data_type');
  assertField(await post('/functions', fnInfo('types', 's', 'f', { name: 3 })), 'function_info.name');
  assertField(await post('/functions', fnInfo('types', 's', 'f', { catalog_name: 'a.b' })), 'function_info.catalog_name');
  assertField(await patch('/catalogs/types', { comment: 5 }), 'comment');
  assertField(await patch('/catalogs/types', { properties: { a: true } }), 'properties');
  assertEqualEmpty(ok(await get('/tables?catalog_name=types&schema_name=s')).tables);
});

function assertEqualEmpty(a) { assert.deepEqual(a, []); }

test('names: over-long, dotted, spaced, slashed and empty names are refused naming the field', async () => {
  const n255 = 'a'.repeat(255);
  ok(await post('/catalogs', { name: n255 }));
  ok(await get('/catalogs/' + n255));
  assertField(await post('/catalogs', { name: 'b'.repeat(256) }), 'name');
  assertField(await post('/catalogs', { name: 'a.b' }), 'name');
  assertField(await post('/catalogs', { name: 'a b' }), 'name');
  assertField(await post('/catalogs', { name: 'a/b' }), 'name');
  assertField(await post('/catalogs', { name: '' }), 'name');
  assertField(await post('/catalogs', { name: 'caf\u00e9' }), 'name');
  ok(await post('/catalogs', { name: 'ok-name_1@x' }));
  await mkSchema('ok-name_1@x', 's');
  assertField(await post('/schemas', { catalog_name: 'ok-name_1@x', name: 's.t' }), 'name');
  assertField(await patch('/catalogs/ok-name_1@x', { new_name: 'x.y' }), 'new_name');
  assertField(await patch('/catalogs/ok-name_1@x', { new_name: 'z'.repeat(256) }), 'new_name');
});

test('full names: two parts for schemas, three for tables, volumes, functions', async () => {
  await mkCatalog('fn');
  await mkSchema('fn', 's');
  await mkExternal('fn', 's', 't');
  assertField(await get('/tables/fn.s'), 'full_name');
  assertField(await get('/tables/fn.s.t.u'), 'full_name');
  assertField(await get('/schemas/fn.s.t'), 'full_name');
  assertField(await get('/schemas/fn'), 'full_name');
  assertField(await get('/volumes/fn.s'), 'full_name');
  assertField(await get('/functions/fn..x'), 'full_name');
  assertField(await get('/catalogs/fn.s'), 'full_name');
  assertField(await get('/tables/fn.s.t%20x'), 'full_name');
  assert.equal(ok(await get('/tables/fn.s.t')).full_name, 'fn.s.t');
  assert.equal(ok(await get('/schemas/fn.s')).full_name, 'fn.s');
});

test('pagination: stable name order, tokens only while more remain, exactly-full last page has none', async () => {
  await mkCatalog('pg');
  const names = [];
  for (let i = 0; i < 7; i++) names.push(`s${String.fromCharCode(103 - i)}`); // sg..sa, created out of order
  for (const n of names) await mkSchema('pg', n);
  const sorted = [...names].sort();
  const seen = [];
  let token;
  let pages = 0;
  do {
    const q = `/schemas?catalog_name=pg&max_results=3${token ? '&page_token=' + encodeURIComponent(token) : ''}`;
    const page = ok(await get(q));
    pages++;
    assert.ok(page.schemas.length <= 3);
    seen.push(...page.schemas.map((s) => s.name));
    token = page.next_page_token;
    if (token) assert.equal(token, page.schemas[page.schemas.length - 1].name);
  } while (token);
  assert.equal(pages, 3);
  assert.deepEqual(seen, sorted);

  // exactly full: 7 items, max_results=7 → no token; page of 6 → token
  const full = ok(await get('/schemas?catalog_name=pg&max_results=7'));
  assert.equal(full.schemas.length, 7);
  assert.equal(full.next_page_token, undefined);
  const six = ok(await get('/schemas?catalog_name=pg&max_results=6'));
  assert.equal(six.next_page_token, sorted[5]);
  const last = ok(await get(`/schemas?catalog_name=pg&max_results=6&page_token=${six.next_page_token}`));
  assert.deepEqual(last.schemas.map((s) => s.name), [sorted[6]]);
  assert.equal(last.next_page_token, undefined);
  // default page size and max_results=0 give everything
  assert.equal(ok(await get('/schemas?catalog_name=pg')).schemas.length, 7);
  assert.equal(ok(await get('/schemas?catalog_name=pg&max_results=0')).schemas.length, 7);
  // a token past the end is an empty page
  assert.deepEqual(ok(await get('/schemas?catalog_name=pg&page_token=zzz')).schemas, []);
  assertField(await get('/schemas?catalog_name=pg&max_results=-1'), 'max_results');
  assertField(await get('/catalogs?max_results=-5'), 'max_results');
  assertField(await get('/catalogs?max_results=abc'), 'max_results');
});

test('pagination over catalogs, tables, volumes and functions', async () => {
  await mkCatalog('pg2');
  await mkSchema('pg2', 's');
  for (const n of ['t3', 't1', 't2']) {
    await mkExternal('pg2', 's', n);
    ok(await post('/volumes', { catalog_name: 'pg2', schema_name: 's', name: 'v' + n, volume_type: 'MANAGED' }));
    ok(await post('/functions', fnInfo('pg2', 's', 'f' + n)));
  }
  for (const [kind, key, prefix] of [['tables', 'tables', 't'], ['volumes', 'volumes', 'vt'], ['functions', 'functions', 'ft']]) {
    const p1 = ok(await get(`/${kind}?catalog_name=pg2&schema_name=s&max_results=2`));
    assert.deepEqual(p1[key].map((x) => x.name), [prefix + '1', prefix + '2']);
    assert.equal(p1.next_page_token, prefix + '2');
    const p2 = ok(await get(`/${kind}?catalog_name=pg2&schema_name=s&max_results=2&page_token=${p1.next_page_token}`));
    assert.deepEqual(p2[key].map((x) => x.name), [prefix + '3']);
    assert.equal(p2.next_page_token, undefined);
  }
  const cats = ok(await get('/catalogs?max_results=1'));
  assert.equal(cats.catalogs.length, 1);
  assert.ok(cats.next_page_token);
  const all = [];
  let tok;
  do {
    const p = ok(await get('/catalogs?max_results=2' + (tok ? '&page_token=' + tok : '')));
    all.push(...p.catalogs.map((c) => c.name));
    tok = p.next_page_token;
  } while (tok);
  assert.deepEqual(all, [...all].sort());
  assert.ok(all.includes('pg2'));
});

test('list options: omit_columns, omit_properties and include_browse are accepted', async () => {
  await mkCatalog('opts');
  await mkSchema('opts', 's');
  await mkExternal('opts', 's', 't', { columns: [{ name: 'a', type_text: 'INT', type_name: 'INT' }], properties: { p: '1' } });
  const full = ok(await get('/tables?catalog_name=opts&schema_name=s'));
  assert.equal(full.tables[0].columns.length, 1);
  assert.deepEqual(full.tables[0].properties, { p: '1' });
  const slim = ok(await get('/tables?catalog_name=opts&schema_name=s&omit_columns=true&omit_properties=true'));
  assert.equal(slim.tables[0].columns, undefined);
  assert.equal(slim.tables[0].properties, undefined);
  ok(await get('/catalogs?include_browse=true'));
  ok(await get('/schemas?catalog_name=opts&include_browse=true'));
  ok(await get('/volumes?catalog_name=opts&schema_name=s&include_browse=true'));
  ok(await get('/catalogs/opts?include_browse=true'));
  assertField(await get('/catalogs?include_browse=maybe'), 'include_browse');
});

test('PATCH: comment-only and properties-only updates keep the other fields; properties replace the map', async () => {
  const c = await mkCatalog('upd', { comment: 'c1', properties: { a: '1', b: '2' } });
  const u1 = ok(await patch('/catalogs/upd', { comment: 'c2' }));
  assert.equal(u1.comment, 'c2');
  assert.deepEqual(u1.properties, { a: '1', b: '2' });
  assert.equal(u1.id, c.id);
  assert.ok(u1.updated_at >= c.updated_at);
  const u2 = ok(await patch('/catalogs/upd', { properties: { z: '9' } }));
  assert.deepEqual(u2.properties, { z: '9' });
  assert.equal(u2.comment, 'c2');
  const u3 = ok(await patch('/catalogs/upd', { properties: {} }));
  assert.deepEqual(u3.properties, { z: '9' });
  assertField(await patch('/catalogs/upd', { isolation_mode: 'HALF' }), 'isolation_mode');
  assertField(await patch('/catalogs/upd', { isolation_mode: 3 }), 'isolation_mode');
});

test('an ISOLATED catalog bound to no workspace is gone from GET and from the list alike', async () => {
  await mkCatalog('iso');
  const u = ok(await patch('/catalogs/iso', { isolation_mode: 'ISOLATED' }));
  assert.equal(u.isolation_mode, 'ISOLATED');
  // isolating binds the caller's workspace (as Databricks does); unbind it
  const b = ok(await get('/bindings/catalog/iso'));
  assert.equal(b.bindings.length, 1);
  ok(await patch('/bindings/catalog/iso', { remove: b.bindings }));
  assertError(await get('/catalogs/iso'), 404, 'CATALOG_NOT_FOUND');
  assertError(await get('/schemas?catalog_name=iso'), 404, 'CATALOG_NOT_FOUND');
  const names = ok(await get('/catalogs')).catalogs.map((c) => c.name);
  assert.ok(!names.includes('iso'), names.join(','));
});

test('an empty PATCH (Content-Length 0) answers 200 and changes nothing', async () => {
  const c = await mkCatalog('emptypatch', { comment: 'keep' });
  await new Promise((r) => setTimeout(r, 5));
  const r = await raw('PATCH', '/catalogs/emptypatch', '', { 'Content-Type': 'application/json' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, c);
  const viaFetch = await srv.req('PATCH', UC + '/catalogs/emptypatch');
  assert.equal(viaFetch.status, 200);
  assert.equal(viaFetch.json.updated_at, c.updated_at);
  const s = await mkSchema('emptypatch', 's');
  const rs = await raw('PATCH', '/schemas/emptypatch.s', '', { 'Content-Type': 'application/json' });
  assert.equal(rs.status, 200);
  assert.deepEqual(rs.json, s);
  const v = ok(await post('/volumes', { catalog_name: 'emptypatch', schema_name: 's', name: 'v', volume_type: 'MANAGED' }));
  const rv = await raw('PATCH', '/volumes/emptypatch.s.v', '', {});
  assert.equal(rv.status, 200);
  assert.equal(rv.json.updated_at, v.updated_at);
  assert.deepEqual(ok(await get('/catalogs/emptypatch')), c);
});

test('PATCH owner to an unknown principal is 400 naming owner and changes nothing', async () => {
  const c = await mkCatalog('own', { comment: 'before' });
  assertField(await patch('/catalogs/own', { owner: 'nobody@example.com', comment: 'after', new_name: 'own2' }), 'owner');
  assert.deepEqual(ok(await get('/catalogs/own')), c);
  assertError(await get('/catalogs/own2'), 404, 'CATALOG_NOT_FOUND');
  const u = ok(await patch('/catalogs/own', { owner: 'admins' }));
  assert.equal(u.owner, 'admins');
  ok(await patch('/catalogs/own', { owner: 'admin' }));
});

test('rename keeps ids and children follow', async () => {
  const c = await mkCatalog('ren');
  const s = await mkSchema('ren', 's');
  const t = await mkExternal('ren', 's', 't');
  const v = ok(await post('/volumes', { catalog_name: 'ren', schema_name: 's', name: 'v', volume_type: 'MANAGED' }));
  const c2 = ok(await patch('/catalogs/ren', { new_name: 'ren2' }));
  assert.equal(c2.id, c.id);
  assert.equal(c2.name, 'ren2');
  assertError(await get('/catalogs/ren'), 404, 'CATALOG_NOT_FOUND');
  const s2 = ok(await get('/schemas/ren2.s'));
  assert.equal(s2.schema_id, s.schema_id);
  assert.equal(s2.full_name, 'ren2.s');
  assert.equal(s2.catalog_name, 'ren2');
  const t2 = ok(await get('/tables/ren2.s.t'));
  assert.equal(t2.table_id, t.table_id);
  assert.equal(t2.full_name, 'ren2.s.t');
  const s3 = ok(await patch('/schemas/ren2.s', { new_name: 's2' }));
  assert.equal(s3.schema_id, s.schema_id);
  assert.equal(s3.full_name, 'ren2.s2');
  const t3 = ok(await get('/tables/ren2.s2.t'));
  assert.equal(t3.table_id, t.table_id);
  assert.equal(t3.schema_name, 's2');
  const v2 = ok(await patch('/volumes/ren2.s2.v', { new_name: 'v2', comment: 'vc' }));
  assert.equal(v2.volume_id, v.volume_id);
  assert.equal(v2.full_name, 'ren2.s2.v2');
  assert.equal(v2.comment, 'vc');
  const listed = ok(await get('/tables?catalog_name=ren2&schema_name=s2'));
  assert.equal(listed.tables[0].full_name, 'ren2.s2.t');
  // same name is a no-op; collisions are *_ALREADY_EXISTS
  assert.equal(ok(await patch('/catalogs/ren2', { new_name: 'ren2' })).name, 'ren2');
  await mkCatalog('ren3');
  assertError(await patch('/catalogs/ren2', { new_name: 'ren3' }), 400, 'CATALOG_ALREADY_EXISTS');
  await mkSchema('ren2', 'other');
  assertError(await patch('/schemas/ren2.s2', { new_name: 'other' }), 400, 'SCHEMA_ALREADY_EXISTS');
  ok(await post('/volumes', { catalog_name: 'ren2', schema_name: 's2', name: 'v3', volume_type: 'MANAGED' }));
  assertError(await patch('/volumes/ren2.s2.v2', { new_name: 'v3' }), 400, 'RESOURCE_ALREADY_EXISTS');
  // what cannot be renamed says so
  assertField(await patch('/tables/ren2.s2.t', { new_name: 'x' }), 'new_name');
  assertField(await patch('/tables/ren2.s2.t', { comment: 'x' }), 'comment');
  const owned = ok(await patch('/tables/ren2.s2.t', { owner: 'admins' }));
  assert.equal(owned.owner, 'admins');
  assert.equal(owned.table_id, t.table_id);
});

test('non-empty delete without force is FAILED_PRECONDITION and changes nothing; force cascades', async () => {
  await mkCatalog('casc');
  await mkSchema('casc', 's');
  await mkExternal('casc', 's', 't');
  ok(await post('/volumes', { catalog_name: 'casc', schema_name: 's', name: 'v', volume_type: 'MANAGED' }));
  ok(await post('/functions', fnInfo('casc', 's', 'f')));
  assertError(await del('/catalogs/casc'), 400, 'FAILED_PRECONDITION');
  assertError(await del('/catalogs/casc?force=false'), 400, 'FAILED_PRECONDITION');
  assertError(await del('/schemas/casc.s'), 400, 'FAILED_PRECONDITION');
  ok(await get('/tables/casc.s.t'));
  ok(await get('/volumes/casc.s.v'));
  ok(await get('/functions/casc.s.f'));
  assertField(await del('/catalogs/casc?force=perhaps'), 'force');
  assert.deepEqual(ok(await del('/catalogs/casc?force=true')), {});
  assertError(await get('/catalogs/casc'), 404, 'CATALOG_NOT_FOUND');
  // the children went with it: a new catalog of the same name is empty
  await mkCatalog('casc');
  assert.deepEqual(ok(await get('/schemas?catalog_name=casc')).schemas, []);
  await mkSchema('casc', 's');
  assert.deepEqual(ok(await get('/tables?catalog_name=casc&schema_name=s')).tables, []);
  assert.deepEqual(ok(await get('/volumes?catalog_name=casc&schema_name=s')).volumes, []);
  assert.deepEqual(ok(await get('/functions?catalog_name=casc&schema_name=s')).functions, []);
  // schema force delete
  await mkExternal('casc', 's', 't');
  ok(await del('/schemas/casc.s?force=true'));
  assertError(await get('/schemas/casc.s'), 404, 'SCHEMA_NOT_FOUND');
  ok(await del('/catalogs/casc'));
});

test('tables: EXTERNAL needs a normalized storage_location; MANAGED gets one; VIEW needs a definition', async () => {
  await mkCatalog('tt');
  await mkSchema('tt', 's');
  const ext = ok(await post('/tables', {
    catalog_name: 'tt', schema_name: 's', name: 'ext', table_type: 'EXTERNAL', data_source_format: 'PARQUET',
    storage_location: '/tmp//weir-ext/tt/ext/', comment: 'c',
    columns: [
      { name: 'id', type_text: 'BIGINT', type_name: 'LONG', type_json: '{"name":"id","type":"long","nullable":false,"metadata":{}}', nullable: false, position: 0 },
      { name: 'Name', type_text: 'STRING', type_name: 'STRING', type_json: '{"name":"Name","type":"string","nullable":true,"metadata":{}}', position: 1, comment: 'n' },
    ],
  }));
  assert.equal(ext.storage_location, 'file:///tmp/weir-ext/tt/ext');
  assert.equal(ext.table_type, 'EXTERNAL');
  assert.equal(ext.data_source_format, 'PARQUET');
  assert.equal(ext.full_name, 'tt.s.ext');
  assert.equal(ext.columns.length, 2);
  assert.equal(ext.columns[0].type_text, 'bigint');
  assert.equal(ext.columns[0].nullable, false);
  assert.equal(ext.columns[1].type_text, 'string');
  assert.equal(ext.columns[1].comment, 'n');
  assert.deepEqual(ok(await get('/tables/tt.s.ext')), ext);
  ok(await post('/tables', { catalog_name: 'tt', schema_name: 's', name: 'ext2', table_type: 'EXTERNAL', storage_location: 'file:/tmp/weir-ext/x' }));
  assert.equal(ok(await get('/tables/tt.s.ext2')).storage_location, 'file:///tmp/weir-ext/x');
  ok(await post('/tables', { catalog_name: 'tt', schema_name: 's', name: 'ext3', table_type: 'EXTERNAL', storage_location: 's3://bucket/path/t' }));
  const ext3 = ok(await get('/tables/tt.s.ext3'));
  assert.equal(ext3.storage_location, 's3://bucket/path/t');

  const base = { catalog_name: 'tt', schema_name: 's', name: 'bad' };
  assertField(await post('/tables', { ...base, table_type: 'EXTERNAL' }), 'storage_location');
  assertField(await post('/tables', { ...base, table_type: 'EXTERNAL', storage_location: 's3://bucket' }), 'storage_location');
  assertField(await post('/tables', { ...base, table_type: 'EXTERNAL', storage_location: 's3://bucket/' }), 'storage_location');
  assertField(await post('/tables', { ...base, table_type: 'EXTERNAL', storage_location: 'ftp://h/x' }), 'storage_location');
  assertField(await post('/tables', { ...base, table_type: 'EXTERNAL', storage_location: '/tmp/a/../b' }), 'storage_location');
  assertField(await post('/tables', { ...base, table_type: 'EXTERNAL', storage_location: 'relative/path' }), 'storage_location');
  assertField(await post('/tables', { ...base, table_type: 'EXTERNAL', storage_location: '/x/__unitystorage/y' }), 'storage_location');
  assertField(await post('/tables', { ...base, table_type: 'EXTERNAL', storage_location: 'file://' + srv.data + '/x' }), 'storage_location');
  assertField(await post('/tables', { ...base, table_type: 'EXTERNAL', storage_location: '/t', view_definition: 'select 1' }), 'view_definition');

  const man = ok(await post('/tables', { catalog_name: 'tt', schema_name: 's', name: 'man', table_type: 'MANAGED', columns: [] }));
  assert.equal(man.data_source_format, 'DELTA');
  assert.match(man.storage_location, new RegExp(`^file:///.*${man.table_id}$`));
  assertField(await post('/tables', { ...base, table_type: 'MANAGED', storage_location: '/tmp/x' }), 'storage_location');
  assertField(await post('/tables', { ...base, table_type: 'MANAGED', data_source_format: 'CSV' }), 'data_source_format');
  assertField(await post('/tables', { ...base, table_type: 'STREAMING_TABLE' }), 'table_type');
  assertField(await post('/tables', { ...base, table_type: 'MATERIALIZED_VIEW' }), 'table_type');
  assertField(await post('/tables', { ...base, table_type: 'EXTERNAL', data_source_format: 'XLS', storage_location: '/tmp/x' }), 'data_source_format');

  const view = ok(await post('/tables', {
    catalog_name: 'tt', schema_name: 's', name: 'vw', table_type: 'VIEW', view_definition: 'SELECT * FROM tt.s.ext',
    view_dependencies: { dependencies: [{ table: { table_full_name: 'tt.s.ext' } }] },
  }));
  assert.equal(view.table_type, 'VIEW');
  assert.equal(view.view_definition, 'SELECT * FROM tt.s.ext');
  assert.equal(view.storage_location, undefined);
  assert.deepEqual(view.view_dependencies, { dependencies: [{ table: { table_full_name: 'tt.s.ext' } }] });
  assertField(await post('/tables', { ...base, table_type: 'VIEW' }), 'view_definition');
  assertField(await post('/tables', { ...base, table_type: 'VIEW', view_definition: '' }), 'view_definition');
  assertField(await post('/tables', { ...base, table_type: 'VIEW', view_definition: 'select 1', storage_location: '/tmp/x' }), 'storage_location');
  assertError(await post('/tables', { ...base, table_type: 'VIEW', view_definition: 'select 1',
    view_dependencies: { dependencies: [{ table: { table_full_name: 'tt.s.missing' } }] } }), 404, 'TABLE_NOT_FOUND');
  assertField(await post('/tables', { ...base, table_type: 'VIEW', view_definition: 'select 1',
    view_dependencies: { dependencies: [{ nothing: {} }] } }), 'view_dependencies.dependencies[0]');
  assertField(await post('/tables', { ...base, table_type: 'METRIC_VIEW', view_definition: 'x' }), 'view_dependencies');
  assertError(await get('/tables/tt.s.bad'), 404, 'TABLE_NOT_FOUND');
  const listed = ok(await get('/tables?catalog_name=tt&schema_name=s'));
  assert.deepEqual(listed.tables.map((x) => x.name), ['ext', 'ext2', 'ext3', 'man', 'vw']);
  assert.deepEqual(ok(await del('/tables/tt.s.vw')), {});
  assertError(await get('/tables/tt.s.vw'), 404, 'TABLE_NOT_FOUND');
  assert.deepEqual(ok(await del('/schemas/tt.s?force=true')), {});
});

test('columns: type_json must describe the column, names are unique, positions distinct', async () => {
  await mkCatalog('cols');
  await mkSchema('cols', 's');
  const base = { catalog_name: 'cols', schema_name: 's', name: 'c', table_type: 'EXTERNAL', storage_location: '/tmp/weir-ext/cols' };
  const col = (o) => ({ ...base, columns: [o] });
  assertField(await post('/tables', col({ name: 'a', type_json: 'not json' })), 'columns[0].type_json');
  assertField(await post('/tables', col({ name: 'a', type_json: '{"name":"b","type":"int","nullable":true}' })), 'columns[0].type_json');
  assertField(await post('/tables', col({ name: 'a', type_json: '{"name":"a","nullable":true}' })), 'columns[0].type_json');
  assertField(await post('/tables', col({ name: 'a', nullable: false, type_json: '{"name":"a","type":"int","nullable":true}' })), 'columns[0].type_json');
  assertField(await post('/tables', col({ name: 'a', type_json: '[1]' })), 'columns[0].type_json');
  assertField(await post('/tables', col({ name: 'a', type_name: 'WIDGET' })), 'columns[0].type_name');
  assertField(await post('/tables', col({ type_text: 'int' })), 'columns[0].name');
  assertField(await post('/tables', col({ name: '' })), 'columns[0].name');
  assertField(await post('/tables', { ...base, columns: [{ name: 'a' }, { name: 'A' }] }), 'columns[1].name');
  assertField(await post('/tables', { ...base, columns: [{ name: 'a', position: 0 }, { name: 'b', position: 0 }] }), 'columns[1].position');
  assertError(await get('/tables/cols.s.c'), 404, 'TABLE_NOT_FOUND');
  const t = ok(await post('/tables', { ...base, columns: [
    { name: 'm', type_text: 'MAP<STRING,INT>', type_name: 'MAP', type_json: '{"name":"m","type":{"type":"map","keyType":"string","valueType":"integer","valueContainsNull":true},"nullable":true,"metadata":{}}' },
    { name: 'd', type_text: 'DECIMAL(10,2)', type_name: 'DECIMAL', type_precision: 10, type_scale: 2, partition_index: 0 },
  ] }));
  assert.equal(t.columns[0].type_text, 'map<string,int>');
  assert.equal(t.columns[1].type_precision, 10);
  assert.equal(t.columns[1].type_scale, 2);
  assert.equal(t.columns[1].partition_index, 0);
  assert.equal(t.columns[1].position, 1);
});

test('table exists endpoint', async () => {
  await mkCatalog('ex');
  await mkSchema('ex', 's');
  await mkExternal('ex', 's', 't');
  assert.deepEqual(ok(await get('/tables/ex.s.t/exists')), { table_exists: true });
  assert.deepEqual(ok(await get('/tables/ex.s.nope/exists')), { table_exists: false });
  assert.deepEqual(ok(await get('/tables/ex.nope.t/exists')), { table_exists: false });
  assert.deepEqual(ok(await get('/tables/nope.s.t/exists')), { table_exists: false });
  assertField(await get('/tables/ex.s/exists'), 'full_name');
});

test('volumes: MANAGED gets a server location, EXTERNAL needs one; update comment and name', async () => {
  await mkCatalog('vol');
  await mkSchema('vol', 's');
  const m = ok(await post('/volumes', { catalog_name: 'vol', schema_name: 's', name: 'm', volume_type: 'MANAGED', comment: 'mc', properties: { ignored: 1 } }));
  assert.deepEqual(m.properties, {});
  assert.equal(m.volume_type, 'MANAGED');
  assert.equal(m.full_name, 'vol.s.m');
  assert.equal(m.comment, 'mc');
  assert.match(m.volume_id, /^[0-9a-f-]{36}$/);
  assert.match(m.storage_location, new RegExp(`^file:///.*${m.volume_id}$`));
  assert.deepEqual(ok(await get('/volumes/vol.s.m')), m);
  const e = ok(await post('/volumes', { catalog_name: 'vol', schema_name: 's', name: 'e', volume_type: 'EXTERNAL', storage_location: '/tmp//weir-vol/e/' }));
  assert.equal(e.storage_location, 'file:///tmp/weir-vol/e');
  const base = { catalog_name: 'vol', schema_name: 's', name: 'bad' };
  assertField(await post('/volumes', { ...base, volume_type: 'EXTERNAL' }), 'storage_location');
  assertField(await post('/volumes', { ...base, volume_type: 'EXTERNAL', storage_location: 's3://bucket' }), 'storage_location');
  assertField(await post('/volumes', { ...base, volume_type: 'MANAGED', storage_location: '/tmp/x' }), 'storage_location');
  assertField(await post('/volumes', { ...base }), 'volume_type');
  const u = ok(await patch('/volumes/vol.s.e', { comment: 'new' }));
  assert.equal(u.comment, 'new');
  assert.equal(u.storage_location, e.storage_location);
  const list = ok(await get('/volumes?catalog_name=vol&schema_name=s'));
  assert.deepEqual(list.volumes.map((v) => v.name), ['e', 'm']);
  assert.deepEqual(ok(await del('/volumes/vol.s.m')), {});
  assertError(await get('/volumes/vol.s.m'), 404, 'NOT_FOUND');
});

test('managed tables and volumes live under the schema or catalog managed storage when one is set', async () => {
  const c = await mkCatalog('mloc', { storage_root: '/tmp/weir-mloc' });
  await mkSchema('mloc', 'plain');
  const s = await mkSchema('mloc', 'rooted', { storage_root: '/tmp/weir-mloc-s' });
  assert.equal(s.storage_location, `file:///tmp/weir-mloc-s/__unitystorage/schemas/${s.schema_id}`);
  const t1 = ok(await post('/tables', { catalog_name: 'mloc', schema_name: 'plain', name: 't', table_type: 'MANAGED' }));
  assert.equal(t1.storage_location, `${c.storage_location}/tables/${t1.table_id}`);
  const t2 = ok(await post('/tables', { catalog_name: 'mloc', schema_name: 'rooted', name: 't', table_type: 'MANAGED' }));
  assert.equal(t2.storage_location, `${s.storage_location}/tables/${t2.table_id}`);
  const v = ok(await post('/volumes', { catalog_name: 'mloc', schema_name: 'rooted', name: 'v', volume_type: 'MANAGED' }));
  assert.equal(v.storage_location, `${s.storage_location}/volumes/${v.volume_id}`);
});

test('functions: create with function_info, get, list, delete', async () => {
  await mkCatalog('fun');
  await mkSchema('fun', 's');
  const f = ok(await post('/functions', fnInfo('fun', 's', 'inc', { comment: 'adds one', properties: '{"a":"b"}' })));
  assert.equal(f.full_name, 'fun.s.inc');
  assert.equal(f.name, 'inc');
  assert.equal(f.catalog_name, 'fun');
  assert.equal(f.schema_name, 's');
  assert.equal(f.data_type, 'INT');
  assert.equal(f.full_data_type, 'int');
  assert.equal(f.routine_body, 'SQL');
  assert.equal(f.routine_definition, 'x + 1');
  assert.equal(f.comment, 'adds one');
  assert.equal(f.properties, '{"a":"b"}');
  assert.equal(f.input_params.parameters[0].name, 'x');
  assert.match(f.function_id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(ok(await get('/functions/fun.s.inc')), f);
  const list = ok(await get('/functions?catalog_name=fun&schema_name=s'));
  assert.deepEqual(list.functions.map((x) => x.full_name), ['fun.s.inc']);
  assertField(await post('/functions', fnInfo('fun', 's', 'g', { routine_body: 'PYTHON' })), 'function_info.routine_body');
  assertField(await post('/functions', fnInfo('fun', 's', 'g', { input_params: { parameters: 'x' } })), 'function_info.input_params.parameters');
  assertField(await post('/functions', { function_info: { name: 'g', schema_name: 's' } }), 'function_info.catalog_name');
  const prm = (name, position, extra = {}) => ({ name, type_text: 'int', type_json: `{"name":"${name}","type":"integer","nullable":true,"metadata":{}}`, type_name: 'INT', position, ...extra });
  assertField(await post('/functions', fnInfo('fun', 's', 'g', { input_params: { parameters: [{ type_text: 'int' }] } })),
    'function_info.input_params.parameters[0].name');
  assertField(await post('/functions', fnInfo('fun', 's', 'g', { input_params: { parameters: [{ name: 'a', type_text: 'int', type_json: '{}', position: 0 }] } })),
    'function_info.input_params.parameters[0].type_name');
  assertField(await post('/functions', fnInfo('fun', 's', 'g', { input_params: { parameters: [prm('a', 0), prm('a', 1)] } })),
    'function_info.input_params.parameters[1].name');
  assertField(await post('/functions', fnInfo('fun', 's', 'g', { input_params: { parameters: [prm('a', 0, { type_name: 'BLOB' })] } })),
    'function_info.input_params.parameters[0].type_name');
  const two = ok(await post('/functions', fnInfo('fun', 's', 'two', { input_params: { parameters: [prm('a', 0), prm('b', 1)] },
    return_params: { parameters: [prm('r', 0)] } })));
  assert.deepEqual(two.input_params.parameters.map((x) => x.name), ['a', 'b']);
  assert.equal(two.return_params.parameters[0].name, 'r');
  ok(await del('/functions/fun.s.two'));
  assertField(await post('/functions', fnInfo('fun', 's', 'g', { return_params: { parameters: 5 } })),
    'function_info.return_params.parameters');
  assertError(await get('/functions/fun.s.g'), 404, 'NOT_FOUND');
  assertField(await patch('/functions/fun.s.inc', { comment: 'x' }), 'comment');
  const owned = ok(await patch('/functions/fun.s.inc', { owner: 'admins' }));
  assert.equal(owned.owner, 'admins');
  assert.equal(owned.function_id, f.function_id);
  assert.equal(owned.routine_definition, 'x + 1');
  assert.deepEqual(ok(await del('/functions/fun.s.inc?force=true')), {});
  assertError(await get('/functions/fun.s.inc'), 404, 'NOT_FOUND');
});

test('40 concurrent creates of distinct catalogs all succeed', async () => {
  const names = Array.from({ length: 40 }, (_, i) => `par_${i}`);
  const res = await Promise.all(names.map((name) => post('/catalogs', { name })));
  for (const r of res) assert.equal(r.status, 200, r.text);
  const ids = new Set(res.map((r) => r.json.id));
  assert.equal(ids.size, 40);
  for (const n of names) ok(await get('/catalogs/' + n));
});

test('40 concurrent creates of one name: exactly one 200, 39 CATALOG_ALREADY_EXISTS', async () => {
  const res = await Promise.all(Array.from({ length: 40 }, () => post('/catalogs', { name: 'same_name' })));
  const wins = res.filter((r) => r.status === 200);
  assert.equal(wins.length, 1);
  for (const r of res.filter((x) => x.status !== 200)) assertError(r, 400, 'CATALOG_ALREADY_EXISTS');
  assert.equal(ok(await get('/catalogs/same_name')).id, wins[0].json.id);
});

test('errors carry the Databricks envelope with details[].metadata', async () => {
  const r = await get('/catalogs/does_not_exist');
  assertError(r, 404, 'CATALOG_NOT_FOUND');
  assert.equal(r.json.details[0]['@type'], 'type.googleapis.com/google.rpc.ErrorInfo');
  assert.equal(r.json.details[0].reason, 'CATALOG_NOT_FOUND');
  assert.deepEqual(r.json.details[0].metadata, {});
  assert.match(r.headers.get('content-type'), /application\/json/);
});
