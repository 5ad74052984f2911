// The catalog explorer in Chromium: the tree, search, a table's columns, details, sample
// rows, lineage, grants (grant and revoke through the editor, effective permissions with
// where each comes from), tags and history, as an admin; what a principal without grants
// sees (nothing, and a deep link answers as missing), and the same principal once granted
// SELECT (its own rights only: the grant editor's refusal shown beside it); volumes (upload,
// download, delete); names and comments holding HTML render as text.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, launch, withPage, sessionCookie, checkA11y, tabTo, makeUser } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
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
  user = await makeUser(srv, 'explore-user');
  warehouse = (await srv.req('GET', '/api/2.0/sql/warehouses')).json.warehouses[0].id;
  assert.equal((await srv.req('POST', `${UC}/catalogs`, { body: { name: 'main', comment: `Main catalog ${XSS}` } })).status, 200);
  assert.equal((await srv.req('POST', `${UC}/schemas`, { body: { name: 'sales', catalog_name: 'main', comment: `Sales ${XSS}` } })).status, 200);
  await sql('CREATE TABLE main.sales.orders (id INT, note STRING)');
  await sql(`INSERT INTO main.sales.orders VALUES (1, '${XSS.replace(/'/g, "''")}'), (2, 'plain')`);
  await sql('CREATE TABLE main.sales.orders_gold AS SELECT id FROM main.sales.orders');
  await sql('CREATE TABLE main.sales.secret_ledger (amount INT)');
  const v = await srv.req('POST', `${UC}/volumes`, { body: { catalog_name: 'main', schema_name: 'sales', name: 'landing', volume_type: 'MANAGED' } });
  assert.equal(v.status, 200, v.text);
  const m = await srv.req('POST', `${UC}/models`, { body: { catalog_name: 'main', schema_name: 'sales', name: 'churn' } });
  assert.equal(m.status, 200, m.text);
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

// No HTML from data ever ran or became an element.
async function assertNoXss(page) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'injected script ran');
  assert.equal(await page.locator('img[onerror]').count(), 0, 'an injected element exists');
}

test('admin: tree, table columns, details, sample rows and lineage; HTML in comments and rows renders as text', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/explore');
    const tree = page.getByRole('complementary', { name: 'Catalog tree' });
    await tree.getByRole('button', { name: 'Expand catalog main' }).click();
    await tree.getByRole('button', { name: 'Expand schema main.sales' }).click();
    for (const n of ['orders', 'orders_gold', 'secret_ledger', 'landing', 'churn']) await tree.getByRole('link', { name: n, exact: true }).waitFor();
    await tree.getByRole('link', { name: 'orders', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/explore/main/sales/orders');
    await page.getByRole('heading', { level: 1, name: /orders/ }).waitFor();
    const cols = page.getByRole('table', { name: 'Columns' });
    await cols.getByRole('cell', { name: 'note', exact: true }).waitFor();
    await cols.getByRole('cell', { name: 'string', exact: true }).waitFor();
    await checkA11y(page, 'table columns');
    await page.getByRole('tab', { name: 'Details' }).click();
    await page.getByText('file://', { exact: false }).waitFor();
    assert.match(page.url(), /tab=details/);
    await page.reload(); // the tab survives a reload
    await page.getByRole('tab', { name: 'Details', selected: true }).waitFor();
    await page.getByRole('tab', { name: 'Sample data' }).click();
    const grid = page.getByRole('table', { name: /SELECT \* FROM main.sales.orders LIMIT 50/ });
    await grid.getByRole('cell', { name: XSS, exact: true }).waitFor();
    await grid.getByRole('cell', { name: 'plain', exact: true }).waitFor();
    await page.getByRole('tab', { name: 'Lineage' }).click();
    await page.getByRole('link', { name: 'main.sales.orders_gold' }).waitFor();
    await checkA11y(page, 'lineage tab');
    // the catalog page shows its comment as text too
    await page.goto('/explore/main');
    await page.getByText(`Main catalog ${XSS}`, { exact: true }).waitFor();
    await page.getByRole('link', { name: 'sales', exact: true }).first().waitFor();
    await page.goto('/explore/main/sales');
    await page.getByText(`Sales ${XSS}`, { exact: true }).waitFor();
    await assertNoXss(page);
  });
});

test('admin: grant and revoke through the editor, effective permissions with inheritance, tags, history', async (t) => {
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(404); // the grant to an unknown principal
    await sessionCookie(context, srv, srv.token);
    await page.goto('/explore/main?tab=permissions');
    await page.getByLabel('Principal', { exact: true }).fill(user.name);
    await page.getByLabel('Privilege', { exact: true }).selectOption('USE_CATALOG');
    const grant = page.getByRole('button', { name: 'Grant' });
    await tabTo(page, grant);
    await page.keyboard.press('Enter');
    await page.getByRole('table', { name: 'Privileges granted on this object' }).getByRole('cell', { name: user.name, exact: true }).waitFor();
    // an unknown principal: the API's message beside the form
    await page.getByLabel('Principal', { exact: true }).fill('nobody-at-all');
    await page.getByRole('button', { name: 'Grant' }).click();
    await page.getByRole('alert').filter({ hasText: 'nobody-at-all' }).waitFor();
    await page.goto('/explore/main/sales?tab=permissions');
    await page.getByLabel('Principal', { exact: true }).fill(user.name);
    await page.getByLabel('Privilege', { exact: true }).selectOption('USE_SCHEMA');
    await page.getByRole('button', { name: 'Grant' }).click();
    await page.getByRole('table', { name: 'Privileges granted on this object' }).getByRole('cell', { name: user.name, exact: true }).waitFor();
    await page.goto('/explore/main/sales/orders?tab=permissions');
    await page.getByLabel('Principal', { exact: true }).fill(user.name);
    await page.getByLabel('Privilege', { exact: true }).selectOption('SELECT');
    await page.getByRole('button', { name: 'Grant' }).click();
    const granted = page.getByRole('table', { name: 'Privileges granted on this object' });
    await granted.getByRole('row', { name: new RegExp(`${user.name}.*SELECT`) }).waitFor();
    const eff = page.getByRole('table', { name: 'Privileges in effect here, and where each comes from' });
    await eff.getByRole('row', { name: new RegExp(`${user.name}.*USE_CATALOG.*catalog main`) }).waitFor();
    await eff.getByRole('row', { name: new RegExp(`${user.name}.*USE_SCHEMA.*schema main.sales`) }).waitFor();
    await checkA11y(page, 'permissions');
    // grant MODIFY then revoke it with the row's button
    await page.getByLabel('Privilege', { exact: true }).selectOption('MODIFY');
    await page.getByLabel('Principal', { exact: true }).fill(user.name);
    await page.getByRole('button', { name: 'Grant' }).click();
    await page.getByRole('button', { name: `Revoke MODIFY from ${user.name}` }).click();
    await page.getByRole('button', { name: `Revoke MODIFY from ${user.name}` }).waitFor({ state: 'detached' });
    const perms = await srv.req('GET', `${UC}/permissions/table/main.sales.orders`);
    assert.deepEqual(perms.json.privilege_assignments, [{ principal: user.name, privileges: ['SELECT'] }]);
    // tags
    await page.getByRole('tab', { name: 'Tags' }).click();
    await page.getByLabel('Key', { exact: true }).fill('pii');
    await page.getByLabel('Value', { exact: true }).fill('<b>none</b>');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByRole('cell', { name: '<b>none</b>', exact: true }).waitFor();
    // history: the audit rows about this table, grants among them
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByRole('cell', { name: /unityCatalog\.updatePermissions/ }).first().waitFor();
    await checkA11y(page, 'history');
  });
});

test('a principal without grants sees no catalog, and a deep link looks missing', async (t) => {
  const stranger = await makeUser(srv, 'explore-stranger');
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(404); // the hidden table answers 404, as a missing one
    await sessionCookie(context, srv, stranger.token);
    await page.goto('/explore');
    await page.getByText('No catalogs you may see.').first().waitFor();
    await page.goto('/explore/main/sales/secret_ledger');
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    assert.match(await alert.innerText(), /does not exist/);
    assert.doesNotMatch(await page.locator('main').innerText(), /amount/);
    // search finds nothing
    await page.getByLabel('Search tables by name').fill('ledger');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No table matches.').waitFor();
    await checkA11y(page, 'missing table');
  });
});

test('a granted principal sees only what it was granted, reads sample rows, and cannot change grants', async (t) => {
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(403); // the refused grant
    await sessionCookie(context, srv, user.token);
    await page.goto('/explore/main/sales');
    const tree = page.getByRole('complementary', { name: 'Catalog tree' });
    await tree.getByRole('link', { name: 'orders', exact: true }).waitFor();
    assert.equal(await tree.getByRole('link', { name: 'secret_ledger' }).count(), 0, 'an ungranted table is not listed');
    await page.goto('/explore/main/sales/orders?tab=sample');
    await page.getByRole('cell', { name: 'plain', exact: true }).waitFor();
    // search by name
    await page.getByLabel('Search tables by name').fill('ord');
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByRole('list', { name: 'Search results' });
    await results.getByRole('link', { name: 'main.sales.orders', exact: true }).waitFor();
    assert.equal(await results.getByRole('link', { name: /secret_ledger/ }).count(), 0);
    // the grant editor: the server refuses, the page says why beside the form
    await page.goto('/explore/main/sales/orders?tab=permissions');
    await page.getByLabel('Principal', { exact: true }).fill(user.name);
    await page.getByLabel('Privilege', { exact: true }).selectOption('MODIFY');
    await page.getByRole('button', { name: 'Grant' }).click();
    const alert = page.getByRole('alert').filter({ hasText: /permission|not allowed|may not/i });
    await alert.waitFor();
    assert.match(await alert.innerText(), /PERMISSION_DENIED/);
    await checkA11y(page, 'refused grant');
    await assertNoXss(page);
  });
});

test('volumes: upload, list, download and delete files', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-upload-'));
    const file = path.join(dir, 'hello <b>.csv');
    fs.writeFileSync(file, 'a,b\n1,2\n');
    await page.goto('/explore/main/sales/landing?type=volume');
    await page.getByText('This directory is empty.').waitFor();
    await page.getByLabel('File to upload here').setInputFiles(file);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('cell', { name: 'hello <b>.csv', exact: true }).waitFor();
    await checkA11y(page, 'volume files');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download hello <b>.csv' }).click()]);
    const saved = path.join(dir, 'got.csv');
    await download.saveAs(saved);
    assert.equal(fs.readFileSync(saved, 'utf8'), 'a,b\n1,2\n');
    // the file is there through the Files API too
    const api = await srv.req('GET', '/api/2.0/fs/directories/Volumes/main/sales/landing/');
    assert.deepEqual(api.json.contents.map((c) => c.name), ['hello <b>.csv']);
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Delete hello <b>.csv' }).click();
    await page.getByText('This directory is empty.').waitFor();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
