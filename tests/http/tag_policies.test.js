// Governed tags (Databricks' /api/2.1/tag-policies): a tag key with the values it may take.
// Admins create them, their creator and admins change and delete them, everyone reads them;
// an assignment of a governed key takes one of its values (400 naming tag_value, nothing
// written); bad input is 400 naming the field.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, assertError, ok, servicePrincipal } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const TP = '/api/2.1/tag-policies';
let srv, sp;

before(async () => {
  srv = await startServer();
  sp = await servicePrincipal(srv, 'tagger');
  await ok(await srv.req('POST', `${UC}/catalogs`, { body: { name: 'gc' } }));
});
after(async () => { await srv.stop(); });

const assign = (entity_name, tag_key, tag_value, token) =>
  srv.req('POST', `${UC}/entity-tag-assignments`, { token, body: { entity_type: 'catalogs', entity_name, tag_key, tag_value } });

test('a tag policy: created by an admin, read by anyone, changed and deleted by its creator or an admin; audited', async () => {
  const p = await ok(await srv.req('POST', TP, { body: { tag_key: 'sensitivity', description: 'how sensitive', values: [{ name: 'low' }, { name: 'high' }] } }));
  assert.match(p.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual([p.tag_key, p.description, p.values], ['sensitivity', 'how sensitive', [{ name: 'low' }, { name: 'high' }]]);
  assert.match(p.create_time, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(await ok(await srv.req('GET', `${TP}/sensitivity`, { token: sp.as.token })), p);
  await ok(await srv.req('POST', TP, { body: { tag_key: 'pii' } }));
  await ok(await srv.req('POST', TP, { body: { tag_key: 'domain', values: [{ name: 'hr' }] } }));
  // pages in key order
  const p1 = await ok(await srv.req('GET', `${TP}?page_size=2`, { token: sp.as.token }));
  assert.deepEqual(p1.tag_policies.map((x) => x.tag_key), ['domain', 'pii']);
  const p2 = await ok(await srv.req('GET', `${TP}?page_size=2&page_token=${encodeURIComponent(p1.next_page_token)}`));
  assert.deepEqual(p2.tag_policies.map((x) => x.tag_key), ['sensitivity']);
  assert.equal(p2.next_page_token, undefined);
  // not an admin: creating is 403; changing another's is 403
  assertError(await srv.req('POST', TP, { token: sp.as.token, body: { tag_key: 'x' } }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('PATCH', `${TP}/pii?update_mask=description`, { token: sp.as.token, body: { description: 'd' } }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('DELETE', `${TP}/pii`, { token: sp.as.token }), 403, 'PERMISSION_DENIED');
  // update_mask names what changes; without one, what the body gives
  const u = await ok(await srv.req('PATCH', `${TP}/sensitivity?update_mask=values`, { body: { values: [{ name: 'low' }, { name: 'medium' }, { name: 'high' }], description: 'ignored' } }));
  assert.deepEqual([u.description, u.values.length, u.create_time], ['how sensitive', 3, p.create_time]);
  assert.equal((await ok(await srv.req('PATCH', `${TP}/sensitivity`, { body: { description: 'new' } }))).description, 'new');
  assertError(await srv.req('PATCH', `${TP}/sensitivity?update_mask=tag_key`, { body: { tag_key: 'other' } }), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('PATCH', `${TP}/sensitivity`, { body: { tag_key: 'other' } }), 400, 'INVALID_PARAMETER_VALUE');
  assert.deepEqual(await ok(await srv.req('DELETE', `${TP}/domain`)), {});
  assertError(await srv.req('GET', `${TP}/domain`), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('DELETE', `${TP}/domain`), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('POST', TP, { body: { tag_key: 'pii' } }), 400, 'RESOURCE_ALREADY_EXISTS');
  const audit = await ok(await srv.req('GET', '/api/2.0/weir/audit?max_results=1000&service_name=tagPolicies'));
  const actions = audit.events.map((e) => `${e.action_name}:${e.response?.status_code ?? e.status_code}`);
  for (const a of ['createTagPolicy', 'updateTagPolicy', 'deleteTagPolicy']) assert.ok(actions.some((x) => x.startsWith(a)), a);
});

test('bad input is 400 naming the field and writes nothing', async () => {
  const before = (await ok(await srv.req('GET', TP))).tag_policies.length;
  for (const [body, field] of [
    [{}, 'tag_key'],
    [{ tag_key: '' }, 'tag_key'],
    [{ tag_key: 'k', values: 'a' }, 'values'],
    [{ tag_key: 'k', values: [{}] }, 'values[0].name'],
    [{ tag_key: 'k', values: [{ name: 'a' }, { name: 'a' }] }, 'values[1].name'],
    [{ tag_key: 'k', values: [{ name: 'x'.repeat(1001) }] }, 'values[0].name'],
    [{ tag_key: 'k', description: 7 }, 'description'],
  ]) {
    const r = await srv.req('POST', TP, { body });
    assertError(r, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(r.json.details[0].metadata.field, field, JSON.stringify(body));
  }
  assert.equal((await ok(await srv.req('GET', TP))).tag_policies.length, before);
  assertError(await srv.req('GET', `${TP}?page_token=zz`), 400, 'INVALID_PARAMETER_VALUE');
});

test('an assignment of a governed key takes one of its values; an ungoverned key, or one with no values listed, any', async () => {
  await ok(await srv.req('POST', TP, { body: { tag_key: 'tier', values: [{ name: 'gold' }, { name: 'silver' }] } }));
  const bad = await assign('gc', 'tier', 'bronze');
  assertError(bad, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(bad.json.details[0].metadata.field, 'tag_value');
  assert.match(bad.json.message, /tag 'tier' is governed/);
  assertError(await assign('gc', 'tier', undefined), 400, 'INVALID_PARAMETER_VALUE');
  assert.deepEqual((await ok(await srv.req('GET', `${UC}/entity-tag-assignments/catalogs/gc/tags`))).tag_assignments, []);
  await ok(await assign('gc', 'tier', 'gold'));
  assertError(await srv.req('PATCH', `${UC}/entity-tag-assignments/catalogs/gc/tags/tier`, { body: { tag_value: 'tin' } }), 400, 'INVALID_PARAMETER_VALUE');
  await ok(await srv.req('PATCH', `${UC}/entity-tag-assignments/catalogs/gc/tags/tier`, { body: { tag_value: 'silver' } }));
  await ok(await assign('gc', 'pii', 'anything')); // governed, no values listed
  await ok(await assign('gc', 'free', 'x')); // not governed
  // once the policy goes, the key takes any value again
  await ok(await srv.req('DELETE', `${TP}/tier`));
  await ok(await srv.req('PATCH', `${UC}/entity-tag-assignments/catalogs/gc/tags/tier`, { body: { tag_value: 'tin' } }));
});
