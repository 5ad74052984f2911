// ABAC policies in Chromium: the Policies tab of a schema and of a table in the catalog
// explorer. As an admin: a policy refused by the server shows its reason beside the form and
// is not created; one accepted is listed on the schema (with a delete button) and on its table
// as inherited (without one); it is deleted from the schema. A condition holding HTML renders
// as text; the views pass axe.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, launch, withPage, sessionCookie, checkA11y, makeUser } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const XSS = '<img src=x onerror="window.__xss=1">';
let srv, browser, user;

async function ok(r) {
  assert.ok(r.status === 200 || r.status === 201, r.text);
  return r.json;
}

before(async () => {
  srv = await startServer();
  browser = await launch();
  user = await makeUser(srv, 'policy-reader');
  await ok(await srv.req('POST', `${UC}/catalogs`, { body: { name: 'pc' } }));
  await ok(await srv.req('POST', `${UC}/schemas`, { body: { name: 's', catalog_name: 'pc' } }));
  await ok(await srv.req('POST', `${UC}/tables`, {
    body: {
      name: 't', catalog_name: 'pc', schema_name: 's', table_type: 'MANAGED', data_source_format: 'DELTA',
      columns: [{ name: 'id', type_name: 'INT', type_text: 'int', position: 0 }, { name: 'ssn', type_name: 'STRING', type_text: 'string', position: 1 }],
    },
  }));
  await ok(await srv.req('POST', `${UC}/functions`, {
    body: {
      function_info: {
        name: 'redact', catalog_name: 'pc', schema_name: 's', data_type: 'STRING', full_data_type: 'string',
        input_params: { parameters: [{ name: 'x', type_name: 'STRING', type_text: 'string', type_json: '{"name":"x","type":"string","nullable":true,"metadata":{}}', position: 0 }] },
        routine_body: 'SQL', routine_definition: "'***'", parameter_style: 'S', is_deterministic: true, sql_data_access: 'NO_SQL',
        is_null_call: false, security_type: 'DEFINER', specific_name: 'redact',
      },
    },
  }));
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('admin: a refused policy shows the reason; an accepted one is listed on its schema and inherited on its table; deleted', async (t) => {
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(400); // the unknown principal, refused
    await sessionCookie(context, srv, srv.token);
    await page.goto('/explore/pc/s');
    await page.getByRole('tab', { name: 'Policies' }).click();
    await page.getByText('No policies apply here.').waitFor();
    const form = page.getByRole('form', { name: 'Create a policy' });
    await form.getByLabel('Policy name').fill('hide_ssn');
    await form.getByLabel('Policy type').selectOption('POLICY_TYPE_COLUMN_MASK');
    await form.getByLabel('Function').fill('pc.s.redact');
    await form.getByLabel('To principals').fill('nobody-such');
    await form.getByLabel('When (table tags)').fill(`NOT hasTag('${XSS.replace(/'/g, "''")}')`);
    await form.getByLabel('Match columns (column tags)').fill("hasTag('pii')");
    await form.getByLabel('Alias', { exact: true }).fill('p');
    await form.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText(/no user, service principal or group is named 'nobody-such'/).waitFor();
    assert.deepEqual((await srv.req('GET', `${UC}/policies/SCHEMA/pc.s`)).json.policies, []);
    await form.getByLabel('To principals').fill(`${user.name}, admins`);
    await form.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('button', { name: 'Delete policy hide_ssn' }).waitFor();
    await page.getByRole('cell', { name: `NOT hasTag('${XSS.replace(/'/g, "''")}')`, exact: true }).waitFor(); // as text
    const made = (await srv.req('GET', `${UC}/policies/SCHEMA/pc.s/hide_ssn`)).json;
    assert.deepEqual(made.to_principals, [user.name, 'admins']);
    assert.deepEqual(made.column_mask, { function_name: 'pc.s.redact', on_column: 'p' });
    await checkA11y(page, 'a schema\'s policies');
    // the table: inherited from the schema, no delete button here
    await page.goto('/explore/pc/s/t?tab=policies');
    await page.getByRole('cell', { name: 'schema pc.s', exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Delete policy hide_ssn' }).count(), 0);
    await checkA11y(page, 'a table\'s policies');
    // deleted from the schema
    await page.goto('/explore/pc/s?tab=policies');
    await page.getByRole('button', { name: 'Delete policy hide_ssn' }).click();
    await page.getByText('No policies apply here.').waitFor();
    assert.equal((await srv.req('GET', `${UC}/policies/SCHEMA/pc.s/hide_ssn`)).status, 404);
    assert.equal(await page.evaluate(() => window.__xss), undefined, 'injected script ran');
  });
});

test('admin: governed tags: a key governed through the form, a duplicate refused with the reason, an assignment outside its values refused in the tags panel, deleted', async (t) => {
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(400); // the duplicate key and the value outside the governed ones, refused
    await sessionCookie(context, srv, srv.token);
    await page.goto('/admin/governed-tags');
    await page.getByText('No tag key is governed.').waitFor();
    const form = page.getByRole('form', { name: 'Govern a tag key' });
    await form.getByLabel('Tag key').fill('tier');
    await form.getByLabel('Allowed values').fill('gold, silver');
    await form.getByLabel('Description').fill(XSS);
    await form.getByRole('button', { name: 'Govern' }).click();
    await page.getByRole('cell', { name: 'gold, silver', exact: true }).waitFor();
    await page.getByRole('cell', { name: XSS, exact: true }).waitFor(); // as text
    await form.getByLabel('Tag key').fill('tier');
    await form.getByRole('button', { name: 'Govern' }).click();
    await page.getByText("Tag policy 'tier' already exists.").waitFor();
    await checkA11y(page, 'governed tags');
    // the catalog's tags panel: a value outside the governed ones is refused, with the reason
    await page.goto('/explore/pc?tab=tags');
    const tags = page.getByRole('form', { name: 'Add a tag' });
    await tags.getByLabel('Key').fill('tier');
    await tags.getByLabel('Value').fill('bronze');
    await tags.getByRole('button', { name: 'Add tag' }).click();
    await page.getByText(/tag 'tier' is governed/).waitFor();
    await tags.getByLabel('Value').fill('gold');
    await tags.getByRole('button', { name: 'Add tag' }).click();
    await page.getByRole('button', { name: 'Remove tag tier' }).waitFor();
    // deleted from the admin page
    await page.goto('/admin/governed-tags');
    await page.getByRole('button', { name: 'Delete tag policy tier' }).click();
    await page.getByText('No tag key is governed.').waitFor();
    assert.equal((await srv.req('GET', '/api/2.1/tag-policies/tier')).status, 404);
    assert.equal(await page.evaluate(() => window.__xss), undefined, 'injected script ran');
  });
});
