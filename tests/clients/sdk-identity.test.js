// The official Databricks JS SDK (@databricks/sdk-experimental 0.17.0, pinned) against Weir's
// identity surface: currentUser.me, the SCIM users and groups services, SCIM errors as
// ApiError, and an `oauth-m2m` client (discovery + client_credentials) that lists catalogs.
//
// SDK quirks designed around: usersV2/groupsV2.list() never advance startIndex (they re-ask
// for page 1 until it is empty), so iteration stops at the first repeated id; PATCH bodies
// are dropped by the SDK, so PATCH goes through fetch.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { WorkspaceClient } = require('@databricks/sdk-experimental');
const { startServer } = require('../http/lib');

const SCIM = '/api/2.0/preview/scim/v2';
let srv;
let w;
before(async () => {
  srv = await startServer();
  w = new WorkspaceClient({ host: srv.base, token: srv.token, authType: 'pat', env: {} });
});
after(async () => { await srv.stop(); });

async function firstPage(gen) {
  const seen = new Map();
  for await (const item of gen) {
    if (seen.has(item.id)) break;
    seen.set(item.id, item);
  }
  return [...seen.values()];
}

test('currentUser.me answers the token owner', async () => {
  const me = await w.currentUser.me();
  assert.equal(me.userName, 'admin');
  assert.ok(me.groups.some((g) => g.display === 'admins'));
});

test('usersV2: create, get, list with a filter, update, delete; a duplicate is an ApiError 409', async () => {
  const u = await w.usersV2.create({ userName: 'sdk.user@example.com', displayName: 'SDK User' });
  assert.match(u.id, /^[0-9]+$/);
  assert.equal((await w.usersV2.get({ id: u.id })).displayName, 'SDK User');
  const found = await firstPage(w.usersV2.list({ filter: 'userName eq "sdk.user@example.com"' }));
  assert.deepEqual(found.map((x) => x.id), [u.id]);
  await assert.rejects(w.usersV2.create({ userName: 'sdk.user@example.com' }), (e) => e.statusCode === 409);
  await assert.rejects(w.usersV2.list({ filter: 'userName eq' }).next(), (e) => e.statusCode === 400);
  const upd = await w.usersV2.update({ id: u.id, userName: 'sdk.user@example.com', displayName: 'Renamed' });
  void upd;
  assert.equal((await w.usersV2.get({ id: u.id })).displayName, 'Renamed');
  await w.usersV2.delete({ id: u.id });
  await assert.rejects(w.usersV2.get({ id: u.id }), (e) => e.statusCode === 404);
});

test('groupsV2: create with members, nested membership visible on the user, patch through fetch', async () => {
  const u = await w.usersV2.create({ userName: 'member@example.com' });
  const inner = await w.groupsV2.create({ displayName: 'sdk-inner', members: [{ value: u.id }] });
  const outer = await w.groupsV2.create({ displayName: 'sdk-outer', members: [{ value: inner.id }] });
  const got = await w.groupsV2.get({ id: outer.id });
  assert.deepEqual(got.members.map((m) => m.value), [inner.id]);
  const user = await w.usersV2.get({ id: u.id });
  assert.deepEqual(user.groups.map((g) => g.display).sort(), ['sdk-inner', 'sdk-outer']);
  const groups = await firstPage(w.groupsV2.list({ filter: 'displayName sw "sdk-"' }));
  assert.equal(groups.length, 2);
  // the SDK sends PATCH without a body: nothing changes, no error
  await w.groupsV2.patch({ id: inner.id, Operations: [{ op: 'remove', path: `members[value eq "${u.id}"]` }] });
  assert.equal((await w.groupsV2.get({ id: inner.id })).members.length, 1);
  const res = await fetch(`${srv.base}${SCIM}/Groups/${inner.id}`, {
    method: 'PATCH', headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ Operations: [{ op: 'remove', path: `members[value eq "${u.id}"]` }] }),
  });
  assert.equal(res.status, 200);
  assert.equal((await w.groupsV2.get({ id: inner.id })).members.length, 0);
  await w.groupsV2.delete({ id: outer.id });
  await assert.rejects(w.groupsV2.get({ id: outer.id }), (e) => e.statusCode === 404);
});

test('an oauth-m2m client logs in with a service principal secret and lists catalogs', async () => {
  const sp = await w.servicePrincipalsV2.create({ displayName: 'sdk-m2m' });
  const admins = (await firstPage(w.groupsV2.list({ filter: 'displayName eq "admins"' })))[0];
  const auth = { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' };
  let r = await fetch(`${srv.base}${SCIM}/Groups/${admins.id}`, { method: 'PATCH', headers: auth,
    body: JSON.stringify({ Operations: [{ op: 'add', path: 'members', value: [{ value: sp.id }] }] }) });
  assert.equal(r.status, 200);
  r = await fetch(`${srv.base}/api/2.0/accounts/servicePrincipals/${sp.id}/credentials/secrets`, { method: 'POST', headers: auth, body: '{}' });
  const { secret } = await r.json();
  await w.catalogs.create({ name: 'sdk_m2m_cat' });

  const m2m = new WorkspaceClient({ host: srv.base, clientId: sp.applicationId, clientSecret: secret, authType: 'oauth-m2m', env: {} });
  const me = await m2m.currentUser.me();
  assert.equal(me.applicationId, sp.applicationId);
  const names = [];
  for await (const c of m2m.catalogs.list({})) names.push(c.name);
  assert.ok(names.includes('sdk_m2m_cat'), JSON.stringify(names));

  const wrong = new WorkspaceClient({ host: srv.base, clientId: sp.applicationId, clientSecret: secret + 'x', authType: 'oauth-m2m', env: {} });
  await assert.rejects(wrong.currentUser.me(), /invalid_client|Invalid client/);
  assert.ok(!srv.log().includes(secret));
});
