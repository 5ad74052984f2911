// The SQL warehouse's query history (GET /api/2.0/sql/history/queries, Databricks' Query
// History API shape): every ended statement has a row by the time its final state is
// answered (FINISHED with rows_produced, FAILED with the error, CANCELED), newest first; a
// user reads only their own statements, an admin everyone's (and may filter by user); filters
// by status, warehouse and start time; pages with max_results/page_token without repeats;
// bad arguments are 400s.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, restartServer, assertError, ok, warehouseRefusedWithPg } = require('./lib');

if (warehouseRefusedWithPg(test)) return;

const SCIM = '/api/2.0/preview/scim/v2';
const ST = '/api/2.0/sql/statements';
const HQ = '/api/2.0/sql/history/queries';
const DEF = 'weir0000default0';
const LONG = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n';
let srv, bot;

const run = async (statement, token, extra = {}) => ok(await srv.req('POST', ST, { token, body: { statement, warehouse_id: DEF, wait_timeout: '30s', ...extra } }));
const hist = async (q = '', token) => ok(await srv.req('GET', HQ + q, { token }));

before(async () => {
  srv = await startServer();
  const sp = await ok(await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: 'hist-bot' } }), 201);
  const t = await ok(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.applicationId } }));
  bot = { app: sp.applicationId, id: Number(sp.id), token: t.token_value };
});
after(async () => { await srv.stop(); });

test('each ended statement has its row as soon as its state is answered: FINISHED, FAILED, CANCELED', async () => {
  const t0 = Date.now();
  const okRun = await run('SELECT 1 AS a UNION ALL SELECT 2');
  assert.equal(okRun.status.state, 'SUCCEEDED');
  let h = await hist();
  assert.equal(h.res[0].query_id, okRun.statement_id, 'newest first, there already');
  assert.equal(h.res[0].status, 'FINISHED');
  assert.equal(h.res[0].query_text, 'SELECT 1 AS a UNION ALL SELECT 2');
  assert.equal(h.res[0].rows_produced, 2);
  assert.equal(h.res[0].user_name, 'admin');
  assert.equal(h.res[0].warehouse_id, DEF);
  assert.equal(h.res[0].is_final, true);
  assert.ok(h.res[0].query_start_time_ms >= t0 - 1000 && h.res[0].query_end_time_ms >= h.res[0].query_start_time_ms);
  assert.equal(h.res[0].duration, h.res[0].query_end_time_ms - h.res[0].query_start_time_ms);
  assert.equal(h.has_next_page, false);

  const bad = await run('SELEC nothing');
  assert.equal(bad.status.state, 'FAILED');
  h = await hist();
  assert.equal(h.res[0].query_id, bad.statement_id);
  assert.equal(h.res[0].status, 'FAILED');
  assert.match(h.res[0].error_message, /syntax error/);
  assert.equal(h.res[0].rows_produced, undefined);

  const long = await run(LONG, undefined, { wait_timeout: '0s' });
  assert.equal((await srv.req('POST', `${ST}/${long.statement_id}/cancel`, {})).status, 200);
  let row;
  for (let i = 0; i < 200 && !row; i++) {
    row = (await hist('?filter_by.statuses=CANCELED')).res.find((r) => r.query_id === long.statement_id);
    if (!row) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(row, 'the canceled statement has its row');
  assert.equal(row.status, 'CANCELED');
});

test('a user sees only their own statements; an admin sees everyone and filters by user', async () => {
  const mine = await run('SELECT 42', bot.token);
  assert.equal(mine.status.state, 'SUCCEEDED', JSON.stringify(mine.status));
  const own = await hist('', bot.token);
  assert.deepEqual(own.res.map((r) => r.query_id), [mine.statement_id], 'only the bot\'s statement');
  assert.equal(own.res[0].user_name, bot.app);
  assert.equal(own.res[0].user_id, bot.id);
  // asking for someone else's changes nothing for a non-admin
  const adminId = (await hist()).res.find((r) => r.user_name === 'admin').user_id;
  assert.deepEqual((await hist(`?filter_by.user_ids=${adminId}`, bot.token)).res, []);
  // the admin sees both, and can narrow to one user
  const all = await hist();
  assert.ok(all.res.some((r) => r.query_id === mine.statement_id));
  assert.ok(all.res.some((r) => r.user_name === 'admin'));
  const onlyBot = await hist(`?filter_by.user_ids=${bot.id}`);
  assert.deepEqual(onlyBot.res.map((r) => r.query_id), [mine.statement_id]);
  // and without a token: 401
  assertError(await srv.req('GET', HQ, { token: '' }), 401, 'UNAUTHENTICATED');
});

test('filters by status, warehouse and start time; pages without repeats; bad arguments are 400', async () => {
  for (let i = 0; i < 5; i++) await run(`SELECT ${i} AS page_${i}`);
  const all = (await hist('?max_results=1000')).res;
  assert.ok(all.length >= 9);
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].query_start_time_ms >= all[i].query_start_time_ms, 'newest first');
  const finished = (await hist('?filter_by.statuses=FINISHED')).res;
  assert.ok(finished.length > 0 && finished.every((r) => r.status === 'FINISHED'));
  const two = (await hist('?filter_by.statuses=FAILED&filter_by.statuses=CANCELED')).res;
  assert.deepEqual(new Set(two.map((r) => r.status)), new Set(['FAILED', 'CANCELED']));
  assert.deepEqual((await hist('?filter_by.warehouse_ids=nope')).res, []);
  assert.equal((await hist(`?filter_by.warehouse_ids=${DEF}`)).res.length, Math.min(all.length, 100));
  const cut = all[2].query_start_time_ms;
  const since = (await hist(`?filter_by.query_start_time_range.start_time_ms=${cut}`)).res;
  assert.ok(since.length >= 3 && since.every((r) => r.query_start_time_ms >= cut));
  const before = (await hist(`?filter_by.query_start_time_range.end_time_ms=${cut}`)).res;
  assert.ok(before.every((r) => r.query_start_time_ms < cut));
  assert.equal(since.length + before.length, all.length, 'the range splits the history');
  // pages of 2 walk the whole history once, in order
  const seen = [];
  let token = '';
  for (let n = 0; n < 50; n++) {
    const p = await hist(`?max_results=2${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
    assert.ok(p.res.length <= 2);
    seen.push(...p.res.map((r) => r.query_id));
    if (!p.has_next_page) { assert.equal(p.next_page_token, undefined); break; }
    token = p.next_page_token;
  }
  assert.deepEqual(seen, all.map((r) => r.query_id));
  assertError(await srv.req('GET', `${HQ}?max_results=0`), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${HQ}?max_results=1001`), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${HQ}?max_results=x`), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${HQ}?page_token=garbage`), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${HQ}?filter_by.statuses=DONE`), 400, 'INVALID_PARAMETER_VALUE');
});

test('after a restart a statement answers its final state from the history: CLOSED (its result is gone), FAILED with its message; still the owner\'s only', async () => {
  const s1 = await startServer();
  let s2;
  try {
    const ok1 = async (res, status = 200) => { assert.equal(res.status, status, res.text); return res.json; };
    const go = async (srvx, statement, token) => ok1(await srvx.req('POST', ST, { token, body: { statement, warehouse_id: DEF, wait_timeout: '30s' } }));
    const done = await go(s1, 'SELECT 1');
    assert.equal(done.status.state, 'SUCCEEDED');
    const bad = await go(s1, 'SELECT * FROM nowhere.at.all');
    assert.equal(bad.status.state, 'FAILED');
    await s1.stop();
    s2 = await restartServer(s1);
    const got = await ok1(await s2.req('GET', `${ST}/${done.statement_id}`));
    assert.deepEqual(got, { statement_id: done.statement_id, status: { state: 'CLOSED' } });
    const failed = await ok1(await s2.req('GET', `${ST}/${bad.statement_id}`));
    assert.equal(failed.status.state, 'FAILED');
    assert.equal(failed.status.error.message, bad.status.error.message);
    // another user's statement, or one that never was: not found, as before
    const sp = await ok1(await s2.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: 'restart-bot' } }), 201);
    const t = await ok1(await s2.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.applicationId } }));
    const other = await s2.req('GET', `${ST}/${done.statement_id}`, { token: t.token_value });
    const never = await s2.req('GET', `${ST}/00000000-0000-0000-0000-000000000000`);
    assert.equal(other.status, 404);
    assert.equal(never.status, 404);
    assert.equal(other.json.error_code, never.json.error_code);
  } finally {
    if (s2) await s2.stop();
    else await s1.stop();
  }
});
