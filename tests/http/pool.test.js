// Proves a slow reader cannot starve the server: responses still being sent (large artifact
// downloads whose client reads nothing) hold no pooled database connection, so with a pool of
// 4 connections, 8 stalled downloads leave every other request answered.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { startServer } = require('./lib');

let srv;
before(async () => { srv = await startServer(['--threads', '2']); });
after(async () => { await srv.stop(); });

test('stalled downloads do not pin database connections', async () => {
  const exp = await srv.req('POST', '/api/2.0/mlflow/experiments/create', { body: { name: 'pool' } });
  assert.equal(exp.status, 200, exp.text);
  const big = Buffer.alloc(16 << 20, 7);
  const path = `/api/2.0/mlflow-artifacts/artifacts/${exp.json.experiment_id}/r/big.bin`;
  const put = await srv.req('PUT', path, { raw: big, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 200, put.text);
  const stalled = [];
  for (let i = 0; i < 8; i++) {
    stalled.push(await new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: srv.port, path, headers: { authorization: `Bearer ${srv.token}` } }, (res) => {
        res.pause(); // read nothing: the server's send stays blocked
        resolve({ req, res });
      });
      req.on('error', reject);
    }));
  }
  for (const s of stalled) assert.equal(s.res.statusCode, 200);
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 5000);
  for (let i = 0; i < 10; i++) {
    const r = await fetch(srv.base + '/api/2.1/unity-catalog/catalogs', { headers: { authorization: `Bearer ${srv.token}` }, signal: ctl.signal });
    assert.equal(r.status, 200);
    await r.text();
  }
  clearTimeout(timer);
  for (const s of stalled) s.req.destroy();
});
