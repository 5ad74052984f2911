// The SQL editor in Chromium: run a statement on the chosen warehouse with a default catalog
// and schema, a 10,000-row result in the virtualised grid (few rows in the page, chunks
// fetched as they scroll into view, the last row reachable), an error shown under the editor
// with the statement's own message, cancel of a long statement, the history (the server's
// query history of the caller's statements, those run through the API included; a statement
// opens again in the editor with its default catalog and schema), as an admin; a principal
// without grants gets the API's refusal for a table it may not read, as text, and sees only
// its own statements in the history. Measures the time to the
// first rows and to the last row of the 10,000-row grid (printed as a diagnostic).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, launch, withPage, sessionCookie, checkA11y, tabTo, makeUser } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const XSS = '<img src=x onerror="window.__xss=1">';
let srv, browser, user, warehouse;

async function sql(statement) {
  const r = await srv.req('POST', '/api/2.0/sql/statements', { body: { statement, warehouse_id: warehouse, wait_timeout: '30s' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status.state, 'SUCCEEDED', r.text);
  return r.json;
}

before(async () => {
  srv = await startServer();
  browser = await launch();
  user = await makeUser(srv, 'sql-user');
  warehouse = (await srv.req('GET', '/api/2.0/sql/warehouses')).json.warehouses[0].id;
  assert.equal((await srv.req('POST', `${UC}/catalogs`, { body: { name: 'main' } })).status, 200);
  assert.equal((await srv.req('POST', `${UC}/schemas`, { body: { name: 'sales', catalog_name: 'main' } })).status, 200);
  await sql('CREATE TABLE main.sales.orders (id INT, note STRING)');
  await sql(`INSERT INTO main.sales.orders VALUES (1, '${XSS.replace(/'/g, "''")}'), (2, 'plain')`);
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const TEN_K = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) SELECT i, i * 2 AS twice, 'row ' || i AS label FROM n";

test('admin: run with a default catalog and schema, 10,000 rows scroll virtualised, errors in place, history', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/sql');
    await page.getByRole('heading', { level: 1, name: 'SQL editor' }).waitFor();
    const wh = page.getByLabel('Warehouse');
    assert.equal(await wh.inputValue(), warehouse);
    await page.getByLabel('Default catalog').fill('main');
    await page.getByLabel('Default schema').fill('sales');
    await page.getByLabel('SQL statement').fill('SELECT id, note FROM orders ORDER BY id');
    await checkA11y(page, 'sql editor');
    await tabTo(page, page.getByRole('button', { name: 'Run' }));
    await page.keyboard.press('Enter');
    const grid = page.getByRole('table', { name: 'Result' });
    await grid.getByRole('cell', { name: XSS, exact: true }).waitFor(); // a value with HTML, as text
    await grid.getByRole('cell', { name: 'plain', exact: true }).waitFor();
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.match(page.url(), /catalog=main&schema=sales/);

    // an error: the statement's own message under the editor; Ctrl+Enter runs
    await page.getByLabel('SQL statement').fill('SELECT nope FROM orders');
    await page.getByLabel('SQL statement').press('Control+Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /nope/);
    assert.equal(await grid.count(), 0, 'no stale result beside the error');
    await checkA11y(page, 'sql error');

    // 10,000 rows: a few dozen rendered, chunks fetched on demand, the end reachable
    const chunkRequests = [];
    page.on('request', (r) => { if (/\/result\/chunks\/\d+$/.test(r.url())) chunkRequests.push(r.url()); });
    await page.getByLabel('SQL statement').fill(TEN_K);
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Run' }).click();
    await grid.getByRole('cell', { name: 'row 1', exact: true }).waitFor();
    const firstRows = Date.now() - t0;
    await page.getByText('10000 rows · 5 chunks', { exact: false }).waitFor();
    const rendered = await grid.locator('tbody tr:not(.spacer)').count();
    assert.ok(rendered < 80, `only the rows in view are rendered (${rendered})`);
    assert.equal(await grid.getAttribute('aria-rowcount'), '10001');
    assert.equal(chunkRequests.length, 0, 'the first chunk came with the answer');
    await checkA11y(page, 'sql grid');
    // the middle: row 5000's chunk is fetched, not every chunk
    const region = page.getByRole('region', { name: /Result rows/ });
    await region.evaluate((el) => { el.scrollTop = 4999 * 26; });
    await grid.getByRole('cell', { name: 'row 5000', exact: true }).waitFor();
    assert.ok(chunkRequests.length >= 1 && chunkRequests.length <= 2, `chunks fetched for the middle: ${chunkRequests}`);
    const t1 = Date.now();
    await region.evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await grid.getByRole('cell', { name: 'row 10000', exact: true }).waitFor();
    const toEnd = Date.now() - t1;
    assert.ok(await grid.locator('tbody tr:not(.spacer)').count() < 80);
    assert.ok(chunkRequests.length <= 4, `not every chunk: ${chunkRequests.length}`);
    t.diagnostic(`10,000-row grid: first rows after ${firstRows} ms (run included), scroll to the last row ${toEnd} ms, ${rendered} rows rendered, ${chunkRequests.length} chunks fetched`);

    // the history: the server's, newest first (the statements run through the API in `before`
    // too), reopens a statement in the editor with its catalog and schema, survives a reload
    await page.reload();
    const hist = page.getByRole('complementary', { name: 'Statement history' });
    await hist.getByText('SELECT nope FROM orders').waitFor();
    const items = hist.getByRole('listitem');
    assert.equal(await items.count(), 5);
    assert.match(await items.nth(0).textContent(), /WITH RECURSIVE n\(i\).*FINISHED · 10000 rows/);
    assert.match(await items.nth(1).textContent(), /SELECT nope FROM orders.*FAILED.*nope/);
    assert.match(await items.nth(2).textContent(), /SELECT id, note FROM orders ORDER BY id.*FINISHED · 2 rows/);
    assert.match(await items.nth(3).textContent(), /INSERT INTO main\.sales\.orders/);
    assert.match(await items.nth(4).textContent(), /CREATE TABLE main\.sales\.orders/);
    await page.getByLabel('Default catalog').fill('elsewhere');
    await page.getByLabel('Default schema').fill('');
    await items.nth(1).getByRole('button', { name: 'Open in editor' }).click();
    assert.equal(await page.getByLabel('SQL statement').inputValue(), 'SELECT nope FROM orders');
    assert.equal(await page.getByLabel('Default catalog').inputValue(), 'main');
    assert.equal(await page.getByLabel('Default schema').inputValue(), 'sales');
    await checkA11y(page, 'sql history');
  });
});

test('admin: cancel a long-running statement', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/sql');
    await page.getByLabel('SQL statement').fill('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000000) SELECT count(*) FROM n');
    await page.getByRole('button', { name: 'Run' }).click();
    const cancel = page.getByRole('button', { name: 'Cancel' });
    await cancel.waitFor();
    await page.getByText(/Running \((PENDING|RUNNING)\)/).waitFor({ timeout: 15000 });
    await cancel.click();
    await page.getByRole('alert').filter({ hasText: 'The statement was canceled.' }).waitFor({ timeout: 15000 });
    assert.equal(await page.getByRole('button', { name: 'Cancel' }).count(), 0);
    await checkA11y(page, 'canceled');
  });
});

test('a principal without grants: a table it may not read answers with the API message; its history is its own', async (t) => {
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(403, 404);
    await sessionCookie(context, srv, user.token);
    await page.goto('/sql');
    const hist = page.getByRole('complementary', { name: 'Statement history' });
    await hist.getByText('No statements yet.').waitFor(); // the admin's statements are not its own
    await page.getByLabel('SQL statement').fill('SELECT * FROM main.sales.orders');
    await page.getByRole('button', { name: 'Run' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.textContent();
    assert.match(text, /orders|PERMISSION|NOT_FOUND|denied/i, text);
    assert.doesNotMatch(text, /plain/);
    assert.equal(await page.getByRole('table', { name: 'Result' }).count(), 0);
    // its history now holds that statement, and only that one
    await hist.getByText('SELECT * FROM main.sales.orders').waitFor();
    assert.equal(await hist.getByRole('listitem').count(), 1);
    assert.match(await hist.getByRole('listitem').first().textContent(), /FAILED/);
    await checkA11y(page, 'sql as a user');
  });
});

test('admin: the history pages through the server\'s history (Older, Newer)', async (t) => {
  for (let i = 0; i < 20; i++) await sql(`SELECT ${i} AS paged_${i}`);
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/sql');
    const hist = page.getByRole('complementary', { name: 'Statement history' });
    await hist.getByText('SELECT 19 AS paged_19').waitFor();
    assert.equal(await hist.getByRole('listitem').count(), 20);
    const older = hist.getByRole('button', { name: 'Older' });
    const newer = hist.getByRole('button', { name: 'Newer' });
    assert.equal(await newer.isDisabled(), true);
    await older.click();
    await hist.getByText('CREATE TABLE main.sales.orders (id INT, note STRING)').waitFor();
    assert.equal(await hist.getByText('SELECT 19 AS paged_19').count(), 0, 'the first page is gone');
    assert.equal(await older.isDisabled(), true, 'the last page');
    await checkA11y(page, 'sql history, older page');
    await newer.click();
    await hist.getByText('SELECT 19 AS paged_19').waitFor();
  });
});
