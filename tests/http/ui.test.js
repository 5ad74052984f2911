// The web UI over HTTP: the app shell for `/` and every deep link, the embedded assets
// (content types, ETag/304, gzip only when accepted, cache policy), the security headers,
// API paths unchanged; and sessions: the cookie's attributes, the cookie as authentication
// with the token's principal, the CSRF token required on every cookie mutation (a
// cross-site style POST is refused and audited), sign-out ending the session on the server,
// a deleted token ending its sessions, lifetimes capped by the token, and bad input.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const zlib = require('node:zlib');
const { startServer, assertError } = require('./lib');

const SESSION = '/api/2.0/weir/ui/session';
let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

// A raw fetch (no bearer token unless given): {status, headers, text, json, buf}.
async function get(p, headers = {}, method = 'GET', body) {
  const res = await fetch(srv.base + p, { method, headers, body });
  const buf = Buffer.from(await res.arrayBuffer());
  let json;
  try { json = JSON.parse(buf.toString('utf8')); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, buf, text: buf.toString('utf8'), json };
}

async function signIn(token = srv.token, body) {
  const res = await fetch(srv.base + SESSION, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const cookieHeader = res.headers.get('set-cookie') || '';
  const m = /weir_session=([^;]*)/.exec(cookieHeader);
  return { status: res.status, json: text ? JSON.parse(text) : undefined, cookieHeader, cookie: m ? m[1] : null };
}

const withCookie = (c, extra = {}) => ({ cookie: `weir_session=${c}`, ...extra });

function assertUiHeaders(r) {
  const csp = r.headers.get('content-security-policy');
  assert.ok(csp, 'a Content-Security-Policy');
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(r.headers.get('referrer-policy'));
}

test('the app shell answers / and every UI deep link; API paths are unchanged', async () => {
  const shell = await get('/');
  assert.equal(shell.status, 200);
  assert.match(shell.headers.get('content-type'), /^text\/html/);
  assert.match(shell.text, /<div id="app">/);
  assert.doesNotMatch(shell.text, /<script>(?!<\/)/, 'no inline script in the shell');
  assertUiHeaders(shell);
  assert.equal(shell.headers.get('cache-control'), 'no-cache');
  for (const p of ['/signin', '/explore', '/explore/main/default/t1', '/jobs/12/runs/34', '/sql', '/models/a.b.c',
    '/experiments/7', '/lineage/table/a.b.c', '/admin/users', '/explore/%3Cscript%3E', '/external', '/external/location/l1']) {
    const r = await get(p);
    assert.equal(r.status, 200, p);
    assert.equal(r.text, shell.text, `${p} answers the shell`);
  }
  // an unknown API path is still the JSON 404, and so is a path outside the UI's prefixes
  assertError(await get('/api/2.0/no/such/thing'), 404, 'ENDPOINT_NOT_FOUND');
  assertError(await get('/nothing-here'), 404, 'ENDPOINT_NOT_FOUND');
  // the shell is GET only
  const post = await get('/explore', {}, 'POST');
  assertError(post, 405, 'METHOD_NOT_ALLOWED');
});

test('assets: content types, ETag and 304, gzip only when accepted, immutable hashed names', async () => {
  const shell = await get('/');
  const js = /src="(\/assets\/app-[A-Z0-9]+\.js)"/.exec(shell.text)[1];
  const css = /href="(\/assets\/app-[A-Z0-9]+\.css)"/.exec(shell.text)[1];
  const plain = await get(js, { 'accept-encoding': 'identity' });
  assert.equal(plain.status, 200);
  assert.match(plain.headers.get('content-type'), /^text\/javascript/);
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.match(plain.headers.get('cache-control'), /immutable/);
  assertUiHeaders(plain);
  const etag = plain.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  // fetch would decode gzip itself: read the raw bytes with node's http
  const http = require('node:http');
  const gz = await new Promise((resolve, reject) => {
    http.get(srv.base + js, { headers: { 'accept-encoding': 'gzip, deflate' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, buf: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers.vary, 'Accept-Encoding');
  assert.ok(gz.buf.length < plain.buf.length / 2, 'gzip makes the bundle smaller');
  assert.ok(zlib.gunzipSync(gz.buf).equals(plain.buf), 'the gzip copy is the same file');
  assert.ok(gz.buf.length < 300 * 1024, 'shipped JavaScript under 300 KB gzipped');
  // q=0 refuses gzip
  const q0 = await new Promise((resolve) => http.get(srv.base + js, { headers: { 'accept-encoding': 'gzip;q=0, identity' } }, (res) => { res.resume(); resolve(res.headers); }));
  assert.equal(q0['content-encoding'], undefined);
  const again = await get(js, { 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.buf.length, 0);
  const cssr = await get(css);
  assert.match(cssr.headers.get('content-type'), /^text\/css/);
  const icon = await get('/assets/favicon.svg');
  assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
  assert.equal(icon.headers.get('cache-control'), 'no-cache');
  assertError(await get('/assets/nope.js'), 404, 'NOT_FOUND');
  assertError(await get('/assets/../index.html'), 404, 'ENDPOINT_NOT_FOUND');
});

test('sign-in sets an HttpOnly SameSite=Strict expiring cookie; the cookie authenticates as the token', async () => {
  const s = await signIn();
  assert.equal(s.status, 200, JSON.stringify(s.json));
  assert.match(s.cookie, /^wses_[0-9a-f]{64}$/);
  const attrs = s.cookieHeader.split(';').map((x) => x.trim());
  assert.ok(attrs.includes('HttpOnly'));
  assert.ok(attrs.includes('SameSite=Strict'));
  assert.ok(attrs.includes('Path=/'));
  assert.ok(!attrs.includes('Secure'), 'no Secure over plain HTTP');
  const maxAge = Number(attrs.find((a) => a.startsWith('Max-Age=')).slice(8));
  assert.ok(maxAge > 11 * 3600 && maxAge <= 12 * 3600, `Max-Age ${maxAge}`);
  assert.equal(s.json.signed_in, true);
  assert.equal(s.json.user_name, 'admin');
  assert.equal(s.json.is_admin, true);
  assert.match(s.json.csrf_token, /^[0-9a-f]{64}$/);
  // the token itself is never echoed
  assert.ok(!JSON.stringify(s.json).includes(srv.token));
  const me = await get('/api/2.0/preview/scim/v2/Me', withCookie(s.cookie));
  assert.equal(me.status, 200);
  assert.equal(me.json.userName, 'admin');
  const who = await get(SESSION, withCookie(s.cookie));
  assert.equal(who.json.user_name, 'admin');
  assert.equal(who.json.csrf_token, s.json.csrf_token, 'a reload gets the CSRF token back');
  // without a cookie: not signed in, and not a 401
  const none = await get(SESSION);
  assert.equal(none.status, 200);
  assert.deepEqual(none.json, { signed_in: false });
  const junk = await get(SESSION, withCookie('wses_' + '0'.repeat(64)));
  assert.deepEqual(junk.json, { signed_in: false });
  // an admin-only route works with the admin's cookie
  const audit = await get('/api/2.0/weir/audit?max_results=1', withCookie(s.cookie));
  assert.equal(audit.status, 200);
});

test('a cookie mutation without the CSRF token is refused (403 CSRF_TOKEN_INVALID), audited, and changes nothing', async () => {
  const s = await signIn();
  const body = JSON.stringify({ name: 'csrf_cat' });
  const json = { 'content-type': 'application/json' };
  // a cross-site form post: the cookie, no header
  assertError(await get('/api/2.1/unity-catalog/catalogs', withCookie(s.cookie, json), 'POST', body), 403, 'CSRF_TOKEN_INVALID');
  assertError(await get('/api/2.1/unity-catalog/catalogs', withCookie(s.cookie, { ...json, 'x-csrf-token': 'f'.repeat(64) }), 'POST', body), 403, 'CSRF_TOKEN_INVALID');
  assertError(await get('/api/2.1/unity-catalog/catalogs', withCookie(s.cookie, { ...json, 'x-csrf-token': s.json.csrf_token.slice(0, 63) }), 'POST', body), 403, 'CSRF_TOKEN_INVALID');
  // another session's token does not fit this one
  const other = await signIn();
  assertError(await get('/api/2.1/unity-catalog/catalogs', withCookie(s.cookie, { ...json, 'x-csrf-token': other.json.csrf_token }), 'POST', body), 403, 'CSRF_TOKEN_INVALID');
  assertError(await get(SESSION, withCookie(s.cookie), 'DELETE'), 403, 'CSRF_TOKEN_INVALID');
  const missing = await srv.req('GET', '/api/2.1/unity-catalog/catalogs/csrf_cat');
  assertError(missing, 404, 'CATALOG_NOT_FOUND');
  // with the token it works, as the admin
  const ok = await get('/api/2.1/unity-catalog/catalogs', withCookie(s.cookie, { ...json, 'x-csrf-token': s.json.csrf_token }), 'POST', body);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.owner, 'admin');
  // a Bearer header still works as before, without any CSRF token
  const b = await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { body: { name: 'bearer_cat' } });
  assert.equal(b.status, 200);
  // the refusals are audited with the principal
  const a = await srv.req('GET', '/api/2.0/weir/audit?max_results=200');
  const refused = a.json.events.filter((e) => e.response.error_code === 'CSRF_TOKEN_INVALID');
  assert.ok(refused.length >= 5, `audited refusals: ${refused.length}`);
  assert.equal(refused[0].user_identity.email, 'admin');
  assert.equal(refused[0].response.status_code, 403);
  const signIns = a.json.events.filter((e) => e.service_name === 'webUi' && e.action_name === 'signIn');
  assert.ok(signIns.length >= 2);
});

test('sign-out ends the session on the server: the old cookie is refused at once', async () => {
  const s = await signIn();
  const del = await get(SESSION, withCookie(s.cookie, { 'x-csrf-token': s.json.csrf_token }), 'DELETE');
  assert.equal(del.status, 200, del.text);
  assert.deepEqual(del.json, {});
  assert.match(del.headers.get('set-cookie'), /weir_session=;.*Max-Age=0/);
  assertError(await get('/api/2.1/unity-catalog/catalogs', withCookie(s.cookie)), 401, 'UNAUTHENTICATED');
  assertError(await get(SESSION, withCookie(s.cookie, { 'x-csrf-token': s.json.csrf_token }), 'DELETE'), 401, 'UNAUTHENTICATED');
  const a = await srv.req('GET', '/api/2.0/weir/audit?max_results=500');
  assert.ok(a.json.events.some((e) => e.action_name === 'signOut' && e.response.status_code === 200));
  // DELETE with a bearer token has no session to end
  assertError(await srv.req('DELETE', SESSION), 400, 'INVALID_STATE');
});

test('a session is the token\'s principal with its rights; deleting the token ends its sessions', async () => {
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { body: { displayName: 'ui-user' } });
  const t = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId, lifetime_seconds: 600 } });
  assert.equal(t.status, 200);
  const s = await signIn(t.json.token_value);
  assert.equal(s.status, 200);
  assert.equal(s.json.is_admin, false);
  assert.equal(s.json.user_name, sp.json.applicationId);
  // capped by the token's own expiry (600 s)
  const maxAge = Number(/Max-Age=(\d+)/.exec(s.cookieHeader)[1]);
  assert.ok(maxAge <= 600 && maxAge > 590, `Max-Age ${maxAge}`);
  assert.ok(s.json.expires_at <= t.json.token_info.expiry_time);
  // no more rights than the token: admin routes refused, hidden catalogs look missing
  assertError(await get('/api/2.0/weir/audit', withCookie(s.cookie)), 403, 'PERMISSION_DENIED');
  assertError(await get('/api/2.1/unity-catalog/catalogs/csrf_cat', withCookie(s.cookie)), 404, 'CATALOG_NOT_FOUND');
  // a session cannot start another session
  const again = await get(SESSION, withCookie(s.cookie, { 'x-csrf-token': s.json.csrf_token }), 'POST');
  assertError(again, 400, 'INVALID_STATE');
  // deleting the token (its owner revokes it) ends the session
  const del = await srv.req('POST', '/api/2.0/token/delete', { token: t.json.token_value, body: { token_id: t.json.token_info.token_id } });
  assert.equal(del.status, 200, del.text);
  assertError(await get('/api/2.1/unity-catalog/catalogs', withCookie(s.cookie)), 401, 'UNAUTHENTICATED');
});

test('bad input: lifetimes out of range, malformed bodies and cookies, no token', async () => {
  assertError(await (async () => { const r = await signIn(srv.token, { lifetime_seconds: -1 }); return { status: r.status, json: r.json, text: JSON.stringify(r.json) }; })(), 400, 'INVALID_PARAMETER_VALUE');
  const big = await signIn(srv.token, { lifetime_seconds: 8 * 24 * 3600 });
  assert.equal(big.status, 400);
  assert.equal(big.json.details[0].metadata.field, 'lifetime_seconds');
  assert.equal(big.cookie, null, 'no cookie on a refusal');
  const short = await signIn(srv.token, { lifetime_seconds: 60 });
  assert.match(short.cookieHeader, /Max-Age=(59|60);/);
  const bad = await fetch(srv.base + SESSION, { method: 'POST', headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' }, body: '{"lifetime_seconds": "x"}' });
  assert.equal(bad.status, 400);
  assertError(await get(SESSION, {}, 'POST'), 401, 'UNAUTHENTICATED');
  assertError(await get('/api/2.1/unity-catalog/catalogs', withCookie('not-a-session')), 401, 'UNAUTHENTICATED');
  assertError(await get('/api/2.1/unity-catalog/catalogs', withCookie('wses_' + 'g'.repeat(64))), 401, 'UNAUTHENTICATED');
  // a session expires: a 1-second session is refused after it ends
  const brief = await signIn(srv.token, { lifetime_seconds: 1 });
  assert.equal(brief.status, 200);
  await new Promise((r) => setTimeout(r, 1100));
  assertError(await get('/api/2.1/unity-catalog/catalogs', withCookie(brief.cookie)), 401, 'UNAUTHENTICATED');
});

test('--ui-secure-cookies and X-Forwarded-Proto: https mark the cookie Secure', async () => {
  const s2 = await startServer(['--ui-secure-cookies']);
  try {
    const r = await fetch(s2.base + SESSION, { method: 'POST', headers: { authorization: `Bearer ${s2.token}` } });
    assert.match(r.headers.get('set-cookie'), /; Secure/);
  } finally {
    await s2.stop();
  }
  const r = await fetch(srv.base + SESSION, { method: 'POST', headers: { authorization: `Bearer ${srv.token}`, 'x-forwarded-proto': 'https' } });
  assert.match(r.headers.get('set-cookie'), /; Secure/);
});

test('token management (admins): every token listed, any token revoked (its sessions end), others refused', async () => {
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { body: { displayName: 'tm-user' } });
  const t = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId, comment: 'tm' } });
  const list = await srv.req('GET', '/api/2.0/token-management/tokens');
  assert.equal(list.status, 200);
  const mine = list.json.token_infos.find((x) => x.token_id === t.json.token_info.token_id);
  assert.ok(mine, 'the service principal\'s token is listed');
  assert.equal(mine.created_by_username, sp.json.applicationId);
  assert.ok(list.json.token_infos.some((x) => x.created_by_username === 'admin'));
  assert.ok(!list.text.includes(t.json.token_value), 'never a token value');
  // a non-admin may neither list nor revoke
  assertError(await srv.req('GET', '/api/2.0/token-management/tokens', { token: t.json.token_value }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('DELETE', `/api/2.0/token-management/tokens/${mine.token_id}`, { token: t.json.token_value }), 403, 'PERMISSION_DENIED');
  const s = await signIn(t.json.token_value);
  assert.equal(s.status, 200);
  const del = await srv.req('DELETE', `/api/2.0/token-management/tokens/${mine.token_id}`);
  assert.equal(del.status, 200, del.text);
  assertError(await srv.req('GET', '/api/2.0/token/list', { token: t.json.token_value }), 401, 'UNAUTHENTICATED');
  assertError(await get('/api/2.1/unity-catalog/catalogs', withCookie(s.cookie)), 401, 'UNAUTHENTICATED');
  assertError(await srv.req('DELETE', `/api/2.0/token-management/tokens/${mine.token_id}`), 404, 'RESOURCE_DOES_NOT_EXIST');
  const a = await srv.req('GET', '/api/2.0/weir/audit?action_name=revokeAnyToken');
  assert.equal(a.json.events.length, 3, 'the revocation, the refused non-admin and the 404 are audited');
});

test('the audit log filters by outcome: success below 400, failure from 400; anything else is 400', async () => {
  const ok = await srv.req('GET', '/api/2.0/weir/audit?outcome=success&max_results=1000');
  assert.equal(ok.status, 200);
  assert.ok(ok.json.events.length > 0);
  assert.ok(ok.json.events.every((e) => e.response.status_code < 400));
  const bad = await srv.req('GET', '/api/2.0/weir/audit?outcome=failure&max_results=1000');
  assert.ok(bad.json.events.length > 0);
  assert.ok(bad.json.events.every((e) => e.response.status_code >= 400));
  assert.ok(bad.json.events.some((e) => e.response.error_code === 'CSRF_TOKEN_INVALID'));
  const both = await srv.req('GET', '/api/2.0/weir/audit?max_results=1000');
  assert.equal(ok.json.events.length + bad.json.events.length, both.json.events.length);
  const r = await srv.req('GET', '/api/2.0/weir/audit?outcome=maybe');
  assertError(r, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(r.json.details[0].metadata.field, 'outcome');
});
