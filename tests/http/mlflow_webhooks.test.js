// Registry webhooks (MLflow 3.3 style): CRUD and validation, deliveries to a receiver on
// loopback signed with HMAC-SHA256 (verified here), retries with backoff when the receiver
// fails, delivery status visible through the API, and the secret never echoed or logged.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const https = require('node:https');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { startServer } = require('./lib');

let srv;
let recv;
const got = [];          // every request the receiver saw: {path, headers, body}
let failFirst = 0;       // answer 500 to this many requests on /flaky before 200
let tlsRecv = null;      // an https receiver with a self-signed certificate for IP 127.0.0.1
let tlsDir;
before(async () => {
  // A certificate the server trusts through SSL_CERT_FILE (inherited by the spawned server).
  tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=weir-test',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(tlsDir, 'key.pem'), '-out', path.join(tlsDir, 'cert.pem')],
    { stdio: 'ignore' });
    process.env.SSL_CERT_FILE = path.join(tlsDir, 'cert.pem');
    tlsRecv = https.createServer({ key: fs.readFileSync(path.join(tlsDir, 'key.pem')), cert: fs.readFileSync(path.join(tlsDir, 'cert.pem')) },
      (req, res) => {
        let body = '';
        req.on('data', (d) => { body += d; });
        req.on('end', () => { got.push({ path: 'tls:' + req.url, headers: req.headers, body }); res.writeHead(200); res.end('tls ok'); });
      });
    await new Promise((r) => tlsRecv.listen(0, '127.0.0.1', r));
  } catch {
    tlsRecv = null; // no openssl binary: the https test skips
  }
  srv = await startServer();
  recv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      got.push({ path: req.url, headers: req.headers, body });
      if (req.url === '/flaky' && failFirst > 0) { failFirst--; res.writeHead(500); res.end('boom'); return; }
      if (req.url === '/broken') { res.writeHead(500); res.end('always'); return; }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('thanks');
    });
  });
  await new Promise((r) => recv.listen(0, '127.0.0.1', r));
});
after(async () => {
  await new Promise((r) => recv.close(r));
  if (tlsRecv) await new Promise((r) => tlsRecv.close(r));
  fs.rmSync(tlsDir, { recursive: true, force: true });
  await srv.stop();
});

const ML = '/api/2.0/mlflow';
const SECRET = 's3cr3t-value-for-hmac';
const url = (p) => `http://127.0.0.1:${recv.address().port}${p}`;
const post = (p, body) => srv.req('POST', ML + p, { body });

function mlError(res, status, code) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.error_code, code, res.text);
}

async function waitFor(pred, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function verify(h, body, secret) {
  const id = h['x-mlflow-delivery-id'];
  const ts = h['x-mlflow-timestamp'];
  const expected = 'v1,' + crypto.createHmac('sha256', secret).update(`${id}.${ts}.${body}`).digest('base64');
  return h['x-mlflow-signature'] === expected;
}

test('webhook CRUD: create hides the secret, list/get/update/delete, validation errors', async () => {
  const c = await post('/webhooks', {
    name: 'crud-hook', url: url('/crud'), secret: SECRET, description: 'd',
    events: [{ entity: 'MODEL_VERSION', action: 'CREATED' }],
  });
  assert.equal(c.status, 200, c.text);
  const w = c.json.webhook;
  assert.match(w.webhook_id, /^[0-9a-f-]{36}$/);
  assert.equal(w.status, 'ACTIVE');
  assert.deepEqual(w.events, [{ entity: 'MODEL_VERSION', action: 'CREATED' }]);
  assert.ok(!c.text.includes(SECRET), 'the secret is never returned');
  const g = await srv.req('GET', `${ML}/webhooks/${w.webhook_id}`);
  assert.deepEqual(g.json.webhook, w);
  assert.ok((await srv.req('GET', `${ML}/webhooks`)).json.webhooks.some((x) => x.webhook_id === w.webhook_id));
  const u = await srv.req('PATCH', `${ML}/webhooks/${w.webhook_id}`, { body: { status: 'DISABLED', events: [{ entity: 'model_version_tag', action: 'set' }] } });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.webhook.status, 'DISABLED');
  assert.equal(u.json.webhook.name, 'crud-hook', 'absent fields do not change');
  assert.deepEqual(u.json.webhook.events, [{ entity: 'MODEL_VERSION_TAG', action: 'SET' }]);
  assert.deepEqual((await srv.req('DELETE', `${ML}/webhooks/${w.webhook_id}`)).json, {});
  mlError(await srv.req('GET', `${ML}/webhooks/${w.webhook_id}`), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlError(await srv.req('DELETE', `${ML}/webhooks/${w.webhook_id}`), 404, 'RESOURCE_DOES_NOT_EXIST');
  mlError(await srv.req('PATCH', `${ML}/webhooks/nope`, { body: { name: 'x' } }), 404, 'RESOURCE_DOES_NOT_EXIST');
  const ev = [{ entity: 'MODEL_VERSION', action: 'CREATED' }];
  mlError(await post('/webhooks', { name: '-bad-', url: url('/x'), events: ev }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/webhooks', { name: 'ok', url: 'http://example.com/x', events: ev }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/webhooks', { name: 'ok', url: 'ftp://127.0.0.1/x', events: ev }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/webhooks', { name: 'ok', url: url('/x'), events: [] }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/webhooks', { name: 'ok', url: url('/x'), events: [{ entity: 'MODEL_VERSION', action: 'DELETED' }] }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/webhooks', { name: 'ok', url: url('/x'), events: ev, status: 'MAYBE' }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await post('/webhooks', { url: url('/x'), events: ev }), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await srv.req('GET', `${ML}/webhooks?max_results=5000`), 400, 'INVALID_PARAMETER_VALUE');
  mlError(await srv.req('GET', `${ML}/webhooks?page_token=@@@`), 400, 'INVALID_PARAMETER_VALUE');
  const https = await post('/webhooks', { name: 'remote', url: 'https://hooks.example.com/in', events: ev });
  assert.equal(https.status, 200, 'https targets are accepted');
  await srv.req('DELETE', `${ML}/webhooks/${https.json.webhook.webhook_id}`);
});

test('events are delivered signed: model version created, tag set, alias set and deleted', async () => {
  const c = await post('/webhooks', {
    name: 'signed', url: url('/signed'), secret: SECRET,
    events: [
      { entity: 'MODEL_VERSION', action: 'CREATED' }, { entity: 'MODEL_VERSION_TAG', action: 'SET' },
      { entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' }, { entity: 'MODEL_VERSION_ALIAS', action: 'DELETED' },
      { entity: 'REGISTERED_MODEL', action: 'CREATED' },
    ],
  });
  const id = c.json.webhook.webhook_id;
  assert.equal((await post('/registered-models/create', { name: 'hooked' })).status, 200);
  assert.equal((await post('/model-versions/create', { name: 'hooked', source: 's3://b/h', run_id: 'r1' })).status, 200);
  assert.equal((await post('/model-versions/set-tag', { name: 'hooked', version: '1', key: 'k', value: 'v' })).status, 200);
  assert.equal((await post('/registered-models/alias', { name: 'hooked', alias: 'champ', version: '1' })).status, 200);
  assert.equal((await srv.req('DELETE', ML + '/registered-models/alias', { body: { name: 'hooked', alias: 'champ' } })).status, 200);
  const mine = () => got.filter((g) => g.path === '/signed');
  await waitFor(() => mine().length >= 5);
  const events = mine().map((g) => JSON.parse(g.body));
  const kinds = events.map((e) => `${e.entity}.${e.action}`).sort();
  assert.deepEqual(kinds, ['model_version.created', 'model_version_alias.created', 'model_version_alias.deleted',
    'model_version_tag.set', 'registered_model.created']);
  for (const g of mine()) {
    assert.ok(verify(g.headers, g.body, SECRET), 'signature verifies');
    assert.ok(!verify(g.headers, g.body, 'wrong-secret'), 'a wrong secret does not verify');
    assert.equal(g.headers['content-type'], 'application/json');
  }
  const created = events.find((e) => e.entity === 'model_version');
  assert.deepEqual(created.data, { name: 'hooked', version: '1', source: 's3://b/h', run_id: 'r1', tags: {}, description: null });
  assert.match(created.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  const alias = events.find((e) => e.entity === 'model_version_alias' && e.action === 'created');
  assert.deepEqual(alias.data, { name: 'hooked', alias: 'champ', version: '1' });
  const d = await waitFor(async () => {
    const r = await srv.req('GET', `${ML}/webhooks/${id}/deliveries`);
    return r.json.deliveries.length === 5 && r.json.deliveries.every((x) => x.status === 'DELIVERED') && r;
  });
  assert.ok(d.json.deliveries.every((x) => x.attempts === 1 && x.last_status_code === 200));
  await srv.req('DELETE', `${ML}/webhooks/${id}`);
});

test('a receiver answering 500 twice then 200 gets three attempts; one always failing stays PENDING with its last answer visible; requests never wait', async () => {
  failFirst = 2;
  const c = await post('/webhooks', { name: 'flaky', url: url('/flaky'), events: [{ entity: 'REGISTERED_MODEL', action: 'CREATED' }] });
  const id = c.json.webhook.webhook_id;
  const t0 = Date.now();
  const r = await post('/registered-models/create', { name: 'flakymodel' });
  assert.equal(r.status, 200, 'the request that caused the event does not wait for or fail with the delivery');
  assert.ok(Date.now() - t0 < 2000);
  const done = await waitFor(async () => {
    const d = (await srv.req('GET', `${ML}/webhooks/${id}/deliveries`)).json.deliveries;
    return d.length === 1 && d[0].status === 'DELIVERED' && d[0];
  });
  assert.equal(done.attempts, 3);
  assert.equal(done.last_status_code, 200);
  const seen = got.filter((g) => g.path === '/flaky');
  assert.equal(seen.length, 3);
  assert.equal(new Set(seen.map((g) => g.headers['x-mlflow-delivery-id'])).size, 1, 'one delivery id across retries');
  assert.equal(seen[0].headers['x-mlflow-signature'], undefined, 'no secret, no signature');
  // an intermediate state is visible while retrying
  const b = await post('/webhooks', { name: 'broken', url: url('/broken'), events: [{ entity: 'REGISTERED_MODEL', action: 'CREATED' }] });
  await post('/registered-models/create', { name: 'brokenmodel' });
  const pending = await waitFor(async () => {
    const d = (await srv.req('GET', `${ML}/webhooks/${b.json.webhook.webhook_id}/deliveries`)).json.deliveries;
    return d.length === 1 && d[0].attempts >= 2 && d[0];
  });
  assert.equal(pending.status, 'PENDING');
  assert.equal(pending.last_status_code, 500);
  assert.equal(pending.last_error, 'HTTP 500');
  assert.ok(pending.next_attempt_timestamp > 0);
  await srv.req('DELETE', `${ML}/webhooks/${b.json.webhook.webhook_id}`);
  await srv.req('DELETE', `${ML}/webhooks/${id}`);
});

test('a disabled webhook gets nothing; the test endpoint sends an example now', async () => {
  const c = await post('/webhooks', { name: 'off', url: url('/off'), status: 'DISABLED', secret: SECRET, events: [{ entity: 'REGISTERED_MODEL', action: 'CREATED' }] });
  const id = c.json.webhook.webhook_id;
  await post('/registered-models/create', { name: 'quiet' });
  const t = await post(`/webhooks/${id}/test`, {});
  assert.equal(t.status, 200, t.text);
  assert.deepEqual(t.json.result, { success: true, response_status: 200, response_body: 'thanks' });
  const seen = got.filter((g) => g.path === '/off');
  assert.equal(seen.length, 1, 'only the test call');
  assert.equal(JSON.parse(seen[0].body).entity, 'registered_model');
  assert.ok(verify(seen[0].headers, seen[0].body, SECRET));
  const t2 = await post(`/webhooks/${id}/test`, { event: { entity: 'MODEL_VERSION_ALIAS', action: 'DELETED' } });
  assert.equal(JSON.parse(got.filter((g) => g.path === '/off')[1].body).action, 'deleted');
  assert.equal(t2.json.result.success, true);
  mlError(await post('/webhooks/nope/test', {}), 404, 'RESOURCE_DOES_NOT_EXIST');
  const b = await post('/webhooks', { name: 'b', url: url('/broken'), events: [{ entity: 'REGISTERED_MODEL', action: 'CREATED' }] });
  const tb = await post(`/webhooks/${b.json.webhook.webhook_id}/test`, {});
  assert.equal(tb.json.result.success, false);
  assert.equal(tb.json.result.response_status, 500);
});

test('https targets: delivered over TLS with the certificate verified; a name the certificate does not cover fails', async (t) => {
  if (!tlsRecv) { t.skip('openssl is not installed'); return; }
  const port = tlsRecv.address().port;
  const c = await post('/webhooks', { name: 'tls', url: `https://127.0.0.1:${port}/in`, secret: SECRET, events: [{ entity: 'MODEL_VERSION', action: 'CREATED' }] });
  assert.equal(c.status, 200, c.text);
  await post('/registered-models/create', { name: 'tlsmodel' });
  await post('/model-versions/create', { name: 'tlsmodel', source: 's3://b/t' });
  const d = await waitFor(async () => {
    const x = (await srv.req('GET', `${ML}/webhooks/${c.json.webhook.webhook_id}/deliveries`)).json.deliveries;
    return x.length === 1 && x[0].status === 'DELIVERED' && x[0];
  });
  assert.equal(d.last_status_code, 200);
  const seen = got.filter((g) => g.path === 'tls:/in');
  assert.equal(seen.length, 1);
  assert.ok(verify(seen[0].headers, seen[0].body, SECRET));
  const bad = await post('/webhooks', { name: 'tls-bad', url: `https://localhost:${port}/in`, events: [{ entity: 'MODEL_VERSION', action: 'CREATED' }] });
  const tr = await post(`/webhooks/${bad.json.webhook.webhook_id}/test`, {});
  assert.equal(tr.json.result.success, false);
  assert.match(tr.json.result.error_message, /TLS handshake failed/);
});

test('the secret never reaches the server log', async () => {
  assert.ok(!srv.log().includes(SECRET));
});
