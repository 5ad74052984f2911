// Databricks notification destinations (/api/2.0/notification-destinations): each kind is
// created and answered with its secrets masked (url_set, password_set, ...), the signing
// secret shown once by create; list pages; get, update (merging secrets), delete; 404 for a
// missing id; only admins change them and only admins see the config; bad input refused
// naming the field; the deliveries route (a Weir extension) answers the delivery log; no
// secret reaches an answer, the audit log or the server log.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, assertError } = require('./lib');

const ND = '/api/2.0/notification-destinations';
const SCIM = '/api/2.0/preview/scim/v2';
// Secrets used below: none may come back in any answer, the audit log or the server log.
const SECRETS = ['hunter2-password', 'T000/B000/slack-secret-path', 'teams-secret-path-xyz', 'pd-integration-key-123',
  'webhook-secret-path'];

let srv;
let userToken; // a caller who is not an admin
before(async () => {
  srv = await startServer();
  const sp = await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: 'notify-reader' } });
  assert.equal(sp.status, 201, sp.text);
  const t = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId } });
  assert.equal(t.status, 200, t.text);
  userToken = t.json.token_value;
});
after(async () => { await srv.stop(); });

function noSecrets(text, where) {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} contains the secret ${s}`);
}

async function create(body, opts = {}) {
  const r = await srv.req('POST', ND, { body, ...opts });
  noSecrets(r.text, 'create answer');
  return r;
}

function fieldOf(res) {
  return res.json.details && res.json.details[0] && res.json.details[0].metadata.field;
}

const KINDS = {
  webhook: { display_name: 'ops webhook', config: { generic_webhook: { url: 'https://example.com/webhook-secret-path', username: 'ops', password: 'hunter2-password' } } },
  email: { display_name: 'on-call mail', config: { email: { addresses: ['oncall@example.com', 'lead@example.com'] } } },
  slack: { display_name: 'slack #alerts', config: { slack: { url: 'https://hooks.slack.com/services/T000/B000/slack-secret-path' } } },
  teams: { display_name: 'teams', config: { microsoft_teams: { url: 'https://example.webhook.office.com/teams-secret-path-xyz' } } },
  pagerduty: { display_name: 'pager', config: { pagerduty: { integration_key: 'pd-integration-key-123' } } },
};

const created = {}; // kind -> answer

test('create each kind: a UUID id, the type, the config masked, the signing secret once', async () => {
  const want = {
    webhook: ['WEBHOOK', { generic_webhook: { url_set: true, username_set: true, password_set: true } }],
    email: ['EMAIL', { email: { addresses: ['oncall@example.com', 'lead@example.com'] } }],
    slack: ['SLACK', { slack: { url_set: true } }],
    teams: ['MICROSOFT_TEAMS', { microsoft_teams: { url_set: true } }],
    pagerduty: ['PAGERDUTY', { pagerduty: { integration_key_set: true } }],
  };
  for (const [kind, body] of Object.entries(KINDS)) {
    const r = await create(body);
    assert.equal(r.status, 200, r.text);
    assert.match(r.json.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(r.json.display_name, body.display_name);
    assert.equal(r.json.destination_type, want[kind][0]);
    assert.deepEqual(r.json.config, want[kind][1]);
    assert.match(r.json.signing_secret, /^[0-9a-f]{64}$/);
    created[kind] = r.json;
  }
  // a webhook without username and password says so; plain http to loopback is allowed
  const r = await create({ display_name: 'local', config: { generic_webhook: { url: 'http://127.0.0.1:9/hook' } } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.config, { generic_webhook: { url_set: true, username_set: false, password_set: false } });
  created.local = r.json;
  // the signing secret is never answered again
  const g = await srv.req('GET', `${ND}/${created.webhook.id}`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.signing_secret, undefined);
  assert.deepEqual(g.json, { id: created.webhook.id, display_name: 'ops webhook', destination_type: 'WEBHOOK', config: want.webhook[1] });
});

test('list: every destination once, in pages, creation order, config masked', async () => {
  const seen = [];
  let token;
  let pages = 0;
  do {
    const r = await srv.req('GET', `${ND}?page_size=2${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    noSecrets(r.text, 'list answer');
    assert.ok(r.json.results.length <= 2);
    seen.push(...r.json.results);
    token = r.json.next_page_token;
    pages++;
  } while (token && pages < 20);
  assert.equal(pages, 3); // six destinations, two a page, no token after the last
  const ids = Object.values(created).map((d) => d.id);
  assert.deepEqual(seen.map((d) => d.id), ids);
  const slack = seen.find((d) => d.id === created.slack.id);
  assert.deepEqual(slack, { id: created.slack.id, display_name: 'slack #alerts', destination_type: 'SLACK', config: { slack: { url_set: true } } });
  // the default page holds them all; a bad page size or token is refused, naming it
  const all = await srv.req('GET', ND);
  assert.equal(all.json.results.length, 6);
  assert.equal(all.json.next_page_token, undefined);
  for (const q of ['page_size=101', 'page_size=-1']) {
    const r = await srv.req('GET', `${ND}?${q}`);
    assertError(r, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(fieldOf(r), 'page_size');
  }
  const bad = await srv.req('GET', `${ND}?page_token=not-a-token`);
  assertError(bad, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(fieldOf(bad), 'page_token');
});

test('update: display name, secrets merged (kept unless given, removed with ""), type cannot change', async () => {
  const id = created.webhook.id;
  let r = await srv.req('PATCH', `${ND}/${id}`, { body: { display_name: 'ops webhook v2' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.display_name, 'ops webhook v2');
  assert.deepEqual(r.json.config, { generic_webhook: { url_set: true, username_set: true, password_set: true } });
  // the output-only flags may come back in a body (read-modify-write) and are ignored
  r = await srv.req('PATCH', `${ND}/${id}`, { body: { config: { generic_webhook: { password: '', url_set: true, password_set: true } } } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.config, { generic_webhook: { url_set: true, username_set: true, password_set: false } });
  r = await srv.req('PATCH', `${ND}/${created.email.id}`, { body: { config: { email: { addresses: ['solo@example.com'] } } } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.config, { email: { addresses: ['solo@example.com'] } });
  // an empty body changes nothing and answers the destination
  r = await srv.req('PATCH', `${ND}/${created.slack.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.display_name, 'slack #alerts');
  // another kind is refused, naming config
  r = await srv.req('PATCH', `${ND}/${id}`, { body: { config: { slack: { url: 'https://example.com/x' } } } });
  assertError(r, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(fieldOf(r), 'config');
  r = await srv.req('PATCH', `${ND}/${id}`, { body: { config: { generic_webhook: { url: 'ftp://example.com/x' } } } });
  assertError(r, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(fieldOf(r), 'config.generic_webhook.url');
  r = await srv.req('PATCH', `${ND}/${id}`, { body: { display_name: '' } });
  assertError(r, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(fieldOf(r), 'display_name');
  const g = await srv.req('GET', `${ND}/${id}`);
  assert.equal(g.json.display_name, 'ops webhook v2');
});

test('bad input is refused, naming the field', async () => {
  const cases = [
    [{ config: KINDS.slack.config }, 'display_name'],
    [{ display_name: '', config: KINDS.slack.config }, 'display_name'],
    [{ display_name: 7, config: KINDS.slack.config }, 'display_name'],
    [{ display_name: 'x'.repeat(257), config: KINDS.slack.config }, 'display_name'],
    [{ display_name: 'x' }, 'config'],
    [{ display_name: 'x', config: {} }, 'config'],
    [{ display_name: 'x', config: 'slack' }, 'config'],
    [{ display_name: 'x', config: { slack: { url: 'https://a.example/x' }, email: { addresses: ['a@b.c'] } } }, 'config'],
    [{ display_name: 'x', config: { carrier_pigeon: {} } }, 'config.carrier_pigeon'],
    [{ display_name: 'x', config: { slack: 'https://a.example/x' } }, 'config.slack'],
    [{ display_name: 'x', config: { slack: {} } }, 'config.slack.url'],
    [{ display_name: 'x', config: { slack: { url: 'not a url' } } }, 'config.slack.url'],
    [{ display_name: 'x', config: { slack: { url: 'http://example.com/plain' } } }, 'config.slack.url'],
    [{ display_name: 'x', config: { slack: { url: 'https://a.example/x\r\nX-Evil: 1' } } }, 'config.slack.url'],
    [{ display_name: 'x', config: { slack: { url: 'https://a.example/x', oauth_token: 'xoxb' } } }, 'config.slack.oauth_token'],
    [{ display_name: 'x', config: { generic_webhook: { url: 'https://a.example/x', username: 'a:b' } } }, 'config.generic_webhook.username'],
    [{ display_name: 'x', config: { generic_webhook: { url: 'https://a.example/x', password: 5 } } }, 'config.generic_webhook.password'],
    [{ display_name: 'x', config: { microsoft_teams: { url: 'https://a.example/x', app_id: 'a' } } }, 'config.microsoft_teams.app_id'],
    [{ display_name: 'x', config: { email: { addresses: [] } } }, 'config.email.addresses'],
    [{ display_name: 'x', config: { email: { addresses: ['not-an-address'] } } }, 'config.email.addresses'],
    [{ display_name: 'x', config: { email: { addresses: 'a@b.c' } } }, 'config.email.addresses'],
    [{ display_name: 'x', config: { pagerduty: { integration_key: '' } } }, 'config.pagerduty.integration_key'],
    [{ display_name: 'x', config: { pagerduty: {} } }, 'config.pagerduty.integration_key'],
    [{ display_name: 'x', destination_type: 'EMAIL', config: KINDS.slack.config }, 'destination_type'],
  ];
  for (const [body, field] of cases) {
    const r = await create(body);
    assertError(r, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(fieldOf(r), field, `${JSON.stringify(body)}: ${r.text}`);
  }
  assertError(await srv.req('POST', ND, { body: '[1]' }), 400, 'MALFORMED_REQUEST');
  // nothing of the above was created
  const all = await srv.req('GET', ND);
  assert.equal(all.json.results.length, 6);
});

test('a caller who is not an admin lists and gets without config, and may not change anything', async () => {
  const l = await srv.req('GET', ND, { token: userToken });
  assert.equal(l.status, 200, l.text);
  assert.equal(l.json.results.length, 6);
  for (const d of l.json.results) {
    assert.deepEqual(Object.keys(d).sort(), ['destination_type', 'display_name', 'id']);
  }
  const g = await srv.req('GET', `${ND}/${created.email.id}`, { token: userToken });
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.config, undefined);
  assertError(await create(KINDS.slack, { token: userToken }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('PATCH', `${ND}/${created.slack.id}`, { token: userToken, body: { display_name: 'mine' } }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('DELETE', `${ND}/${created.slack.id}`, { token: userToken }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('GET', `${ND}/${created.slack.id}/deliveries`, { token: userToken }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('GET', ND, { token: null }), 401, 'UNAUTHENTICATED');
});

test('deliveries: an empty log for a new destination, 404 for a missing one', async () => {
  const r = await srv.req('GET', `${ND}/${created.webhook.id}/deliveries`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { deliveries: [] });
  assertError(await srv.req('GET', `${ND}/00000000-0000-4000-8000-000000000000/deliveries`), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('delete, then 404 for get, update, delete; a missing id is 404', async () => {
  const id = created.teams.id;
  const d = await srv.req('DELETE', `${ND}/${id}`);
  assert.equal(d.status, 200, d.text);
  assert.deepEqual(d.json, {});
  assertError(await srv.req('GET', `${ND}/${id}`), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('PATCH', `${ND}/${id}`, { body: { display_name: 'again' } }), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('DELETE', `${ND}/${id}`), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('GET', `${ND}/no-such-id`), 404, 'RESOURCE_DOES_NOT_EXIST');
  const all = await srv.req('GET', ND);
  assert.equal(all.json.results.length, 5);
});

test('writes are audited without secrets; no secret reaches the server log', async () => {
  const r = await srv.req('GET', '/api/2.0/weir/audit?max_results=1000');
  assert.equal(r.status, 200, r.text);
  noSecrets(r.text, 'audit log');
  const mine = r.json.events.filter((e) => e.service_name === 'notificationDestinations');
  const actions = new Set(mine.map((e) => e.action_name));
  for (const a of ['createNotificationDestination', 'updateNotificationDestination', 'deleteNotificationDestination']) {
    assert.ok(actions.has(a), `audit has ${a}`);
  }
  // the created destination is the row's securable; reads are audited only when denied
  const c = mine.find((e) => e.action_name === 'createNotificationDestination' && e.response.status_code === 200);
  assert.ok(c && Object.values(created).some((d) => d.id === c.securable), JSON.stringify(c));
  const reads = mine.filter((e) => /^(list|get)NotificationDestinations?$/.test(e.action_name));
  assert.ok(reads.length > 0 && reads.every((e) => e.response.status_code === 401), JSON.stringify(reads));
  noSecrets(srv.log(), 'server log');
});
