// Warehouse benches (issue 11): run with `node bench/warehouse/bench.js` from the tree's root
// (WEIR_BIN: the binary, default build/weir; ROWS: rows of the aggregate table, default
// 10,000,000; CSV_MB: size of the COPY INTO file, default 200; REPEAT: default 3).
//
//   1. aggregate: SELECT g, count(*), sum(v) ... GROUP BY g over ROWS rows through the
//      Statement Execution API vs the sqlite3 shell on the same table file (median of REPEAT)
//   2. primary-key lookup: SELECT ... WHERE rowid = :id (the table's integer key), 1 client,
//      2,000 statements: p50/p99 of the HTTP round trip (wait_timeout 10s)
//   3. 32 concurrent readers doing (2) on a warehouse with 36 slots, alone and while one
//      writer INSERTs 200,000 rows into the same table again and again: reader p50/p99
//   4. COPY INTO of a CSV_MB CSV file from a volume vs `sqlite3 .import --csv` into a fresh
//      file with the same table
// Prints one JSON line per figure and a summary.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

process.env.WEIR_BIN = process.env.WEIR_BIN || path.resolve('build/weir');
const { startServer } = require('../../tests/http/lib');

const ROWS = Number(process.env.ROWS || 10000000);
const CSV_MB = Number(process.env.CSV_MB || 200);
const REPEAT = Number(process.env.REPEAT || 3);
const ST = '/api/2.0/sql/statements';
let srv;
let WH = 'weir0000default0';

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
const now = () => Number(process.hrtime.bigint()) / 1e6;
const out = (o) => console.log(JSON.stringify(o));

async function run(statement, extra = {}) {
  let r = await srv.req('POST', ST, { body: { statement, warehouse_id: WH, catalog: 'b', schema: 's', wait_timeout: '50s', ...extra } });
  if (r.status !== 200) throw new Error(r.text);
  let j = r.json;
  while (j.status.state === 'PENDING' || j.status.state === 'RUNNING') {
    await new Promise((res) => setTimeout(res, 200));
    j = (await srv.req('GET', `${ST}/${j.statement_id}`)).json;
  }
  if (j.status.state !== 'SUCCEEDED') throw new Error(statement + ': ' + JSON.stringify(j.status));
  return j;
}

function shell(file, sql) {
  const t0 = now();
  execFileSync('sqlite3', [file, sql], { stdio: ['ignore', 'ignore', 'inherit'] });
  return now() - t0;
}

async function tableFile(name) {
  const t = (await srv.req('GET', `/api/2.1/unity-catalog/tables/b.s.${name}`)).json;
  return path.join(srv.data, 'warehouse', `${t.table_id}.db`);
}

async function lookups(n, ids, onEach) {
  const lat = [];
  for (let i = 0; i < n; i++) {
    const id = String(1 + Math.floor(Math.random() * ids));
    const t0 = now();
    const r = await srv.req('POST', ST, { body: { statement: 'SELECT id, g, v FROM big WHERE rowid = :id', warehouse_id: WH, catalog: 'b', schema: 's', wait_timeout: '10s', parameters: [{ name: 'id', value: id, type: 'BIGINT' }] } });
    lat.push(now() - t0);
    if (r.json.status.state !== 'SUCCEEDED' || r.json.result.data_array.length !== 1) throw new Error(r.text);
    if (onEach && !onEach()) break;
  }
  return lat;
}

(async () => {
  srv = await startServer();
  try {
    await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { body: { name: 'b' } });
    await srv.req('POST', '/api/2.1/unity-catalog/schemas', { body: { name: 's', catalog_name: 'b' } });
    out({ machine: `${os.cpus().length} x ${os.cpus()[0].model}`, mem_gb: Math.round(os.totalmem() / 2 ** 30), loadavg: os.loadavg(), rows: ROWS, csv_mb: CSV_MB });

    // 1. aggregate
    await run('CREATE TABLE big (id BIGINT, g INT, v DOUBLE)');
    let t0 = now();
    await run(`INSERT INTO big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS}) SELECT i, i % 100, i * 0.5 FROM n`);
    out({ fill_ms: Math.round(now() - t0) });
    const file = await tableFile('big');
    const AGG = 'SELECT g, count(*), sum(v) FROM big GROUP BY g ORDER BY g';
    const api = [];
    const sh = [];
    for (let i = 0; i < REPEAT; i++) { // interleaved
      t0 = now();
      const r = await run(AGG);
      api.push(now() - t0);
      if (r.manifest.total_row_count !== 100) throw new Error('aggregate rows');
      sh.push(shell(file, AGG.replace('FROM big', 'FROM t')));
    }
    out({ aggregate_api_ms: api.map(Math.round), aggregate_shell_ms: sh.map(Math.round), ratio_shell_over_api: +(median(sh) / median(api)).toFixed(3) });

    // 2. primary-key lookups, one client
    await lookups(200, ROWS); // warm
    const one = await lookups(2000, ROWS);
    out({ lookup_1conn_p50_ms: +pct(one, 0.5).toFixed(2), lookup_1conn_p99_ms: +pct(one, 0.99).toFixed(2) });

    // 3. 32 readers, alone then with one writer, on a warehouse with 36 slots
    WH = (await srv.req('POST', '/api/2.0/sql/warehouses', { body: { name: 'bench', max_num_clusters: 9, auto_stop_mins: 0 } })).json.id;
    const readers = async (n) => (await Promise.all(Array.from({ length: 32 }, () => lookups(n, ROWS)))).flat();
    const alone = await readers(100);
    out({ readers32_alone_p50_ms: +pct(alone, 0.5).toFixed(2), readers32_alone_p99_ms: +pct(alone, 0.99).toFixed(2), statements: alone.length });
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      while (writing) {
        await run('INSERT INTO big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT -i, 0, 0 FROM n');
        writes++;
      }
    })();
    await new Promise((res) => setTimeout(res, 300));
    const busy = await readers(100);
    writing = false;
    await writer;
    out({ readers32_with_writer_p50_ms: +pct(busy, 0.5).toFixed(2), readers32_with_writer_p99_ms: +pct(busy, 0.99).toFixed(2), statements: busy.length, writer_inserts_of_200k: writes });
    WH = 'weir0000default0';

    // 4. COPY INTO vs sqlite3 .import
    await srv.req('POST', '/api/2.1/unity-catalog/volumes', { body: { name: 'v', catalog_name: 'b', schema_name: 's', volume_type: 'MANAGED' } });
    const csv = path.join(srv.dir, 'big.csv');
    const fd = fs.openSync(csv, 'w');
    fs.writeSync(fd, 'id,name,amount\n');
    let bytes = 0;
    let n = 0;
    while (bytes < CSV_MB * 1e6) {
      let chunk = '';
      for (let i = 0; i < 10000; i++, n++) chunk += `${n},name number ${n},${(n * 0.25).toFixed(2)}\n`;
      fs.writeSync(fd, chunk);
      bytes += chunk.length;
    }
    fs.closeSync(fd);
    // The synchronous loop above blocked the event loop for as long as it ran (half a minute
    // at 1 GB): let the client see the keep-alive connections the server closed meanwhile
    // (its --head-timeout), or the upload goes out on a dead socket.
    await new Promise((res) => setTimeout(res, 500));
    const put = await fetch(`${srv.base}/api/2.0/fs/files/Volumes/b/s/v/big.csv`, { method: 'PUT', body: fs.createReadStream(csv), duplex: 'half', headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/octet-stream' } });
    if (put.status !== 200) throw new Error('upload ' + put.status);
    const copyMs = [];
    const importMs = [];
    for (let i = 0; i < REPEAT; i++) {
      await run(`CREATE TABLE c${i} (id BIGINT, name STRING, amount DOUBLE)`);
      await run(`SELECT count(*) FROM c${i}`); // the table's file exists before the timing
      t0 = now();
      const r = await run(`COPY INTO c${i} FROM '/Volumes/b/s/v/big.csv' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true')`);
      copyMs.push(now() - t0);
      if (Number(r.result.data_array[0][1]) !== n) throw new Error('COPY rows ' + JSON.stringify(r.result));
      const db = path.join(srv.dir, `import${i}.db`);
      execFileSync('sqlite3', [db, 'PRAGMA journal_mode=WAL; CREATE TABLE t (id BIGINT, name STRING TEXT, amount DOUBLE)'], { stdio: 'ignore' });
      t0 = now();
      execFileSync('sqlite3', [db, '.import --csv --skip 1 ' + csv + ' t'], { stdio: ['ignore', 'ignore', 'inherit'] });
      importMs.push(now() - t0);
      fs.rmSync(db, { force: true });
    }
    out({ copy_rows: n, copy_mb: +(bytes / 1e6).toFixed(1), copy_into_ms: copyMs.map(Math.round), sqlite_import_ms: importMs.map(Math.round), ratio_import_over_copy: +(median(importMs) / median(copyMs)).toFixed(3) });
    out({ loadavg_end: os.loadavg() });
  } finally {
    await srv.stop();
  }
})().catch((e) => { console.error(e); process.exit(1); });
