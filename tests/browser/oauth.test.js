// Sign-in through an identity provider in the browser: "Sign in with SSO" on the sign-in page
// (shown only where the server has one configured) goes through the fake IdP
// (tests/http/fake_idp.js) and comes back signed in to the deep link the user asked for; a
// refused sign-in comes back to the sign-in page with the server's message, as text.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, launch, withPage, checkA11y } = require('./lib');
const { startIdp } = require('../http/fake_idp');

let srv, plain, idp, browser;
before(async () => {
  idp = await startIdp();
  srv = await startServer(idp.args);
  plain = await startServer();
  browser = await launch();
  const r = await srv.req('POST', '/api/2.0/preview/scim/v2/Users', { body: { userName: 'sso-user@corp.example' } });
  assert.equal(r.status, 201, r.text);
  assert.equal((await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { body: { name: 'sso_cat' } })).status, 200);
});
after(async () => {
  await browser.close();
  await srv.stop();
  await plain.stop();
  await idp.stop();
});

test('Sign in with SSO goes through the identity provider and back to the deep link, signed in', async (t) => {
  await withPage(browser, srv, t, async ({ page }) => {
    await page.goto('/explore');
    await page.waitForURL(/\/signin\?next=%2Fexplore/);
    const sso = page.getByRole('link', { name: 'Sign in with SSO' });
    await sso.waitFor();
    await checkA11y(page, 'sign-in with SSO');
    await sso.click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/explore');
    assert.equal(idp.exchanges.ok, 1, 'one code exchanged');
    await page.getByText('sso-user@corp.example').first().waitFor();
    // the session works for the API the page calls (the user has no grant: the catalog is hidden)
    await page.getByText('No catalogs you may see.').first().waitFor();
    assert.equal(await page.getByRole('link', { name: 'sso_cat' }).count(), 0, 'hidden from a user without grants');
  });
});

test('a refused SSO sign-in comes back to the sign-in page with the message as text', async (t) => {
  idp.claims = { aud: 'someone-else' };
  try {
    await withPage(browser, srv, t, async ({ page }) => {
      await page.goto('/signin?next=%2Fjobs');
      await page.getByRole('link', { name: 'Sign in with SSO' }).click();
      await page.waitForURL(/\/signin\?error=/);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /id_token could not be verified/);
      assert.equal(new URL(page.url()).searchParams.get('next'), '/jobs', 'still going back to /jobs after signing in');
      await checkA11y(page, 'sign-in with an SSO error');
    });
  } finally {
    idp.claims = {};
  }
});

test('without an identity provider the sign-in page offers no SSO', async (t) => {
  await withPage(browser, plain, t, async ({ page }) => {
    await page.goto('/signin');
    await page.getByLabel('Personal access token').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Sign in with SSO' }).count(), 0);
  });
});
