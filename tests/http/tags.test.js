// Tags through Databricks' entity-tag-assignments API: every route and error, tags on a
// catalog, schema, table, column and volume, paging, search by key and by key+value (only
// what the caller may browse), and tags going away with their securable.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startServer, assertError, ok } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const ETA = UC + '/entity-tag-assignments';
const SEARCH = '/api/2.0/weir/tags/search';

let srv;
before(async () => {
  srv = await startServer();
  await mkTree('c1');
});
after(async () => { await srv.stop(); });

function assertField(res, field, status = 400, code = 'INVALID_PARAMETER_VALUE') {
  assertError(res, status, code);
  assert.equal(res.json.details[0].metadata.field, field, res.text);
}

const post = (p, body, opts = {}) => srv.req('POST', p, { body, ...opts });
const tag = (entity_type, entity_name, tag_key, tag_value, opts) =>
  post(ETA, tag_value === undefined ? { entity_type, entity_name, tag_key } : { entity_type, entity_name, tag_key, tag_value }, opts);
const one = (type, name, key) => `${ETA}/${type}/${name}/tags/${encodeURIComponent(key)}`;
const list = (type, name, q = '') => srv.req('GET', `${ETA}/${type}/${name}/tags${q}`);

// catalog cat > schema s > external table t (columns id, Email) and managed volume v.
async function mkTree(cat) {
  ok(await post(UC + '/catalogs', { name: cat }));
  ok(await post(UC + '/schemas', { catalog_name: cat, name: 's' }));
  ok(await post(UC + '/tables', {
    catalog_name: cat, schema_name: 's', name: 't', table_type: 'EXTERNAL', data_source_format: 'DELTA',
    storage_location: path.join(srv.dir, 'ext', cat, 't'),
    columns: [{ name: 'id', type_text: 'INT', type_name: 'INT', position: 0 },
      { name: 'Email', type_text: 'STRING', type_name: 'STRING', position: 1 }],
  }));
  ok(await post(UC + '/volumes', { catalog_name: cat, schema_name: 's', name: 'v', volume_type: 'MANAGED' }));
}

// A service principal with its own token, through SCIM and on-behalf-of tokens; null when
// those APIs are not in this build.
async function nonAdmin(name) {
  const sp = await post('/api/2.0/preview/scim/v2/ServicePrincipals', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal'], displayName: name, active: true,
  });
  if (sp.status === 404 && sp.json && sp.json.error_code === 'ENDPOINT_NOT_FOUND') return null;
  assert.ok(sp.status === 200 || sp.status === 201, sp.text);
  const tok = await post('/api/2.0/token-management/on-behalf-of/tokens', {
    application_id: sp.json.applicationId, lifetime_seconds: 3600, comment: 'tags test',
  });
  if (tok.status === 404 && tok.json && tok.json.error_code === 'ENDPOINT_NOT_FOUND') return null;
  assert.equal(tok.status, 200, tok.text);
  return { name: sp.json.applicationId, token: tok.json.token_value };
}

async function grant(type, fullName, principal, privileges) {
  ok(await srv.req('PATCH', `${UC}/permissions/${type}/${fullName}`, { body: { changes: [{ principal, add: privileges }] } }));
}

test('create, get, list, update and delete a tag on a catalog, schema, table, column and volume', async () => {
  const entities = [['catalogs', 'c1'], ['schemas', 'c1.s'], ['tables', 'c1.s.t'], ['columns', 'c1.s.t.id'], ['volumes', 'c1.s.v']];
  for (const [type, name] of entities) {
    const c = ok(await tag(type, name, 'owner_team', 'data-eng'));
    assert.equal(c.entity_type, type);
    assert.equal(c.entity_name, name);
    assert.equal(c.tag_key, 'owner_team');
    assert.equal(c.tag_value, 'data-eng');
    assert.equal(c.updated_by, 'admin');
    assert.match(c.update_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // a tag without a value
    const nv = ok(await tag(type, name, 'certified'));
    assert.equal(nv.tag_value, undefined);

    const g = ok(await srv.req('GET', one(type, name, 'owner_team')));
    assert.equal(g.tag_value, 'data-eng');
    assert.equal(g.entity_name, name);

    const l = ok(await list(type, name));
    assert.deepEqual(l.tag_assignments.map((a) => [a.tag_key, a.tag_value]), [['certified', undefined], ['owner_team', 'data-eng']]);
    assert.equal(l.next_page_token, undefined);
    // the short list route (without /tags) answers the same
    const l2 = ok(await srv.req('GET', `${ETA}/${type}/${name}`));
    assert.deepEqual(l2.tag_assignments, l.tag_assignments);

    const u = ok(await srv.req('PATCH', one(type, name, 'owner_team') + '?update_mask=tag_value', {
      body: { entity_type: type, entity_name: name, tag_key: 'owner_team', tag_value: 'platform' },
    }));
    assert.equal(u.tag_value, 'platform');
    assert.equal(ok(await srv.req('GET', one(type, name, 'owner_team'))).tag_value, 'platform');

    // PATCH without a body changes nothing, even with a mask (the JS SDK drops PATCH bodies)
    assert.equal(ok(await srv.req('PATCH', one(type, name, 'owner_team'))).tag_value, 'platform');
    assert.equal(ok(await srv.req('PATCH', one(type, name, 'owner_team') + '?update_mask=tag_value')).tag_value, 'platform');
    // a body naming the entity but no value, with the mask naming tag_value, clears it
    assert.equal(ok(await srv.req('PATCH', one(type, name, 'certified') + '?update_mask=tag_value', { body: { tag_key: 'certified' } })).tag_value, undefined);
    // tag_value null clears the value
    const cleared = ok(await srv.req('PATCH', one(type, name, 'owner_team'), { body: { tag_value: null } }));
    assert.equal(cleared.tag_value, undefined);

    assert.deepEqual(ok(await srv.req('DELETE', one(type, name, 'owner_team'))), {});
    assertError(await srv.req('GET', one(type, name, 'owner_team')), 404, 'NOT_FOUND');
    ok(await srv.req('DELETE', one(type, name, 'certified')));
    assert.deepEqual(ok(await list(type, name)).tag_assignments, []);
  }
});

test('a column is matched case-insensitively and answered with its stored name', async () => {
  const c = ok(await tag('columns', 'c1.s.t.email', 'pii', 'email'));
  assert.equal(c.entity_name, 'c1.s.t.Email');
  assert.equal(ok(await srv.req('GET', one('columns', 'c1.s.t.Email', 'pii'))).tag_value, 'email');
  // the table's own tags and its columns' tags are separate
  assert.deepEqual(ok(await list('tables', 'c1.s.t')).tag_assignments, []);
  ok(await srv.req('DELETE', one('columns', 'c1.s.t.EMAIL', 'pii')));
});

test('the body may also wrap the assignment in tag_assignment (the SDK request shape)', async () => {
  const c = ok(await post(ETA, { tag_assignment: { entity_type: 'tables', entity_name: 'c1.s.t', tag_key: 'wrapped', tag_value: 'y' } }));
  assert.equal(c.tag_key, 'wrapped');
  ok(await srv.req('DELETE', one('tables', 'c1.s.t', 'wrapped')));
});

test('bad input is 400 naming the field and changes nothing', async () => {
  ok(await tag('tables', 'c1.s.t', 'keep', 'v'));
  const before = ok(await list('tables', 'c1.s.t'));
  assertField(await tag('functions', 'c1.s.t', 'k', 'v'), 'entity_type');
  assertField(await tag('', 'c1.s.t', 'k', 'v'), 'entity_type');
  assertField(await post(ETA, { entity_name: 'c1.s.t', tag_key: 'k' }), 'entity_type');
  assertField(await post(ETA, { entity_type: 'tables', tag_key: 'k' }), 'entity_name');
  assertField(await post(ETA, { entity_type: 'tables', entity_name: 'c1.s.t' }), 'tag_key');
  assertField(await tag('tables', 'c1.s.t', '', 'v'), 'tag_key');
  assertField(await tag('tables', 'c1.s.t', 'k'.repeat(256), 'v'), 'tag_key');
  assertField(await tag('tables', 'c1.s.t', 'a\u0001b', 'v'), 'tag_key');
  assertField(await tag('tables', 'c1.s.t', 'a\nb', 'v'), 'tag_key');
  assertField(await tag('tables', 'c1.s.t', 'a\u0085b', 'v'), 'tag_key');
  assertField(await tag('tables', 'c1.s.t', 'a/b', 'v'), 'tag_key');
  assertField(await tag('tables', 'c1.s.t', 'k', 'v'.repeat(1001)), 'tag_value');
  assertField(await post(ETA, { entity_type: 'tables', entity_name: 'c1.s.t', tag_key: 5 }), 'tag_key');
  assertField(await post(ETA, { entity_type: 'tables', entity_name: 'c1.s.t', tag_key: 'k', tag_value: 7 }), 'tag_value');
  assertField(await tag('tables', 'c1.s', 'k', 'v'), 'entity_name');
  assertField(await tag('columns', 'c1.s.t', 'k', 'v'), 'entity_name');
  assertField(await tag('columns', 'c1.s.t.', 'k', 'v'), 'entity_name');
  assertError(await post(ETA, '{"entity_type":'), 400, 'MALFORMED_REQUEST');
  // the longest key and value are fine; a multi-byte key counts characters, not bytes
  ok(await tag('tables', 'c1.s.t', 'k'.repeat(255), 'v'.repeat(1000)));
  ok(await tag('tables', 'c1.s.t', 'é'.repeat(255), 'é'.repeat(1000)));
  ok(await srv.req('DELETE', one('tables', 'c1.s.t', 'k'.repeat(255))));
  ok(await srv.req('DELETE', one('tables', 'c1.s.t', 'é'.repeat(255))));
  // PATCH: only tag_value may change
  assertField(await srv.req('PATCH', one('tables', 'c1.s.t', 'keep') + '?update_mask=tag_key', { body: { tag_value: 'x' } }), 'update_mask');
  assertField(await srv.req('PATCH', one('tables', 'c1.s.t', 'keep'), { body: { tag_key: 'other', tag_value: 'x' } }), 'tag_key');
  assertField(await srv.req('PATCH', one('tables', 'c1.s.t', 'keep'), { body: { entity_name: 'c1.s.v', tag_value: 'x' } }), 'entity_name');
  assertField(await srv.req('PATCH', one('tables', 'c1.s.t', 'keep'), { body: { tag_value: 'x'.repeat(1001) } }), 'tag_value');
  // paging arguments
  assertField(await list('tables', 'c1.s.t', '?page_token=zz'), 'page_token');
  assertField(await list('tables', 'c1.s.t', '?max_results=-1'), 'max_results');
  assertField(await list('tables', 'c1.s.t', '?max_results=abc'), 'max_results');
  assert.deepEqual(ok(await list('tables', 'c1.s.t')), before);
  ok(await srv.req('DELETE', one('tables', 'c1.s.t', 'keep')));
});

test('what does not exist is 404 with the type\'s error; a duplicate key is 409', async () => {
  assertError(await tag('catalogs', 'nope', 'k', 'v'), 404, 'CATALOG_NOT_FOUND');
  assertError(await tag('schemas', 'c1.nope', 'k', 'v'), 404, 'SCHEMA_NOT_FOUND');
  assertError(await tag('tables', 'c1.s.nope', 'k', 'v'), 404, 'TABLE_NOT_FOUND');
  assertError(await tag('volumes', 'c1.s.nope', 'k', 'v'), 404, 'NOT_FOUND');
  assertError(await tag('registered_models', 'c1.s.nope', 'k', 'v'), 404, 'NOT_FOUND');
  const col = await tag('columns', 'c1.s.t.nope', 'k', 'v');
  assertField(col, 'entity_name', 404, 'NOT_FOUND');
  assertError(await srv.req('GET', one('tables', 'c1.s.t', 'absent')), 404, 'NOT_FOUND');
  assertError(await srv.req('PATCH', one('tables', 'c1.s.t', 'absent'), { body: { tag_value: 'x' } }), 404, 'NOT_FOUND');
  assertError(await srv.req('DELETE', one('tables', 'c1.s.t', 'absent')), 404, 'NOT_FOUND');
  assertError(await list('tables', 'c1.s.nope'), 404, 'TABLE_NOT_FOUND');
  assertField(await list('things', 'c1.s.t'), 'entity_type');

  ok(await tag('tables', 'c1.s.t', 'dup', 'a'));
  assertField(await tag('tables', 'c1.s.t', 'dup', 'b'), 'tag_key', 409, 'ALREADY_EXISTS');
  assert.equal(ok(await srv.req('GET', one('tables', 'c1.s.t', 'dup'))).tag_value, 'a');
  ok(await srv.req('DELETE', one('tables', 'c1.s.t', 'dup')));
});

test('an entity carries at most 50 tags', async () => {
  for (let i = 0; i < 50; i++) ok(await tag('schemas', 'c1.s', `k${String(i).padStart(2, '0')}`, String(i)));
  assertField(await tag('schemas', 'c1.s', 'k50', 'x'), 'tag_key');
  // paging through them: 50 = 20 + 20 + 10, in key order, the token only while more remain
  const seen = [];
  let token;
  let pages = 0;
  do {
    const q = `?max_results=20${token ? `&page_token=${encodeURIComponent(token)}` : ''}`;
    const page = ok(await list('schemas', 'c1.s', q));
    seen.push(...page.tag_assignments.map((a) => a.tag_key));
    token = page.next_page_token;
    pages++;
  } while (token);
  assert.equal(pages, 3);
  assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => `k${String(i).padStart(2, '0')}`));
  for (let i = 0; i < 50; i++) ok(await srv.req('DELETE', one('schemas', 'c1.s', `k${String(i).padStart(2, '0')}`)));
});

test('every route needs a token', async () => {
  assertError(await tag('tables', 'c1.s.t', 'k', 'v', { token: null }), 401, 'UNAUTHENTICATED');
  assertError(await srv.req('GET', one('tables', 'c1.s.t', 'k'), { token: 'dapi-nope' }), 401, 'UNAUTHENTICATED');
  assertError(await srv.req('GET', `${SEARCH}?key=k`, { token: null }), 401, 'UNAUTHENTICATED');
});

test('search by key and by key and value, across entity types, with paging', async () => {
  await mkTree('c2');
  ok(await tag('catalogs', 'c2', 'class', 'public'));
  ok(await tag('tables', 'c2.s.t', 'class', 'secret'));
  ok(await tag('columns', 'c2.s.t.Email', 'class', 'secret'));
  ok(await tag('volumes', 'c2.s.v', 'class', 'public'));
  ok(await tag('schemas', 'c2.s', 'other', 'secret'));
  const byKey = ok(await srv.req('GET', `${SEARCH}?key=class`));
  const names = (r) => r.tag_assignments.map((a) => `${a.entity_type}:${a.entity_name}=${a.tag_value}`).sort();
  assert.deepEqual(names(byKey), ['catalogs:c2=public', 'columns:c2.s.t.Email=secret', 'tables:c2.s.t=secret', 'volumes:c2.s.v=public']);
  const byValue = ok(await srv.req('GET', `${SEARCH}?key=class&value=secret`));
  assert.deepEqual(names(byValue), ['columns:c2.s.t.Email=secret', 'tables:c2.s.t=secret']);
  assert.deepEqual(ok(await srv.req('GET', `${SEARCH}?key=class&value=nothing`)).tag_assignments, []);
  assert.deepEqual(ok(await srv.req('GET', `${SEARCH}?key=absent`)).tag_assignments, []);
  // pages of one
  const seen = [];
  let token;
  do {
    const page = ok(await srv.req('GET', `${SEARCH}?key=class&max_results=1${token ? '&page_token=' + encodeURIComponent(token) : ''}`));
    assert.ok(page.tag_assignments.length === 1, JSON.stringify(page));
    seen.push(...page.tag_assignments);
    token = page.next_page_token;
  } while (token);
  assert.deepEqual(names({ tag_assignments: seen }), names(byKey));
  assertField(await srv.req('GET', SEARCH), 'key');
  assertField(await srv.req('GET', `${SEARCH}?key=a%01b`), 'key');
  assertField(await srv.req('GET', `${SEARCH}?key=class&page_token=nothex`), 'page_token');
  assertField(await srv.req('GET', `${SEARCH}?key=class&max_results=-2`), 'max_results');
});

test('tags go away with their securable: table, then the whole catalog', async () => {
  await mkTree('c3');
  ok(await tag('tables', 'c3.s.t', 'gone', 'x'));
  ok(await tag('columns', 'c3.s.t.id', 'gone', 'x'));
  ok(await tag('volumes', 'c3.s.v', 'gone', 'x'));
  ok(await tag('catalogs', 'c3', 'gone', 'x'));
  assert.equal(ok(await srv.req('GET', `${SEARCH}?key=gone`)).tag_assignments.length, 4);
  ok(await srv.req('DELETE', `${UC}/tables/c3.s.t`));
  assert.deepEqual(names2(ok(await srv.req('GET', `${SEARCH}?key=gone`))), ['catalogs:c3', 'volumes:c3.s.v']);
  assertError(await list('tables', 'c3.s.t'), 404, 'TABLE_NOT_FOUND');
  ok(await srv.req('DELETE', `${UC}/catalogs/c3?force=true`));
  assert.deepEqual(ok(await srv.req('GET', `${SEARCH}?key=gone`)).tag_assignments, []);
  // a new table of the same name starts without tags
  await mkTree('c3');
  assert.deepEqual(ok(await list('tables', 'c3.s.t')).tag_assignments, []);
});

function names2(r) { return r.tag_assignments.map((a) => `${a.entity_type}:${a.entity_name}`).sort(); }

test('a non-admin: hidden entities are 404 and absent from search; APPLY TAG is needed to change tags', async (t) => {
  const u = await nonAdmin('tagger');
  if (!u) { t.skip('SCIM service principals / on-behalf-of tokens are not in this build yet'); return; }
  await mkTree('c4');
  ok(await tag('tables', 'c4.s.t', 'search_me', 'x'));
  ok(await tag('tables', 'c1.s.t', 'search_me', 'x'));
  const as = { token: u.token };
  // nothing granted: the catalog does not exist for it, search shows nothing
  assertError(await tag('tables', 'c4.s.t', 'k', 'v', as), 404, 'CATALOG_NOT_FOUND');
  assertError(await srv.req('GET', `${ETA}/tables/c4.s.t/tags`, as), 404, 'CATALOG_NOT_FOUND');
  const none = ok(await srv.req('GET', `${SEARCH}?key=search_me&max_results=1`, as));
  assert.deepEqual(none.tag_assignments, []);
  assert.equal(none.next_page_token, undefined);
  // it may browse the table: it reads tags, but may not change them
  await grant('catalog', 'c4', u.name, ['USE_CATALOG']);
  await grant('schema', 'c4.s', u.name, ['USE_SCHEMA']);
  await grant('table', 'c4.s.t', u.name, ['SELECT']);
  assert.equal(ok(await srv.req('GET', `${ETA}/tables/c4.s.t/tags`, as)).tag_assignments.length, 1);
  assert.equal(ok(await srv.req('GET', one('tables', 'c4.s.t', 'search_me'), as)).tag_value, 'x');
  assertError(await tag('tables', 'c4.s.t', 'k', 'v', as), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('PATCH', one('tables', 'c4.s.t', 'search_me'), { ...as, body: { tag_value: 'y' } }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('DELETE', one('tables', 'c4.s.t', 'search_me'), as), 403, 'PERMISSION_DENIED');
  const some = ok(await srv.req('GET', `${SEARCH}?key=search_me`, as));
  assert.deepEqual(names2(some), ['tables:c4.s.t']);
  // the hidden c1.s.t hit gives no token either
  const first = ok(await srv.req('GET', `${SEARCH}?key=search_me&max_results=1`, as));
  assert.equal(first.tag_assignments.length, 1);
  assert.equal(first.next_page_token, undefined);
  // with APPLY TAG it may
  await grant('table', 'c4.s.t', u.name, ['APPLY_TAG']);
  const c = ok(await tag('tables', 'c4.s.t', 'k', 'v', as));
  assert.equal(c.updated_by, u.name);
  ok(await tag('columns', 'c4.s.t.id', 'k', 'v', as));
  ok(await srv.req('PATCH', one('tables', 'c4.s.t', 'k'), { ...as, body: { tag_value: 'w' } }));
  ok(await srv.req('DELETE', one('tables', 'c4.s.t', 'k'), as));
  // but not on the schema, where it has no APPLY TAG
  assertError(await tag('schemas', 'c4.s', 'k', 'v', as), 403, 'PERMISSION_DENIED');
});
