// Browser test harness: the real weir binary (tests/http/lib.js's startServer: port 0, a
// fresh data directory) driven by Debian's Chromium through playwright-core. Each test gets
// a fresh browser context (its own cookies), collects console errors and page errors (a test
// asserts there are none), runs axe-core on the views it visits (no serious or critical
// violations), and saves a screenshot in tests/browser/screenshots/ (git-ignored; a failing
// test's screenshot is named FAILED-<name>.png and kept).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');
const { startServer } = require('../http/lib');

const SHOTS = path.join(__dirname, 'screenshots');
// Debian's Chromium. The flags keep it from reaching for the network (there is none: it
// would hang on update checks, QUIC probes and sync).
const CHROMIUM = process.env.WEIR_CHROMIUM || (fs.existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage', '--disable-features=Translate,MediaRouter,OptimizationHints'];
const AXE = require('axe-core').source;

// Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true, timeout: 30000 });
}

// A new context and page on srv, watching the console. t: the node:test context (its name
// names the screenshot). Returns {context, page, errors, shot(name), done()}.
async function openPage(browser, srv, t) {
  const context = await browser.newContext({ baseURL: srv.base, viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  const name = (t && t.name ? t.name : 'page').replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80);
  const shot = async (suffix = '') => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const file = path.join(SHOTS, `${name}${suffix ? '-' + suffix : ''}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  const allowed = new Set();
  return {
    context, page, errors, shot,
    // An HTTP status the test expects the page to meet (a hidden object's 404, a refused
    // grant's 403): Chromium logs every 4xx fetch as a console error, and those are not errors.
    allowStatus(...codes) { codes.forEach((c) => allowed.add(String(c))); },
    unexpectedErrors() {
      return errors.filter((e) => {
        const m = /Failed to load resource: the server responded with a status of (\d+)/.exec(e);
        return !(m && allowed.has(m[1]));
      });
    },
    // Saves the test's screenshot (FAILED-... when the test failed) and closes the context.
    async done(failed = false) {
      try {
        fs.mkdirSync(SHOTS, { recursive: true });
        await page.screenshot({ path: path.join(SHOTS, `${failed ? 'FAILED-' : ''}${name}.png`), fullPage: true });
        if (!failed) fs.rmSync(path.join(SHOTS, `FAILED-${name}.png`), { force: true }); // passes now
      } catch { /* the page may be gone */ }
      await context.close();
    },
  };
}

// Runs body(p) with a page, saving a screenshot either way and asserting no console errors.
async function withPage(browser, srv, t, body) {
  const p = await openPage(browser, srv, t);
  let failed = true;
  try {
    await body(p);
    assert.deepEqual(p.unexpectedErrors(), [], 'console errors on the page');
    failed = false;
  } finally {
    await p.done(failed);
  }
}

// Signs in through the sign-in page with `token`, starting at `start` (a deep link: the page
// comes back there). Waits until the app shows the signed-in shell.
async function signIn(page, token, start = '/') {
  await page.goto(start);
  await page.waitForURL(/\/signin/);
  await page.getByLabel('Personal access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

// A session cookie made through the API (faster than the form): sets it on the context.
async function sessionCookie(context, srv, token) {
  const res = await fetch(srv.base + '/api/2.0/weir/ui/session', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, 'sign-in through the API');
  const m = /weir_session=([^;]+)/.exec(res.headers.get('set-cookie') || '');
  assert.ok(m, 'a session cookie');
  await context.addCookies([{ name: 'weir_session', value: m[1], url: srv.base, httpOnly: true, sameSite: 'Strict' }]);
  return { cookie: m[1], body: await res.json() };
}

// axe-core on the current view: fails on any serious or critical violation. Evaluated through
// the DevTools protocol, so the page's Content-Security-Policy (no inline script) stays on.
async function checkA11y(page, what = '') {
  await page.evaluate(AXE);
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `accessibility violations ${what}: ${JSON.stringify(bad, null, 1)}`);
  return res;
}

// Presses Tab until the focused element matches `selector` (a Playwright locator's element),
// at most `max` times: proves an action is reachable by keyboard. Returns the presses taken.
async function tabTo(page, locator, max = 60) {
  const target = await locator.elementHandle();
  assert.ok(target, 'the element to reach exists');
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((el) => document.activeElement === el, target)) return i;
  }
  assert.fail(`not reachable with ${max} presses of Tab`);
}

// A principal with a token (a service principal: users get tokens by signing in elsewhere,
// the admin mints a service principal's on its behalf), optionally in groups.
async function makeUser(srv, displayName, groups = []) {
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { body: { displayName } });
  assert.equal(sp.status, 201, sp.text);
  for (const g of groups) {
    const gr = await srv.req('GET', `/api/2.0/preview/scim/v2/Groups?filter=${encodeURIComponent(`displayName eq "${g}"`)}`);
    assert.equal(gr.status, 200, gr.text);
    const gid = gr.json.Resources[0].id;
    const p = await srv.req('PATCH', `/api/2.0/preview/scim/v2/Groups/${gid}`, {
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: sp.json.id }] }] },
    });
    assert.ok(p.status < 300, p.text);
  }
  const t = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId, comment: 'browser test' } });
  assert.equal(t.status, 200, t.text);
  return { id: sp.json.id, name: sp.json.applicationId, displayName, token: t.json.token_value };
}

module.exports = { startServer, launch, openPage, withPage, signIn, sessionCookie, checkA11y, tabTo, makeUser, SHOTS };
