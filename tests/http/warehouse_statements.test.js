// The warehouse's table of statements under load (warehouse/statements.c): primary-key
// lookups each leave their audit row (databrickssql / executeStatement, the statement's id)
// and their query-history row by the time they are answered; many calls waiting at once on
// a warehouse of 4 slots each get their own statement's answer (on_wait_timeout CANCEL still
// cancels, a slot at a time); past 1,000 statements the oldest ended ones make room and every
// call is still answered with its own statement, an evicted one CLOSED (from the history).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, assertError, ok, warehouseRefusedWithPg } = require('./lib');

if (warehouseRefusedWithPg(test)) return;

const UC = '/api/2.1/unity-catalog';
const ST = '/api/2.0/sql/statements';
const HQ = '/api/2.0/sql/history/queries';
const DEF = 'weir0000default0';
const LONG = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n';
let srv;
const dbl = (x) => (Number.isInteger(x) ? x.toFixed(1) : String(x)); // a DOUBLE as the API writes it

const sql = async (statement, extra = {}) =>
  ok(await srv.req('POST', ST, { body: { statement, warehouse_id: DEF, catalog: 'pk', schema: 's', wait_timeout: '30s', ...extra } }));
const lookup = (id) => sql('SELECT id, g, v FROM big WHERE rowid = :id', { wait_timeout: '10s', parameters: [{ name: 'id', value: String(id), type: 'BIGINT' }] });

before(async () => {
  srv = await startServer();
  await ok(await srv.req('POST', `${UC}/catalogs`, { body: { name: 'pk' } }));
  await ok(await srv.req('POST', `${UC}/schemas`, { body: { name: 's', catalog_name: 'pk' } }));
  assert.equal((await sql('CREATE TABLE big (id BIGINT, g INT, v DOUBLE)')).status.state, 'SUCCEEDED');
  const fill = await sql('INSERT INTO big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) SELECT i, i % 10, i * 0.5 FROM n');
  assert.equal(fill.status.state, 'SUCCEEDED');
});
after(async () => { await srv.stop(); });

test('every primary-key lookup has its audit row and its query-history row when it is answered', async () => {
  const ids = [];
  for (let i = 1; i <= 20; i++) {
    const r = await lookup(i * 7);
    assert.equal(r.status.state, 'SUCCEEDED');
    assert.deepEqual(r.result.data_array, [[String(i * 7), String((i * 7) % 10), dbl(i * 3.5)]]);
    ids.push(r.statement_id);
    // the history row is there as soon as the answer is
    const h = await ok(await srv.req('GET', `${HQ}?max_results=1`));
    assert.equal(h.res[0].query_id, r.statement_id);
    assert.equal(h.res[0].status, 'FINISHED');
    assert.equal(h.res[0].rows_produced, 1);
  }
  const events = [];
  let token;
  do {
    const res = await ok(await srv.req('GET', `/api/2.0/weir/audit?service_name=databrickssql${token ? `&page_token=${encodeURIComponent(token)}` : ''}`));
    events.push(...res.events);
    token = res.next_page_token;
  } while (token);
  const audited = new Set(events.filter((e) => e.action_name === 'executeStatement' && e.response.status_code === 200).map((e) => e.request_id));
  for (const id of ids) assert.ok(audited.has(id), `the audit row of ${id}`);
  const hist = await ok(await srv.req('GET', `${HQ}?max_results=100`));
  const seen = new Set(hist.res.map((q) => q.query_id));
  for (const id of ids) assert.ok(seen.has(id), `the history row of ${id}`);
});

test('many calls waiting at once on 4 slots each get their own statement; CANCEL on wait_timeout still cancels', async () => {
  const longs = [0, 1].map(() => sql(LONG, { wait_timeout: '5s', on_wait_timeout: 'CANCEL' }));
  const calls = [];
  for (let i = 1; i <= 40; i++) calls.push(lookup(i).then((r) => ({ i, r })));
  for (const { i, r } of await Promise.all(calls)) {
    assert.equal(r.status.state, 'SUCCEEDED', JSON.stringify(r.status));
    assert.deepEqual(r.result.data_array, [[String(i), String(i % 10), dbl(i * 0.5)]]);
    const again = await ok(await srv.req('GET', `${ST}/${r.statement_id}`));
    assert.deepEqual(again.result.data_array, r.result.data_array);
  }
  for (const r of await Promise.all(longs)) assert.equal(r.status.state, 'CANCELED', JSON.stringify(r.status));
  const wh = await ok(await srv.req('GET', `/api/2.0/sql/warehouses/${DEF}`));
  assert.equal(wh.state, 'RUNNING');
});

test('past 1,000 statements the oldest ended ones make room; each call still answers its own statement', async () => {
  const first = await lookup(1);
  const answered = [];
  for (let i = 0; i < 1010; i++) {
    const id = 1 + (i % 1000);
    const r = await lookup(id);
    assert.equal(r.status.state, 'SUCCEEDED');
    assert.equal(r.result.data_array[0][0], String(id));
    answered.push(r.statement_id);
  }
  assert.equal(new Set(answered).size, answered.length, 'every statement has its own id');
  // gone from memory: answered from the query history, CLOSED (its result dropped)
  assert.deepEqual(await ok(await srv.req('GET', `${ST}/${first.statement_id}`)), { statement_id: first.statement_id, status: { state: 'CLOSED' } });
  const last = await ok(await srv.req('GET', `${ST}/${answered[answered.length - 1]}`));
  assert.equal(last.status.state, 'SUCCEEDED');
  assert.equal(last.result.data_array[0][0], '10');
  const list = await ok(await srv.req('GET', ST));
  assert.ok(list.statements.length <= 1000, `${list.statements.length} statements kept`);
  assert.equal(list.statements[0].statement_id, answered[answered.length - 1], 'newest first');
});
