// External data in Chromium: the storage credentials and external locations of the metastore.
// As an admin: reach the page from the catalog, create a credential and a location through the
// forms (a refused location shows the server's reason beside its form), open a location, grant
// a privilege on it through the grant editor, delete it. As a principal with no privilege:
// nothing is listed and a deep link answers as missing; once granted READ FILES, that location
// alone. Names holding HTML render as text; the views pass axe.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, launch, withPage, sessionCookie, checkA11y, makeUser } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const XSS = '<img src=x onerror="window.__xss=1">';
let srv, browser, user;

before(async () => {
  srv = await startServer();
  browser = await launch();
  user = await makeUser(srv, 'external-user');
  const c = await srv.req('POST', `${UC}/storage-credentials`, { body: { name: 'seed_role', aws_iam_role: { role_arn: 'arn:aws:iam::1:role/seed' }, comment: XSS } });
  assert.equal(c.status, 200, c.text);
  const l = await srv.req('POST', `${UC}/external-locations`, { body: { name: 'seed_loc', url: 'file:///srv/seed', credential_name: 'seed_role' } });
  assert.equal(l.status, 200, l.text);
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('admin: lists, create through the forms, a refusal shown, grant on a location, delete', async (t) => {
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(400); // the overlapping location and the credential in use, refused
    await sessionCookie(context, srv, srv.token);
    await page.goto('/explore');
    await page.getByRole('link', { name: 'External data' }).click();
    await page.waitForURL((u) => u.pathname === '/external');
    await page.getByRole('link', { name: 'seed_role', exact: true }).waitFor();
    await page.getByRole('cell', { name: XSS, exact: true }).waitFor(); // the comment, as text
    await page.getByRole('cell', { name: 'file:///srv/seed', exact: true }).waitFor();
    await checkA11y(page, 'external data lists');
    // a credential through its form
    const credForm = page.getByRole('form', { name: 'Create a storage credential' });
    await credForm.getByLabel('Name').fill('ui_role');
    await credForm.getByLabel('AWS IAM role ARN').fill('arn:aws:iam::2:role/ui');
    await credForm.getByRole('button', { name: 'Create credential' }).click();
    await page.getByRole('link', { name: 'ui_role', exact: true }).waitFor();
    // a location overlapping another: the server's reason beside the form, nothing created
    const locForm = page.getByRole('form', { name: 'Create an external location' });
    await locForm.getByLabel('Name').fill('ui_loc');
    await locForm.getByLabel('URL').fill('file:///srv/seed/inner');
    await locForm.getByLabel('Storage credential').selectOption('ui_role');
    await locForm.getByRole('button', { name: 'Create location' }).click();
    await page.getByText(/overlaps external location 'seed_loc'/).waitFor();
    await locForm.getByLabel('URL').fill('file:///srv/ui');
    await locForm.getByRole('button', { name: 'Create location' }).click();
    await page.getByRole('link', { name: 'ui_loc', exact: true }).waitFor();
    const made = await srv.req('GET', `${UC}/external-locations/ui_loc`);
    assert.equal(made.json.credential_name, 'ui_role');
    // its view: details, then a grant through the editor
    await page.getByRole('link', { name: 'ui_loc', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/external/location/ui_loc');
    await page.getByRole('heading', { name: /ui_loc/ }).waitFor();
    await page.getByText('file:///srv/ui').first().waitFor();
    await page.getByLabel('Principal', { exact: true }).fill(user.name);
    await page.getByLabel('Privilege', { exact: true }).selectOption('READ_FILES');
    await page.getByRole('button', { name: 'Grant', exact: true }).click();
    await page.getByRole('button', { name: `Revoke READ_FILES from ${user.name}` }).waitFor();
    const perms = await srv.req('GET', `${UC}/permissions/external_location/ui_loc`);
    assert.deepEqual(perms.json.privilege_assignments, [{ principal: user.name, privileges: ['READ_FILES'] }]);
    await checkA11y(page, 'an external location');
    // the credential's view links from the location's
    await page.getByRole('link', { name: 'ui_role', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/external/credential/ui_role');
    await page.getByText('AWS IAM role arn:aws:iam::2:role/ui').waitFor();
    // deleting a credential in use is refused, with the reason
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText(/is used by external location 'ui_loc'/).waitFor();
    assert.equal(await page.evaluate(() => window.__xss), undefined, 'injected script ran');
  });
});

test('a principal without privileges sees nothing; granted READ FILES, that location alone', async (t) => {
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(404); // the deep links to what it may not see
    await sessionCookie(context, srv, user.token);
    await page.goto('/external');
    await page.getByText('No storage credentials you may see.').waitFor();
    await page.getByRole('link', { name: 'ui_loc', exact: true }).waitFor(); // READ FILES from the first test
    assert.equal(await page.getByRole('link', { name: 'seed_loc', exact: true }).count(), 0);
    await page.goto('/external/location/seed_loc');
    await page.getByText(/does not exist/).waitFor();
    await page.goto('/external/credential/seed_role');
    await page.getByText(/does not exist/).waitFor();
  });
});
