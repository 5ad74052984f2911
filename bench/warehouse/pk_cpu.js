// Server CPU per primary-key lookup through the Statement Execution API (issue 11): run with
// `node bench/warehouse/pk_cpu.js` from the tree's root (WEIR_BIN: the binary, default
// build/weir; N: lookups, default 2,000). One client, a 100,000-row table, 200 lookups to
// warm up, then N lookups (SELECT ... WHERE rowid = :id) and N GETs of the default warehouse
// as the ceiling of a plain authenticated request on the same server (its latency too). CPU is the server
// process's user + system time (/proc/PID/stat) over each phase, divided by N: steadier than
// latency on a shared box. Prints one JSON line.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

process.env.WEIR_BIN = process.env.WEIR_BIN || path.resolve('build/weir');
const { startServer } = require('../../tests/http/lib');

const ticksMs = 10; // USER_HZ 100
const cpuMs = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * ticksMs;
};

(async () => {
  const srv = await startServer();
  const ST = '/api/2.0/sql/statements';
  const WH = 'weir0000default0';
  const run = async (statement, extra = {}) => (await srv.req('POST', ST, { body: { statement, warehouse_id: WH, catalog: 'b', schema: 's', wait_timeout: '50s', ...extra } })).json;
  const lookup = (id) => run('SELECT id, g, v FROM big WHERE rowid = :id', { wait_timeout: '10s', parameters: [{ name: 'id', value: String(id), type: 'BIGINT' }] });
  try {
    await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { body: { name: 'b' } });
    await srv.req('POST', '/api/2.1/unity-catalog/schemas', { body: { name: 's', catalog_name: 'b' } });
    await run('CREATE TABLE big (id BIGINT, g INT, v DOUBLE)');
    await run('INSERT INTO big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) SELECT i, i % 100, i * 0.5 FROM n');
    const N = Number(process.env.N || 2000);
    for (let i = 0; i < 200; i++) await lookup(1 + i);
    const pid = srv.proc.pid;
    let c0 = cpuMs(pid);
    const lat = [];
    for (let i = 0; i < N; i++) {
      const t0 = process.hrtime.bigint();
      const r = await lookup(1 + ((i * 37) % 100000));
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.status.state !== 'SUCCEEDED' || r.result.data_array.length !== 1) throw new Error(JSON.stringify(r.status));
    }
    const pk = ((cpuMs(pid) - c0) / N) * 1000;
    c0 = cpuMs(pid);
    const glat = [];
    for (let i = 0; i < N; i++) {
      const t0 = process.hrtime.bigint();
      await srv.req('GET', `/api/2.0/sql/warehouses/${WH}`);
      glat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const get = ((cpuMs(pid) - c0) / N) * 1000;
    const pct = (a, p) => +[...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))].toFixed(2);
    console.log(JSON.stringify({ lookups: N, pk_cpu_us: Math.round(pk), get_warehouse_cpu_us: Math.round(get), ratio: +(pk / get).toFixed(1),
      p50_ms: pct(lat, 0.5), p99_ms: pct(lat, 0.99), get_p50_ms: pct(glat, 0.5), get_p99_ms: pct(glat, 0.99), loadavg: os.loadavg()[0] }));
  } finally {
    await srv.stop();
  }
})();
