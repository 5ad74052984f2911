// SIGTERM is graceful (issue 13, finding 6): every request already sent is answered, a large
// download in progress completes, an upload in progress completes, and the process exits 0;
// every acknowledged write is there after a restart. And a kill -9 during an upload leaves
// nothing behind once the server starts again (finding 5).
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const http = require('node:http');
const path = require('node:path');
const { startServer, BIN } = require('../http/lib');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts weir on an existing data directory (a restart); resolves with {port, proc, stop}.
async function restart(data, extra = []) {
  const portFile = path.join(data, '..', `port-${Date.now()}`);
  const logPath = path.join(data, '..', `restart-${Date.now()}.log`);
  const log = fs.openSync(logPath, 'w');
  const proc = spawn(BIN, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--port-file', portFile, ...extra],
    { stdio: ['ignore', log, log] });
  const deadline = Date.now() + 15000;
  while (!fs.existsSync(portFile)) {
    if (Date.now() > deadline) throw new Error('no restart: ' + fs.readFileSync(logPath, 'utf8'));
    await sleep(20);
  }
  const port = Number(fs.readFileSync(portFile, 'utf8').trim());
  return {
    port, proc, log: () => fs.readFileSync(logPath, 'utf8'),
    async stop() {
      const done = new Promise((r) => proc.on('exit', (code) => r(code)));
      proc.kill('SIGTERM');
      return done;
    },
  };
}

// One raw request on its own connection; resolves with {status, body} once the reply is
// complete (Content-Length bytes read), or {status: 'none'} if the connection ends without one.
function rawOnce(port, head, body) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (v) => { if (!done) { done = true; s.destroy(); resolve(v); } };
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const text = buf.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /content-length:\s*(\d+)/i.exec(text.slice(0, end));
      const len = m ? Number(m[1]) : 0;
      if (buf.length >= end + 4 + len)
        finish({ status: Number(text.slice(9, 12)), body: text.slice(end + 4, end + 4 + len), head: text.slice(0, end) });
    });
    s.on('close', () => finish({ status: 'none', partial: buf.toString('latin1').slice(0, 200) }));
    s.on('error', () => {});
    s.write(head);
    if (body) s.write(body);
  });
}

test('SIGTERM under load: every request in flight is answered, transfers finish, exit 0, acknowledged writes survive', async () => {
  const srv = await startServer(['--sync', 'full', '--threads', '2']);
  const auth = `Authorization: Bearer ${srv.token}\r\n`;
  // a 64 MiB artifact to download while stopping, and a run to upload into
  const exp = await srv.req('POST', '/api/2.0/mlflow/experiments/create', { body: { name: 'drain' } });
  const run = await srv.req('POST', '/api/2.0/mlflow/runs/create', { body: { experiment_id: exp.json.experiment_id } });
  const art = `/api/2.0/mlflow-artifacts/artifacts/${exp.json.experiment_id}/${run.json.run.info.run_id}/artifacts`;
  const big = Buffer.alloc(64 << 20, 9);
  assert.equal((await srv.req('PUT', `${art}/big.bin`, { raw: big })).status, 200);

  // 1. a download the client reads slowly
  const download = new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: srv.port, path: `${art}/big.bin`, headers: { authorization: `Bearer ${srv.token}` } }, (res) => {
      let n = 0;
      res.on('data', (d) => { n += d.length; res.pause(); setTimeout(() => res.resume(), 2); });
      res.on('end', () => resolve({ status: res.statusCode, bytes: n }));
      res.on('error', () => resolve({ status: res.statusCode, bytes: n, cut: true }));
    });
    req.on('error', (e) => resolve({ status: 'error', err: String(e) }));
  });
  await sleep(200);
  // 2. an upload whose second half is sent after the signal
  const upBody = Buffer.alloc(8 << 20, 5);
  const up = net.connect(srv.port, '127.0.0.1');
  let upText = '';
  up.on('data', (d) => { upText += d.toString('latin1'); });
  up.on('error', () => {});
  up.write(`PUT ${art}/up.bin HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: ${upBody.length}\r\n\r\n`);
  up.write(upBody.subarray(0, 4 << 20));
  // 3. forty writes, each on its own connection, fully sent
  const writes = [];
  for (let i = 0; i < 40; i++) {
    const body = JSON.stringify({ name: `drain_${i}` });
    writes.push(rawOnce(srv.port, `POST /api/2.1/unity-catalog/catalogs HTTP/1.1\r\nHost: x\r\n${auth}` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body));
  }
  await sleep(30); // the requests reach the server
  const exited = new Promise((r) => srv.proc.on('exit', (code, sig) => r({ code, sig, at: Date.now() })));
  const t0 = Date.now();
  srv.proc.kill('SIGTERM');
  await sleep(100);
  up.write(upBody.subarray(4 << 20));
  const answers = await Promise.all(writes);
  const dl = await download;
  const upDeadline = Date.now() + 10000;
  while (!/\r\n\r\n/.test(upText) && Date.now() < upDeadline) await sleep(20);
  const ex = await exited;
  up.destroy();
  const ok = answers.filter((a) => a.status === 200).length;
  const none = answers.filter((a) => a.status === 'none').length;
  console.log(`SIGTERM: ${ok}/40 writes answered 200, ${none} unanswered; download ${dl.bytes}/${big.length} bytes; ` +
    `upload ${upText.slice(9, 12) || 'none'}; exit ${ex.code} after ${ex.at - t0} ms`);
  assert.equal(none, 0, 'a request in flight got no answer');
  for (const a of answers) assert.ok([200, 503].includes(a.status), JSON.stringify(a));
  assert.equal(dl.status, 200);
  assert.equal(dl.bytes, big.length, 'the download was cut');
  assert.match(upText, /^HTTP\/1\.1 200 /, 'the upload in progress was answered');
  assert.equal(ex.code, 0);
  // the upload's reply is written after the signal (its body's second half came after it)
  assert.match(upText, /\r\nconnection: close\r\n/i, 'replies while draining close the connection');

  // every acknowledged write, and the upload, after a restart
  const again = await restart(srv.data);
  try {
    const get = (p) => fetch(`http://127.0.0.1:${again.port}${p}`, { headers: { authorization: `Bearer ${srv.token}` } });
    for (let i = 0; i < 40; i++) {
      if (answers[i].status !== 200) continue;
      const res = await get(`/api/2.1/unity-catalog/catalogs/drain_${i}`);
      await res.text();
      assert.equal(res.status, 200, `drain_${i} was acknowledged but is missing`);
    }
    const res = await get(`${art}/up.bin`);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200);
    assert.ok(bytes.equals(upBody), 'the upload finished during the drain holds all its bytes');
  } finally {
    assert.equal(await again.stop(), 0);
  }
});

test('kill -9 during an upload: after the restart no temp file remains and nothing was stored', async () => {
  const srv = await startServer(['--threads', '2']);
  const exp = await srv.req('POST', '/api/2.0/mlflow/experiments/create', { body: { name: 'crash' } });
  const run = await srv.req('POST', '/api/2.0/mlflow/runs/create', { body: { experiment_id: exp.json.experiment_id } });
  const art = `/api/2.0/mlflow-artifacts/artifacts/${exp.json.experiment_id}/${run.json.run.info.run_id}/artifacts`;
  const s = net.connect(srv.port, '127.0.0.1');
  s.on('error', () => {});
  s.write(`PUT ${art}/partial.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\nContent-Length: ${64 << 20}\r\n\r\n`);
  s.write(Buffer.alloc(8 << 20, 4));
  const tmp = path.join(srv.data, 'tmp');
  const deadline = Date.now() + 5000;
  const sizeOfTmp = () => (fs.existsSync(tmp) ? fs.readdirSync(tmp).reduce((n, f) => n + fs.statSync(path.join(tmp, f)).size, 0) : 0);
  while (sizeOfTmp() < (4 << 20) && Date.now() < deadline) await sleep(20);
  const before = fs.readdirSync(tmp);
  assert.equal(before.length, 1, 'the upload is being written to one temp file');
  assert.match(before[0], /^upload-[A-Za-z0-9]{6}$/, 'a name the server picked');
  const dead = new Promise((r) => srv.proc.on('exit', r));
  srv.proc.kill('SIGKILL');
  await dead;
  s.destroy();
  assert.equal(fs.readdirSync(tmp).length, 1, 'the crash left the temp file');
  const again = await restart(srv.data);
  try {
    assert.deepEqual(fs.readdirSync(tmp), [], 'startup removed it');
    const res = await fetch(`http://127.0.0.1:${again.port}${art}/partial.bin`, { headers: { authorization: `Bearer ${srv.token}` } });
    await res.text();
    assert.equal(res.status, 404);
  } finally {
    assert.equal(await again.stop(), 0);
  }
});
