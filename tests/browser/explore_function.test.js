// The catalog explorer's function view in Chromium: a function created through the UC API is
// listed in the tree under its schema and its page shows what the API answers (return type,
// language, determinism, data access, security, definition, its parameters with types and
// comments, owner, permissions with the grant editor); HTML in its comment renders as text.
// A principal without grants sees no function and its deep link looks missing; the same
// principal granted USE_CATALOG, USE_SCHEMA and EXECUTE sees it.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, launch, withPage, sessionCookie, checkA11y, tabTo, makeUser } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
const FN = '/explore/fncat/util/mask_email?type=function';
let srv, browser, stranger, granted;

before(async () => {
  srv = await startServer();
  browser = await launch();
  stranger = await makeUser(srv, 'fn-stranger');
  granted = await makeUser(srv, 'fn-granted');
  assert.equal((await srv.req('POST', `${UC}/catalogs`, { body: { name: 'fncat' } })).status, 200);
  assert.equal((await srv.req('POST', `${UC}/schemas`, { body: { name: 'util', catalog_name: 'fncat' } })).status, 200);
  const f = await srv.req('POST', `${UC}/functions`, { body: { function_info: {
    name: 'mask_email', catalog_name: 'fncat', schema_name: 'util', comment: `Masks an address ${XSS}`,
    data_type: 'STRING', full_data_type: 'string', routine_body: 'SQL',
    routine_definition: "concat('***@', split_part(email, '@', 2))", parameter_style: 'S', is_deterministic: true,
    sql_data_access: 'CONTAINS_SQL', is_null_call: false, security_type: 'DEFINER', specific_name: 'mask_email',
    input_params: { parameters: [
      { name: 'email', type_text: 'string', type_name: 'STRING', position: 0, comment: 'the address to mask' },
      { name: 'keep_domain', type_text: 'boolean', type_name: 'BOOLEAN', position: 1, parameter_default: 'true' },
    ] },
  } } });
  assert.equal(f.status, 200, f.text);
  for (const [type, name, privs] of [['catalog', 'fncat', ['USE_CATALOG']], ['schema', 'fncat.util', ['USE_SCHEMA']], ['function', 'fncat.util.mask_email', ['EXECUTE']]]) {
    const g = await srv.req('PATCH', `${UC}/permissions/${type}/${name}`, { body: { changes: [{ principal: granted.name, add: privs }] } });
    assert.equal(g.status, 200, g.text);
  }
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('admin: the function is in the tree and its page shows its signature, definition, parameters and grants', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/explore');
    const tree = page.getByRole('complementary', { name: 'Catalog tree' });
    await tree.getByRole('button', { name: 'Expand catalog fncat' }).click();
    await tree.getByRole('button', { name: 'Expand schema fncat.util' }).click();
    await tree.getByRole('link', { name: 'mask_email', exact: true }).click();
    await page.waitForURL(/\/explore\/fncat\/util\/mask_email\?type=function/);
    await page.getByRole('heading', { level: 1, name: /mask_email\s+function/ }).waitFor();
    // the comment, HTML and all, as text
    await page.getByText(`Masks an address ${XSS}`).first().waitFor();
    const props = page.locator('dl.props');
    const prop = async (k) => (await props.locator('div.prop', { has: page.locator('dt', { hasText: new RegExp(`^${k}$`) }) }).locator('dd').innerText()).trim();
    assert.equal(await prop('Full name'), 'fncat.util.mask_email');
    assert.equal(await prop('Owner'), 'admin');
    assert.equal(await prop('Returns'), 'string');
    assert.equal(await prop('Language'), 'SQL');
    assert.equal(await prop('Deterministic'), 'yes');
    assert.equal(await prop('Data access'), 'CONTAINS_SQL');
    assert.equal(await prop('Security'), 'DEFINER');
    assert.equal(await prop('Definition'), "concat('***@', split_part(email, '@', 2))");
    const params = page.getByRole('region', { name: 'Parameters' });
    const rows = params.locator('tbody tr');
    assert.equal(await rows.count(), 2);
    assert.deepEqual((await rows.nth(0).locator('td').allInnerTexts()).map((x) => x.trim()), ['0', 'email', 'string', '', 'the address to mask']);
    assert.deepEqual((await rows.nth(1).locator('td').allInnerTexts()).map((x) => x.trim()), ['1', 'keep_domain', 'boolean', 'true', '']);
    assert.equal(await page.evaluate(() => window.__xss), undefined, 'injected script ran');
    assert.equal(await page.locator('img[onerror]').count(), 0, 'an injected element exists');
    await checkA11y(page, 'function details');
    // a function's tabs: details, permissions (the grant made above), history for an admin; no tags
    const tabs = page.getByRole('tablist');
    assert.deepEqual(await tabs.getByRole('tab').allInnerTexts(), ['Details', 'Permissions', 'History']);
    await tabs.getByRole('tab', { name: 'Permissions' }).click();
    await page.waitForURL(/tab=permissions/);
    await page.getByRole('cell', { name: granted.name, exact: true }).first().waitFor();
    await page.getByRole('cell', { name: 'EXECUTE', exact: true }).first().waitFor();
    await tabTo(page, page.getByRole('button', { name: 'Grant' }));
    await checkA11y(page, 'function permissions');
    // a reload shows the same view
    await page.reload();
    await page.getByRole('cell', { name: 'EXECUTE', exact: true }).first().waitFor();
  });
});

test('a principal without grants does not see the function: not in the tree, its deep link looks missing', async (t) => {
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(404); // the hidden function answers 404, as a missing one
    await sessionCookie(context, srv, stranger.token);
    await page.goto('/explore');
    await page.getByText('No catalogs you may see.').first().waitFor();
    await page.goto(FN);
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    assert.match(await alert.innerText(), /does not exist|not found/i);
    const main = await page.locator('main').innerText();
    assert.doesNotMatch(main, /Masks an address|split_part|the address to mask/);
    assert.equal(await page.getByRole('tablist').count(), 0, 'no tabs for an object that is not there');
    await checkA11y(page, 'missing function');
  });
});

test('the same kind of principal granted EXECUTE sees the function and its parameters', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, granted.token);
    await page.goto('/explore/fncat/util');
    const tree = page.getByRole('complementary', { name: 'Catalog tree' });
    await tree.getByRole('link', { name: 'mask_email', exact: true }).waitFor();
    await page.goto(FN);
    await page.getByRole('region', { name: 'Parameters' }).getByRole('cell', { name: 'email', exact: true }).waitFor();
    assert.deepEqual(await page.getByRole('tablist').getByRole('tab').allInnerTexts(), ['Details', 'Permissions'], 'no History tab for a non-admin');
  });
});
