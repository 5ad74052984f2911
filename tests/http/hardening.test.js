// What the server decides on a request's head, before any body byte is read, and the smaller
// findings of issue 13: conflicting framing headers are refused, an unauthenticated client is
// answered without its body being read, the body memory budget answers 503 with Retry-After,
// a body without a length stops at the limit, client request ids never name a temp file, and
// the access log cannot be forged through a path.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { startServer, rawRequest, assertError } = require('./lib');

let srv;
before(async () => {
  srv = await startServer(['--body-memory', '3000000', '--upload-limit', '1048576']);
});
after(async () => { await srv.stop(); });

// Opens a socket and writes `bytes`; resolves with {sock, text()} collecting everything read.
function openRaw(bytes) {
  const sock = net.connect(srv.port, '127.0.0.1');
  const chunks = [];
  let ended = false;
  sock.on('data', (d) => chunks.push(d));
  sock.on('end', () => { ended = true; });
  sock.on('close', () => { ended = true; });
  sock.on('error', () => { ended = true; });
  if (bytes) sock.write(bytes);
  return {
    sock,
    text: () => Buffer.concat(chunks).toString('latin1'),
    ended: () => ended,
    async waitFor(pred, ms = 5000) {
      const deadline = Date.now() + ms;
      while (!pred(Buffer.concat(chunks).toString('latin1'), ended)) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 20));
      }
      return true;
    },
  };
}

const auth = () => `Authorization: Bearer ${srv.token}\r\n`;

test('two Content-Length headers, or one with chunked encoding, are a 400 and change nothing', async () => {
  const body = '{"name":"smuggled"}';
  const two = await rawRequest(srv.port, `POST /api/2.1/unity-catalog/catalogs HTTP/1.1\r\nHost: x\r\n${auth()}` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: 5\r\n\r\n${body}`);
  assert.match(two, /^HTTP\/1\.1 400 /);
  assert.match(two, /MALFORMED_REQUEST/);
  assert.match(two, /Content-Length/);
  const both = await rawRequest(srv.port, `POST /api/2.1/unity-catalog/catalogs HTTP/1.1\r\nHost: x\r\n${auth()}` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n` +
    `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
  assert.match(both, /^HTTP\/1\.1 400 /);
  assert.match(both, /Transfer-Encoding/);
  const got = await srv.req('GET', '/api/2.1/unity-catalog/catalogs/smuggled');
  assertError(got, 404, 'CATALOG_NOT_FOUND');
});

test('an unauthenticated request is answered on its head: the body is never awaited or read', async () => {
  // 2 MB announced, nothing sent: the 401 must come back without the body.
  const c = openRaw('POST /api/2.1/unity-catalog/catalogs HTTP/1.1\r\nHost: x\r\n' +
    'Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n');
  assert.ok(await c.waitFor((t) => /\r\n\r\n[\s\S]*\}/.test(t), 3000), 'no answer before the body: ' + c.text());
  assert.match(c.text(), /^HTTP\/1\.1 401 /);
  c.sock.destroy();
  // a token that does not exist: the same
  const bad = openRaw('PUT /api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/f HTTP/1.1\r\nHost: x\r\n' +
    'Authorization: Bearer dapi0000\r\nContent-Length: 900000\r\n\r\n');
  assert.ok(await bad.waitFor((t) => /\r\n\r\n[\s\S]*\}/.test(t), 3000), 'no answer: ' + bad.text());
  assert.match(bad.text(), /^HTTP\/1\.1 401 /);
  bad.sock.destroy();
});

test('bodies past the server-wide memory budget are refused with 503 and Retry-After, then served again', async () => {
  // budget 3,000,000 bytes: two heads of 1.4 MB each are admitted (bodies not yet sent), a
  // third is refused at once; once the first two finish, the same request succeeds.
  const len = 1400000;
  const head = `POST /api/2.1/unity-catalog/catalogs HTTP/1.1\r\nHost: x\r\n${auth()}` +
    `Content-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`;
  const a = openRaw(head);
  const b = openRaw(head);
  await new Promise((r) => setTimeout(r, 300));
  const third = await rawRequest(srv.port, head, 3000);
  assert.match(third, /^HTTP\/1\.1 503 /, third.slice(0, 300));
  assert.match(third, /Retry-After: 1/i);
  assert.match(third, /TEMPORARILY_UNAVAILABLE/);
  const comment = 'x'.repeat(len - 40);
  for (const [i, c] of [a, b].entries()) {
    let body = JSON.stringify({ name: `budget_${i}`, comment });
    body += ' '.repeat(len - body.length);
    c.sock.write(body);
  }
  for (const c of [a, b]) {
    assert.ok(await c.waitFor((t) => /^HTTP\/1\.1 \d{3} [\s\S]*\r\n\r\n\{[\s\S]*\}$/.test(t), 10000), c.text().slice(0, 300));
    assert.match(c.text(), /^HTTP\/1\.1 (200|400) /); // answered (a comment this long may be refused), never 503
    c.sock.destroy();
  }
  const again = await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { body: { name: 'after_budget' } });
  assert.equal(again.status, 200, again.text);
});

async function makeRun() {
  const exp = await srv.req('POST', '/api/2.0/mlflow/experiments/create', { body: { name: `hard_${Date.now()}_${Math.random()}` } });
  assert.equal(exp.status, 200, exp.text);
  const run = await srv.req('POST', '/api/2.0/mlflow/runs/create', { body: { experiment_id: exp.json.experiment_id } });
  assert.equal(run.status, 200, run.text);
  return `/api/2.0/mlflow-artifacts/artifacts/${exp.json.experiment_id}/${run.json.run.info.run_id}/artifacts`;
}

function tmpFiles() {
  const dir = path.join(srv.data, 'tmp');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

test('a chunked upload past the limit is a 413 or a closed connection, never stored, and stops being read', async () => {
  const base = await makeRun();
  // 1.5 MiB against a 1 MiB limit: read to the end and answered 413
  const over = Buffer.alloc(1536 * 1024, 1);
  const c = openRaw(`PUT ${base}/over.bin HTTP/1.1\r\nHost: x\r\n${auth()}Transfer-Encoding: chunked\r\n\r\n`);
  for (let off = 0; off < over.length; off += 65536) {
    const part = over.subarray(off, off + 65536);
    c.sock.write(part.length.toString(16) + '\r\n');
    c.sock.write(part);
    c.sock.write('\r\n');
  }
  c.sock.write('0\r\n\r\n');
  assert.ok(await c.waitFor((t) => /\}$/.test(t), 10000), 'no answer: ' + c.text().slice(0, 200));
  assert.match(c.text(), /^HTTP\/1\.1 413 /);
  c.sock.destroy();
  // 64 MiB without end: the server closes the connection once it has read limit + slack
  const d = openRaw(`PUT ${base}/huge.bin HTTP/1.1\r\nHost: x\r\n${auth()}Transfer-Encoding: chunked\r\n\r\n`);
  const chunk = Buffer.alloc(256 * 1024, 2);
  let sent = 0;
  while (!d.ended() && sent < (64 << 20)) {
    const ok = d.sock.write(chunk.length.toString(16) + '\r\n') && d.sock.write(chunk) && d.sock.write('\r\n');
    sent += chunk.length;
    if (!ok) await new Promise((r) => { const t = setTimeout(r, 50); d.sock.once('drain', () => { clearTimeout(t); r(); }); });
  }
  assert.ok(await d.waitFor((t, ended) => ended, 10000), 'the server kept reading');
  assert.ok(sent < (64 << 20), `the server read all ${sent} bytes`);
  d.sock.destroy();
  for (const name of ['over.bin', 'huge.bin']) {
    const got = await srv.req('GET', `${base}/${name}`);
    assert.equal(got.status, 404, `${name} must not exist: ${got.status}`);
  }
  assert.deepEqual(tmpFiles(), []);
});

test('two concurrent uploads with one X-Request-Id each keep their own bytes', async () => {
  const base = await makeRun();
  const one = Buffer.alloc(600 * 1024, 0x31);
  const two = Buffer.alloc(700 * 1024, 0x32);
  const headers = { 'x-request-id': 'same-id-for-both', 'content-type': 'application/octet-stream' };
  const [r1, r2] = await Promise.all([
    srv.req('PUT', `${base}/one.bin`, { raw: one, headers }),
    srv.req('PUT', `${base}/two.bin`, { raw: two, headers }),
  ]);
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r2.status, 200, r2.text);
  assert.equal(r1.headers.get('x-request-id'), 'same-id-for-both'); // echoed, never a file name
  const g1 = await fetch(srv.base + `${base}/one.bin`, { headers: { authorization: `Bearer ${srv.token}` } });
  const g2 = await fetch(srv.base + `${base}/two.bin`, { headers: { authorization: `Bearer ${srv.token}` } });
  assert.ok(Buffer.from(await g1.arrayBuffer()).equals(one), 'one.bin holds its own bytes');
  assert.ok(Buffer.from(await g2.arrayBuffer()).equals(two), 'two.bin holds its own bytes');
  assert.deepEqual(tmpFiles(), []);
});

test('an interrupted upload leaves nothing behind', async () => {
  const base = await makeRun();
  const c = openRaw(`PUT ${base}/cut.bin HTTP/1.1\r\nHost: x\r\n${auth()}Content-Length: 900000\r\n\r\n`);
  c.sock.write(Buffer.alloc(300000, 3));
  await new Promise((r) => setTimeout(r, 300));
  c.sock.destroy();
  const deadline = Date.now() + 5000;
  while (tmpFiles().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(tmpFiles(), []);
  assert.equal((await srv.req('GET', `${base}/cut.bin`)).status, 404);
});

test('a path cannot forge access-log lines: control characters are escaped', async () => {
  const forged = '/api/2.1/unity-catalog/catalogs/x%0d%0aaccess%20rid=forged%20GET%20/%20200';
  const res = await fetch(srv.base + forged, { headers: { authorization: `Bearer ${srv.token}` } });
  await res.text();
  const deadline = Date.now() + 3000;
  while (!/x\\x0d\\x0aaccess/.test(srv.log()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const log = srv.log();
  assert.match(log, /catalogs\/x\\x0d\\x0aaccess rid=forged/);
  assert.ok(!log.split('\n').some((l) => l.startsWith('access rid=forged')), 'a forged line appeared');
});

test('an over-long or unusual X-Request-Id is replaced, not echoed', async () => {
  const long = 'a'.repeat(200);
  const res = await fetch(srv.base + '/healthz', { headers: { 'x-request-id': long } });
  await res.text();
  assert.notEqual(res.headers.get('x-request-id'), long);
  assert.ok(res.headers.get('x-request-id').length <= 36);
  const dots = await fetch(srv.base + '/healthz', { headers: { 'x-request-id': '../../etc' } });
  await dots.text();
  assert.notEqual(dots.headers.get('x-request-id'), '../../etc');
});

test('an upload the caller may not write is refused on its head: the body is never read', async () => {
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { body: { displayName: 'uploader' } });
  assert.equal(sp.status, 201, sp.text);
  const t = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId } });
  assert.equal(t.status, 200, t.text);
  // a path in no object: admins only, and hidden from everyone else (404 as if missing)
  const c = openRaw('PUT /api/2.0/mlflow-artifacts/artifacts/nowhere/secret.bin HTTP/1.1\r\nHost: x\r\n' +
    `Authorization: Bearer ${t.json.token_value}\r\nContent-Length: 900000\r\n\r\n`);
  assert.ok(await c.waitFor((x) => /\r\n\r\n[\s\S]*\}/.test(x), 3000), 'no answer before the body: ' + c.text());
  assert.match(c.text(), /^HTTP\/1\.1 404 /);
  assert.match(c.text(), /RESOURCE_DOES_NOT_EXIST/);
  c.sock.destroy();
  assert.deepEqual(tmpFiles(), []);
  // the admin may: the same head is accepted and the body read
  const ok = await srv.req('PUT', '/api/2.0/mlflow-artifacts/artifacts/nowhere/secret.bin', { raw: Buffer.alloc(1000, 1) });
  assert.equal(ok.status, 200, ok.text);
});
