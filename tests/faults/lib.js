// Fault-test harness: starts the real weir binary on a data directory that may already
// exist (restart after a crash), with an HTTP client on its own keep-alive agent, and
// can end it with SIGKILL (no cleanup of any kind) or SIGTERM (asserting a clean exit).
// tests/http/lib.js always starts on a fresh directory; a fault test needs the same one
// again after a kill.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const assert = require('node:assert/strict');
const { BIN } = require('../http/lib');

// boot({data, sync, args}) -> server handle. `data` is created on first start; the port
// file and the log live next to it (the log is appended to across restarts).
async function boot({ data, sync = 'normal', args = [], timeoutMs = 30000 }) {
  const dir = path.dirname(data);
  const portFile = path.join(dir, 'port');
  const logPath = path.join(dir, 'server.log');
  fs.rmSync(portFile, { force: true });
  const log = fs.openSync(logPath, 'a');
  const proc = spawn(BIN, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--port-file', portFile,
    '--sync', sync, ...args], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited = null;
  const exit = new Promise((r) => proc.on('exit', (code, sig) => { exited = { code, sig }; r(exited); }));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error('weir exited early: ' + tail(logPath));
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error('weir did not start: ' + tail(logPath)); }
    // the port file is written whole; wait until it holds a number
    const txt = fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').trim() : '';
    if (/^[0-9]+$/.test(txt)) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const port = Number(fs.readFileSync(portFile, 'utf8').trim());
  const token = fs.readFileSync(path.join(data, 'admin.token'), 'utf8').trim();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const srv = {
    data, dir, port, token, proc, logPath, agent,
    log: () => fs.readFileSync(logPath, 'utf8'),
    get exited() { return exited; },
    // req(method, path, {body, token}) -> {status, json, text}; rejects when the
    // connection fails or closes before the whole answer arrived.
    req(method, p, opts = {}) {
      const headers = {};
      const tok = opts.token === undefined ? token : opts.token;
      if (tok) headers.authorization = `Bearer ${tok}`;
      let body;
      if (opts.body !== undefined) {
        body = Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
        headers['content-type'] = 'application/json';
      }
      headers['content-length'] = body ? body.length : 0;
      return new Promise((resolve, reject) => {
        const rq = http.request({ host: '127.0.0.1', port, method, path: p, headers, agent }, (res) => {
          const chunks = [];
          res.on('data', (d) => chunks.push(d));
          res.on('error', reject);
          res.on('aborted', () => reject(new Error('response aborted')));
          res.on('end', () => {
            if (!res.complete) { reject(new Error('response incomplete')); return; }
            const text = Buffer.concat(chunks).toString('utf8');
            let json;
            try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
            resolve({ status: res.statusCode, json, text });
          });
        });
        rq.on('error', reject);
        rq.end(body);
      });
    },
    // SIGKILL: no signal handler runs, nothing is flushed or checkpointed.
    async kill9() {
      if (!exited) proc.kill('SIGKILL');
      const res = await exit;
      agent.destroy();
      return res;
    },
    async stop() {
      if (!exited) proc.kill('SIGTERM');
      let timer;
      const res = await Promise.race([exit, new Promise((r) => { timer = setTimeout(() => r(null), 30000); })]);
      clearTimeout(timer);
      agent.destroy();
      if (res === null) { proc.kill('SIGKILL'); throw new Error('weir did not stop on SIGTERM'); }
      assert.equal(res.code, 0, 'weir exit code: ' + tail(logPath));
      return res;
    },
  };
  return srv;
}

function tail(p, n = 3000) {
  try { return fs.readFileSync(p, 'utf8').slice(-n); } catch { return ''; }
}

// The sqlite3 command-line shell, or null when it is not installed (scripts/deps.sh
// installs it).
function sqliteCli() {
  try { execFileSync('sqlite3', ['-version'], { stdio: 'ignore' }); return 'sqlite3'; } catch { return null; }
}

// PRAGMA integrity_check and foreign_key_check on a copy of the database files as they
// are on disk (main file and WAL; the shared-memory index is rebuilt), so the server's
// own recovery on the next start still sees the files the crash left. Returns the
// shell's output ('ok' when all is well), or null without the shell.
function integrityCheck(data, scratch) {
  const cli = sqliteCli();
  if (!cli) return null;
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { recursive: true });
  for (const f of ['weir.db', 'weir.db-wal']) {
    if (fs.existsSync(path.join(data, f))) fs.copyFileSync(path.join(data, f), path.join(scratch, f));
  }
  const out = execFileSync(cli, [path.join(scratch, 'weir.db'), 'PRAGMA integrity_check; PRAGMA foreign_key_check;'],
    { encoding: 'utf8' }).trim();
  fs.rmSync(scratch, { recursive: true, force: true });
  return out;
}

module.exports = { boot, integrityCheck, sqliteCli };
