// A fake OpenID Connect identity provider for the web UI's sign-in tests (tests/http/ui_oauth.test.js,
// tests/browser/oauth.test.js): an HTTP server on 127.0.0.1, port 0, with
//   GET  /authorize  checks response_type=code, client_id, scope=openid, state and an S256
//                    code_challenge, then redirects back to redirect_uri with a one-time code
//                    (or with ?error=... when `idp.deny` is set);
//   POST /token      the authorization_code grant: the client's Basic credentials, the code
//                    (refused the second time: invalid_grant), the same redirect_uri, and the
//                    PKCE verifier checked against the challenge; answers an id_token signed
//                    RS256 with a key generated here (published in the JWKS file `jwksPath`).
// `idp.claims` (an object, or a function of the authorize request) overrides the id_token's
// claims for the next codes; `idp.exchanges` counts token requests by outcome.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const b64u = (b) => Buffer.from(b).toString('base64url');

async function startIdp({ issuer = 'https://idp.example.test/', audience = 'weir-ui', clientId = 'weir-ui-client', clientSecret = 's3cret/+value' } = {}) {
  const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-idp-'));
  const jwksPath = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwksPath, JSON.stringify({ keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid: 'idp-1', alg: 'RS256', use: 'sig' }] }));
  const secretPath = path.join(dir, 'client-secret');
  fs.writeFileSync(secretPath, clientSecret + '\n');
  const codes = new Map(); // code -> {challenge, redirectUri, claims, used}
  const idp = {
    issuer, audience, clientId, clientSecret, jwksPath, secretPath,
    sub: 'sso-user@corp.example',
    claims: {},
    deny: null,
    authorizeRequests: [],
    exchanges: { ok: 0, refused: 0 },
    sign(claims) {
      const now = Math.floor(Date.now() / 1000);
      const c = { iss: issuer, aud: audience, sub: idp.sub, iat: now, exp: now + 600, ...claims };
      const input = `${b64u(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'idp-1' }))}.${b64u(JSON.stringify(c))}`;
      return `${input}.${b64u(crypto.sign('sha256', Buffer.from(input), key.privateKey))}`;
    },
  };
  const refuse = (res, status, error, description) => {
    idp.exchanges.refused++;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error, error_description: description }));
  };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://idp');
    if (req.method === 'GET' && u.pathname === '/authorize') {
      const q = Object.fromEntries(u.searchParams);
      idp.authorizeRequests.push(q);
      if (q.response_type !== 'code' || q.client_id !== clientId || q.scope !== 'openid' || !q.state ||
          q.code_challenge_method !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge || '') || !q.redirect_uri) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('bad authorize request');
        return;
      }
      const back = new URL(q.redirect_uri);
      back.searchParams.set('state', q.state);
      if (idp.deny) {
        back.searchParams.set('error', idp.deny);
        back.searchParams.set('error_description', 'The user said no <b>thanks</b>');
      } else {
        const code = crypto.randomBytes(16).toString('hex');
        const claims = typeof idp.claims === 'function' ? idp.claims(q) : idp.claims;
        codes.set(code, { challenge: q.code_challenge, redirectUri: q.redirect_uri, claims, used: false });
        back.searchParams.set('code', code);
      }
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (req.method === 'POST' && u.pathname === '/token') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        const f = new URLSearchParams(body);
        const auth = req.headers.authorization || '';
        const want = 'Basic ' + Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
        if (req.headers['content-type'] !== 'application/x-www-form-urlencoded' || auth !== want || f.get('client_id') !== clientId) {
          refuse(res, 401, 'invalid_client', 'client authentication failed');
          return;
        }
        const c = codes.get(f.get('code'));
        if (f.get('grant_type') !== 'authorization_code' || !c || c.used) {
          if (c) c.used = true;
          refuse(res, 400, 'invalid_grant', 'unknown or used code');
          return;
        }
        c.used = true;
        const challenge = crypto.createHash('sha256').update(f.get('code_verifier') || '').digest('base64url');
        if (f.get('redirect_uri') !== c.redirectUri || challenge !== c.challenge) {
          refuse(res, 400, 'invalid_grant', 'redirect_uri or PKCE verifier mismatch');
          return;
        }
        idp.exchanges.ok++;
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ access_token: 'at-' + crypto.randomBytes(8).toString('hex'), token_type: 'Bearer', expires_in: 600, id_token: idp.sign(c.claims) }));
      });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  idp.base = base;
  // the weir serve flags that configure this provider
  idp.args = ['--jwks', jwksPath, '--jwt-issuer', issuer, '--jwt-audience', audience,
    '--oauth-authorize-url', `${base}/authorize`, '--oauth-token-url', `${base}/token`,
    '--oauth-client-id', clientId, '--oauth-client-secret-file', secretPath];
  idp.stop = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return idp;
}

module.exports = { startIdp };
