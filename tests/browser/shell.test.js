// The web UI's shell in Chromium: sign-in from a deep link comes back to it, the navigation
// differs for an admin and a user without grants, reload keeps the view, sign-out ends the
// session and a lost session goes back through sign-in to where the user was; keyboard
// reaches the actions; no console errors, no serious accessibility violations.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, launch, withPage, signIn, sessionCookie, checkA11y, tabTo, makeUser } = require('./lib');

let srv, browser, user;
before(async () => {
  srv = await startServer();
  browser = await launch();
  user = await makeUser(srv, 'shell-user');
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('admin signs in from a deep link, comes back to it, sees Admin; reload keeps the view', async (t) => {
  await withPage(browser, srv, t, async ({ page }) => {
    await signIn(page, srv.token, '/jobs?x=1');
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/jobs?x=1');
    const nav = page.getByRole('navigation', { name: 'Sections' });
    for (const l of ['Catalog', 'Lineage', 'Jobs', 'SQL', 'Models', 'Experiments', 'Admin'])
      await nav.getByRole('link', { name: l, exact: true }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Jobs' }).getAttribute('aria-current'), 'page');
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/jobs');
    assert.equal(await nav.getByRole('link', { name: 'Jobs' }).getAttribute('aria-current'), 'page');
    await checkA11y(page, 'shell');
  });
});

test('a user without grants has no Admin entry, and /admin looks missing', async (t) => {
  await withPage(browser, srv, t, async ({ page }) => {
    await signIn(page, user.token, '/');
    await page.getByRole('heading', { name: /Welcome/ }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'Catalog' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Admin' }).count(), 0);
    await page.goto('/admin/users');
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await checkA11y(page, 'not found');
  });
});

test('a wrong token is refused on the sign-in page with the API message', async (t) => {
  await withPage(browser, srv, t, async ({ page, allowStatus }) => {
    allowStatus(401); // the refused sign-in
    await page.goto('/signin');
    await page.getByLabel('Personal access token').fill('dapi-not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Invalid access token/);
    assert.equal(new URL(page.url()).pathname, '/signin');
    await checkA11y(page, 'sign-in with an error');
  });
});

test('sign-out ends the session on the server; a lost session signs in again and comes back', async (t) => {
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(401); // the lost session's API calls
    allowStatus(400); // /jobs/7/runs/9 names a run that does not exist: the Jobs API answers 400, as Databricks does
    const { cookie } = await sessionCookie(context, srv, srv.token);
    await page.goto('/sql');
    const out = page.getByRole('button', { name: 'Sign out' });
    await out.waitFor();
    await tabTo(page, out); // the keyboard reaches it
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/signin/);
    // the old cookie no longer works, even sent by hand
    const r = await fetch(srv.base + '/api/2.1/unity-catalog/catalogs', { headers: { cookie: `weir_session=${cookie}` } });
    assert.equal(r.status, 401);
    // a second session, lost while the page is open (signed out from elsewhere)
    const second = await sessionCookie(context, srv, srv.token);
    await page.goto('/models/x');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.waitForLoadState('networkidle'); // the page's own API calls end before the session does
    const del = await fetch(srv.base + '/api/2.0/weir/ui/session', { method: 'DELETE', headers: { cookie: `weir_session=${second.cookie}`, 'x-csrf-token': second.body.csrf_token } });
    assert.equal(del.status, 200);
    await page.getByRole('link', { name: 'Catalog' }).click(); // any API call now answers 401
    await page.waitForFunction(() => window.location.pathname === '/signin' && new URLSearchParams(window.location.search).get('next') === '/explore');
    await page.getByLabel('Personal access token').waitFor();
    // a full load of a deep link without a session goes the same way
    await page.goto('/jobs/7/runs/9?tab=output');
    await page.waitForFunction(() => window.location.pathname === '/signin' && new URLSearchParams(window.location.search).get('next') === '/jobs/7/runs/9?tab=output');
    await page.getByLabel('Personal access token').fill(srv.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => window.location.pathname + window.location.search === '/jobs/7/runs/9?tab=output');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });
});
