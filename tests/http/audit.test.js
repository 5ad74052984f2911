// The audit log: each mutation and each denial of this file appears exactly once with the
// right fields (system.access.audit's shape), reads are not logged, filters and paging
// work, only admins may read it, and no secret reaches the audit log or the server log.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startServer, assertError } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const AUDIT = '/api/2.0/weir/audit';
const UA = 'weir-audit-test/1.0';

let srv;
// What this file did, by request id: {action, status, securable, identity, error}.
const done = new Map();

before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

// A request whose audit row is expected (once) with these fields.
async function audited(method, p, opts, expect) {
  const res = await srv.req(method, p, { ...opts, headers: { 'user-agent': UA, ...(opts.headers || {}) } });
  const rid = res.headers.get('x-request-id');
  assert.ok(rid, 'X-Request-Id');
  assert.equal(res.status, expect.status, res.text);
  done.set(rid, { identity: 'admin', ...expect });
  return res;
}

async function all(query = '') {
  const events = [];
  let token;
  do {
    const sep = query ? '&' : '';
    const q = `?${query}${token ? `${sep}page_token=${encodeURIComponent(token)}` : ''}`;
    const res = await srv.req('GET', AUDIT + q);
    assert.equal(res.status, 200, res.text);
    events.push(...res.json.events);
    token = res.json.next_page_token;
  } while (token);
  return events;
}

async function nonAdmin(name) {
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', {
    body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal'], displayName: name, active: true },
  });
  if ((sp.status === 404 || sp.status === 405) && sp.json && /ENDPOINT_NOT_FOUND|METHOD_NOT_ALLOWED/.test(sp.json.error_code)) return null;
  assert.ok(sp.status === 200 || sp.status === 201, sp.text);
  const tok = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', {
    body: { application_id: sp.json.applicationId, lifetime_seconds: 3600 },
  });
  if (tok.status === 404 && tok.json && tok.json.error_code === 'ENDPOINT_NOT_FOUND') return null;
  assert.equal(tok.status, 200, tok.text);
  return { name: sp.json.applicationId, token: tok.json.token_value };
}

// Every request in `done` has exactly one row, with the expected fields.
function checkRows(events) {
  for (const [rid, want] of done) {
    const mine = events.filter((e) => e.request_id === rid);
    assert.equal(mine.length, 1, `request ${rid} (${want.action} ${want.status}) has ${mine.length} audit rows`);
    const e = mine[0];
    assert.equal(e.action_name, want.action, rid);
    assert.equal(e.service_name, want.service, rid);
    assert.equal(e.response.status_code, want.status, rid);
    assert.equal(e.user_identity.email, want.identity, rid);
    if (want.securable !== undefined) assert.equal(e.securable, want.securable, `${rid} ${want.action}`);
    if (want.error) assert.equal(e.response.error_code, want.error, rid);
    else assert.equal(e.response.error_code, undefined, rid);
    if (want.status >= 400) assert.equal(typeof e.response.error_message, 'string');
    assert.equal(e.user_agent, UA);
    assert.equal(e.source_ip_address, '127.0.0.1');
    assert.equal(typeof e.event_time, 'number');
    assert.match(e.event_date, /^\d{4}-\d\d-\d\d$/);
    assert.equal(typeof e.event_id, 'string');
    assert.equal(typeof e.request_params, 'object');
    assert.equal(e.workspace_id, want.identity ? 1 : 0);
  }
}

let tokenValue;
const planted = 'plantedSecret-' + Math.random().toString(36).slice(2);

test('mutations, failed mutations and denials are written; reads are not', async () => {
  await audited('POST', `${UC}/catalogs`, { body: { name: 'aud1', comment: 'audited' } },
    { action: 'createCatalog', status: 200, securable: 'aud1', service: 'unityCatalog' });
  await audited('POST', `${UC}/schemas`, { body: { catalog_name: 'aud1', name: 's' } },
    { action: 'createSchema', status: 200, securable: 'aud1.s', service: 'unityCatalog' });
  await audited('POST', `${UC}/tables`, {
    body: { catalog_name: 'aud1', schema_name: 's', name: 't', table_type: 'EXTERNAL', data_source_format: 'DELTA',
      storage_location: path.join(srv.dir, 'ext', 't'), columns: [{ name: 'c', type_text: 'INT', type_name: 'INT', position: 0 }] },
  }, { action: 'createTable', status: 200, securable: 'aud1.s.t', service: 'unityCatalog' });
  await audited('PATCH', `${UC}/catalogs/aud1`, { body: { comment: 'changed' } },
    { action: 'updateCatalog', status: 200, securable: 'aud1', service: 'unityCatalog' });
  await audited('POST', `${UC}/entity-tag-assignments`, { body: { entity_type: 'columns', entity_name: 'aud1.s.t.c', tag_key: 'pii', tag_value: 'no' } },
    { action: 'createEntityTagAssignment', status: 200, securable: 'aud1.s.t.c', service: 'unityCatalog' });
  await audited('PATCH', `${UC}/entity-tag-assignments/tables/aud1.s.t/tags/nope`, { body: { tag_value: 'x' } },
    { action: 'updateEntityTagAssignment', status: 404, securable: 'aud1.s.t', service: 'unityCatalog', error: 'NOT_FOUND' });
  await audited('DELETE', `${UC}/entity-tag-assignments/columns/aud1.s.t.c/tags/pii`, {},
    { action: 'deleteEntityTagAssignment', status: 200, securable: 'aud1.s.t.c', service: 'unityCatalog' });
  // failed creates (400): one row each
  await audited('POST', `${UC}/catalogs`, { body: { name: 'bad name!' } },
    { action: 'createCatalog', status: 400, service: 'unityCatalog', error: 'INVALID_PARAMETER_VALUE' });
  await audited('POST', `${UC}/catalogs`, { body: { name: 'aud1' } },
    { action: 'createCatalog', status: 400, service: 'unityCatalog', error: 'CATALOG_ALREADY_EXISTS' });
  // a token: its value is a secret that must not be logged anywhere; so is a planted secret field
  const c = await audited('POST', '/api/2.0/token/create', { body: { comment: 'audit', lifetime_seconds: 600, client_secret: planted, password: planted } },
    { action: 'createToken', status: 200, securable: null, service: 'accounts' });
  tokenValue = c.json.token_value;
  assert.match(tokenValue, /^dapi/);
  // used once, so that it travels in an Authorization header too
  await audited('POST', `${UC}/catalogs`, { token: tokenValue, body: { name: 'aud2' } },
    { action: 'createCatalog', status: 200, securable: 'aud2', service: 'unityCatalog' });
  await audited('DELETE', `${UC}/catalogs/aud2`, {}, { action: 'deleteCatalog', status: 200, securable: 'aud2', service: 'unityCatalog' });

  // plain reads leave no row
  const read = await srv.req('GET', `${UC}/catalogs/aud1`);
  assert.equal(read.status, 200);
  const readRid = read.headers.get('x-request-id');

  const events = await all();
  checkRows(events);
  assert.equal(events.filter((e) => e.request_id === readRid).length, 0, 'a plain read is not audited');
  // request_params hold the request's fields
  const create = events.find((e) => e.action_name === 'createCatalog' && e.securable === 'aud1');
  assert.equal(create.request_params.name, 'aud1');
  assert.equal(create.request_params.comment, 'audited');
  const tagRow = events.find((e) => e.action_name === 'deleteEntityTagAssignment');
  assert.equal(tagRow.request_params.entity_type, 'columns');
  assert.equal(tagRow.request_params.tag_key, 'pii');
  // event ids are unique, events are in time order
  assert.equal(new Set(events.map((e) => e.event_id)).size, events.length);
  for (let i = 1; i < events.length; i++) assert.ok(events[i - 1].event_time <= events[i].event_time);
});

test('denials: a 401 (bad token, no token) is written once, without an identity', async () => {
  const before = done.size;
  await audited('GET', `${UC}/catalogs/aud1`, { token: 'dapi0123456789abcdef0123456789abcdef' },
    { action: 'getCatalog', status: 401, identity: '', securable: null, service: 'unityCatalog', error: 'UNAUTHENTICATED' });
  await audited('POST', `${UC}/catalogs`, { token: null, body: { name: 'x' } },
    { action: 'createCatalog', status: 401, identity: '', securable: null, service: 'unityCatalog', error: 'UNAUTHENTICATED' });
  assert.equal(done.size, before + 2);
  checkRows(await all());
});

test('no secret appears in the audit log or the server log', async () => {
  assert.ok(tokenValue, 'the previous test created a token');
  const text = JSON.stringify(await all());
  for (const secret of [tokenValue, srv.token, planted]) {
    assert.ok(!text.includes(secret), 'a secret is in the audit log');
    assert.ok(!srv.log().includes(secret), 'a secret is in the server log');
  }
  // not even the secret part of the token without its prefix
  assert.ok(!text.includes(tokenValue.slice(4)));
  const tok = (await all('action_name=createToken'))[0];
  assert.equal(tok.request_params.comment, 'audit');
  assert.equal(tok.request_params.client_secret, undefined);
  assert.equal(tok.request_params.password, undefined);
});

test('filters: principal, action, service, securable, status code, workspace and time range', async () => {
  const events = await all();
  const check = async (query, pred) => {
    const got = await all(query);
    assert.deepEqual(got.map((e) => e.event_id), events.filter(pred).map((e) => e.event_id), query);
    return got;
  };
  assert.ok((await check('action_name=createCatalog', (e) => e.action_name === 'createCatalog')).length >= 4);
  assert.ok((await check('service_name=accounts', (e) => e.service_name === 'accounts')).length >= 1);
  assert.ok((await check('principal=admin', (e) => e.user_identity.email === 'admin')).length >= 8);
  assert.equal((await check('principal=nobody', () => false)).length, 0);
  assert.equal((await check('securable=aud1.s.t.c', (e) => e.securable === 'aud1.s.t.c')).length, 2);
  assert.ok((await check('status_code=400', (e) => e.response.status_code === 400)).length >= 2);
  await check('status_code=401', (e) => e.response.status_code === 401);
  await check('status_code=400&action_name=createCatalog', (e) => e.response.status_code === 400 && e.action_name === 'createCatalog');
  await check('workspace_id=0', (e) => e.workspace_id === 0);
  const mid = events[Math.floor(events.length / 2)].event_time;
  await check(`start_time=${mid}`, (e) => e.event_time >= mid);
  await check(`end_time=${mid}`, (e) => e.event_time < mid);
  await check(`start_time=${mid}&end_time=${mid + 1}`, (e) => e.event_time === mid);
  assert.equal((await all(`start_time=${Date.now() + 3600e3}`)).length, 0);
  // bad filters are 400 naming the argument
  for (const [q, field] of [['start_time=yesterday', 'start_time'], ['end_time=1.5', 'end_time'], ['status_code=abc', 'status_code'],
    ['max_results=-1', 'max_results'], ['page_token=garbage', 'page_token'], ['start_time=10&end_time=5', 'end_time']]) {
    const res = await srv.req('GET', `${AUDIT}?${q}`);
    assertError(res, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(res.json.details[0].metadata.field, field, q);
  }
});

test('paging: small pages give every event once, in order; the token only while more remain', async () => {
  const events = await all();
  const paged = [];
  let token;
  let pages = 0;
  do {
    const res = await srv.req('GET', `${AUDIT}?max_results=3${token ? '&page_token=' + encodeURIComponent(token) : ''}`);
    assert.equal(res.status, 200, res.text);
    assert.ok(res.json.events.length <= 3);
    if (res.json.next_page_token) assert.equal(res.json.events.length, 3);
    paged.push(...res.json.events);
    token = res.json.next_page_token;
    pages++;
  } while (token);
  assert.equal(pages, Math.ceil(events.length / 3));
  // rows written while paging (none here) would come after; the pages equal the whole
  assert.deepEqual(paged.map((e) => e.event_id), events.slice(0, paged.length).map((e) => e.event_id));
  assert.equal(paged.length, events.length);
  // an exact last page gives no token; a large max_results is capped, not refused
  const exact = await srv.req('GET', `${AUDIT}?max_results=${events.length}`);
  assert.equal(exact.json.next_page_token, undefined);
  const big = await srv.req('GET', `${AUDIT}?max_results=5000`);
  assert.equal(big.status, 200);
  assert.ok(big.json.events.length <= 1000);
});

test('only admins may read the audit log; a refusal is itself audited once', async (t) => {
  const noTok = await srv.req('GET', AUDIT, { token: null });
  assertError(noTok, 401, 'UNAUTHENTICATED');
  const u = await nonAdmin('auditor');
  if (!u) { t.skip('SCIM service principals / on-behalf-of tokens are not in this build yet'); return; }
  const res = await srv.req('GET', AUDIT, { token: u.token });
  assertError(res, 403, 'PERMISSION_DENIED');
  const rid = res.headers.get('x-request-id');
  const rows = (await all('action_name=listAuditEvents')).filter((e) => e.request_id === rid);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].response.status_code, 403);
  assert.equal(rows[0].user_identity.email, u.name);
});
