// The PostgreSQL store (weir serve --store postgresql://...): replicas sharing one store,
// migrations applied once when they start together, the engine on one replica at a time,
// the warehouse refused, /readyz and requests while PostgreSQL is stopped and started, and
// `weir backup --store`. This file starts its own throwaway PostgreSQL (tests/pg/start.sh,
// Debian's postgresql package) so it can stop and start it, whatever WEIR_TEST_STORE says.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, assertError, BIN } = require('./lib');

const PGBIN = '/usr/lib/postgresql/15/bin';
const SCRIPTS = path.resolve(__dirname, '../pg');
const UC = '/api/2.1/unity-catalog';
const J = '/api/2.2/jobs';
const HAVE_PG = fs.existsSync(path.join(PGBIN, 'initdb'));
const skip = HAVE_PG ? false : 'PostgreSQL 15 is not installed (apt-get install postgresql)';

let pgDir;
let pgAdmin; // postgresql://.../postgres
let seq = 0;

function psql(url, sql) {
  return execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' }).trim();
}
function newDb() {
  const db = `weir_pg_${process.pid}_${++seq}`;
  psql(pgAdmin, `CREATE DATABASE ${db} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'`);
  const u = new URL(pgAdmin);
  u.pathname = '/' + db;
  return u.toString();
}
const pgctl = (what) => execFileSync(path.join(SCRIPTS, 'ctl.sh'), [pgDir, what]);

// Another replica: a weir process on `data` (shared with the others: the server secret and
// files) and the store at `url`.
async function replica(data, url, name, extra = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-replica-'));
  const portFile = path.join(dir, 'port');
  const logPath = path.join(dir, 'server.log');
  const log = fs.openSync(logPath, 'w');
  const proc = spawn(BIN, ['serve', '--data', data, '--store', url, '--listen', '127.0.0.1:0', '--port-file', portFile, '--sync', 'normal', ...extra],
    { stdio: ['ignore', log, log] });
  let exited = null;
  proc.on('exit', (code, sig) => { exited = { code, sig }; });
  const end = Date.now() + 20000;
  while (!fs.existsSync(portFile)) {
    if (exited || Date.now() > end) throw new Error(`replica ${name} did not start: ` + fs.readFileSync(logPath, 'utf8'));
    await new Promise((r) => setTimeout(r, 20));
  }
  const base = `http://127.0.0.1:${Number(fs.readFileSync(portFile, 'utf8').trim())}`;
  const r = {
    name, proc, base, log: () => fs.readFileSync(logPath, 'utf8'),
    token: null,
    async req(method, p, opts = {}) {
      const headers = {};
      const tok = opts.token === undefined ? r.token : opts.token;
      if (tok) headers.authorization = `Bearer ${tok}`;
      let body;
      if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers['content-type'] = 'application/json'; }
      const res = await fetch(base + p, { method, headers, body });
      const text = await res.text();
      let json;
      try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
      return { status: res.status, json, text };
    },
    async stop(signal = 'SIGTERM') {
      if (exited) return exited;
      const done = new Promise((res) => proc.on('exit', (code, sig) => res({ code, sig })));
      proc.kill(signal);
      return done;
    },
  };
  return r;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TERMINAL = ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'];
async function waitRun(s, runId, pred = (run) => TERMINAL.includes(run.state.life_cycle_state), ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const run = ok(await s.req('GET', `${J}/runs/get?run_id=${runId}&include_history=true`));
    if (pred(run)) return run;
    assert.ok(Date.now() < end, `run ${runId}: ${JSON.stringify(run.state)} ${JSON.stringify((run.tasks || []).map((t) => [t.task_key, t.state]))}`);
    await sleep(50);
  }
}
// The leader among replicas (the one whose log says it took the engine's role last).
function leaderOf(rs) {
  const held = rs.filter((r) => /now holds role 1/.test(r.log()) && r.proc.exitCode === null && r.proc.signalCode === null);
  assert.equal(held.length, 1, 'one live replica runs the engine');
  return held[0];
}

function ok(res) {
  assert.equal(res.status, 200, res.text);
  return res.json;
}

// Three replicas started together on a new database sharing one data directory, each with
// the admin token and `extra` options; fn({url, data, rs}) runs with them, and they are
// stopped (cleanly) after it, but for one the test killed (r.killed).
async function withThreeReplicas(fn, extra = []) {
  const url = newDb();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-shared-'));
  const started = await Promise.allSettled(['a', 'b', 'c'].map((n) => replica(data, url, n, extra)));
  const rs = started.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  try {
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const token = fs.readFileSync(path.join(data, 'admin.token'), 'utf8').trim();
    for (const r of rs) r.token = token;
    await fn({ url, data, rs });
  } finally {
    for (const r of rs) if (!r.killed) assert.equal((await r.stop()).code, 0);
  }
}

// A command task for the lease tests (a python file under `data`): it records which replica
// started it (its parent process: the weir that claimed its lease) in ran/<task_run_id> as
// "ppid pid"; attempt 0 then waits for the file `release` (at most 60 s), a retry ends at once.
function leaseTask(data) {
  const ran = path.join(data, 'ran');
  fs.mkdirSync(ran, { recursive: true });
  const release = path.join(data, 'release');
  const file = path.join(data, 'lease_task.py');
  fs.writeFileSync(file, `import os, time
open(os.path.join(${JSON.stringify(ran)}, os.environ["WEIR_TASK_RUN_ID"]), "w").write("%d %d" % (os.getppid(), os.getpid()))
if os.environ["WEIR_ATTEMPT"] == "0":
    end = time.time() + 60
    while not os.path.exists(${JSON.stringify(release)}) and time.time() < end:
        time.sleep(0.05)
`);
  const read = (id) => { try { return fs.readFileSync(path.join(ran, String(id)), 'utf8').split(' ').map(Number); } catch { return null; } };
  return {
    file,
    release: () => fs.writeFileSync(release, ''),
    started: (id) => read(id) !== null,
    ranOn: (id) => read(id)[0], // the pid of the replica that ran task run `id`
    kill: () => { for (const f of fs.readdirSync(ran)) try { process.kill(read(f)[1], 'SIGKILL'); } catch { /* gone */ } },
  };
}

// A once-a-second cron with three replicas, 60 s of it, the engine's role taken from its
// replica in the middle: started in before() and awaited by its test, so that the other tests
// (but the one that stops PostgreSQL, last) run meanwhile.
async function cronScenario() {
  await withThreeReplicas(async ({ url, rs }) => {
    const job = ok(await rs[2].req('POST', `${J}/create`, { body: {
      name: 'tick',
      schedule: { quartz_cron_expression: '* * * * * ?', timezone_id: 'UTC' },
      tasks: [{ task_key: 't', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } }],
    } }));
    // a 60-s window of whole seconds from the tick after the first one fired (the engine's
    // replica reads a job created elsewhere within a few seconds)
    let first;
    for (const end = Date.now() + 15000; !first; await sleep(100)) {
      first = Number(psql(url, `SELECT min(scheduled_time) FROM job_runs WHERE job_id = ${job.job_id}`)) || 0;
      assert.ok(first || Date.now() < end, 'the schedule fired');
    }
    const from = first + 1000;
    const to = from + 60000;
    // 20 s in, the engine's role is taken from its replica (its session killed): another
    // replica, or the same one reconnected, takes over while the old one may be in a pass
    await sleep(from + 20000 - Date.now());
    const holders = () => rs.reduce((n, r) => n + (r.log().match(/now holds role 1/g) || []).length, 0);
    const before = holders();
    assert.equal(psql(url, "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND " +
      "objid = 1 AND objsubid = 2 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"), '1');
    await sleep(to - Date.now() + 3000);
    assert.ok(holders() > before, 'the role was taken again');
    const ticks = psql(url, `SELECT scheduled_time FROM job_runs WHERE job_id = ${job.job_id} AND scheduled_time >= ${from} AND scheduled_time < ${to} ORDER BY scheduled_time`)
      .split('\n').filter(Boolean).map(Number);
    const missing = [];
    for (let t = from; t < to; t += 1000) if (!ticks.includes(t)) missing.push(t);
    assert.equal(ticks.length, 60, `runs of the window: ${ticks.length}; ticks missing: ${missing.map((t) => t - from)} ms into it; ` +
      psql(url, `SELECT scheduled_time - ${from}, created_time - ${from} FROM job_runs WHERE job_id = ${job.job_id} ORDER BY run_id`).replace(/\n/g, ', ') +
      rs.map((r) => r.log().split('\n').filter((l) => /role|engine|error|warn/.test(l)).join('\n')).join('\n'));
    assert.equal(new Set(ticks).size, 60, 'no tick fired twice');
    ticks.forEach((t, i) => assert.equal(t, from + i * 1000, 'every tick of the window'));
    assert.equal(psql(url, `SELECT count(*) - count(DISTINCT scheduled_time) FROM job_runs WHERE job_id = ${job.job_id}`), '0');
    // through the API: the runs are there and periodic
    const listed = ok(await rs[0].req('GET', `${J}/runs/list?job_id=${job.job_id}&limit=25`)).runs;
    assert.ok(listed.length === 25 && listed.every((r) => r.trigger === 'PERIODIC'));
  });
}

let cron;
before(async () => {
  if (!HAVE_PG) return;
  const out = execFileSync(path.join(SCRIPTS, 'start.sh'), { encoding: 'utf8' }).trim().split('\n');
  pgDir = out[0];
  pgAdmin = out[1];
  cron = cronScenario();
  cron.catch(() => {}); // its test reports it
});
after(() => {
  if (pgDir) execFileSync(path.join(SCRIPTS, 'stop.sh'), [pgDir]);
});

test('three replicas started together on an empty database apply each migration once and bootstrap once', { skip }, async () => {
  await withThreeReplicas(async ({ url, rs }) => {
    const versions = psql(url, 'SELECT count(*), count(DISTINCT version), max(version) FROM weir_schema').split('|').map(Number);
    assert.equal(versions[0], versions[1], 'each migration recorded once');
    assert.equal(versions[0], versions[2], 'no migration skipped');
    assert.equal(psql(url, "SELECT count(*) FROM securables WHERE type = 'metastore'"), '1', 'one metastore');
    for (const r of rs) {
      const ready = ok(await r.req('GET', '/readyz'));
      assert.equal(ready.schema_version, versions[2]);
      ok(await r.req('GET', UC + '/catalogs'));
    }
    assert.equal(rs.filter((r) => /applied migration 0001_identity/.test(r.log())).length, 1, 'one replica applied them');
  });
});

test('replicas on one store: a write through one is read through another; a revoke or a token deletion through one holds on the others at once', { skip }, async () => {
  const url = newDb();
  const srv = await startServer(['--store', url]);
  const r2 = await replica(srv.data, url, 'r2');
  const r3 = await replica(srv.data, url, 'r3');
  r2.token = r3.token = srv.token;
  try {
    ok(await srv.req('POST', UC + '/catalogs', { body: { name: 'shared' } }));
    assert.equal(ok(await r2.req('GET', UC + '/catalogs/shared')).name, 'shared');
    ok(await r3.req('POST', UC + '/schemas', { body: { name: 's', catalog_name: 'shared' } }));
    assert.equal(ok(await srv.req('GET', UC + '/schemas/shared.s')).full_name, 'shared.s');
    // names stay unique across replicas
    assertError(await r2.req('POST', UC + '/catalogs', { body: { name: 'shared' } }), 400, 'CATALOG_ALREADY_EXISTS');

    const sp = await r2.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { body: { displayName: 'reader' } });
    assert.equal(sp.status, 201, sp.text);
    const tok = ok(await r3.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId } }));
    const as = { token: tok.token_value };
    assertError(await srv.req('GET', UC + '/catalogs/shared', as), 404, 'CATALOG_NOT_FOUND');
    ok(await r2.req('PATCH', UC + '/permissions/catalog/shared', { body: { changes: [{ principal: sp.json.applicationId, add: ['USE_CATALOG'] }] } }));
    // the caches of the other replicas (read before) see the grant on their next request
    assert.equal(ok(await srv.req('GET', UC + '/catalogs/shared', as)).name, 'shared');
    assert.equal(ok(await r3.req('GET', UC + '/catalogs/shared', as)).name, 'shared');
    ok(await srv.req('PATCH', UC + '/permissions/catalog/shared', { body: { changes: [{ principal: sp.json.applicationId, remove: ['USE_CATALOG'] }] } }));
    assertError(await r2.req('GET', UC + '/catalogs/shared', as), 404, 'CATALOG_NOT_FOUND');
    assertError(await r3.req('GET', UC + '/catalogs/shared', as), 404, 'CATALOG_NOT_FOUND');
    // a token deleted through one replica is refused by the others
    ok(await r3.req('GET', '/api/2.0/weir/noop', as));
    ok(await r2.req('POST', '/api/2.0/token/delete', { ...as, body: { token_id: tok.token_info.token_id } }));
    assert.equal((await r3.req('GET', '/api/2.0/weir/noop', as)).status, 401);
    assert.equal((await srv.req('GET', '/api/2.0/weir/noop', as)).status, 401);
  } finally {
    assert.equal((await r2.stop()).code, 0);
    assert.equal((await r3.stop()).code, 0);
    await srv.stop();
  }
});

// The statements one weir process sent to the database `db` since byte `from` of the
// cluster's log (log_statement = 'all' on that database): [{pid, sql}].
function statementsSince(db, from) {
  const pids = new Set(psql(pgAdmin, `SELECT pid FROM pg_stat_activity WHERE datname = '${db}'`).split('\n'));
  const fd = fs.openSync(path.join(pgDir, 'server.log'), 'r');
  const size = fs.fstatSync(fd).size;
  const buf = Buffer.alloc(size - from);
  fs.readSync(fd, buf, 0, buf.length, from);
  fs.closeSync(fd);
  const out = [];
  for (const line of buf.toString('utf8').split('\n')) {
    const m = /\[(\d+)\] LOG:  (?:statement|execute [^:]+): (.*)$/.exec(line);
    if (m && pids.has(m[1])) out.push({ pid: m[1], sql: m[2] });
  }
  return out;
}

test('round trips: a request reads the change counters with its BEGIN, a write begins no empty read, and a grant or token deleted outside weir holds at once', { skip }, async () => {
  const url = newDb();
  const db = new URL(url).pathname.slice(1);
  psql(pgAdmin, `ALTER DATABASE ${db} SET log_statement = 'all'`);
  const srv = await startServer(['--store', url]);
  try {
    ok(await srv.req('POST', UC + '/catalogs', { body: { name: 'rt' } }));
    ok(await srv.req('POST', UC + '/schemas', { body: { name: 's', catalog_name: 'rt' } }));
    for (let i = 0; i < 4; i++) ok(await srv.req('GET', '/api/2.0/weir/noop'));
    const from = fs.statSync(path.join(pgDir, 'server.log')).size;
    const N = 10;
    for (let i = 0; i < N; i++) {
      ok(await srv.req('POST', UC + '/tables', { body: { name: `t${i}`, catalog_name: 'rt', schema_name: 's', table_type: 'EXTERNAL',
        storage_location: `s3://b/rt/${i}`, columns: [{ name: 'id', type_name: 'LONG', type_text: 'bigint', position: 0 }] } }));
    }
    for (let i = 0; i < N; i++) assert.equal(ok(await srv.req('GET', `${UC}/tables/rt.s.t${i}`)).name, `t${i}`);
    const sent = statementsSince(db, from);
    const count = (re) => sent.filter((s) => re.test(s.sql)).length;
    const writes = count(/^BEGIN; SELECT pg_advisory_xact_lock/);
    const reads = count(/^BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT .*authz_changes/);
    assert.equal(writes, N, 'one write transaction a POST');
    // a POST reads once (its token, when its headers arrive), a GET once; the engine's passes
    // may add a few. A write that began an empty read first made it 3N.
    assert.ok(reads >= 2 * N && reads <= 2 * N + 6, `read transactions: ${reads} for ${N} POSTs and ${N} GETs`);
    // the authorization change counter came with each BEGIN, never as a statement of its own
    assert.equal(count(/^SELECT n FROM authz_changes WHERE id = 1$/), 0);

    // a grant deleted and a token deleted by another program (psql: no weir process sees it)
    // apply to the very next request, the caches warm before
    const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { body: { displayName: 'rt-reader' } });
    assert.equal(sp.status, 201, sp.text);
    const tok = ok(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId } }));
    const as = { token: tok.token_value };
    ok(await srv.req('PATCH', UC + '/permissions/catalog/rt', { body: { changes: [{ principal: sp.json.applicationId, add: ['USE_CATALOG'] }] } }));
    for (let i = 0; i < 4; i++) assert.equal(ok(await srv.req('GET', UC + '/catalogs/rt', as)).name, 'rt');
    psql(url, "DELETE FROM grants WHERE securable_id = (SELECT id FROM securables WHERE type = 'catalog' AND name = 'rt')");
    for (let i = 0; i < 4; i++) assertError(await srv.req('GET', UC + '/catalogs/rt', as), 404, 'CATALOG_NOT_FOUND');
    for (let i = 0; i < 4; i++) ok(await srv.req('GET', '/api/2.0/weir/noop', as));
    psql(url, `DELETE FROM tokens WHERE id = '${tok.token_info.token_id}'`);
    for (let i = 0; i < 4; i++) assert.equal((await srv.req('GET', '/api/2.0/weir/noop', as)).status, 401);
  } finally {
    await srv.stop();
  }
});

test('the engine runs on one replica at a time: runs submitted anywhere finish, and another replica takes over when it stops', { skip }, async () => {
  const url = newDb();
  const srv = await startServer(['--store', url]);
  const r2 = await replica(srv.data, url, 'r2');
  r2.token = srv.token;
  const waitRun = async (s, runId) => {
    const end = Date.now() + 20000;
    for (;;) {
      const run = ok(await s.req('GET', `${J}/runs/get?run_id=${runId}`));
      if (['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(run.state.life_cycle_state)) return run;
      assert.ok(Date.now() < end, 'the run did not finish: ' + JSON.stringify(run.state));
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    const job = ok(await srv.req('POST', `${J}/create`, { body: { name: 'gate', tasks: [{ task_key: 'c', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } }] } }));
    const first = ok(await r2.req('POST', `${J}/run-now`, { body: { job_id: job.job_id } }));
    assert.equal((await waitRun(srv, first.run_id)).state.result_state, 'SUCCESS');
    const leaders = [srv.log(), r2.log()].filter((l) => /now holds role 1/.test(l)).length;
    assert.equal(leaders, 1, 'one replica runs the engine');
    const leader = /now holds role 1/.test(srv.log()) ? srv : r2;
    const other = leader === srv ? r2 : srv;
    assert.equal(leader === srv ? (await srv.stop()).code : (await r2.stop()).code, 0);
    const second = ok(await other.req('POST', `${J}/run-now`, { body: { job_id: job.job_id } }));
    assert.equal((await waitRun(other, second.run_id)).state.result_state, 'SUCCESS');
    assert.match(other.log(), /now holds role 1/);
  } finally {
    await r2.stop();
    await srv.stop();
  }
});

test('the SQL warehouse is refused with a stable code naming the store, for statements and sql_task', { skip }, async () => {
  const srv = await startServer(['--store', newDb()]);
  try {
    const res = await srv.req('POST', '/api/2.0/sql/statements', { body: { statement: 'SELECT 1', warehouse_id: 'weir0000default0' } });
    assertError(res, 400, 'NOT_SUPPORTED_WITH_POSTGRESQL_STORE');
    assert.match(res.json.message, /PostgreSQL store/);
    const q = await srv.req('POST', '/api/2.0/sql/queries', { body: { query: { display_name: 'q', query_text: 'SELECT 1', warehouse_id: 'weir0000default0' } } });
    assert.equal(q.status, 200, q.text); // saved queries are control-plane state: kept
    const job = ok(await srv.req('POST', `${J}/create`, { body: { name: 'sql', tasks: [{ task_key: 'q', sql_task: { warehouse_id: 'weir0000default0', query: { query_id: q.json.id } } }] } }));
    const runId = ok(await srv.req('POST', `${J}/run-now`, { body: { job_id: job.job_id } })).run_id;
    let run;
    for (const end = Date.now() + 20000; ;) {
      run = ok(await srv.req('GET', `${J}/runs/get?run_id=${runId}`));
      if (run.state.life_cycle_state === 'TERMINATED' || run.state.life_cycle_state === 'INTERNAL_ERROR') break;
      assert.ok(Date.now() < end, JSON.stringify(run.state));
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(run.state.result_state, 'FAILED');
    assert.match(JSON.stringify(run.tasks[0].state), /NOT_SUPPORTED_WITH_POSTGRESQL_STORE/);
  } finally {
    await srv.stop();
  }
});

test('weir backup --store names pg_dump and writes nothing', { skip }, () => {
  const out = path.join(os.tmpdir(), `weir-backup-${process.pid}.db`);
  const r = spawnSync(BIN, ['backup', '--store', pgAdmin, out], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /pg_dump/);
  assert.equal(fs.existsSync(out), false);
});

test('kill -9 of the replica running the engine while its tasks run: another takes over, the task runs it held end INTERNAL_ERROR and are retried, the others\' go on, and nothing stays RUNNING', { skip }, async () => {
  const url = newDb();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-shared-'));
  const rs = [];
  const task = leaseTask(data);
  try {
    // one at a time: the first one bootstraps and takes the engine's role. It has two task
    // slots, the others one each: of the four task runs below the others can hold only two,
    // so the engine's replica holds the rest whichever replica claims first (with two slots
    // each, the others' lease workers, woken by NOTIFY, sometimes took all four)
    for (const n of ['a', 'b', 'c']) rs.push(await replica(data, url, n, ['--allow-command-tasks', '--task-slots', n === 'a' ? '2' : '1']));
    const token = fs.readFileSync(path.join(data, 'admin.token'), 'utf8').trim();
    for (const r of rs) r.token = token;
    assert.equal(leaderOf(rs), rs[0], 'the first replica runs the engine');
    const job = ok(await rs[1].req('POST', `${J}/create`, { body: {
      name: 'k9',
      max_concurrent_runs: 2,
      tasks: [
        { task_key: 'slow', max_retries: 1, spark_python_task: { python_file: task.file } },
        { task_key: 'after', depends_on: [{ task_key: 'slow' }], condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } },
        { task_key: 'once', spark_python_task: { python_file: task.file } },
      ],
    } }));
    // runs submitted through the replicas that do not run the engine
    const leader = leaderOf(rs);
    const others = rs.filter((r) => r !== leader);
    const runIds = [];
    for (const o of others) runIds.push(ok(await o.req('POST', `${J}/run-now`, { body: { job_id: job.job_id } })).run_id);
    const first = (run, k) => run.tasks.find((t) => t.task_key === k);
    const started = (run) => ['slow', 'once'].every((k) => first(run, k)?.state.life_cycle_state === 'RUNNING' && task.started(first(run, k).run_id));
    const before = [];
    for (const id of runIds) before.push(await waitRun(others[0], id, started, 20000));
    // the others' slots are full: the engine's replica holds the other task runs
    const onLeader = before.flatMap((run) => ['slow', 'once'].map((k) => first(run, k).run_id)).filter((id) => task.ranOn(id) === leader.proc.pid);
    assert.equal(onLeader.length, 2, 'the engine\'s replica runs task runs too');
    leader.proc.kill('SIGKILL');
    await new Promise((r) => (leader.proc.exitCode !== null || leader.proc.signalCode !== null ? r() : leader.proc.on('exit', r)));
    // the dead replica's leases expire: its task runs end INTERNAL_ERROR (the others' go on)
    for (const id of runIds) {
      await waitRun(others[1], id, (run) => run.tasks.filter((t) => onLeader.includes(t.run_id)).every((t) => t.state.life_cycle_state === 'INTERNAL_ERROR'), 30000);
    }
    task.release();
    for (const id of runIds) {
      const run = await waitRun(others[1], id, undefined, 30000);
      const slowRuns = run.tasks.filter((t) => t.task_key === 'slow');
      const once = run.tasks.filter((t) => t.task_key === 'once');
      if (onLeader.includes(slowRuns[0].run_id)) {
        assert.equal(slowRuns.length, 2, 'the interrupted attempt and its retry');
        assert.equal(slowRuns[0].state.life_cycle_state, 'INTERNAL_ERROR');
        assert.match(slowRuns[0].state.state_message, /replica lost/);
        assert.equal(slowRuns[1].state.life_cycle_state, 'TERMINATED');
        assert.equal(slowRuns[1].state.result_state, 'SUCCESS');
        assert.notEqual(task.ranOn(slowRuns[1].run_id), leader.proc.pid);
      } else {
        assert.equal(slowRuns.length, 1, 'a task run of a live replica goes on');
        assert.equal(slowRuns[0].state.result_state, 'SUCCESS');
      }
      assert.equal(run.tasks.find((t) => t.task_key === 'after').state.result_state, 'SUCCESS');
      assert.equal(once.length, 1, 'no retries: never retried');
      if (onLeader.includes(once[0].run_id)) {
        assert.equal(once[0].state.life_cycle_state, 'INTERNAL_ERROR');
        assert.equal(run.state.result_state, 'FAILED');
      } else {
        assert.equal(once[0].state.result_state, 'SUCCESS');
        assert.equal(run.state.result_state, 'SUCCESS');
      }
      assert.equal(run.state.life_cycle_state, 'TERMINATED');
    }
    assert.equal(leaderOf(others) !== undefined, true);
    // nothing of the store is left active
    assert.equal(psql(url, "SELECT count(*) FROM job_runs WHERE life_cycle NOT IN ('TERMINATED', 'SKIPPED', 'INTERNAL_ERROR')"), '0');
    assert.equal(psql(url, "SELECT count(*) FROM task_runs WHERE life_cycle NOT IN ('TERMINATED', 'SKIPPED', 'INTERNAL_ERROR')"), '0');
    assert.equal(psql(url, 'SELECT count(*) FROM task_leases'), '0');
  } finally {
    task.kill();
    for (const r of rs) await r.stop();
  }
});

test('leases: with three replicas the parallel task runs of a job run on more than one replica; kill -9 of one that is not the leader ends its task runs INTERNAL_ERROR, retried on the others', { skip }, async () => {
  await withThreeReplicas(async ({ url, data, rs }) => {
    const task = leaseTask(data);
    try {
      const keys = ['t1', 't2', 't3', 't4', 't5', 't6'];
      const job = ok(await rs[0].req('POST', `${J}/create`, { body: {
        name: 'spread',
        tasks: keys.map((k) => ({ task_key: k, max_retries: 1, spark_python_task: { python_file: task.file } })),
      } }));
      const runId = ok(await rs[1].req('POST', `${J}/run-now`, { body: { job_id: job.job_id } })).run_id;
      // six task runs, two slots per replica: every replica holds two leases
      const run0 = await waitRun(rs[2], runId, (run) => run.tasks.length === 6 && run.tasks.every((t) => t.state.life_cycle_state === 'RUNNING' && task.started(t.run_id)), 20000);
      const where = new Map(run0.tasks.map((t) => [t.run_id, task.ranOn(t.run_id)]));
      const pids = new Set(rs.map((r) => r.proc.pid));
      for (const pid of where.values()) assert.ok(pids.has(pid), 'a replica started each task');
      assert.ok(new Set(where.values()).size > 1, `task runs on more than one replica: ${[...where.values()]}`);
      for (const r of rs) assert.ok([...where.values()].filter((p) => p === r.proc.pid).length <= 2, 'no replica runs more than its slots');
      // kill -9 a replica that is not the leader while it holds leases
      const leader = leaderOf(rs);
      const victim = rs.find((r) => r !== leader && [...where.values()].includes(r.proc.pid));
      assert.ok(victim, 'a replica other than the leader holds leases');
      const lost = run0.tasks.filter((t) => where.get(t.run_id) === victim.proc.pid).map((t) => t.task_key);
      victim.killed = true;
      victim.proc.kill('SIGKILL');
      await new Promise((r) => (victim.proc.exitCode !== null || victim.proc.signalCode !== null ? r() : victim.proc.on('exit', r)));
      // its leases expire (no heartbeat): its task runs end INTERNAL_ERROR and wait for a retry
      await waitRun(leader, runId, (run) => lost.every((k) => run.tasks.filter((t) => t.task_key === k).length === 2), 30000);
      task.release(); // the survivors' attempts end, freeing slots for the retries
      const run = await waitRun(leader, runId, undefined, 30000);
      assert.equal(run.state.result_state, 'SUCCESS', JSON.stringify(run.tasks.map((t) => [t.task_key, t.state])));
      for (const k of keys) {
        const attempts = run.tasks.filter((t) => t.task_key === k);
        if (lost.includes(k)) {
          assert.equal(attempts.length, 2);
          assert.equal(attempts[0].state.life_cycle_state, 'INTERNAL_ERROR');
          assert.match(attempts[0].state.state_message, /replica lost/);
          assert.equal(attempts[1].state.result_state, 'SUCCESS');
          assert.notEqual(task.ranOn(attempts[1].run_id), victim.proc.pid, 'retried on another replica');
        } else {
          assert.equal(attempts.length, 1, `${k} ran on a live replica: no retry`);
          assert.equal(attempts[0].state.result_state, 'SUCCESS');
        }
      }
      assert.equal(psql(url, "SELECT count(*) FROM task_runs WHERE life_cycle NOT IN ('TERMINATED', 'SKIPPED', 'INTERNAL_ERROR')"), '0');
      assert.equal(psql(url, 'SELECT count(*) FROM task_leases'), '0');
    } finally {
      task.kill();
    }
  }, ['--allow-command-tasks', '--task-slots', '2']);
});

test('leases: max_concurrent_runs 1 holds across three replicas, whichever replicas run the tasks', { skip }, async () => {
  await withThreeReplicas(async ({ rs, data }) => {
    const spans = path.join(data, 'spans');
    fs.mkdirSync(spans);
    const file = path.join(data, 'span.py');
    fs.writeFileSync(file, `import os, time
t0 = time.time()
time.sleep(0.5)
open(os.path.join(${JSON.stringify(spans)}, os.environ["WEIR_TASK_RUN_ID"]), "w").write("%s %f %f %d" % (os.environ["WEIR_RUN_ID"], t0, time.time(), os.getppid()))
`);
    // two parallel tasks per run and one slot per replica: each run's tasks are on two replicas
    const job = ok(await rs[0].req('POST', `${J}/create`, { body: {
      name: 'one-at-a-time',
      max_concurrent_runs: 1,
      queue: { enabled: true },
      tasks: ['a', 'b'].map((k) => ({ task_key: k, spark_python_task: { python_file: file } })),
    } }));
    // five runs, submitted round-robin through the replicas at once
    const ids = await Promise.all([0, 1, 2, 3, 4].map(async (i) => ok(await rs[i % 3].req('POST', `${J}/run-now`, { body: { job_id: job.job_id } })).run_id));
    for (const id of ids) assert.equal((await waitRun(rs[0], id, undefined, 60000)).state.result_state, 'SUCCESS');
    const rows = fs.readdirSync(spans).map((f) => fs.readFileSync(path.join(spans, f), 'utf8').split(' ').map(Number));
    assert.equal(rows.length, 10);
    assert.ok(new Set(rows.map((r) => r[3])).size > 1, 'tasks ran on more than one replica');
    // each run's span (its first task's start to its last task's end) overlaps no other's
    const runs = ids.map((id) => {
      const mine = rows.filter((r) => r[0] === id);
      return [Math.min(...mine.map((r) => r[1])), Math.max(...mine.map((r) => r[2]))];
    }).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < runs.length; i++) assert.ok(runs[i][0] >= runs[i - 1][1], `run ${i} started after run ${i - 1} ended: ${JSON.stringify(runs)}`);
  }, ['--allow-command-tasks', '--task-slots', '1']);
});

test('a once-a-second cron with three replicas fires each tick of 60 seconds exactly once, across a takeover of the engine', { skip, timeout: 120000 }, async () => {
  await cron;
});

test('PostgreSQL stopped and started under load: requests fail 503, /readyz fails and recovers, nothing acknowledged is lost', { skip }, async () => {
  const srv = await startServer(['--store', newDb()]);
  try {
    assert.equal((await srv.req('GET', '/readyz')).status, 200);
    const acked = [];
    const failures = [];
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop) {
        const name = `c${n++}`;
        let res;
        try {
          res = await srv.req('POST', UC + '/catalogs', { body: { name } });
        } catch (e) { // a connection the server dropped: never acceptable
          res = { status: 0, text: `${e.message}: ${e.cause && e.cause.code}` };
        }
        if (res.status === 200) acked.push(name);
        else failures.push(res);
      }
    };
    const workers = [worker(), worker(), worker()];
    await new Promise((r) => setTimeout(r, 400));
    pgctl('stop');
    await new Promise((r) => setTimeout(r, 600));
    const down = await srv.req('GET', '/readyz');
    assert.equal(down.status, 503);
    assert.equal(down.json.status, 'store_unreachable');
    pgctl('start');
    const end = Date.now() + 20000;
    while ((await srv.req('GET', '/readyz')).status !== 200) {
      assert.ok(Date.now() < end, '/readyz did not recover');
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(workers);
    assert.ok(failures.length > 0, 'some requests met the stopped store');
    for (const f of failures) {
      assert.equal(f.status, 503, f.text);
      assert.equal(f.json.error_code, 'TEMPORARILY_UNAVAILABLE', f.text);
    }
    assert.ok(acked.length > 10, `writes before and after: ${acked.length}`);
    const names = new Set(ok(await srv.req('GET', UC + '/catalogs?max_results=1000')).catalogs.map((c) => c.name));
    for (const a of acked) assert.ok(names.has(a), `acknowledged catalog ${a} is there`);
    ok(await srv.req('POST', UC + '/catalogs', { body: { name: 'after' } }));
    // a restart while the server idles: its connections' sockets are dead, and the next
    // requests reconnect instead of failing (nothing was in flight)
    pgctl('stop');
    pgctl('start');
    for (let i = 0; i < 6; i++) assert.equal(ok(await srv.req('GET', UC + '/catalogs/after')).name, 'after');
    ok(await srv.req('POST', UC + '/catalogs', { body: { name: 'after2' } }));
  } finally {
    await srv.stop();
  }
});
