// Lineage over HTTP: OpenLineage ingest (single and batch, validation naming the field,
// all-or-nothing batches, huge batches), Marquez's graph, Databricks' table and column
// lineage, Weir's graph (depth bounds, caps, as-of, per-run, unknown nodes), column impact,
// manual edges, drops, audit of writes, and masking for a non-admin caller.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, rawRequest, assertError } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const WL = '/api/2.0/weir/lineage';
const LT = '/api/2.0/lineage-tracking';
let srv;

before(async () => {
  srv = await startServer();
  for (const c of ['lc', 'secret_cat']) {
    assert.equal((await srv.req('POST', `${UC}/catalogs`, { body: { name: c } })).status, 200);
    assert.equal((await srv.req('POST', `${UC}/schemas`, { body: { name: 's', catalog_name: c } })).status, 200);
  }
  for (const [c, t] of [['lc', 'raw'], ['lc', 'clean'], ['lc', 'report'], ['secret_cat', 'hidden_src'], ['lc', 'dropme']]) {
    const r = await srv.req('POST', `${UC}/tables`, {
      body: {
        name: t, catalog_name: c, schema_name: 's', table_type: 'MANAGED', data_source_format: 'DELTA',
        columns: [{ name: 'id', type_name: 'INT', type_text: 'int', position: 0 }, { name: 'amount', type_name: 'INT', type_text: 'int', position: 1 }],
      },
    });
    assert.equal(r.status, 200, r.text);
  }
});
after(async () => { await srv.stop(); });

let seq = 0;
function uuid() {
  seq++;
  return `0190c5f5-0000-7000-8000-${String(seq).padStart(12, '0')}`;
}

function runEvent({ type = 'COMPLETE', runId = uuid(), time = '2026-01-01T00:00:00Z', job = 'job', inputs = [], outputs = [], sql } = {}) {
  const facets = sql ? { sql: { _producer: 'https://x', _schemaURL: 'https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json', query: sql } } : {};
  return {
    eventType: type, eventTime: time, run: { runId, facets: {} }, job: { namespace: 'etl', name: job, facets },
    inputs, outputs, producer: 'https://github.com/weir/tests', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
  };
}
const uc = (name, extra = {}) => ({ namespace: 'weir', name, ...extra });
function colLineage(fields) {
  return { columnLineage: { _producer: 'https://x', _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json', fields } };
}

async function post(ev) { return srv.req('POST', '/api/v1/lineage', { body: ev }); }

test('OpenLineage events are accepted with 201 and linked to catalog tables', async () => {
  const r1 = await post(runEvent({
    job: 'clean_job', time: '2026-01-01T01:00:00Z', inputs: [uc('lc.s.raw')],
    outputs: [uc('lc.s.clean', { facets: colLineage({ id: { inputFields: [{ namespace: 'weir', name: 'lc.s.raw', field: 'id', transformations: [{ type: 'DIRECT', subtype: 'IDENTITY' }] }] } }) })],
    sql: 'INSERT INTO clean SELECT * FROM raw',
  }));
  assert.equal(r1.status, 201, r1.text);
  const r2 = await post(runEvent({
    job: 'report_job', time: '2026-01-02T01:00:00Z', inputs: [{ namespace: 'unity-catalog', name: 'lc.s.clean' }],
    outputs: [uc('lc.s.report', { facets: colLineage({ total: { inputFields: [{ namespace: 'weir', name: 'lc.s.clean', field: 'id', transformations: [{ type: 'DIRECT', subtype: 'AGGREGATION' }, { type: 'INDIRECT', subtype: 'GROUP_BY' }] }] } }) })],
  }));
  assert.equal(r2.status, 201, r2.text);
  // static lineage and job events
  const ds = await srv.req('POST', '/api/v1/lineage', { body: { eventTime: '2026-01-03T00:00:00Z', producer: 'https://x', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent', dataset: { namespace: 's3://bucket', name: 'exports/report' } } });
  assert.equal(ds.status, 201, ds.text);
  const je = await srv.req('POST', '/api/v1/lineage', { body: { eventTime: '2026-01-03T00:00:00Z', producer: 'https://x', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent', job: { namespace: 'etl', name: 'export' }, inputs: [uc('lc.s.report')], outputs: [{ namespace: 's3://bucket', name: 'exports/report' }] } });
  assert.equal(je.status, 201, je.text);
});

test('concurrent single events are grouped into shared commits: every one recorded and audited once', async () => {
  const n = 40;
  const rids = [];
  const res = await Promise.all(Array.from({ length: n }, (_, i) => post(runEvent({
    job: `conc_${i}`, inputs: [{ namespace: 'kafka://k', name: `topic_${i}` }], outputs: [{ namespace: 'kafka://k', name: 'sink' }],
  }))));
  for (const r of res) {
    assert.equal(r.status, 201, r.text);
    rids.push(r.headers.get('x-request-id'));
  }
  const g = await srv.req('GET', `${WL}/graph?node=${encodeURIComponent('dataset:kafka://k:sink')}&direction=upstream&depth=1`);
  assert.equal(g.json.nodes.length, n + 1, g.text);
  // one audit row per request, written in the group's transaction
  const events = [];
  let token;
  do {
    const q = `/api/2.0/weir/audit?action_name=ingestOpenLineageEvent&max_results=1000${token ? `&page_token=${encodeURIComponent(token)}` : ''}`;
    const a = await srv.req('GET', q);
    if (a.status !== 200) return; // audit API not in this build
    events.push(...(a.json.events || []));
    token = a.json.next_page_token;
  } while (token);
  for (const rid of rids) assert.equal(events.filter((e) => e.request_id === rid).length, 1, rid);
});

test('an event that fails while its group is written fails alone', async () => {
  const wide = Array.from({ length: 600 }, (_, i) => ({ namespace: 'kafka://w', name: `w${i}` }));
  const res = await Promise.all([
    post(runEvent({ job: 'too_wide', inputs: wide, outputs: wide.map((d) => ({ ...d, namespace: 'kafka://wo' })) })),
    ...Array.from({ length: 8 }, (_, i) => post(runEvent({ job: `ok_${i}`, inputs: [{ namespace: 'kafka://k2', name: `a${i}` }], outputs: [{ namespace: 'kafka://k2', name: 'b' }] }))),
  ]);
  assertError(res[0], 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(res[0].json.details[0].metadata.field, 'inputs');
  for (const r of res.slice(1)) assert.equal(r.status, 201, r.text);
  assertError(await srv.req('GET', `${WL}/graph?node=${encodeURIComponent('dataset:kafka://w:w1')}`), 404, 'NOT_FOUND');
  assertError(await srv.req('GET', `${WL}/graph?node=job:etl:too_wide`), 404, 'NOT_FOUND');
  const g = await srv.req('GET', `${WL}/graph?node=${encodeURIComponent('dataset:kafka://k2:b')}&depth=1`);
  assert.equal(g.json.nodes.length, 9);
});

test('invalid events are 400 naming the violated field', async () => {
  const base = runEvent({ inputs: [uc('lc.s.raw')], outputs: [uc('lc.s.clean')] });
  const cases = [
    [(e) => { delete e.eventTime; }, 'eventTime'],
    [(e) => { e.eventTime = 'not a time'; }, 'eventTime'],
    [(e) => { delete e.producer; }, 'producer'],
    [(e) => { delete e.schemaURL; }, 'schemaURL'],
    [(e) => { delete e.run.runId; }, 'run.runId'],
    [(e) => { e.run.runId = 'abc'; }, 'run.runId'],
    [(e) => { delete e.job.namespace; }, 'job.namespace'],
    [(e) => { delete e.job.name; }, 'job.name'],
    [(e) => { delete e.job; }, 'job'],
    [(e) => { e.eventType = 'FINISHED'; }, 'eventType'],
    [(e) => { e.inputs = [{ namespace: 'x' }]; }, 'inputs[0].name'],
    [(e) => { e.outputs = 'nope'; }, 'outputs'],
  ];
  for (const [mut, field] of cases) {
    const ev = JSON.parse(JSON.stringify(base));
    mut(ev);
    const r = await post(ev);
    assertError(r, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(r.json.details[0].metadata.field, field, r.text);
  }
  assertError(await srv.req('POST', '/api/v1/lineage', { body: '{"eventTime": ' }), 400, 'MALFORMED_REQUEST');
  assertError(await srv.req('POST', '/api/v1/lineage', { body: '[]' }), 400, 'MALFORMED_REQUEST');
});

test('a batch is all or nothing; huge batches are refused', async () => {
  const good = [runEvent({ job: 'b1', inputs: [{ namespace: 'pg://h', name: 'b_in' }], outputs: [{ namespace: 'pg://h', name: 'b_out' }] }),
    runEvent({ job: 'b2', inputs: [{ namespace: 'pg://h', name: 'b_out' }], outputs: [{ namespace: 'pg://h', name: 'b_out2' }] })];
  const bad = [...good.map((e) => ({ ...e, run: { runId: uuid() } })), { ...good[0], eventTime: 'x' }];
  bad[0].outputs = [{ namespace: 'pg://h', name: 'never_written' }];
  const r = await srv.req('POST', '/api/v1/lineage/batch', { body: bad });
  assertError(r, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(r.json.details[0].metadata.field, '[2].eventTime');
  const g0 = await srv.req('GET', `${WL}/graph?node=${encodeURIComponent('dataset:pg://h:never_written')}`);
  assertError(g0, 404, 'NOT_FOUND');
  const ok = await srv.req('POST', '/api/v1/lineage/batch', { body: good });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.json.summary, { received: 2, successful: 2, failed: 0, retriable: 0, non_retriable: 0 });
  const g = await srv.req('GET', `${WL}/graph?node=${encodeURIComponent('dataset:pg://h:b_out2')}&direction=upstream&depth=5`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.nodes.length, 3);
  const huge = Array.from({ length: 10001 }, () => ({}));
  const h = await srv.req('POST', '/api/v1/lineage/batch', { body: huge });
  assertError(h, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(h.json.details[0].metadata.field, 'events');
  assertError(await srv.req('POST', '/api/v1/lineage/batch', { body: { not: 'an array' } }), 400, 'MALFORMED_REQUEST');
  assertError(await srv.req('POST', '/api/v1/lineage/batch', { body: '' }), 400, 'MALFORMED_REQUEST');
});

test('Databricks table-lineage and column-lineage answer upstreams and downstreams', async () => {
  const t = await srv.req('GET', `${LT}/table-lineage?table_name=lc.s.clean&include_entity_lineage=true`);
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.upstreams.length, 1);
  assert.equal(t.json.upstreams[0].tableInfo.name, 'raw');
  assert.equal(t.json.upstreams[0].tableInfo.catalog_name, 'lc');
  assert.equal(t.json.upstreams[0].tableInfo.schema_name, 's');
  assert.ok(t.json.upstreams[0].tableInfo.lineage_timestamp);
  assert.equal(t.json.upstreams[0].jobInfos[0].job_name, 'clean_job');
  assert.equal(t.json.downstreams[0].tableInfo.name, 'report');
  // the GET-with-body form (fetch cannot send it: raw HTTP)
  const body = JSON.stringify({ table_name: 'lc.s.report' });
  const raw = await rawRequest(srv.port, `GET ${LT}/table-lineage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  assert.match(raw, /^HTTP\/1\.1 200/);
  assert.ok(raw.includes('"name":"clean"'), raw);
  const c = await srv.req('GET', `${LT}/column-lineage?table_name=lc.s.clean&column_name=id`);
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.upstream_cols[0].name, 'id');
  assert.equal(c.json.upstream_cols[0].table_name, 'raw');
  assert.equal(c.json.downstream_cols.length, 2); // DIRECT/AGGREGATION and INDIRECT/GROUP_BY into report.total
  assertError(await srv.req('GET', `${LT}/table-lineage?table_name=lc.s.nope`), 404, 'TABLE_NOT_FOUND');
  assertError(await srv.req('GET', `${LT}/table-lineage`), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${LT}/column-lineage?table_name=lc.s.clean`), 400, 'INVALID_PARAMETER_VALUE');
  const none = await srv.req('GET', `${LT}/column-lineage?table_name=lc.s.clean&column_name=nothing`);
  assert.deepEqual(none.json, { upstream_cols: [], downstream_cols: [] });
});

test('Marquez lineage returns its graph shape with jobs between datasets', async () => {
  const r = await srv.req('GET', `/api/v1/lineage?nodeId=${encodeURIComponent('dataset:weir:lc.s.clean')}&depth=2`);
  assert.equal(r.status, 200, r.text);
  const ids = r.json.graph.map((n) => n.id);
  assert.ok(ids.includes('dataset:weir:lc.s.raw'), ids.join());
  assert.ok(ids.includes('job:etl:clean_job'), ids.join());
  const clean = r.json.graph.find((n) => n.id === 'dataset:weir:lc.s.clean');
  assert.equal(clean.type, 'DATASET');
  assert.deepEqual(clean.inEdges, [{ origin: 'job:etl:clean_job', destination: 'dataset:weir:lc.s.clean' }]);
  assertError(await srv.req('GET', '/api/v1/lineage'), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', '/api/v1/lineage?nodeId=dataset:nowhere:nothing'), 404, 'NOT_FOUND');
});

test('the graph endpoint: directions, depth bounds, caps, unknown nodes', async () => {
  const up = await srv.req('GET', `${WL}/graph?node=lc.s.report&direction=upstream&depth=5`);
  assert.equal(up.status, 200, up.text);
  assert.deepEqual(up.json.nodes.map((n) => n.name).sort(), ['lc.s.clean', 'lc.s.raw', 'lc.s.report']);
  assert.equal(up.json.edges.length, 2);
  assert.equal(up.json.truncated, false);
  const d0 = await srv.req('GET', `${WL}/graph?node=table:lc.s.report&depth=0`);
  assert.equal(d0.status, 200, d0.text);
  assert.equal(d0.json.nodes.length, 1);
  assert.equal(d0.json.edges.length, 0);
  for (const depth of ['-1', '101', '99999999999', 'abc']) {
    const r = await srv.req('GET', `${WL}/graph?node=lc.s.report&depth=${depth}`);
    assertError(r, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(r.json.details[0].metadata.field, 'depth');
  }
  assertError(await srv.req('GET', `${WL}/graph?node=lc.s.report&direction=sideways`), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${WL}/graph?node=lc.s.report&max_nodes=100000000`), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${WL}/graph`), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${WL}/graph?node=lc.s.nope`), 404, 'TABLE_NOT_FOUND');
  assertError(await srv.req('GET', `${WL}/graph?node=run:00000000-0000-0000-0000-000000000000`), 404, 'NOT_FOUND');
  assertError(await srv.req('GET', `${WL}/graph?node=bogus:thing`), 404, 'NOT_FOUND');
  assertError(await srv.req('GET', `${WL}/graph?node=${encodeURIComponent('masked:0123456789abcdef01234567')}`), 404, 'NOT_FOUND');
  const capped = await srv.req('GET', `${WL}/graph?node=lc.s.report&direction=upstream&depth=5&max_nodes=2`);
  assert.equal(capped.json.nodes.length, 2);
  assert.equal(capped.json.truncated, true);
  const ecap = await srv.req('GET', `${WL}/graph?node=lc.s.report&direction=upstream&depth=5&max_edges=1`);
  assert.equal(ecap.json.edges.length, 1);
  assert.equal(ecap.json.truncated, true);
  // as of before the report job ran, only raw -> clean existed
  const asOf = Date.parse('2026-01-01T12:00:00Z');
  const old = await srv.req('GET', `${WL}/graph?node=lc.s.clean&depth=5&as_of=${asOf}`);
  assert.deepEqual(old.json.nodes.map((n) => n.name).sort(), ['lc.s.clean', 'lc.s.raw']);
});

test('a cycle terminates and reports each node once; per-run queries see one run', async () => {
  const runA = uuid();
  assert.equal((await post(runEvent({ runId: runA, job: 'cyc1', inputs: [{ namespace: 'k', name: 'x' }], outputs: [{ namespace: 'k', name: 'y' }] }))).status, 201);
  assert.equal((await post(runEvent({ job: 'cyc2', inputs: [{ namespace: 'k', name: 'y' }], outputs: [{ namespace: 'k', name: 'z' }] }))).status, 201);
  assert.equal((await post(runEvent({ job: 'cyc3', inputs: [{ namespace: 'k', name: 'z' }], outputs: [{ namespace: 'k', name: 'x' }] }))).status, 201);
  const g = await srv.req('GET', `${WL}/graph?node=dataset:k:x&depth=100`);
  assert.equal(g.status, 200, g.text);
  const ids = g.json.nodes.map((n) => n.id);
  assert.equal(ids.length, 3);
  assert.equal(new Set(ids).size, 3);
  const one = await srv.req('GET', `${WL}/graph?node=dataset:k:x&depth=100&run=${runA}`);
  assert.equal(one.json.nodes.length, 2);
  assert.equal(one.json.edges.length, 1);
  assertError(await srv.req('GET', `${WL}/graph?node=dataset:k:x&run=${uuid()}`), 404, 'NOT_FOUND');
});

test('column impact follows columns transitively to the depth asked', async () => {
  const r = await srv.req('GET', `${WL}/column-impact?table=lc.s.raw&column=id&depth=3`);
  assert.equal(r.status, 200, r.text);
  const cols = r.json.impacted.map((c) => `${c.table}.${c.column}@${c.depth}`).sort();
  assert.deepEqual(cols, ['lc.s.clean.id@1', 'lc.s.report.total@2']);
  const d1 = await srv.req('GET', `${WL}/column-impact?table=lc.s.raw&column=id&depth=1`);
  assert.equal(d1.json.impacted.length, 1);
  assertError(await srv.req('GET', `${WL}/column-impact?table=lc.s.raw&column=id&depth=-3`), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${WL}/column-impact?table=lc.s.raw`), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${WL}/column-impact?table=nope.s.t&column=id`), 404, 'CATALOG_NOT_FOUND');
});

test('manual edges: add (201), read back with origin MANUAL, delete, audited', async () => {
  const add = await srv.req('POST', `${WL}/edges`, { body: { source: 'lc.s.report', target: 'lc.s.dropme', columns: [{ source: 'total', target: 'amount' }] } });
  assert.equal(add.status, 201, add.text);
  assert.equal(add.json.origin, 'MANUAL');
  const g = await srv.req('GET', `${WL}/graph?node=lc.s.dropme&direction=upstream&depth=1`);
  assert.deepEqual(g.json.edges.map((e) => e.origins), [['MANUAL']]);
  assertError(await srv.req('POST', `${WL}/edges`, { body: { source: 'lc.s.report' } }), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('POST', `${WL}/edges`, { body: { source: 'lc.s.report', target: 'lc.s.nope' } }), 404, 'TABLE_NOT_FOUND');
  assertError(await srv.req('POST', `${WL}/edges`, { body: { source: 'lc.s.nope', target: 'lc.s.report' } }), 404, 'TABLE_NOT_FOUND');
  assertError(await srv.req('POST', `${WL}/edges`, { body: { source: 'lc.s.report', target: 'lc.s.report' } }), 400, 'INVALID_PARAMETER_VALUE');
  const del = await srv.req('DELETE', `${WL}/edges?source=lc.s.report&target=lc.s.dropme`);
  assert.equal(del.status, 200, del.text);
  assert.deepEqual(del.json, {});
  assertError(await srv.req('DELETE', `${WL}/edges?source=lc.s.report&target=lc.s.dropme`), 404, 'RESOURCE_DOES_NOT_EXIST');
  const g2 = await srv.req('GET', `${WL}/graph?node=lc.s.dropme&direction=upstream&depth=1`);
  assert.equal(g2.json.edges.length, 0);
  const audit = await srv.req('GET', '/api/2.0/weir/audit?action_name=createLineageEdge');
  if (audit.status === 200) {
    const rows = (audit.json.events || audit.json.audit_events || []).filter((e) => e.action_name === 'createLineageEdge');
    assert.ok(rows.length >= 1, audit.text);
  }
});

test('a dropped table keeps its history and shows as deleted', async () => {
  assert.equal((await post(runEvent({ job: 'drop_job', inputs: [uc('lc.s.dropme')], outputs: [uc('lc.s.report')] }))).status, 201);
  const id = (await srv.req('GET', `${WL}/graph?node=lc.s.dropme&depth=0`)).json.root;
  assert.equal((await srv.req('DELETE', `${UC}/tables/lc.s.dropme`)).status, 200);
  const g = await srv.req('GET', `${WL}/graph?node=lc.s.report&direction=upstream&depth=3`);
  const dropped = g.json.nodes.find((n) => n.id === id);
  assert.ok(dropped, g.text);
  assert.equal(dropped.deleted, true);
  // still addressable by id (admin), and a new table of the same name is a different node
  assert.equal((await srv.req('GET', `${WL}/graph?node=${encodeURIComponent(id)}&depth=1`)).status, 200);
  const r = await srv.req('POST', `${UC}/tables`, { body: { name: 'dropme', catalog_name: 'lc', schema_name: 's', table_type: 'MANAGED', data_source_format: 'DELTA', columns: [] } });
  assert.equal(r.status, 200, r.text);
  const fresh = await srv.req('GET', `${WL}/graph?node=lc.s.dropme&depth=3`);
  assert.equal(fresh.json.nodes.length, 1);
  assert.notEqual(fresh.json.root, id);
});

// A service principal with only USE CATALOG/USE SCHEMA/SELECT on lc.s.clean; skipped when the
// identity surface is not there yet (the unit test proves masking through the C API).
async function nonAdmin() {
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', {
    body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal'], displayName: 'lineage-reader', active: true },
  });
  if (sp.status !== 200 && sp.status !== 201) return null;
  const tok = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId, lifetime_seconds: 3600 } });
  if (tok.status !== 200) return null;
  const grant = async (type, name, priv) => {
    const g = await srv.req('PATCH', `${UC}/permissions/${type}/${name}`, { body: { changes: [{ principal: sp.json.applicationId, add: [priv] }] } });
    assert.equal(g.status, 200, g.text);
  };
  await grant('catalog', 'lc', 'USE_CATALOG');
  await grant('schema', 'lc.s', 'USE_SCHEMA');
  await grant('table', 'lc.s.clean', 'SELECT');
  return tok.json.token_value;
}

test('a non-admin sees unbrowsable nodes masked, never their names, SQL or job names', async (t) => {
  // hidden_src -> clean, by a job whose name and SQL mention the secret
  assert.equal((await post(runEvent({ job: 'secret_job_name', inputs: [uc('secret_cat.s.hidden_src')], outputs: [uc('lc.s.clean')], sql: 'SELECT ssn FROM secret_cat.s.hidden_src' }))).status, 201);
  const token = await nonAdmin();
  if (!token) { t.skip('identity API not available'); return; }
  const reads = [
    `${WL}/graph?node=lc.s.clean&depth=5`,
    `/api/v1/lineage?nodeId=dataset:weir:lc.s.clean&depth=5`,
    `${LT}/table-lineage?table_name=lc.s.clean&include_entity_lineage=true`,
    `${LT}/column-lineage?table_name=lc.s.clean&column_name=id`,
    `${WL}/column-impact?table=lc.s.clean&column=id`,
  ];
  for (const p of reads) {
    const r = await srv.req('GET', p, { token });
    assert.equal(r.status, 200, `${p}: ${r.text}`);
    // external datasets (s3://bucket exports/report) are not governed and stay visible
    for (const bad of ['hidden_src', 'secret_cat', 'secret_job_name', 'ssn', 'clean_job', 'report_job', 'INSERT INTO',
      'SELECT ', 'lc.s.raw', 'lc.s.report', '"raw"', '"report"']) {
      assert.ok(!r.text.includes(bad), `${p} leaks ${bad}: ${r.text}`);
    }
  }
  const g = await srv.req('GET', `${WL}/graph?node=lc.s.clean&depth=5`, { token });
  assert.ok(g.json.masked_nodes >= 2, g.text);
  assert.ok(g.json.nodes.some((n) => n.masked && n.id.startsWith('masked:')));
  assertError(await srv.req('GET', `${WL}/graph?node=lc.s.raw`, { token }), 404, 'TABLE_NOT_FOUND');
  assertError(await srv.req('GET', `${WL}/graph?node=secret_cat.s.hidden_src`, { token }), 404, 'CATALOG_NOT_FOUND');
  // ingest is for admins; manual edges need MODIFY on the target
  assertError(await srv.req('POST', '/api/v1/lineage', { token, body: runEvent({}) }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('POST', `${WL}/edges`, { token, body: { source: 'lc.s.clean', target: 'lc.s.clean' } }), 403, 'PERMISSION_DENIED');
});
