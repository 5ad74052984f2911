// External identity provider JWTs (--jwks/--jwt-issuer/--jwt-audience): RS256 and ES256
// tokens verified against a JWKS file with the key chosen by `kid` and the algorithm pinned
// per key; every bad token (expired, not yet valid, wrong iss or aud, alg none, HS256 keyed
// with the RSA public key, unknown kid, tampered payload, garbage, unknown or inactive
// subject) is the same 401, and the good ones work.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, assertError } = require('./lib');

const ISS = 'https://idp.example.test/';
const AUD = 'weir-api';
const SCIM = '/api/2.0/preview/scim/v2';
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' });

const b64u = (b) => Buffer.from(b).toString('base64url');
function sign(header, claims, key, how = 'rs') {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  let sig;
  if (how === 'rs') sig = crypto.sign('sha256', Buffer.from(input), key);
  else if (how === 'es') sig = crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  else if (how === 'hs') sig = crypto.createHmac('sha256', key).update(input).digest();
  else sig = Buffer.alloc(0);
  return `${input}.${b64u(sig)}`;
}
const now = () => Math.floor(Date.now() / 1000);
const claims = (o = {}) => ({ iss: ISS, aud: AUD, sub: 'jwt-user@corp.example', iat: now(), exp: now() + 600, ...o });
const rs = (c = claims(), kid = 'rsa-1') => sign({ alg: 'RS256', typ: 'JWT', kid }, c, rsa.privateKey);
const es = (c = claims(), kid = 'ec-1') => sign({ alg: 'ES256', typ: 'JWT', kid }, c, ec.privateKey, 'es');

let srv;
let jwksDir;
before(async () => {
  jwksDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-jwks-'));
  const jwks = {
    keys: [
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      { kty: 'oct', k: b64u('shared-secret-never-accepted-here'), kid: 'hs-1', alg: 'HS256' },
    ],
  };
  fs.writeFileSync(path.join(jwksDir, 'jwks.json'), JSON.stringify(jwks));
  srv = await startServer(['--jwks', path.join(jwksDir, 'jwks.json'), '--jwt-issuer', ISS, '--jwt-audience', AUD]);
  for (const userName of ['jwt-user@corp.example', 'off@corp.example']) {
    const r = await srv.req('POST', `${SCIM}/Users`, { body: { userName } });
    assert.equal(r.status, 201, r.text);
  }
  const off = (await srv.req('GET', `${SCIM}/Users?filter=${encodeURIComponent('userName eq "off@corp.example"')}`)).json.Resources[0];
  await srv.req('PATCH', `${SCIM}/Users/${off.id}`, { body: { Operations: [{ op: 'replace', path: 'active', value: false }] } });
  await srv.req('POST', `${SCIM}/Groups`, { body: { displayName: 'jwt-group' } });
});
after(async () => {
  await srv.stop();
  fs.rmSync(jwksDir, { recursive: true, force: true });
});

const call = (token) => srv.req('GET', '/api/2.1/unity-catalog/catalogs', { token });
async function refused(token, why) {
  const r = await call(token);
  assertError(r, 401, 'UNAUTHENTICATED');
  assert.equal(r.json.message, 'Invalid access token.', `${why}: no detail may leak`);
}

test('good RS256 and ES256 tokens work and map sub to the userName', async () => {
  assert.equal((await call(rs())).status, 200);
  assert.equal((await call(es())).status, 200);
  const me = await srv.req('GET', `${SCIM}/Me`, { token: rs() });
  assert.equal(me.json.userName, 'jwt-user@corp.example');
  assert.equal((await call(rs(claims({ aud: ['other', AUD] })))).status, 200, 'aud array containing ours');
  assert.equal((await call(rs(claims({ exp: now() - 30 })))).status, 200, 'within the 60 s leeway');
  assert.equal((await call(rs(claims({ workspace: 'default' })))).status, 200);
});

test('expired, not yet valid, wrong iss, wrong aud, missing or mistyped claims: 401', async () => {
  await refused(rs(claims({ exp: now() - 120 })), 'expired');
  await refused(rs(claims({ nbf: now() + 600 })), 'not yet valid');
  await refused(rs(claims({ iat: now() + 3600 })), 'issued in the future');
  await refused(rs(claims({ iss: 'https://evil.example/' })), 'wrong iss');
  await refused(rs(claims({ iss: ISS + 'x' })), 'iss must be exact');
  await refused(rs(claims({ aud: 'other' })), 'wrong aud');
  await refused(rs(claims({ aud: ['a', 'b'] })), 'aud array without ours');
  const { exp, ...noExp } = claims();
  void exp;
  await refused(rs(noExp), 'exp is required');
  await refused(rs(claims({ exp: now() + 600.5 })), 'exp must be an integer');
  await refused(rs(claims({ exp: String(now() + 600) })), 'exp must be a number');
});

test('alg none, HS256 keyed with the RSA public key, kid/alg mismatch, unknown kid: 401', async () => {
  await refused(sign({ alg: 'none', typ: 'JWT', kid: 'rsa-1' }, claims(), null, 'none'), 'alg none with kid');
  await refused(sign({ alg: 'none', typ: 'JWT' }, claims(), null, 'none'), 'alg none without kid');
  await refused(sign({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' }, claims(), rsaPem, 'hs'), 'HS256 with the public PEM');
  await refused(sign({ alg: 'HS256', typ: 'JWT', kid: 'hs-1' }, claims(), 'shared-secret-never-accepted-here', 'hs'), 'oct keys are never loaded');
  await refused(sign({ alg: 'HS256', typ: 'JWT' }, claims({ iss: 'weir', aud: 'weir', sub: 'admin' }), 'guess', 'hs'), 'internal token with a wrong secret');
  await refused(sign({ alg: 'ES256', typ: 'JWT', kid: 'rsa-1' }, claims(), ec.privateKey, 'es'), 'ES256 under an RSA kid');
  await refused(sign({ alg: 'RS256', typ: 'JWT', kid: 'ec-1' }, claims(), rsa.privateKey), 'RS256 under an EC kid');
  await refused(rs(claims(), 'nope'), 'unknown kid');
  await refused(sign({ alg: 'RS256', typ: 'JWT' }, claims(), rsa.privateKey), 'no kid');
  await refused(sign({ alg: 'RS256', typ: 'JWT', kid: 'rsa-1' }, claims(), other.privateKey), 'signed by another key');
});

test('tampered payload, tampered signature, garbage: 401', async () => {
  const good = rs();
  const [h, , s] = good.split('.');
  await refused(`${h}.${b64u(JSON.stringify(claims({ sub: 'admin' })))}.${s}`, 'tampered payload');
  await refused(good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA'), 'tampered signature');
  for (const g of ['garbage', 'a.b.c', '...', `${h}..`, `${h}.e30.`, 'eyJhbGciOiJSUzI1NiJ9.%%%.xx', 'x'.repeat(7000)]) {
    await refused(g, `garbage ${g.slice(0, 20)}`);
  }
});

// Signs header and claims given as JSON text, so that they can hold what JSON.stringify cannot.
function signText(headerText, claimsText, key = rsa.privateKey) {
  const input = `${b64u(headerText)}.${b64u(claimsText)}`;
  return `${input}.${b64u(crypto.sign('sha256', Buffer.from(input), key))}`;
}

test('a crit header (any: Weir understands no extension) and duplicate members: 401', async () => {
  const H = { alg: 'RS256', typ: 'JWT', kid: 'rsa-1' };
  await refused(sign({ ...H, crit: ['exp'] }, claims(), rsa.privateKey), 'crit naming a registered claim');
  await refused(sign({ ...H, crit: ['x-weir'], 'x-weir': 1 }, claims(), rsa.privateKey), 'crit naming an unknown extension');
  await refused(sign({ ...H, crit: ['b64'], b64: false }, claims(), rsa.privateKey), 'crit b64 (RFC 7797)');
  await refused(sign({ ...H, crit: [] }, claims(), rsa.privateKey), 'empty crit');
  await refused(sign({ ...H, crit: 'exp' }, claims(), rsa.privateKey), 'crit not an array');
  await refused(sign({ ...H, crit: null }, claims(), rsa.privateKey), 'crit null');
  await refused(sign({ ...H, crit: [42] }, claims(), rsa.privateKey), 'crit with a number');

  // two `sub`: libjwt alone keeps the last, which would authenticate as admin
  const c = claims();
  const body = (subs) => `{"iss":${JSON.stringify(ISS)},"aud":${JSON.stringify(AUD)},${subs},"iat":${c.iat},"exp":${c.exp}}`;
  const single = signText(JSON.stringify(H), body('"sub":"jwt-user@corp.example"'));
  assert.equal((await call(single)).status, 200, 'the same token without a duplicate is accepted');
  await refused(signText(JSON.stringify(H), body('"sub":"jwt-user@corp.example","sub":"admin"')), 'two sub');
  await refused(signText(JSON.stringify(H), body('"sub":"admin","sub":"jwt-user@corp.example"')), 'two sub, other order');
  await refused(signText(JSON.stringify(H), body('"sub":"jwt-user@corp.example","exp":1')), 'two exp');
  await refused(signText(JSON.stringify(H), body('"sub":"jwt-user@corp.example","x":{"a":1,"a":2}')), 'a nested duplicate');
  await refused(signText('{"alg":"RS256","typ":"JWT","kid":"nope","kid":"rsa-1"}', body('"sub":"jwt-user@corp.example"')), 'two kid');
  await refused(signText('{"alg":"none","alg":"RS256","kid":"rsa-1"}', body('"sub":"jwt-user@corp.example"')), 'two alg');
  await refused(signText(JSON.stringify(H), '[1,2]'), 'claims not an object');
});

test('a token minted with an IdP token ends no later than that token', async () => {
  const exp = now() + 100;
  const t = rs(claims({ exp }));
  for (const lifetime_seconds of [0, 3600, undefined]) {
    const c = await srv.req('POST', '/api/2.0/token/create', { token: t, body: { lifetime_seconds } });
    assert.equal(c.status, 200, c.text);
    assert.ok(c.json.token_info.expiry_time > 0 && c.json.token_info.expiry_time <= exp * 1000,
      `expiry ${c.json.token_info.expiry_time} after the JWT's exp ${exp * 1000}`);
  }
  // within the leeway past exp a JWT still authenticates, but has nothing left to give
  const late = await srv.req('POST', '/api/2.0/token/create', { token: rs(claims({ exp: now() - 30 })), body: {} });
  assertError(late, 401, 'UNAUTHENTICATED');
});

test('unknown, inactive or group subjects and unknown workspaces: 401', async () => {
  await refused(rs(claims({ sub: 'nobody@corp.example' })), 'unknown sub');
  await refused(rs(claims({ sub: 'off@corp.example' })), 'inactive user');
  await refused(rs(claims({ sub: 'jwt-group' })), 'a group is no user');
  await refused(rs(claims({ sub: 'admin', workspace: 'no-such-workspace' })), 'unknown workspace');
  await refused(rs(claims({ workspace: 42 })), 'workspace must be a string');
});

test('the workspace claim names a workspace the user must be assigned to', async (t) => {
  const ws = await srv.req('POST', '/api/2.0/weir/workspaces', { body: { name: 'jwt-dev' } });
  if (ws.status === 404) return t.skip('workspaces API not routed yet');
  assert.equal(ws.status, 200, ws.text);
  await refused(rs(claims({ workspace: 'jwt-dev' })), 'not assigned');
  const a = await srv.req('PUT', `/api/2.0/weir/workspaces/jwt-dev/assignments/${encodeURIComponent('jwt-user@corp.example')}`, { body: {} });
  assert.ok(a.status === 200, a.text);
  const me = await srv.req('GET', `${SCIM}/Me`, { token: rs(claims({ workspace: 'jwt-dev' })) });
  assert.equal(me.status, 200, me.text);
});

test('no token ever reaches the server log', async () => {
  const t = rs();
  await call(t);
  await call(t + 'x');
  assert.ok(!srv.log().includes(t.split('.')[2]));
});

test('the server refuses to start with --jwks but no issuer or audience, or without a usable key', async () => {
  await assert.rejects(startServer(['--jwks', path.join(jwksDir, 'jwks.json'), '--jwt-issuer', ISS]), /exited early/);
  const empty = path.join(jwksDir, 'empty.json');
  fs.writeFileSync(empty, JSON.stringify({ keys: [{ kty: 'oct', k: 'eA', kid: 'x' }] }));
  await assert.rejects(startServer(['--jwks', empty, '--jwt-issuer', ISS, '--jwt-audience', AUD]), /exited early/);
});
