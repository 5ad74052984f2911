// Test harness: starts the real weir binary on port 0 with a fresh data directory,
// reads the admin token, and offers a small fetch wrapper. Every test file starts its own
// server (files run in parallel) and stops it with SIGTERM, checking a clean exit.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const assert = require('node:assert/strict');

const BIN = process.env.WEIR_BIN || path.resolve(__dirname, '../../build/weir');

// WEIR_TEST_STORE=pg: every server keeps its state in a fresh database of the PostgreSQL at
// WEIR_TEST_PG_URL (tests/pg/start.sh starts a throwaway one; `make test-pg` does it all),
// instead of SQLite in its data directory. The databases are dropped when the test file's
// process exits (a test may restart a server on the same store).
const PG = process.env.WEIR_TEST_STORE === 'pg';
let pgSeq = 0;
const pgDbs = [];
function psql(url, sql) {
  const { spawnSync } = require('node:child_process');
  const r = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr}`);
  return r.stdout.trim();
}
// The --store arguments of a new test server ([] with SQLite) and the database's name.
function storeArgs() {
  if (!PG) return { args: [], db: null };
  const admin = process.env.WEIR_TEST_PG_URL;
  if (!admin) throw new Error('WEIR_TEST_STORE=pg needs WEIR_TEST_PG_URL (tests/pg/start.sh prints it)');
  const db = `weir_t${process.pid}_${++pgSeq}_${Math.floor(Math.random() * 1e6)}`;
  psql(admin, `CREATE DATABASE ${db} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'`);
  if (pgDbs.length === 0) process.on('exit', () => pgDbs.forEach(dropStore));
  pgDbs.push(db);
  const u = new URL(admin);
  u.pathname = '/' + db;
  return { args: ['--store', u.toString()], db };
}
function dropStore(db) {
  if (!db) return;
  try { psql(process.env.WEIR_TEST_PG_URL, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`); } catch { /* the cluster goes at the end */ }
}

async function startServer(extraArgs = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-test-'));
  const store = storeArgs();
  return launch(dir, path.join(dir, 'data'), store.args, store.db, extraArgs, 'port', 'server.log');
}

// A second server process on the store and data directory of `prev` (which has exited: a
// restart, or a crash with kill -9); the same shape as startServer's.
async function restartServer(prev, extraArgs = []) {
  const n = (prev.restarts || 1) + 1;
  const srv = await launch(prev.dir, prev.data, prev.storeArgs, prev.storeDb, extraArgs, `port${n}`, `server${n}.log`);
  srv.restarts = n;
  return srv;
}

async function launch(dir, data, args, storeDb, extraArgs, portName, logName) {
  const portFile = path.join(dir, portName);
  const logPath = path.join(dir, logName);
  const log = fs.openSync(logPath, 'w');
  const proc = spawn(BIN, ['serve', '--data', data, ...args, '--listen', '127.0.0.1:0', '--port-file', portFile,
    '--sync', 'normal', ...extraArgs], { stdio: ['ignore', log, log] });
  let exited = null;
  proc.on('exit', (code, sig) => { exited = { code, sig }; });
  const deadline = Date.now() + 15000;
  while (!fs.existsSync(portFile)) {
    if (exited) throw new Error('weir exited early: ' + fs.readFileSync(logPath, 'utf8'));
    if (Date.now() > deadline) throw new Error('weir did not start: ' + fs.readFileSync(logPath, 'utf8'));
    await new Promise((r) => setTimeout(r, 20));
  }
  const port = Number(fs.readFileSync(portFile, 'utf8').trim());
  const token = fs.readFileSync(path.join(data, 'admin.token'), 'utf8').trim();
  const base = `http://127.0.0.1:${port}`;
  const srv = {
    dir, data, port, base, token, proc, logPath, storeArgs: args, storeDb,
    log: () => fs.readFileSync(logPath, 'utf8'),
    // req(method, path, {body, token, headers, raw}) -> {status, headers, json, text}
    async req(method, p, opts = {}) {
      const headers = { ...(opts.headers || {}) };
      const tok = opts.token === undefined ? token : opts.token;
      if (tok) headers.authorization = `Bearer ${tok}`;
      let body = opts.raw;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] = headers['content-type'] || 'application/json';
      }
      const res = await fetch(base + p, { method, headers, body });
      const text = await res.text();
      let json;
      try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
      return { status: res.status, headers: res.headers, json, text };
    },
    async stop() {
      if (exited) return exited;
      const done = new Promise((r) => proc.on('exit', (code, sig) => r({ code, sig })));
      proc.kill('SIGTERM');
      let timer;
      const res = await Promise.race([done, new Promise((r) => { timer = setTimeout(() => r(null), 20000); })]);
      clearTimeout(timer);
      if (res === null) { proc.kill('SIGKILL'); throw new Error('weir did not stop on SIGTERM'); }
      assert.equal(res.code, 0, `weir exit code ${res.code}, signal ${res.sig}; log tail: ` + srv.log().slice(-2000));
      return res;
    },
  };
  return srv;
}

// Raw HTTP/1.1 over a socket, for requests fetch cannot make (bad Content-Length, invalid UTF-8 bytes).
function rawRequest(port, bytes, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    const t = setTimeout(() => { sock.destroy(); resolve(Buffer.concat(chunks).toString('latin1')); }, timeoutMs);
    t.unref();
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => { clearTimeout(t); resolve(Buffer.concat(chunks).toString('latin1')); });
    sock.on('error', (e) => { clearTimeout(t); if (chunks.length) resolve(Buffer.concat(chunks).toString('latin1')); else reject(e); });
    sock.write(bytes);
  });
}

// Asserts the Databricks/UC error envelope: status, error_code, details[].metadata present.
function assertError(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${res.text}`);
  assert.ok(res.json, 'error body must be JSON: ' + res.text);
  assert.equal(res.json.error_code, code, res.text);
  assert.equal(typeof res.json.message, 'string');
  if (res.json.details) {
    for (const d of res.json.details) assert.ok(d.metadata && typeof d.metadata === 'object', 'details[].metadata');
  }
}

// A reply's JSON after checking its status (the text is the message of a failure).
function ok(res, status = 200) {
  assert.equal(res.status, status, res.text);
  return res.json;
}

// With the PostgreSQL store (WEIR_TEST_STORE=pg) the SQL warehouse is refused by design (the
// refusal is tested in http/pg_store.test.js): a warehouse test file registers one skipped
// test in its place and stops (true).
function warehouseRefusedWithPg(test) {
  if (!PG) return false;
  test('the SQL warehouse with the PostgreSQL store: refused (http/pg_store.test.js)', { skip: 'WEIR_TEST_STORE=pg' }, () => {});
  return true;
}

// A service principal named `name` with a token of its own: { name (its application id, the
// name grants use), as (request options that send its token) }.
async function servicePrincipal(srv, name) {
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { body: { displayName: name } });
  assert.equal(sp.status, 201, sp.text);
  const tok = ok(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId } }));
  return { name: sp.json.applicationId, id: sp.json.id, as: { token: tok.token_value } };
}

module.exports = { startServer, restartServer, rawRequest, assertError, ok, servicePrincipal, warehouseRefusedWithPg, BIN, PG, storeArgs };
