// The server's own behaviour: health, request ids, unknown routes, body limits, tokens,
// malformed input, graceful stop.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, rawRequest, assertError, PG } = require('./lib');

let srv;
before(async () => { srv = await startServer(['--body-limit', '65536']); });
after(async () => { await srv.stop(); });

test('healthz and readyz answer 200 without a token, with an X-Request-Id', async () => {
  const h = await srv.req('GET', '/healthz', { token: null });
  assert.equal(h.status, 200);
  assert.match(h.headers.get('x-request-id'), /^[0-9a-f]+-[0-9a-f]+$/);
  const r = await srv.req('GET', '/readyz', { token: null });
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'ready');
});

test('a safe client X-Request-Id is echoed, an unsafe one replaced', async () => {
  const a = await srv.req('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
  assert.equal(a.headers.get('x-request-id'), 'abc-123');
  const b = await srv.req('GET', '/healthz', { headers: { 'x-request-id': 'a b;<x>' } });
  assert.notEqual(b.headers.get('x-request-id'), 'a b;<x>');
});

test('every /api/ route needs a bearer token', async () => {
  assertError(await srv.req('GET', '/api/2.1/unity-catalog/catalogs', { token: null }), 401, 'UNAUTHENTICATED');
  assertError(await srv.req('GET', '/api/2.1/unity-catalog/catalogs', { token: 'dapi0000' }), 401, 'UNAUTHENTICATED');
  assertError(await srv.req('GET', '/api/2.1/unity-catalog/catalogs', { headers: { authorization: 'Basic eDp5' }, token: null }), 401, 'UNAUTHENTICATED');
  assertError(await srv.req('GET', '/api/2.1/unity-catalog/catalogs', { token: 'a.b.c' }), 401, 'UNAUTHENTICATED');
});

test('an unknown route is a 404 with a JSON error; a wrong method a 405', async () => {
  assertError(await srv.req('GET', '/api/2.1/unity-catalog/nothing-here'), 404, 'ENDPOINT_NOT_FOUND');
  assertError(await srv.req('PUT', '/api/2.1/unity-catalog/catalogs'), 405, 'METHOD_NOT_ALLOWED');
});

test('a body over the limit is refused with 413 from its Content-Length, before it is read', async () => {
  const big = 'x'.repeat(70000);
  const res = await rawRequest(srv.port,
    `POST /api/2.1/unity-catalog/catalogs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\n` +
    `Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n${big}`);
  assert.match(res, /^HTTP\/1\.1 413/);
  assert.match(res, /REQUEST_TOO_LARGE/);
});

test('a chunked body over the limit is refused with 413 too', async () => {
  const chunk = 'x'.repeat(30000);
  const c = (s) => s.length.toString(16) + '\r\n' + s + '\r\n';
  const res = await rawRequest(srv.port,
    `POST /api/2.1/unity-catalog/catalogs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\n` +
    `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n` + c(chunk) + c(chunk) + c(chunk) + '0\r\n\r\n');
  assert.match(res, /^HTTP\/1\.1 413/);
});

test('keep-alive is kept on ordinary responses', async () => {
  const res = await rawRequest(srv.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal((res.match(/HTTP\/1\.1 200/g) || []).length, 2, res);
});

test('malformed JSON, non-object JSON, invalid UTF-8 and duplicate keys are 400 and change nothing', async () => {
  assertError(await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { body: '{"name":' }), 400, 'MALFORMED_REQUEST');
  assertError(await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { body: '[1]' }), 400, 'MALFORMED_REQUEST');
  assertError(await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { body: '{"name":"a","name":"b"}' }), 400, 'MALFORMED_REQUEST');
  const bad = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  const res = await rawRequest(srv.port,
    `POST /api/2.1/unity-catalog/catalogs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\n` +
    `Content-Type: application/json\r\nConnection: close\r\nContent-Length: ${bad.length}\r\n\r\n` + bad.toString('latin1'));
  assert.match(res, /^HTTP\/1\.1 400/);
  assert.match(res, /MALFORMED_REQUEST/);
  const list = await srv.req('GET', '/api/2.1/unity-catalog/catalogs');
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.catalogs, []);
});

test('tokens: create, use, list without secrets, delete revokes at once', async () => {
  const c = await srv.req('POST', '/api/2.0/token/create', { body: { comment: 'ci', lifetime_seconds: 3600 } });
  assert.equal(c.status, 200);
  assert.match(c.json.token_value, /^dapi[0-9a-f]{32}$/);
  const info = c.json.token_info;
  assert.equal(info.comment, 'ci');
  assert.ok(info.expiry_time > info.creation_time);
  const tok = c.json.token_value;
  assert.equal((await srv.req('GET', '/api/2.1/unity-catalog/catalogs', { token: tok })).status, 200);
  const l = await srv.req('GET', '/api/2.0/token/list', { token: tok });
  assert.ok(l.json.token_infos.some((t) => t.token_id === info.token_id));
  assert.ok(!l.text.includes(tok), 'list must not contain token values');
  const d = await srv.req('POST', '/api/2.0/token/delete', { body: { token_id: info.token_id } });
  assert.equal(d.status, 200);
  assertError(await srv.req('GET', '/api/2.1/unity-catalog/catalogs', { token: tok }), 401, 'UNAUTHENTICATED');
  assertError(await srv.req('POST', '/api/2.0/token/delete', { body: { token_id: info.token_id } }), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('POST', '/api/2.0/token/create', { body: { lifetime_seconds: 'x' } }), 400, 'INVALID_PARAMETER_VALUE');
});

test('an expired token is refused', async () => {
  const c = await srv.req('POST', '/api/2.0/token/create', { body: { lifetime_seconds: 1 } });
  await new Promise((r) => setTimeout(r, 1100));
  assertError(await srv.req('GET', '/api/2.1/unity-catalog/catalogs', { token: c.json.token_value }), 401, 'UNAUTHENTICATED');
});

test('no token value ever reaches the server log', async () => {
  const c = await srv.req('POST', '/api/2.0/token/create', { body: { comment: 'x' } });
  assert.ok(!srv.log().includes(c.json.token_value));
  assert.ok(!srv.log().includes(srv.token));
});

test('a %00 in a path never truncates it: it reaches handlers as a control character and is refused', async () => {
  const r = await srv.req('GET', '/api/2.1/unity-catalog/catalogs/main%00evil');
  assertError(r, 400, 'INVALID_PARAMETER_VALUE');
  const put = await srv.req('PUT', '/api/2.0/mlflow-artifacts/artifacts/0/x/a%00b', { raw: 'data' });
  assert.equal(put.status, 400, put.text);
});

test('unrouted MLflow paths answer in the MLflow dialect', async () => {
  const r = await srv.req('GET', '/api/2.0/mlflow/nothing-here');
  assert.equal(r.status, 404);
  assert.equal(r.json.error_code, 'ENDPOINT_NOT_FOUND');
  assert.equal(r.json.details, undefined);
});

test('the data directory is private: database and token files are readable by the owner only', async () => {
  const fs = require('node:fs');
  const path = require('node:path');
  // with the PostgreSQL store (WEIR_TEST_STORE=pg) there is no weir.db: PostgreSQL keeps the state
  for (const f of [...(PG ? [] : ['weir.db']), 'admin.token', 'keys/jwt.secret']) {
    const mode = fs.statSync(path.join(srv.data, f)).mode & 0o777;
    assert.equal(mode & 0o077, 0, `${f} has mode ${mode.toString(8)}`);
  }
});

test('a fatal signal leaves its name and the stack of the thread it hit in the log, then the process dies of it', {
  skip: process.env.WEIR_SANITIZED ? 'the sanitizers report fatal signals themselves' : false,
}, async () => {
  const s = await startServer([]);
  const died = new Promise((r) => s.proc.on('exit', (code, sig) => r({ code, sig })));
  s.proc.kill('SIGSEGV');
  const end = await died;
  assert.equal(end.sig, 'SIGSEGV', JSON.stringify(end));
  const log = s.log();
  assert.match(log, /weir: fatal signal SIGSEGV; the stack of the thread it hit:\n(.*\[0x[0-9a-f]+\]\n){2,}/, log.slice(-1500));
});
