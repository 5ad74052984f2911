// Identity: SCIM Users / Groups / ServicePrincipals / Me (every route and its errors),
// nested groups, deactivation stopping tokens at once, on-behalf-of tokens, service
// principal OAuth secrets (shown once, never in lists, logs or the audit table), and the
// OAuth M2M token endpoint with its discovery document.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { startServer, assertError } = require('./lib');

const SCIM = '/api/2.0/preview/scim/v2';
let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

function scimError(res, status, scimType) {
  assert.equal(res.status, status, res.text);
  assert.deepEqual(res.json.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
  assert.equal(res.json.status, String(status));
  assert.equal(typeof res.json.detail, 'string');
  if (scimType) assert.equal(res.json.scimType, scimType, res.text);
}

async function mkUser(userName, extra = {}) {
  const r = await srv.req('POST', `${SCIM}/Users`, { body: { userName, ...extra } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
async function mkGroup(displayName, members = []) {
  const r = await srv.req('POST', `${SCIM}/Groups`, { body: { displayName, members: members.map((value) => ({ value })) } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
async function tokenFor(id) {
  const r = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: id } });
  return r;
}
// A service principal with an on-behalf-of token: the way tests get a non-admin caller.
async function spWithToken(displayName) {
  const sp = await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName } });
  assert.equal(sp.status, 201, sp.text);
  const t = await tokenFor(sp.json.applicationId);
  assert.equal(t.status, 200, t.text);
  return { sp: sp.json, token: t.json.token_value };
}

test('Me answers the caller; lists are open to every authenticated caller, changes need an admin', async () => {
  const me = await srv.req('GET', `${SCIM}/Me`);
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.userName, 'admin');
  assert.ok(me.json.groups.some((g) => g.display === 'admins'));
  scimError(await srv.req('GET', `${SCIM}/Me`, { token: null }), 401);

  const { sp, token } = await spWithToken('reader-bot');
  const spMe = await srv.req('GET', `${SCIM}/Me`, { token });
  assert.equal(spMe.status, 200, spMe.text);
  assert.equal(spMe.json.applicationId, sp.applicationId);
  assert.equal((await srv.req('GET', `${SCIM}/Users`, { token })).status, 200);
  scimError(await srv.req('POST', `${SCIM}/Users`, { token, body: { userName: 'x@y.z' } }), 403);
  scimError(await srv.req('DELETE', `${SCIM}/ServicePrincipals/${sp.id}`, { token }), 403);
  assertError(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens',
    { token, body: { application_id: sp.applicationId } }), 403, 'PERMISSION_DENIED');
});

test('Users: create 201, get, duplicate 409 uniqueness, list with filter and paging, PUT, PATCH, DELETE', async () => {
  const u = await mkUser('ann@example.com', { displayName: 'Ann', name: { givenName: 'Ann', familyName: 'Lee' } });
  assert.match(u.id, /^[0-9]+$/);
  assert.equal(u.userName, 'ann@example.com');
  assert.equal(u.active, true);
  assert.deepEqual(u.emails, [{ value: 'ann@example.com', primary: true, type: 'work' }]);
  assert.deepEqual(u.name, { givenName: 'Ann', familyName: 'Lee' });
  assert.deepEqual(u.schemas, ['urn:ietf:params:scim:schemas:core:2.0:User']);

  const g = await srv.req('GET', `${SCIM}/Users/${u.id}`);
  assert.equal(g.status, 200);
  assert.equal(g.json.displayName, 'Ann');
  scimError(await srv.req('POST', `${SCIM}/Users`, { body: { userName: 'ann@example.com' } }), 409, 'uniqueness');
  scimError(await srv.req('POST', `${SCIM}/Users`, { body: { displayName: 'no user name' } }), 400, 'invalidValue');
  scimError(await srv.req('POST', `${SCIM}/Users`, { body: { userName: 'b@x', emails: 'nope' } }), 400);
  scimError(await srv.req('GET', `${SCIM}/Users/999999`), 404);
  scimError(await srv.req('GET', `${SCIM}/Users/abc`), 404);

  for (const n of ['p1@x.io', 'p2@x.io', 'p3@x.io']) await mkUser(n);
  const f = await srv.req('GET', `${SCIM}/Users?filter=${encodeURIComponent('userName eq "ANN@example.com"')}`);
  assert.equal(f.status, 200);
  assert.equal(f.json.totalResults, 1);
  assert.equal(f.json.Resources[0].id, u.id);
  assert.deepEqual(f.json.schemas, ['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
  const d = await srv.req('GET', `${SCIM}/Users?filter=${encodeURIComponent('displayName eq "Ann"')}`);
  assert.equal(d.json.totalResults, 1);
  const page = await srv.req('GET', `${SCIM}/Users?filter=${encodeURIComponent('userName sw "p"')}&startIndex=2&count=1`);
  assert.equal(page.json.totalResults, 3);
  assert.equal(page.json.startIndex, 2);
  assert.equal(page.json.itemsPerPage, 1);
  assert.equal(page.json.Resources[0].userName, 'p2@x.io');
  for (const bad of ['userName eq', 'nosuch eq "x"', 'userName xx "a"', 'userName eq "a" and displayName eq "b"', 'userName eq "open',
    'applicationId eq "x"', 'active eq "yes"']) {
    scimError(await srv.req('GET', `${SCIM}/Users?filter=${encodeURIComponent(bad)}`), 400, 'invalidFilter');
  }
  scimError(await srv.req('GET', `${SCIM}/Users?count=many`), 400);

  const put = await srv.req('PUT', `${SCIM}/Users/${u.id}`, { body: { userName: 'ann@example.com', displayName: 'Ann L' } });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.displayName, 'Ann L');
  scimError(await srv.req('PUT', `${SCIM}/Users/${u.id}`, { body: { userName: 'p1@x.io' } }), 409, 'uniqueness');
  const patch = await srv.req('PATCH', `${SCIM}/Users/${u.id}`, { body: {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', path: 'displayName', value: 'Ann Lee' }, { op: 'add', path: 'entitlements', value: [{ value: 'workspace-access' }] }],
  } });
  assert.equal(patch.status, 200, patch.text);
  assert.equal(patch.json.displayName, 'Ann Lee');
  assert.deepEqual(patch.json.entitlements, [{ value: 'workspace-access' }]);
  const empty = await srv.req('PATCH', `${SCIM}/Users/${u.id}`, { raw: '' });
  assert.equal(empty.status, 200, 'a PATCH without a body changes nothing');
  assert.equal(empty.json.displayName, 'Ann Lee');
  scimError(await srv.req('PATCH', `${SCIM}/Users/${u.id}`, { body: { Operations: [{ op: 'explode', path: 'x' }] } }), 400);
  scimError(await srv.req('PATCH', `${SCIM}/Users/${u.id}`, { body: { Operations: [{ op: 'replace', path: 'active', value: 'maybe' }] } }), 400);
  assert.equal((await srv.req('GET', `${SCIM}/Users/${u.id}`)).json.displayName, 'Ann Lee', 'a refused PATCH changes nothing');

  const del = await srv.req('DELETE', `${SCIM}/Users/${u.id}`);
  assert.equal(del.status, 200);
  scimError(await srv.req('GET', `${SCIM}/Users/${u.id}`), 404);
  scimError(await srv.req('DELETE', `${SCIM}/Users/${u.id}`), 404);
  const me = await srv.req('GET', `${SCIM}/Me`);
  scimError(await srv.req('DELETE', `${SCIM}/Users/${me.json.id}`), 400);
});

test('Groups nest and membership is transitive; cycles, unknown members and `admins` are refused', async () => {
  const u = await mkUser('nest@x.io');
  const inner = await mkGroup('inner', [u.id]);
  const outer = await mkGroup('outer', [inner.id]);
  const got = await srv.req('GET', `${SCIM}/Users/${u.id}`);
  const groups = Object.fromEntries(got.json.groups.map((g) => [g.display, g.type]));
  assert.deepEqual(groups, { inner: 'direct', outer: 'indirect' });
  assert.deepEqual((await srv.req('GET', `${SCIM}/Groups/${outer.id}`)).json.members.map((m) => m.value), [inner.id]);

  // a cycle: outer into inner
  scimError(await srv.req('PATCH', `${SCIM}/Groups/${inner.id}`, { body: { Operations: [{ op: 'add', path: 'members', value: [{ value: outer.id }] }] } }), 400);
  scimError(await srv.req('PATCH', `${SCIM}/Groups/${inner.id}`, { body: { Operations: [{ op: 'add', path: 'members', value: [{ value: inner.id }] }] } }), 400);
  // unknown member: nothing changes, not even the valid first one
  const v = await mkUser('valid@x.io');
  scimError(await srv.req('PATCH', `${SCIM}/Groups/${inner.id}`, { body: { Operations: [
    { op: 'add', path: 'members', value: [{ value: v.id }] }, { op: 'add', path: 'members', value: [{ value: '987654' }] }] } }), 400);
  assert.deepEqual((await srv.req('GET', `${SCIM}/Groups/${inner.id}`)).json.members.map((m) => m.value), [u.id]);
  scimError(await srv.req('POST', `${SCIM}/Groups`, { body: { displayName: 'g-bad', members: [{ value: '4242' }] } }), 400);
  scimError(await srv.req('POST', `${SCIM}/Groups`, { body: { displayName: 'inner' } }), 409, 'uniqueness');
  const gf = await srv.req('GET', `${SCIM}/Groups?filter=${encodeURIComponent('displayName eq "g-bad"')}`);
  assert.equal(gf.json.totalResults, 0);

  // add, then remove by filter path, then by value list
  let p = await srv.req('PATCH', `${SCIM}/Groups/${inner.id}`, { body: { Operations: [{ op: 'add', path: 'members', value: [{ value: v.id }] }] } });
  assert.deepEqual(p.json.members.map((m) => m.value).sort(), [u.id, v.id].sort());
  p = await srv.req('PATCH', `${SCIM}/Groups/${inner.id}`, { body: { Operations: [{ op: 'remove', path: `members[value eq "${v.id}"]` }] } });
  assert.deepEqual(p.json.members.map((m) => m.value), [u.id]);
  p = await srv.req('PATCH', `${SCIM}/Groups/${inner.id}`, { body: { Operations: [{ op: 'replace', path: 'displayName', value: 'inner2' }] } });
  assert.equal(p.json.displayName, 'inner2');
  const put = await srv.req('PUT', `${SCIM}/Groups/${outer.id}`, { body: { displayName: 'outer', members: [{ value: v.id }] } });
  assert.deepEqual(put.json.members.map((m) => m.value), [v.id]);

  // admins: nesting a group into admins makes its members admins, transitively
  const admins = (await srv.req('GET', `${SCIM}/Groups?filter=${encodeURIComponent('displayName eq "admins"')}`)).json.Resources[0];
  scimError(await srv.req('DELETE', `${SCIM}/Groups/${admins.id}`), 400);
  scimError(await srv.req('PATCH', `${SCIM}/Groups/${admins.id}`, { body: { Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] } }), 400);
  const { sp, token } = await spWithToken('nested-admin');
  scimError(await srv.req('POST', `${SCIM}/Groups`, { token, body: { displayName: 'by-sp' } }), 403);
  const ops = await mkGroup('ops', [sp.id]);
  await srv.req('PATCH', `${SCIM}/Groups/${admins.id}`, { body: { Operations: [{ op: 'add', path: 'members', value: [{ value: ops.id }] }] } });
  assert.equal((await srv.req('POST', `${SCIM}/Groups`, { token, body: { displayName: 'by-sp' } })).status, 201);
  await srv.req('PATCH', `${SCIM}/Groups/${admins.id}`, { body: { Operations: [{ op: 'remove', path: `members[value eq "${ops.id}"]` }] } });
  scimError(await srv.req('POST', `${SCIM}/Groups`, { token, body: { displayName: 'by-sp-2' } }), 403);

  assert.equal((await srv.req('DELETE', `${SCIM}/Groups/${outer.id}`)).status, 200);
  assert.ok(!(await srv.req('GET', `${SCIM}/Users/${u.id}`)).json.groups.some((g) => g.display === 'outer'));
});

test('deactivating a principal stops its tokens at once; reactivating restores them', async () => {
  const { sp, token } = await spWithToken('deact-bot');
  assert.equal((await srv.req('GET', '/api/2.1/unity-catalog/catalogs', { token })).status, 200);
  const off = await srv.req('PATCH', `${SCIM}/ServicePrincipals/${sp.id}`, { body: { Operations: [{ op: 'replace', path: 'active', value: false }] } });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.json.active, false);
  assertError(await srv.req('GET', '/api/2.1/unity-catalog/catalogs', { token }), 401, 'UNAUTHENTICATED');
  const inactive = await srv.req('GET', `${SCIM}/ServicePrincipals?filter=${encodeURIComponent('active eq false')}`);
  assert.ok(inactive.json.Resources.some((r) => r.id === sp.id));
  assertError(await tokenFor(sp.applicationId), 400, 'INVALID_PARAMETER_VALUE');
  // Okta style: replace without a path
  await srv.req('PATCH', `${SCIM}/ServicePrincipals/${sp.id}`, { body: { Operations: [{ op: 'replace', value: { active: true } }] } });
  assert.equal((await srv.req('GET', '/api/2.1/unity-catalog/catalogs', { token })).status, 200);
  // a user deactivated through PUT; the admin cannot deactivate itself
  const me = (await srv.req('GET', `${SCIM}/Me`)).json;
  scimError(await srv.req('PATCH', `${SCIM}/Users/${me.id}`, { body: { Operations: [{ op: 'replace', path: 'active', value: false }] } }), 400);
  assert.equal((await srv.req('GET', `${SCIM}/Me`)).status, 200);
});

test('ServicePrincipals: applicationId generated or given, filter, PUT, delete revokes tokens', async () => {
  const a = await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: 'etl' } });
  assert.equal(a.status, 201);
  assert.match(a.json.applicationId, /^[0-9a-f-]{36}$/);
  const b = await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { applicationId: 'fixed-app-id', displayName: 'fixed' } });
  assert.equal(b.json.applicationId, 'fixed-app-id');
  scimError(await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { applicationId: 'fixed-app-id' } }), 409, 'uniqueness');
  const f = await srv.req('GET', `${SCIM}/ServicePrincipals?filter=${encodeURIComponent('applicationId eq "fixed-app-id"')}`);
  assert.equal(f.json.totalResults, 1);
  assert.equal(f.json.Resources[0].displayName, 'fixed');
  scimError(await srv.req('GET', `${SCIM}/ServicePrincipals?filter=${encodeURIComponent('userName eq "x"')}`), 400, 'invalidFilter');
  const put = await srv.req('PUT', `${SCIM}/ServicePrincipals/${b.json.id}`, { body: { displayName: 'renamed', active: true } });
  assert.equal(put.json.displayName, 'renamed');
  scimError(await srv.req('GET', `${SCIM}/Users/${b.json.id}`), 404, undefined);
  const t = await tokenFor('fixed-app-id');
  assert.equal((await srv.req('GET', '/api/2.1/unity-catalog/catalogs', { token: t.json.token_value })).status, 200);
  assert.equal((await srv.req('DELETE', `${SCIM}/ServicePrincipals/${b.json.id}`)).status, 200);
  assertError(await srv.req('GET', '/api/2.1/unity-catalog/catalogs', { token: t.json.token_value }), 401, 'UNAUTHENTICATED');
});

test('deleting a principal that owns securables is refused with 409 mutability naming the count', async () => {
  const { sp, token } = await spWithToken('owner-bot');
  const admins = (await srv.req('GET', `${SCIM}/Groups?filter=${encodeURIComponent('displayName eq "admins"')}`)).json.Resources[0];
  await srv.req('PATCH', `${SCIM}/Groups/${admins.id}`, { body: { Operations: [{ op: 'add', path: 'members', value: [{ value: sp.id }] }] } });
  const c = await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { token, body: { name: 'owned_by_bot' } });
  assert.equal(c.status, 200, c.text);
  const del = await srv.req('DELETE', `${SCIM}/ServicePrincipals/${sp.id}`);
  scimError(del, 409, 'mutability');
  assert.match(del.json.detail, /owns 1 securable/);
  assert.equal((await srv.req('GET', `${SCIM}/ServicePrincipals/${sp.id}`)).status, 200);
});

test('on-behalf-of tokens: admin only, SP only, workspace checked, bad input refused', async () => {
  const sp = (await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: 'obo' } })).json;
  const r = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens',
    { body: { application_id: sp.applicationId, lifetime_seconds: 600, comment: 'ci job' } });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.token_value, /^dapi/);
  assert.equal(r.json.token_info.comment, 'ci job');
  assert.equal(r.json.token_info.owner_id, Number(sp.id));
  assert.ok(r.json.token_info.expiry_time - r.json.token_info.creation_time <= 600000);
  const me = await srv.req('GET', `${SCIM}/Me`, { token: r.json.token_value });
  assert.equal(me.json.applicationId, sp.applicationId);
  const u = await mkUser('not-an-sp@x.io');
  assertError(await tokenFor(u.userName), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await tokenFor('no-such-app'), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: {} }), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens',
    { body: { application_id: sp.applicationId, workspace: 'nope' } }), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens',
    { body: { application_id: sp.applicationId, lifetime_seconds: 'x' } }), 400, 'INVALID_PARAMETER_VALUE');
});

test('on-behalf-of tokens and OAuth logins for another workspace need an assignment', async (t) => {
  const ws = await srv.req('POST', '/api/2.0/weir/workspaces', { body: { name: 'obo-dev' } });
  if (ws.status === 404) return t.skip('workspaces API not routed yet');
  assert.equal(ws.status, 200, ws.text);
  const sp = (await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: 'ws-bot' } })).json;
  const secret = (await srv.req('POST', `/api/2.0/accounts/servicePrincipals/${sp.id}/credentials/secrets`, { body: {} })).json.secret;
  const login = () => srv.req('POST', '/oidc/v1/token', { token: null, headers: { 'content-type': 'application/x-www-form-urlencoded' },
    raw: new URLSearchParams({ grant_type: 'client_credentials', client_id: sp.applicationId, client_secret: secret, workspace: 'obo-dev' }).toString() });
  assertError(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens',
    { body: { application_id: sp.applicationId, workspace: 'obo-dev' } }), 400, 'INVALID_PARAMETER_VALUE');
  assert.equal((await login()).status, 400);
  const a = await srv.req('PUT', `/api/2.0/weir/workspaces/obo-dev/assignments/${sp.applicationId}`, { body: {} });
  assert.equal(a.status, 200, a.text);
  const t1 = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.applicationId, workspace: 'obo-dev' } });
  assert.equal(t1.status, 200, t1.text);
  assert.equal(t1.json.token_info.workspace, 'obo-dev');
  const l = await login();
  assert.equal(l.status, 200, l.text);
  const payload = JSON.parse(Buffer.from(l.json.access_token.split('.')[1], 'base64url').toString());
  assert.equal(payload.workspace, 'obo-dev');
  assert.equal(payload.iss, 'weir');
  assert.equal(payload.aud, 'weir');
  assert.equal(payload.sub, sp.applicationId);
  assert.equal(payload.exp - payload.iat, 3600);
});

test('OAuth M2M: secrets shown once, discovery, client_credentials by Basic and by form, every failure 401/400', async () => {
  const sp = (await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: 'm2m' } })).json;
  const sec = await srv.req('POST', `/api/2.0/accounts/servicePrincipals/${sp.id}/credentials/secrets`, { body: {} });
  assert.equal(sec.status, 200, sec.text);
  const secret = sec.json.secret;
  assert.match(secret, /^dose[0-9a-f]{64}$/);
  const list = await srv.req('GET', `/api/2.0/accounts/servicePrincipals/${sp.id}/credentials/secrets`);
  assert.equal(list.status, 200);
  assert.equal(list.json.secrets.length, 1);
  assert.equal(list.json.secrets[0].id, sec.json.id);
  assert.ok(!list.text.includes(secret) && !('secret' in list.json.secrets[0]));
  assertError(await srv.req('GET', '/api/2.0/accounts/servicePrincipals/999999/credentials/secrets'), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('POST', `/api/2.0/accounts/servicePrincipals/${sp.id}/credentials/secrets`, { body: { lifetime: 'soon' } }), 400, 'INVALID_PARAMETER_VALUE');

  const disc = await srv.req('GET', '/oidc/.well-known/oauth-authorization-server', { token: null });
  assert.equal(disc.status, 200);
  assert.equal(disc.json.token_endpoint, `${srv.base}/oidc/v1/token`);
  assert.equal(disc.json.authorization_endpoint, `${srv.base}/oidc/v1/authorize`);

  const form = (o) => new URLSearchParams(o).toString();
  const post = (body, headers = {}) => srv.req('POST', '/oidc/v1/token',
    { token: null, raw: body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  const basic = (id, s) => ({ authorization: 'Basic ' + Buffer.from(`${id}:${s}`).toString('base64') });

  const ok = await post(form({ grant_type: 'client_credentials', scope: 'all-apis' }), basic(sp.applicationId, secret));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.token_type, 'Bearer');
  assert.equal(ok.json.expires_in, 3600);
  assert.equal(ok.json.scope, 'all-apis');
  assert.equal(ok.headers.get('cache-control'), 'no-store');
  const me = await srv.req('GET', `${SCIM}/Me`, { token: ok.json.access_token });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.applicationId, sp.applicationId);
  const ok2 = await post(form({ grant_type: 'client_credentials', client_id: sp.applicationId, client_secret: secret }));
  assert.equal(ok2.status, 200, ok2.text);

  const bad = [
    [form({ grant_type: 'client_credentials' }), basic(sp.applicationId, secret + 'x'), 401, 'invalid_client'],
    [form({ grant_type: 'client_credentials' }), basic('nobody', secret), 401, 'invalid_client'],
    [form({ grant_type: 'client_credentials', client_id: sp.applicationId }), {}, 401, 'invalid_client'],
    [form({ grant_type: 'password', client_id: sp.applicationId, client_secret: secret }), {}, 400, 'unsupported_grant_type'],
    [form({ grant_type: 'client_credentials', scope: 'admin' }), basic(sp.applicationId, secret), 400, 'invalid_scope'],
    ['grant_type=client_credentials&grant_type=client_credentials', basic(sp.applicationId, secret), 400, 'invalid_request'],
    [form({ grant_type: 'client_credentials', client_secret: secret }), basic(sp.applicationId, secret), 401, 'invalid_client'],
  ];
  for (const [body, headers, status, code] of bad) {
    const r = await post(body, headers);
    assert.equal(r.status, status, `${body}: ${r.text}`);
    assert.equal(r.json.error, code, r.text);
  }
  const json = await srv.req('POST', '/oidc/v1/token', { token: null, body: { grant_type: 'client_credentials' } });
  assert.equal(json.status, 400);

  // deactivation stops the OAuth token at once and refuses new logins
  await srv.req('PATCH', `${SCIM}/ServicePrincipals/${sp.id}`, { body: { Operations: [{ op: 'replace', path: 'active', value: false }] } });
  scimError(await srv.req('GET', `${SCIM}/Me`, { token: ok.json.access_token }), 401);
  assert.equal((await post(form({ grant_type: 'client_credentials' }), basic(sp.applicationId, secret))).status, 401);
  await srv.req('PATCH', `${SCIM}/ServicePrincipals/${sp.id}`, { body: { Operations: [{ op: 'replace', path: 'active', value: true }] } });

  // deleting the secret stops new logins
  assert.equal((await srv.req('DELETE', `/api/2.0/accounts/servicePrincipals/${sp.id}/credentials/secrets/${sec.json.id}`)).status, 200);
  assertError(await srv.req('DELETE', `/api/2.0/accounts/servicePrincipals/${sp.id}/credentials/secrets/${sec.json.id}`), 404, 'RESOURCE_DOES_NOT_EXIST');
  assert.equal((await post(form({ grant_type: 'client_credentials' }), basic(sp.applicationId, secret))).status, 401);

  // neither the secret nor any token appears in the server log or the audit table
  const log = srv.log();
  assert.ok(!log.includes(secret), 'secret in the server log');
  assert.ok(!log.includes(ok.json.access_token), 'access token in the server log');
  const db = path.join(srv.data, 'weir.db');
  let audit = '';
  const q = 'SELECT action_name, request_params, user_identity, status_code FROM audit';
  try {
    // the PostgreSQL store (WEIR_TEST_STORE=pg): the same table read with psql (same | output)
    audit = srv.storeDb ? execFileSync('psql', [srv.storeArgs[1], '-qAtc', q], { encoding: 'utf8' })
      : execFileSync('sqlite3', [db, q], { encoding: 'utf8' });
  } catch { audit = null; }
  if (audit !== null) {
    assert.ok(!audit.includes(secret), 'secret in the audit table');
    assert.ok(!audit.includes(ok.json.access_token), 'token in the audit table');
    assert.match(audit, new RegExp(`tokenLogin\\|[^\\n]*\\|${sp.applicationId}\\|200`), 'a successful login is audited with its principal');
    assert.match(audit, /tokenLogin\|[^\n]*\|\|401/, 'a failed login is audited');
  }
});

// A server with --token-max-lifetime 3600, for the tests of what a minted token may live.
test('minted tokens always expire: 0 or absent is the cap, more is capped, negative is 400, never past the asking credential', async () => {
  const capped = await startServer(['--token-max-lifetime', '3600']);
  try {
    const CAP = 3600 * 1000;
    const create = (body, token) => capped.req('POST', '/api/2.0/token/create', { body, token });
    const life = (res) => {
      assert.equal(res.status, 200, res.text);
      const ti = res.json.token_info;
      assert.ok(ti.expiry_time > 0, 'a minted token always expires: ' + res.text);
      return ti.expiry_time - ti.creation_time;
    };
    // 0, absent and more than the cap: the cap
    assert.equal(life(await create({ lifetime_seconds: 0 })), CAP);
    assert.equal(life(await create({})), CAP);
    assert.equal(life(await create({ lifetime_seconds: 7200 })), CAP);
    assert.equal(life(await create({ lifetime_seconds: '9223372036854775807' })), CAP);
    assert.equal(life(await create({ lifetime_seconds: 600 })), 600 * 1000);
    // negative: 400 naming the field (Databricks once read it as "never expires")
    for (const raw of ['-1', '"-1"', '-9223372036854775808']) {
      const r = await capped.req('POST', '/api/2.0/token/create', { raw: `{"lifetime_seconds": ${raw}}`, headers: { 'content-type': 'application/json' } });
      assertError(r, 400, 'INVALID_PARAMETER_VALUE');
      assert.equal(r.json.details[0].metadata.field, 'lifetime_seconds', r.text);
      assert.match(r.json.message, /lifetime_seconds/);
    }

    // a token that expires in 100 s mints nothing that outlives it, whatever it asks
    const short = await create({ lifetime_seconds: 100 });
    const shortEnd = short.json.token_info.expiry_time;
    for (const asked of [0, 3600, 101]) {
      const child = await create({ lifetime_seconds: asked }, short.json.token_value);
      assert.equal(child.status, 200, child.text);
      assert.ok(child.json.token_info.expiry_time <= shortEnd, `asked ${asked}: ${child.json.token_info.expiry_time} > ${shortEnd}`);
      assert.ok(child.json.token_info.expiry_time > child.json.token_info.creation_time);
    }
    const smaller = await create({ lifetime_seconds: 10 }, short.json.token_value);
    assert.equal(smaller.json.token_info.expiry_time - smaller.json.token_info.creation_time, 10 * 1000, 'a shorter ask is kept');

    // on-behalf-of tokens: the same cap, the same bound by the (admin) caller's credential
    const sp = (await capped.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: 'capped-bot' } })).json;
    const obo = (body, token) => capped.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.applicationId, ...body }, token });
    assert.equal(life(await obo({})), CAP);
    assert.equal(life(await obo({ lifetime_seconds: 0 })), CAP);
    assert.equal(life(await obo({ lifetime_seconds: 10 ** 9 })), CAP);
    const neg = await obo({ lifetime_seconds: -5 });
    assertError(neg, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(neg.json.details[0].metadata.field, 'lifetime_seconds', neg.text);
    const viaShort = await obo({ lifetime_seconds: 3600 }, short.json.token_value);
    assert.equal(viaShort.status, 200, viaShort.text);
    assert.ok(viaShort.json.token_info.expiry_time <= shortEnd, 'an admin PAT ending in 100 s mints an SP token ending no later');

    // OAuth: an hour at most, and never past the client secret's own expiry
    const secretOf = async (body) => (await capped.req('POST', `/api/2.0/accounts/servicePrincipals/${sp.id}/credentials/secrets`, { body })).json;
    const login = (secret) => capped.req('POST', '/oidc/v1/token', { token: null, headers: { 'content-type': 'application/x-www-form-urlencoded' },
      raw: new URLSearchParams({ grant_type: 'client_credentials', client_id: sp.applicationId, client_secret: secret }).toString() });
    const long = await login((await secretOf({})).secret);
    assert.equal(long.status, 200, long.text);
    assert.equal(long.json.expires_in, 3600);
    const soon = await secretOf({ lifetime: '100s' });
    const l = await login(soon.secret);
    assert.equal(l.status, 200, l.text);
    assert.ok(l.json.expires_in <= 100 && l.json.expires_in >= 95, 'expires_in ' + l.json.expires_in);
    const exp = JSON.parse(Buffer.from(l.json.access_token.split('.')[1], 'base64url').toString()).exp;
    assert.ok(exp * 1000 <= soon.expire_time, `jwt exp ${exp} after the secret's ${soon.expire_time}`);
    // and what that OAuth token mints ends no later than it does
    const fromJwt = await create({ lifetime_seconds: 0 }, l.json.access_token);
    assert.equal(fromJwt.status, 200, fromJwt.text);
    assert.ok(fromJwt.json.token_info.expiry_time <= exp * 1000);
  } finally {
    await capped.stop();
  }
});

test('a cap of INT64_MAX seconds does not overflow the expiry: the token still expires, in the far future', async () => {
  const huge = await startServer(['--token-max-lifetime', '9223372036854775807']);
  try {
    for (const body of [{}, { lifetime_seconds: '9223372036854775807' }]) {
      const r = await huge.req('POST', '/api/2.0/token/create', { raw: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 200, r.text);
      // JSON.parse rounds an int64 near 2^63; the text tells the sign
      const m = /"expiry_time":\s*(-?\d+)/.exec(r.text);
      assert.ok(m && !m[1].startsWith('-') && m[1].length >= 18, 'far-future expiry, not wrapped or -1: ' + r.text);
      assert.equal((await huge.req('GET', '/api/2.1/unity-catalog/catalogs', { token: r.json.token_value })).status, 200);
    }
  } finally {
    await huge.stop();
  }
});
