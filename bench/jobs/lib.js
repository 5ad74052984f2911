// Shared by the jobs benches: starts the real weir binary on port 0 with a fresh data
// directory (like tests/http/lib.js, but with the --sync level and extra flags chosen by the
// bench), a keep-alive JSON client, and the server's CPU time and RSS from /proc.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');

const BIN = process.env.WEIR_BIN || path.resolve(__dirname, '../../build/weir');
const CLK_TCK = 100; // getconf CLK_TCK on Linux

async function startServer({ sync = 'normal', args = [] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-jobsbench-'));
  const portFile = path.join(dir, 'port');
  const data = path.join(dir, 'data');
  const logPath = path.join(dir, 'server.log');
  const log = fs.openSync(logPath, 'w');
  const proc = spawn(BIN, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--port-file', portFile,
    '--sync', sync, ...args], { stdio: ['ignore', log, log] });
  let exited = null;
  proc.on('exit', (code, sig) => { exited = { code, sig }; });
  const deadline = Date.now() + 15000;
  while (!fs.existsSync(portFile) || fs.readFileSync(portFile, 'utf8').trim() === '') {
    if (exited || Date.now() > deadline) throw new Error('weir did not start: ' + fs.readFileSync(logPath, 'utf8'));
    await new Promise((r) => setTimeout(r, 10));
  }
  const port = Number(fs.readFileSync(portFile, 'utf8').trim());
  const token = fs.readFileSync(path.join(data, 'admin.token'), 'utf8').trim();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const srv = {
    dir, data, port, token, proc, pid: proc.pid, logPath,
    // req(method, path, body) -> {status, json}; keep-alive, no fetch overhead.
    req(method, p, body) {
      const text = body === undefined ? null : JSON.stringify(body);
      const headers = { authorization: `Bearer ${token}` };
      if (text !== null) { headers['content-type'] = 'application/json'; headers['content-length'] = Buffer.byteLength(text); }
      return new Promise((resolve, reject) => {
        const rq = http.request({ host: '127.0.0.1', port, method, path: p, headers, agent }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const t = Buffer.concat(chunks).toString('utf8');
            let json;
            try { json = t ? JSON.parse(t) : undefined; } catch { json = undefined; }
            resolve({ status: res.statusCode, json, text: t });
          });
        });
        rq.on('error', reject);
        if (text !== null) rq.write(text);
        rq.end();
      });
    },
    async ok(method, p, body) {
      const r = await srv.req(method, p, body);
      if (r.status !== 200) throw new Error(`${method} ${p}: ${r.status} ${r.text.slice(0, 500)}`);
      return r.json;
    },
    // utime+stime of the server process (all threads), in seconds.
    cpu() {
      const f = fs.readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      return (Number(rest[11]) + Number(rest[12])) / CLK_TCK; // fields 14, 15
    },
    rssKb() {
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
      return m ? Number(m[1]) : 0;
    },
    hwmKb() {
      const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
      return m ? Number(m[1]) : 0;
    },
    async stop() {
      agent.destroy();
      if (exited) return exited;
      const done = new Promise((r) => proc.on('exit', (code, sig) => r({ code, sig })));
      proc.kill('SIGTERM');
      const res = await Promise.race([done, new Promise((r) => setTimeout(() => r(null), 30000))]);
      if (res === null) { proc.kill('SIGKILL'); throw new Error('weir did not stop on SIGTERM'); }
      if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
      return res;
    },
  };
  return srv;
}

const J = '/api/2.2/jobs';
const TERMINAL = new Set(['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);

// All task runs of a run (2.2 pages them by 100).
async function runWithTasks(srv, runId) {
  let run = null;
  let tok = '';
  const tasks = [];
  for (;;) {
    const r = await srv.ok('GET', `${J}/runs/get?run_id=${runId}${tok ? `&page_token=${encodeURIComponent(tok)}` : ''}`);
    if (!run) run = r;
    tasks.push(...(r.tasks || []));
    if (!r.next_page_token) break;
    tok = r.next_page_token;
  }
  run.tasks = tasks;
  return run;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
function uptime() { return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); }

module.exports = { startServer, runWithTasks, median, pct, uptime, J, TERMINAL, BIN };
