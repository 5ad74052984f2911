// Administration in Chromium, as an admin: users (add, filter, deactivate), groups with
// nested membership shown, service principals (mint a token), tokens (create shown once,
// revoke, everyone's tokens), workspaces (add, assign), catalog bindings (isolate, bind
// read-only), the audit log with filters (principal, action, outcome) kept in the URL. As a
// principal without admin rights: no Admin entry, every admin view looks missing, and the
// admin APIs refuse it whatever the page does.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, launch, withPage, sessionCookie, checkA11y, tabTo, makeUser } = require('./lib');

const SCIM = '/api/2.0/preview/scim/v2';
let srv, browser, user;
before(async () => {
  srv = await startServer();
  browser = await launch();
  user = await makeUser(srv, 'admin-test-user');
  assert.equal((await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { body: { name: 'prod' } })).status, 200);
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('users: add, filter, deactivate', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/admin');
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Users' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/users');
    await page.getByRole('cell', { name: 'admin', exact: true }).waitFor();
    await page.getByLabel('User name', { exact: true }).fill('ada@example.com');
    await page.getByLabel('Display name', { exact: true }).fill('Ada <i>L</i>');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('cell', { name: 'ada@example.com', exact: true }).waitFor();
    await page.getByRole('cell', { name: 'Ada <i>L</i>', exact: true }).waitFor();
    await page.getByLabel('User name contains').fill('ada');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('cell', { name: 'admin', exact: true }).waitFor({ state: 'detached' });
    const deactivate = page.getByRole('button', { name: 'Deactivate ada@example.com' });
    await tabTo(page, deactivate);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Activate ada@example.com' }).waitFor();
    const u = await srv.req('GET', `${SCIM}/Users?filter=${encodeURIComponent('userName eq "ada@example.com"')}`);
    assert.equal(u.json.Resources[0].active, false);
    await checkA11y(page, 'users');
  });
});

test('groups: nested membership is shown; members added and removed', async (t) => {
  const mk = async (displayName) => (await srv.req('POST', `${SCIM}/Groups`, { body: { displayName } })).json;
  const analysts = await mk('analysts');
  const eng = await mk('eng');
  const add = (g, id) => srv.req('PATCH', `${SCIM}/Groups/${g.id}`, { body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] } });
  assert.ok((await add(analysts, eng.id)).status < 300);
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/admin/groups');
    await page.getByRole('row', { name: /eng.*analysts/ }).waitFor(); // eng is a member of analysts
    await page.getByRole('link', { name: 'eng', exact: true }).click();
    await page.getByLabel('User, service principal or group').fill(user.name);
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('button', { name: `Remove ${user.displayName} from eng` }).waitFor();
    await page.goto(`/admin/groups/${analysts.id}`);
    // the nested tree: analysts > eng > the service principal
    const tree = page.locator('ul.members');
    await tree.getByRole('link', { name: 'eng' }).waitFor();
    await tree.locator('ul.members').getByText(user.displayName).waitFor();
    await checkA11y(page, 'group');
    await page.goto(`/admin/groups/${eng.id}`);
    await page.getByRole('button', { name: `Remove ${user.displayName} from eng` }).click();
    await page.getByText('No members.').first().waitFor();
  });
});

test('service principals and tokens: mint, create (shown once), list everyone\'s, revoke', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/admin/service-principals');
    await page.getByLabel('Display name', { exact: true }).fill('etl-bot');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('button', { name: 'Mint a token for etl-bot' }).click();
    const minted = page.getByRole('status').filter({ hasText: 'A token for etl-bot' });
    await minted.waitFor();
    const value = (await minted.locator('code').innerText()).trim();
    assert.match(value, /^dapi/);
    assert.equal((await srv.req('GET', '/api/2.0/preview/scim/v2/Me', { token: value })).json.displayName, 'etl-bot');
    await page.goto('/admin/tokens');
    await page.getByLabel('Comment').fill('from the ui');
    await page.getByRole('button', { name: 'Create token' }).click();
    const created = page.getByRole('status').filter({ hasText: 'Your new token' });
    await created.waitFor();
    const mine = (await created.locator('code').innerText()).trim();
    assert.equal((await srv.req('GET', '/api/2.0/token/list', { token: mine })).status, 200);
    await page.getByRole('cell', { name: 'from the ui' }).first().waitFor();
    // everyone's tokens: etl-bot's is there, and revoking it ends it
    const row = page.getByRole('row', { name: /minted in the web UI/ }).last();
    await row.waitFor();
    page.once('dialog', (d) => d.accept());
    await row.getByRole('button', { name: /Revoke token/ }).click();
    await page.getByRole('row', { name: /minted in the web UI/ }).waitFor({ state: 'detached' });
    assert.equal((await srv.req('GET', '/api/2.0/preview/scim/v2/Me', { token: value })).status, 401);
    await checkA11y(page, 'tokens');
  });
});

test('workspaces and catalog bindings: add, assign, isolate and bind read-only', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/admin/workspaces');
    await page.getByLabel('Workspace name').fill('dev');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('link', { name: 'dev', exact: true }).click();
    await page.getByLabel('Principal', { exact: true }).fill(user.name);
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByRole('cell', { name: user.name, exact: true }).waitFor();
    await page.goto('/admin/bindings');
    await page.getByLabel('Catalog', { exact: true }).selectOption('prod');
    await page.waitForURL(/catalog=prod/);
    await page.getByRole('button', { name: /Make ISOLATED/ }).click();
    await page.getByText('ISOLATED', { exact: true }).waitFor();
    await page.getByLabel('Workspace', { exact: true }).selectOption({ label: 'dev' });
    await page.getByLabel('Binding', { exact: true }).selectOption('BINDING_TYPE_READ_ONLY');
    await page.getByRole('button', { name: 'Bind', exact: true }).click();
    await page.getByRole('row', { name: /dev.*BINDING_TYPE_READ_ONLY/ }).waitFor();
    const b = await srv.req('GET', '/api/2.1/unity-catalog/bindings/catalog/prod');
    assert.ok(b.json.bindings.some((x) => x.binding_type === 'BINDING_TYPE_READ_ONLY'));
    await checkA11y(page, 'bindings');
  });
});

test('audit log: filters by principal, action and outcome, kept in the URL across a reload', async (t) => {
  // a refused call by the user, to find
  assert.equal((await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { token: user.token, body: { name: 'nope' } })).status, 403);
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/admin/audit');
    await page.getByLabel('Principal').fill(user.name);
    await page.getByLabel('Outcome').selectOption('failure');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/outcome=failure/);
    const row = page.getByRole('row', { name: /unityCatalog\.createCatalog.*403/ });
    await row.waitFor();
    await page.reload();
    await row.waitFor();
    assert.equal(await page.getByRole('row', { name: /200/ }).count(), 0, 'only failures');
    await page.getByLabel('Action').fill('signIn');
    await page.getByLabel('Principal').fill('');
    await page.getByLabel('Outcome').selectOption('success');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('row', { name: /webUi\.signIn.*200/ }).first().waitFor();
    await checkA11y(page, 'audit');
  });
});

test('a principal without admin rights: no Admin entry, every admin view looks missing, APIs refuse', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, user.token);
    for (const p of ['/admin', '/admin/users', '/admin/audit?outcome=failure', '/admin/groups/1']) {
      await page.goto(p);
      await page.getByRole('heading', { name: 'Not found' }).waitFor();
    }
    assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0);
  });
  assert.equal((await srv.req('GET', '/api/2.0/weir/audit', { token: user.token })).status, 403);
  assert.equal((await srv.req('POST', `${SCIM}/Users`, { token: user.token, body: { userName: 'x@y' } })).status, 403);
});
