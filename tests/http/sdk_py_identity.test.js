// Replays what the Databricks Python SDK (databricks-sdk-py: service/iam.py, core/config.py)
// sends to the SCIM API and to the host metadata route, and checks what it reads back: every
// SCIM 4xx it can hit carries the RFC 7644 scimType (the SDK prints "<scimType> <detail>",
// and "None User 3 not found." without one), and GET /.well-known/databricks-config, which
// the SDK calls when a client is created, answers a workspace's host metadata.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./lib');

const SCIM = '/api/2.0/preview/scim/v2';
const UA = 'databricks-sdk-py/0.57.0 python/3.11.2 os/linux auth/pat';
let srv;

function py(method, p, { body, raw, token, query } = {}) {
  const headers = { Accept: 'application/json', 'User-Agent': UA };
  if (body !== undefined || raw !== undefined) headers['Content-Type'] = 'application/json';
  const q = query ? '?' + new URLSearchParams(query).toString() : '';
  return srv.req(method, p + q, { raw: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body), headers, token });
}
// The error as the SDK words it: "<scimType> <detail>".
function sdkMessage(res) {
  return `${res.json.scimType} ${res.json.detail}`;
}
function scimError(res, status, scimType) {
  assert.equal(res.status, status, res.text);
  assert.deepEqual(res.json.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
  assert.equal(res.json.status, String(status));
  assert.equal(res.json.scimType, scimType, res.text);
  assert.ok(!sdkMessage(res).startsWith('None') && !sdkMessage(res).startsWith('undefined'));
}

before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

test('SCIM 4xx errors carry their RFC 7644 scimType', async () => {
  const u = await py('POST', `${SCIM}/Users`, { body: { userName: 'sdk-user@example.com' } });
  assert.equal(u.status, 201, u.text);
  // users.get of an unknown id: 404 noTarget ("noTarget User 999 not found.")
  const missing = await py('GET', `${SCIM}/Users/999`);
  scimError(missing, 404, 'noTarget');
  assert.match(sdkMessage(missing), /^noTarget User 999 not found\.$/);
  scimError(await py('DELETE', `${SCIM}/Groups/999`), 404, 'noTarget');
  scimError(await py('PATCH', `${SCIM}/ServicePrincipals/999`, { body: { Operations: [{ op: 'replace', path: 'active', value: false }], schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] } }), 404, 'noTarget');
  // users.create of a taken userName: 409 uniqueness
  scimError(await py('POST', `${SCIM}/Users`, { body: { userName: 'sdk-user@example.com' } }), 409, 'uniqueness');
  // users.list with a bad filter: 400 invalidFilter
  scimError(await py('GET', `${SCIM}/Users`, { query: { filter: 'userName eq' } }), 400, 'invalidFilter');
  // a body that is not JSON: 400 invalidSyntax
  scimError(await py('POST', `${SCIM}/Groups`, { raw: '{"displayName": ' }), 400, 'invalidSyntax');
  // users.patch: a malformed operation is invalidSyntax, an unknown path invalidPath, a bad value invalidValue
  const patch = (ops) => py('PATCH', `${SCIM}/Users/${u.json.id}`, { body: { Operations: ops, schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] } });
  scimError(await patch([{ op: 'frobnicate', path: 'active', value: true }]), 400, 'invalidSyntax');
  scimError(await patch([{ op: 'replace', path: 'nickName', value: 'x' }]), 400, 'invalidPath');
  scimError(await patch([{ op: 'replace', path: 'active', value: 'maybe' }]), 400, 'invalidValue');
  scimError(await py('POST', `${SCIM}/Users`, { body: { displayName: 'no user name' } }), 400, 'invalidValue');
  // nothing changed by the refusals
  const again = await py('GET', `${SCIM}/Users/${u.json.id}`);
  assert.equal(again.status, 200);
  assert.equal(again.json.active, true);
  // failed mutations are audited with their status
  const audit = await srv.req('GET', '/api/2.0/weir/audit?status_code=409');
  assert.equal(audit.status, 200, audit.text);
  assert.ok(audit.json.events.some((e) => e.service_name === 'accounts' && e.response.status_code === 409), audit.text);
});

test('GET /.well-known/databricks-config answers a workspace host metadata, without a token, and leads to the token endpoint', async () => {
  // the SDK's host metadata request: no Authorization header yet
  const res = await py('GET', '/.well-known/databricks-config', { token: '' });
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(Object.keys(res.json).sort(), ['host_type', 'oidc_endpoint', 'workspace_id']);
  assert.equal(res.json.oidc_endpoint, `${srv.base}/oidc`);
  assert.equal(res.json.workspace_id, '1');
  assert.equal(res.json.host_type, 'workspace');
  // with a token it answers the same
  assert.deepEqual((await py('GET', '/.well-known/databricks-config')).json, res.json);
  // the SDK's discovery_url: OAuth M2M reads the token endpoint under it, and it works
  const disc = await py('GET', new URL(res.json.oidc_endpoint).pathname + '/.well-known/oauth-authorization-server', { token: '' });
  assert.equal(disc.status, 200, disc.text);
  assert.equal(disc.json.token_endpoint, `${srv.base}/oidc/v1/token`);
  // a Host header the client chose is reflected only when it is a plain host name
  const spoofed = await srv.req('GET', '/.well-known/databricks-config', { token: '', headers: { host: 'evil.example/x?' } });
  assert.equal(spoofed.status, 200);
  assert.ok(!spoofed.json.oidc_endpoint.includes('evil'), spoofed.json.oidc_endpoint);
  // other methods are not routes; reads are not audited
  assert.equal((await py('POST', '/.well-known/databricks-config', { body: {}, token: '' })).status, 405);
  const audit = await srv.req('GET', '/api/2.0/weir/audit?action_name=hostMetadata');
  assert.equal(audit.status, 200);
  assert.deepEqual(audit.json.events, []);
});
