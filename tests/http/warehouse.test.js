// The SQL warehouse over HTTP: a small medallion (bronze, CTAS silver, INSERT ... SELECT gold)
// with its rows, UC metadata and lineage; a permission matrix over SQL (owner, reader, writer,
// nobody, a group member); every forbidden construct refused; the Statement Execution API's
// shapes (wait_timeout 0s then polling, chunks of a large result, cancel of a long statement);
// bad SQL FAILED with SQLite's text and changing nothing; the default warehouse.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, assertError, ok, warehouseRefusedWithPg } = require('./lib');
if (warehouseRefusedWithPg(test)) return;

const UC = '/api/2.1/unity-catalog';
const SCIM = '/api/2.0/preview/scim/v2';
const ST = '/api/2.0/sql/statements';
const WH = 'weir0000default0';
let srv;
const who = {};

// Runs a statement and waits for its end (wait_timeout 50s); answers the StatementResponse.
async function sql(statement, token, extra = {}) {
  return ok(await srv.req('POST', ST, { token, body: { statement, warehouse_id: WH, catalog: 'med', schema: 'm', wait_timeout: '50s', ...extra } }));
}
async function good(statement, token) {
  const r = await sql(statement, token);
  assert.equal(r.status.state, 'SUCCEEDED', JSON.stringify(r.status));
  return r;
}
async function failed(statement, token, code) {
  const r = await sql(statement, token);
  assert.equal(r.status.state, 'FAILED', statement + ': ' + JSON.stringify(r.status));
  assert.equal(r.status.error.error_code, code, statement + ': ' + r.status.error.message);
  return r;
}
async function principal(name, groups = []) {
  const sp = await ok(await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: name } }), 201);
  const t = await ok(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.applicationId } }));
  return { app: sp.applicationId, id: sp.id, token: t.token_value };
}
async function grant(type, name, principalName, privs) {
  await ok(await srv.req('PATCH', `${UC}/permissions/${type}/${name}`, { body: { changes: [{ principal: principalName, add: privs }] } }));
}

before(async () => {
  srv = await startServer();
  await ok(await srv.req('POST', `${UC}/catalogs`, { body: { name: 'med' } }));
  await ok(await srv.req('POST', `${UC}/schemas`, { body: { name: 'm', catalog_name: 'med' } }));
  for (const n of ['reader', 'writer', 'nobody', 'member']) who[n] = await principal(n);
  await ok(await srv.req('POST', `${SCIM}/Groups`, { body: { displayName: 'analysts', members: [{ value: who.member.id }] } }), 201);
});
after(async () => { await srv.stop(); });

test('medallion: CREATE bronze, INSERT, CTAS silver, INSERT ... SELECT gold, SELECT; UC metadata and lineage', async () => {
  await good('CREATE TABLE bronze (id INT NOT NULL, name STRING, amount DECIMAL(10,2), ok BOOLEAN, day DATE, at TIMESTAMP, big BIGINT, ratio DOUBLE)');
  const ins = await good("INSERT INTO med.m.bronze VALUES (1, 'a', 10.5, true, '2024-01-01', '2024-01-01 10:00:00', 9000000000, 0.5), (2, 'b', 3, false, NULL, NULL, NULL, NULL), (3, 'c', 7.25, true, '2024-01-03', NULL, 1, 1.5)");
  assert.deepEqual(ins.result.data_array, [['3', '3']]);
  await good('CREATE TABLE silver AS SELECT id, name, amount FROM bronze WHERE ok');
  await good('CREATE TABLE m.gold (name STRING, total DECIMAL(12,2))');
  await good('INSERT INTO gold SELECT s.name, sum(s.amount) FROM med.m.silver s JOIN bronze b ON b.id = s.id GROUP BY s.name');
  const q = await good('WITH g AS (SELECT * FROM gold) SELECT name, total FROM g ORDER BY name');
  assert.deepEqual(q.result.data_array, [['a', '10.50'], ['c', '7.25']]);
  assert.deepEqual(q.manifest.schema.columns.map((c) => [c.name, c.type_name, c.type_text, c.position]),
    [['name', 'STRING', 'string', 0], ['total', 'DECIMAL', 'decimal(12,2)', 1]]);
  const all = await good('SELECT id, ok, day, big, ratio FROM bronze ORDER BY id');
  assert.deepEqual(all.result.data_array[0], ['1', 'true', '2024-01-01', '9000000000', '0.5']);
  assert.deepEqual(all.result.data_array[1], ['2', 'false', null, null, null]);

  // the SQL-made tables are UC tables like any other
  const b = await ok(await srv.req('GET', `${UC}/tables/med.m.bronze`));
  assert.equal(b.table_type, 'MANAGED');
  assert.equal(b.data_source_format, 'DELTA');
  const amount = b.columns.find((c) => c.name === 'amount');
  assert.equal(amount.type_name, 'DECIMAL');
  assert.equal(amount.type_text, 'decimal(10,2)');
  assert.equal(amount.type_precision, 10);
  assert.equal(amount.type_scale, 2);
  assert.deepEqual(JSON.parse(amount.type_json), { name: 'amount', type: 'decimal(10,2)', nullable: true, metadata: {} });
  assert.equal(b.columns.find((c) => c.name === 'id').nullable, false);
  const s = await ok(await srv.req('GET', `${UC}/tables/med.m.silver`));
  assert.deepEqual(s.columns.map((c) => [c.name, c.type_name]), [['id', 'INT'], ['name', 'STRING'], ['amount', 'DECIMAL']]);
  const list = await ok(await srv.req('GET', `${UC}/tables?catalog_name=med&schema_name=m`));
  assert.deepEqual(list.tables.map((t) => t.name).sort(), ['bronze', 'gold', 'silver']);

  // lineage: bronze -> silver (CTAS), silver and bronze -> gold (INSERT ... SELECT)
  const lin = await ok(await srv.req('GET', '/api/2.0/lineage-tracking/table-lineage?table_name=med.m.gold'));
  assert.deepEqual(lin.upstreams.map((u) => u.tableInfo.name).sort(), ['bronze', 'silver']);
  const lin2 = await ok(await srv.req('GET', '/api/2.0/lineage-tracking/table-lineage?table_name=med.m.silver'));
  assert.deepEqual(lin2.upstreams.map((u) => u.tableInfo.name), ['bronze']);
  assert.deepEqual(lin2.downstreams.map((u) => u.tableInfo.name), ['gold']);
  // ... and down to columns: gold.total <- silver.amount <- bronze.amount (not the join keys)
  const cols = async (t, c) => [...new Set((await ok(await srv.req('GET', `/api/2.0/lineage-tracking/column-lineage?table_name=${t}&column_name=${c}`)))
    .upstream_cols.map((u) => `${u.table_name}.${u.name}`))].sort();
  assert.deepEqual(await cols('med.m.gold', 'total'), ['silver.amount']);
  assert.deepEqual(await cols('med.m.gold', 'name'), ['silver.name']);
  assert.deepEqual(await cols('med.m.silver', 'amount'), ['bronze.amount']);
  const graph = await ok(await srv.req('GET', `/api/v1/column-lineage?nodeId=${encodeURIComponent('datasetField:weir:med.m.gold:total')}&depth=5`));
  const fields = graph.graph.map((n) => n.id);
  assert.ok(fields.includes('datasetField:weir:med.m.silver:amount') && fields.includes('datasetField:weir:med.m.bronze:amount'), fields.join());
  assert.ok(!fields.includes('datasetField:weir:med.m.bronze:id'), fields.join());

  // a MANAGED table made through the REST API can be written with SQL
  await ok(await srv.req('POST', `${UC}/tables`, { body: { name: 'rest', catalog_name: 'med', schema_name: 'm', table_type: 'MANAGED', columns: [{ name: 'k', type_name: 'LONG', type_text: 'bigint', position: 0 }] } }));
  await good('INSERT INTO rest SELECT id FROM bronze');
  assert.deepEqual((await good('SELECT count(*) AS n FROM rest')).result.data_array, [['3']]);
  // DROP TABLE goes through the catalog too
  await good('DROP TABLE rest');
  assertError(await srv.req('GET', `${UC}/tables/med.m.rest`), 404, 'TABLE_NOT_FOUND');
});

test('permission matrix: owner, reader with SELECT, writer with MODIFY, nobody, a group member with SELECT', async () => {
  await good('CREATE TABLE pm (k INT, v STRING)');
  await good("INSERT INTO pm VALUES (1, 'x')");
  for (const p of ['reader', 'writer', 'analysts']) {
    const name = p === 'analysts' ? 'analysts' : who[p].app;
    await grant('catalog', 'med', name, ['USE_CATALOG']);
    await grant('schema', 'med.m', name, ['USE_SCHEMA']);
    await grant('table', 'med.m.pm', name, ['SELECT']);
  }
  await grant('table', 'med.m.pm', who.writer.app, ['MODIFY']);
  for (const p of ['reader', 'writer', 'member']) {
    const r = await good('SELECT v FROM pm', who[p].token);
    assert.deepEqual(r.result.data_array, [['x']]);
  }
  for (const p of ['reader', 'member']) {
    const r = await failed("INSERT INTO pm VALUES (2, 'y')", who[p].token, 'PERMISSION_DENIED');
    assert.match(r.status.error.message, /MODIFY/);
    await failed('DELETE FROM pm', who[p].token, 'PERMISSION_DENIED');
  }
  await good("INSERT INTO pm VALUES (2, 'w')", who.writer.token);
  await good("UPDATE pm SET v = 'W' WHERE k = 2", who.writer.token);
  // the writer cannot read what it was not granted, nor create tables without CREATE TABLE
  await failed('INSERT INTO pm SELECT id, name FROM bronze', who.writer.token, 'TABLE_NOT_FOUND');
  await failed('CREATE TABLE w2 (a INT)', who.writer.token, 'PERMISSION_DENIED');
  await failed('DROP TABLE pm', who.writer.token, 'PERMISSION_DENIED');
  // nobody sees nothing: the answer for a missing catalog, naming nothing else
  const n = await failed('SELECT * FROM med.m.pm', who.nobody.token, 'CATALOG_NOT_FOUND');
  assert.doesNotMatch(n.status.error.message, /pm/);
  const hidden = await failed('SELECT * FROM med.m.bronze', who.reader.token, 'TABLE_NOT_FOUND');
  const missing = await failed('SELECT * FROM med.m.nothing_here', who.reader.token, 'TABLE_NOT_FOUND');
  assert.equal(hidden.status.error.message.replace('bronze', 'X'), missing.status.error.message.replace('nothing_here', 'X'));
  // the owner reads everything
  assert.equal((await good('SELECT count(*) FROM pm')).result.data_array[0][0], '2');
  // denials are audited
  const audit = await ok(await srv.req('GET', '/api/2.0/weir/audit?status_code=403&max_results=500'));
  const denied = audit.events.filter((e) => e.service_name === 'databrickssql' && e.action_name === 'executeStatement');
  assert.ok(denied.length >= 4, JSON.stringify(audit.events.slice(0, 2)));
  assert.ok(denied.some((e) => e.user_identity?.email === who.reader.app || JSON.stringify(e).includes(who.reader.app)));
});

test('every forbidden construct is refused', async () => {
  for (const s of [
    "ATTACH DATABASE '/tmp/x.db' AS x", 'DETACH DATABASE w1', 'PRAGMA journal_mode = DELETE', 'PRAGMA writable_schema = 1',
    "SELECT load_extension('/tmp/x')", 'SELECT * FROM sqlite_master', 'SELECT * FROM sqlite_schema',
    "SELECT * FROM pragma_table_info('t')", 'CREATE TEMP VIEW v AS SELECT 1', 'CREATE TRIGGER tr AFTER INSERT ON bronze BEGIN SELECT 1; END',
    "VACUUM INTO '/tmp/x.db'", 'BEGIN', 'SAVEPOINT s', "SELECT * FROM json_each('[1]')",
  ]) {
    const r = await sql(s);
    assert.equal(r.status.state, 'FAILED', s);
    assert.ok(['PERMISSION_DENIED', 'INVALID_PARAMETER_VALUE'].includes(r.status.error.error_code), s + ': ' + JSON.stringify(r.status.error));
  }
  await good('PRAGMA encoding');
  await failed('SELECT 1; SELECT 2', undefined, 'INVALID_PARAMETER_VALUE');
});

test('bad SQL is FAILED with SQLite\'s text and changes nothing', async () => {
  const r = await failed('SELEC 1', undefined, 'BAD_REQUEST');
  assert.match(r.status.error.message, /syntax error/);
  const before = (await good('SELECT count(*) FROM bronze')).result.data_array[0][0];
  const bad = await failed("INSERT INTO bronze (id, name) VALUES (9, 'z'), (NULL, 'null id')", undefined, 'BAD_REQUEST');
  assert.match(bad.status.error.message, /NOT NULL/);
  assert.equal((await good('SELECT count(*) FROM bronze')).result.data_array[0][0], before);
  await failed('SELECT nope FROM bronze', undefined, 'BAD_REQUEST');
  await failed('CREATE TABLE bad AS SELECT nope FROM bronze', undefined, 'BAD_REQUEST');
  assertError(await srv.req('GET', `${UC}/tables/med.m.bad`), 404, 'TABLE_NOT_FOUND');
});

test('statement API: wait_timeout 0s then polling, chunks of a large result, row_limit, visibility', async () => {
  const r0 = await ok(await srv.req('POST', ST, { body: { statement: 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4500) SELECT i, i * 2 AS d FROM n', warehouse_id: WH, wait_timeout: '0s' } }));
  assert.ok(['PENDING', 'RUNNING', 'SUCCEEDED'].includes(r0.status.state));
  let g;
  for (let i = 0; i < 200; i++) {
    g = await ok(await srv.req('GET', `${ST}/${r0.statement_id}`));
    if (g.status.state === 'SUCCEEDED') break;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.equal(g.status.state, 'SUCCEEDED');
  assert.equal(g.manifest.format, 'JSON_ARRAY');
  assert.equal(g.manifest.total_row_count, 4500);
  assert.equal(g.manifest.total_chunk_count, 3);
  assert.equal(g.manifest.truncated, false);
  assert.equal(g.manifest.schema.column_count, 2);
  assert.deepEqual(g.manifest.chunks.map((c) => [c.chunk_index, c.row_offset, c.row_count]), [[0, 0, 2000], [1, 2000, 2000], [2, 4000, 500]]);
  assert.equal(g.result.chunk_index, 0);
  assert.equal(g.result.data_array.length, 2000);
  assert.deepEqual(g.result.data_array[0], ['1', '2']);
  assert.equal(g.result.next_chunk_index, 1);
  let link = g.result.next_chunk_internal_link;
  let seen = 2000;
  while (link) {
    const c = await ok(await srv.req('GET', link));
    assert.equal(c.row_offset, seen);
    assert.deepEqual(c.data_array[0], [String(seen + 1), String((seen + 1) * 2)]);
    seen += c.row_count;
    link = c.next_chunk_internal_link;
  }
  assert.equal(seen, 4500);
  assertError(await srv.req('GET', `${ST}/${r0.statement_id}/result/chunks/3`), 400, 'INVALID_PARAMETER_VALUE');
  // another caller does not see it
  assertError(await srv.req('GET', `${ST}/${r0.statement_id}`, { token: who.reader.token }), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('POST', `${ST}/${r0.statement_id}/cancel`, { token: who.reader.token }), 404, 'RESOURCE_DOES_NOT_EXIST');
  // row_limit
  const lim = await sql('SELECT id FROM bronze ORDER BY id', undefined, { row_limit: 2 });
  assert.equal(lim.manifest.total_row_count, 2);
  assert.equal(lim.manifest.truncated, true);
  // bad requests
  for (const [body, field] of [[{ statement: 'SELECT 1', warehouse_id: WH, wait_timeout: '3s' }, 'wait_timeout'],
    [{ statement: 'SELECT 1', warehouse_id: WH, on_wait_timeout: 'MAYBE' }, 'on_wait_timeout'],
    [{ statement: 'SELECT 1', warehouse_id: WH, format: 'CSV' }, 'format'],
    [{ statement: 'SELECT 1', warehouse_id: WH, disposition: 'SOMEWHERE' }, 'disposition'],
    [{ warehouse_id: WH }, 'statement']]) {
    const res = await srv.req('POST', ST, { body });
    assertError(res, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(res.json.details[0].metadata.field, field);
  }
  assertError(await srv.req('POST', ST, { body: { statement: 'SELECT 1', warehouse_id: 'nope' } }), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('cancel of a long-running statement ends CANCELED; on_wait_timeout CANCEL too', async () => {
  const long = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n';
  const r = await ok(await srv.req('POST', ST, { body: { statement: long, warehouse_id: WH, wait_timeout: '0s' } }));
  await new Promise((res) => setTimeout(res, 300));
  assert.equal((await ok(await srv.req('GET', `${ST}/${r.statement_id}`))).status.state, 'RUNNING');
  await ok(await srv.req('POST', `${ST}/${r.statement_id}/cancel`));
  let g;
  for (let i = 0; i < 100; i++) {
    g = await ok(await srv.req('GET', `${ST}/${r.statement_id}`));
    if (g.status.state !== 'RUNNING') break;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.equal(g.status.state, 'CANCELED');
  assertError(await srv.req('GET', `${ST}/${r.statement_id}/result/chunks/0`), 400, 'BAD_REQUEST');
  const t0 = Date.now();
  const c = await ok(await srv.req('POST', ST, { body: { statement: long, warehouse_id: WH, wait_timeout: '5s', on_wait_timeout: 'CANCEL' } }));
  assert.equal(c.status.state, 'CANCELED');
  assert.ok(Date.now() - t0 < 12000);
});

test('the default warehouse is listed and readable', async () => {
  const l = await ok(await srv.req('GET', '/api/2.0/sql/warehouses', { token: who.nobody.token }));
  assert.equal(l.warehouses.length, 1);
  assert.equal(l.warehouses[0].id, WH);
  assert.equal(l.warehouses[0].state, 'RUNNING');
  assert.equal((await ok(await srv.req('GET', `/api/2.0/sql/warehouses/${WH}`))).id, WH);
  assertError(await srv.req('GET', '/api/2.0/sql/warehouses/nope'), 404, 'RESOURCE_DOES_NOT_EXIST');
});
