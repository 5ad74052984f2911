// The web UI's sign-in through an identity provider (authorization code + PKCE S256 + state)
// against a fake IdP (tests/http/fake_idp.js): the happy path ends in a working session cookie
// (the same cookie as the token sign-in, no longer-lived than the id_token, audited); a bad or
// missing state, a replayed callback, the IdP's refusal, a wrong audience, an expired id_token,
// an unknown user and an open-redirect `next` all end on /signin with a message; the
// configuration is all or none; without it the routes answer 404 and the page is told.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, assertError, BIN } = require('./lib');
const { startIdp } = require('./fake_idp');

const SESSION = '/api/2.0/weir/ui/session';
const LOGIN = '/api/2.0/weir/ui/oauth/login';
const SCIM = '/api/2.0/preview/scim/v2';
let srv, idp;

before(async () => {
  idp = await startIdp();
  srv = await startServer(idp.args);
  for (const userName of ['sso-user@corp.example', 'off@corp.example']) {
    const r = await srv.req('POST', `${SCIM}/Users`, { body: { userName } });
    assert.equal(r.status, 201, r.text);
  }
  const off = (await srv.req('GET', `${SCIM}/Users?filter=${encodeURIComponent('userName eq "off@corp.example"')}`)).json.Resources[0];
  await srv.req('PATCH', `${SCIM}/Users/${off.id}`, { body: { Operations: [{ op: 'replace', path: 'active', value: false }] } });
});
after(async () => {
  await srv.stop();
  await idp.stop();
});

const cookieOf = (res, name) => {
  const all = res.headers.getSetCookie ? res.headers.getSetCookie() : [res.headers.get('set-cookie') || ''];
  const line = all.find((c) => c.startsWith(name + '='));
  return line ? { value: /^[^=]+=([^;]*)/.exec(line)[1], line } : null;
};
const manual = (url, headers = {}) => fetch(url, { redirect: 'manual', headers });

// Starts a sign-in: {login (the 302), stateCookie, authorize (URL), callback (URL the IdP sends back)}.
async function begin(next = '/explore/main') {
  const login = await manual(srv.base + LOGIN + '?next=' + encodeURIComponent(next));
  assert.equal(login.status, 302, await login.clone().text());
  const authorize = new URL(login.headers.get('location'));
  const stateCookie = cookieOf(login, 'weir_oauth_state');
  const atIdp = await manual(authorize.toString());
  assert.equal(atIdp.status, 302);
  return { login, authorize, stateCookie, callback: atIdp.headers.get('location') };
}
const finish = (callback, state) => manual(callback, state ? { cookie: `weir_oauth_state=${state}` } : {});

function assertRefused(res, pattern) {
  assert.equal(res.status, 302);
  const loc = new URL(res.headers.get('location'), srv.base);
  assert.equal(loc.pathname, '/signin', `back to the sign-in page, not ${loc}`);
  assert.match(loc.searchParams.get('error'), pattern);
  assert.equal(cookieOf(res, 'weir_session'), null, 'no session cookie');
  return loc;
}

test('the sign-in page is told; login redirects to the IdP with code, PKCE S256, state and openid', async () => {
  const s = await fetch(srv.base + SESSION).then((r) => r.json());
  assert.deepEqual(s, { signed_in: false, sso: true });
  const { login, authorize, stateCookie } = await begin();
  assert.equal(authorize.origin + authorize.pathname, idp.base + '/authorize');
  const q = authorize.searchParams;
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('client_id'), idp.clientId);
  assert.equal(q.get('scope'), 'openid');
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.equal(q.get('redirect_uri'), srv.base + '/api/2.0/weir/ui/oauth/callback');
  assert.match(q.get('state'), /^[0-9a-f]{64}$/);
  // the browser holds the state in a short-lived, HttpOnly, SameSite=Lax cookie for these routes only
  assert.equal(stateCookie.value, q.get('state'));
  assert.match(stateCookie.line, /Path=\/api\/2\.0\/weir\/ui\/oauth;/);
  assert.match(stateCookie.line, /Max-Age=600;/);
  assert.match(stateCookie.line, /HttpOnly/);
  assert.match(stateCookie.line, /SameSite=Lax/);
  assert.equal(login.headers.get('cache-control'), 'no-store');
});

test('happy path: the callback exchanges the code, verifies the id_token and ends in a working session cookie', async () => {
  const exp = Math.floor(Date.now() / 1000) + 300;
  idp.claims = { exp };
  const okBefore = idp.exchanges.ok;
  const { stateCookie, callback } = await begin('/explore/main?tab=grants');
  const done = await finish(callback, stateCookie.value);
  assert.equal(done.status, 302, await done.clone().text());
  assert.equal(done.headers.get('location'), '/explore/main?tab=grants');
  assert.equal(idp.exchanges.ok, okBefore + 1);
  const session = cookieOf(done, 'weir_session');
  assert.ok(session, 'the session cookie');
  assert.match(session.value, /^wses_[0-9a-f]{64}$/);
  assert.match(session.line, /HttpOnly/);
  assert.match(session.line, /SameSite=Strict/);
  assert.match(session.line, /Path=\//);
  const maxAge = Number(/Max-Age=(\d+)/.exec(session.line)[1]);
  assert.ok(maxAge > 200 && maxAge <= 300, `the session ends with the id_token: Max-Age ${maxAge}`);
  assert.match(cookieOf(done, 'weir_oauth_state').line, /Max-Age=0/, 'the state cookie is cleared');
  // the cookie authenticates as the IdP's user, with a CSRF token for mutations
  const who = await fetch(srv.base + SESSION, { headers: { cookie: `weir_session=${session.value}` } }).then((r) => r.json());
  assert.equal(who.signed_in, true);
  assert.equal(who.user_name, 'sso-user@corp.example');
  assert.ok(who.expires_at <= exp * 1000, 'no later than the id_token');
  assert.match(who.csrf_token, /^[0-9a-f]{64}$/);
  const me = await fetch(srv.base + `${SCIM}/Me`, { headers: { cookie: `weir_session=${session.value}` } }).then((r) => r.json());
  assert.equal(me.userName, 'sso-user@corp.example');
  // a mutation with the cookie needs the CSRF token, as with the token sign-in
  const noCsrf = await fetch(srv.base + '/api/2.1/unity-catalog/catalogs', { method: 'POST', headers: { cookie: `weir_session=${session.value}`, 'content-type': 'application/json' }, body: '{"name":"sso_cat"}' });
  assert.equal(noCsrf.status, 403);
  // sign-out ends it on the server
  const out = await fetch(srv.base + SESSION, { method: 'DELETE', headers: { cookie: `weir_session=${session.value}`, 'x-csrf-token': who.csrf_token } });
  assert.equal(out.status, 200);
  const gone = await fetch(srv.base + SESSION, { headers: { cookie: `weir_session=${session.value}` } }).then((r) => r.json());
  assert.equal(gone.signed_in, false);
  // audited like the token sign-in, without the code or the state
  const a = await srv.req('GET', '/api/2.0/weir/audit?max_results=200');
  const rows = a.json.events.filter((e) => e.service_name === 'webUi' && e.action_name === 'oauthSignIn' && e.response.status_code === 200);
  assert.ok(rows.length >= 1, 'an oauthSignIn audit row');
  assert.equal(rows[0].user_identity.email, 'sso-user@corp.example');
  assert.doesNotMatch(JSON.stringify(rows[0]), /"code"|"state"/);
});

test('a bad or missing state is refused, and the code is never exchanged', async () => {
  const before = idp.exchanges.ok + idp.exchanges.refused;
  const { stateCookie, callback } = await begin();
  assertRefused(await finish(callback, null), /state mismatch/);
  assertRefused(await finish(callback, 'f'.repeat(64)), /state mismatch/);
  const forged = new URL(callback);
  forged.searchParams.set('state', 'a'.repeat(64));
  assertRefused(await finish(forged.toString(), 'a'.repeat(64)), /expired or was already used/);
  assert.equal(idp.exchanges.ok + idp.exchanges.refused, before, 'no token request was made');
  // the real one still works once
  assert.ok(cookieOf(await finish(callback, stateCookie.value), 'weir_session'));
});

test('a replayed callback (the same code and state) is refused', async () => {
  idp.claims = {};
  const { stateCookie, callback } = await begin();
  const first = await finish(callback, stateCookie.value);
  assert.ok(cookieOf(first, 'weir_session'));
  assertRefused(await finish(callback, stateCookie.value), /expired or was already used/);
  // and the IdP would refuse the code anyway: a second login that presents an old code
  const second = await begin();
  const replay = new URL(second.callback);
  replay.searchParams.set('code', new URL(callback).searchParams.get('code'));
  assertRefused(await finish(replay.toString(), second.stateCookie.value), /refused the sign-in \(invalid_grant/);
});

test('an id_token for another audience, expired, or for an unknown or inactive user is refused', async () => {
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    [{ aud: 'someone-else' }, /could not be verified/],
    [{ exp: now - 120, iat: now - 900 }, /could not be verified/],
    [{ iss: 'https://evil.example/' }, /could not be verified/],
    [{ sub: 'nobody@corp.example' }, /not an active user/],
    [{ sub: 'off@corp.example' }, /not an active user/],
  ];
  for (const [claims, why] of cases) {
    idp.claims = claims;
    const { stateCookie, callback } = await begin();
    assertRefused(await finish(callback, stateCookie.value), why);
  }
  idp.claims = {};
  const a = await srv.req('GET', '/api/2.0/weir/audit?max_results=200');
  const refused = a.json.events.filter((e) => e.action_name === 'oauthSignIn' && e.response.status_code === 401);
  assert.ok(refused.length >= cases.length, `refusals audited: ${refused.length}`);
});

test('the IdP refusing the sign-in comes back as a message on /signin, as text', async () => {
  idp.deny = 'access_denied';
  try {
    const { stateCookie, callback } = await begin('/jobs');
    const loc = assertRefused(await finish(callback, stateCookie.value), /access_denied: The user said no <b>thanks<\/b>/);
    assert.equal(loc.searchParams.get('next'), '/jobs', 'and back to where the user was going after signing in');
  } finally {
    idp.deny = null;
  }
});

test('an open-redirect `next` is refused before the IdP is involved', async () => {
  for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/ok\r\nSet-Cookie: x=1']) {
    const before = idp.authorizeRequests.length;
    const r = await manual(srv.base + LOGIN + '?next=' + encodeURIComponent(next));
    assertRefused(r, /must be a path of this site/);
    assert.equal(idp.authorizeRequests.length, before);
  }
  // an empty next is the home page
  const { stateCookie, callback } = await begin('');
  assert.equal((await finish(callback, stateCookie.value)).headers.get('location'), '/');
});

test('without an IdP configured the routes are 404 and the page is told; a partial configuration refuses to start', async () => {
  const plain = await startServer();
  try {
    const s = await fetch(plain.base + SESSION).then((r) => r.json());
    assert.deepEqual(s, { signed_in: false }, 'the answer as before: no sso');
    assertError(await plain.req('GET', LOGIN, { token: '' }), 404, 'NOT_FOUND');
    assertError(await plain.req('GET', '/api/2.0/weir/ui/oauth/callback?code=x&state=y', { token: '' }), 404, 'NOT_FOUND');
  } finally {
    await plain.stop();
  }
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-oauth-cfg-'));
  const run = (args) => spawnSync(BIN, ['serve', '--data', data, '--listen', '127.0.0.1:0', ...args], { encoding: 'utf8', timeout: 15000 });
  try {
    let r = run(['--oauth-client-id', 'x']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr + r.stdout, /go together/);
    r = run(['--oauth-authorize-url', `${idp.base}/authorize`, '--oauth-token-url', `${idp.base}/token`, '--oauth-client-id', 'x']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr + r.stdout, /needs --jwks/);
    const jwt = ['--jwks', idp.jwksPath, '--jwt-issuer', idp.issuer, '--jwt-audience', idp.audience];
    r = run([...jwt, '--oauth-authorize-url', `${idp.base}/authorize`, '--oauth-token-url', 'http://idp.example.test/token', '--oauth-client-id', 'x']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr + r.stdout, /--oauth-token-url: expected https/);
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
});
