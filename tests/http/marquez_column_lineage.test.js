// Marquez's column lineage (GET /api/v1/column-lineage) over HTTP: the exact requests the
// Marquez web UI sends (dataset: node ids with encodeURIComponent'd parts, depth,
// withDownstream=true) and the datasetField: form, upstream and downstream, depth bounds and
// caps, the response shape Marquez answers (DATASET_FIELD nodes, data with inputFields, its
// inEdges drawn from the node to its input), masking for a caller who cannot browse the middle
// table (masked, the ends visible, no name or column leaks), a hidden root that answers as a
// missing one (404), bad node ids (400 naming nodeId), and reads that write no audit row.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, assertError } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const CL = '/api/v1/column-lineage';
let srv;

const cols = (...names) => names.map((name, position) => ({ name, type_name: 'INT', type_text: 'int', position }));

before(async () => {
  srv = await startServer();
  for (const c of ['cl', 'cl_secret']) {
    assert.equal((await srv.req('POST', `${UC}/catalogs`, { body: { name: c } })).status, 200);
    assert.equal((await srv.req('POST', `${UC}/schemas`, { body: { name: 's', catalog_name: c } })).status, 200);
  }
  for (const [c, t, columns] of [['cl', 'src', cols('id', 'amount')], ['cl', 'mid', cols('hidden_key', 'secret_sum')],
    ['cl', 'out', cols('id', 'total')], ['cl_secret', 'vault', cols('x')]]) {
    const r = await srv.req('POST', `${UC}/tables`, {
      body: { name: t, catalog_name: c, schema_name: 's', table_type: 'MANAGED', data_source_format: 'DELTA', columns },
    });
    assert.equal(r.status, 200, r.text);
  }
  // src -> mid -> out (catalog tables), out -> s3://bucket exports/final (an external dataset
  // with a schema facet); mid also depends on src.id as a whole (a GROUP BY); vault -> src
  let seq = 0;
  const field = (ns, name, f, type = 'DIRECT', subtype = 'IDENTITY') =>
    ({ namespace: ns, name, field: f, transformations: [{ type, subtype }] });
  const facet = (fields, dataset) => ({
    columnLineage: { _producer: 'https://x', _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json', fields, ...(dataset ? { dataset } : {}) },
  });
  const ev = (job, inputs, output) => ({
    eventType: 'COMPLETE', eventTime: '2026-01-01T00:00:00Z',
    run: { runId: `0190c5f5-0000-7000-8000-${String(++seq).padStart(12, '0')}`, facets: {} },
    job: { namespace: 'etl', name: job, facets: {} }, inputs, outputs: [output],
    producer: 'https://github.com/weir/tests', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
  });
  const events = [
    ev('mid_job', [{ namespace: 'weir', name: 'cl.s.src' }], {
      namespace: 'weir', name: 'cl.s.mid',
      facets: facet({
        hidden_key: { inputFields: [field('weir', 'cl.s.src', 'id')] },
        secret_sum: { inputFields: [field('weir', 'cl.s.src', 'amount', 'DIRECT', 'AGGREGATION')] },
      }, [field('weir', 'cl.s.src', 'id', 'INDIRECT', 'GROUP_BY')]),
    }),
    ev('out_job', [{ namespace: 'weir', name: 'cl.s.mid' }], {
      namespace: 'weir', name: 'cl.s.out',
      facets: facet({
        id: { inputFields: [field('weir', 'cl.s.mid', 'hidden_key')] },
        total: { inputFields: [field('weir', 'cl.s.mid', 'secret_sum')] },
      }),
    }),
    ev('export_job', [{ namespace: 'weir', name: 'cl.s.out' }], {
      namespace: 's3://bucket', name: 'exports/final',
      facets: {
        schema: { _producer: 'https://x', _schemaURL: 'https://openlineage.io/spec/facets/1-1-0/SchemaDatasetFacet.json', fields: [{ name: 'total', type: 'DECIMAL(10,2)' }] },
        ...facet({ total: { inputFields: [field('weir', 'cl.s.out', 'total', 'DIRECT', 'TRANSFORMATION')] } }),
      },
    }),
    ev('vault_job', [{ namespace: 'weir', name: 'cl_secret.s.vault' }], {
      namespace: 'weir', name: 'cl.s.src', facets: facet({ amount: { inputFields: [field('weir', 'cl_secret.s.vault', 'x')] } }),
    }),
  ];
  for (const e of events) {
    const r = await srv.req('POST', '/api/v1/lineage', { body: e });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => { await srv.stop(); });

// The Marquez web UI's request (web/src/store/requests/columnlineage.ts): the nodeId's
// namespace and name each encodeURIComponent'd, depth, withDownstream=true.
function uiPath(nodeType, namespace, name, depth) {
  const nodeId = `${nodeType}:${encodeURIComponent(namespace)}:${encodeURIComponent(name)}`;
  return `${CL}?nodeId=${nodeId}&depth=${depth}&withDownstream=true`;
}
const byId = (r) => Object.fromEntries(r.json.graph.map((n) => [n.id, n]));
const F = (table, field) => `datasetField:weir:cl.s.${table}:${field}`;
const S3 = 'datasetField:s3://bucket:exports/final:total';

test('the datasetField: form walks upstream by default, in Marquez\'s shape', async () => {
  const r = await srv.req('GET', `${CL}?nodeId=${encodeURIComponent(F('out', 'total'))}`);
  assert.equal(r.status, 200, r.text);
  const g = byId(r);
  // default depth 20, upstream only: out.total <- mid.secret_sum <- src.amount <- vault.x
  assert.deepEqual(Object.keys(g).sort(),
    [F('mid', 'secret_sum'), F('out', 'total'), F('src', 'amount'), 'datasetField:weir:cl_secret.s.vault:x'].sort());
  assert.equal(r.json.truncated, false);
  const out = g[F('out', 'total')];
  assert.equal(out.type, 'DATASET_FIELD');
  assert.deepEqual(out.data, {
    namespace: 'weir', dataset: 'cl.s.out', field: 'total', fieldType: 'INT', transformationDescription: null,
    transformationType: 'DIRECT',
    inputFields: [{ namespace: 'weir', dataset: 'cl.s.mid', field: 'secret_sum', transformationDescription: null, transformationType: 'DIRECT', transformationSubtype: 'IDENTITY' }],
  });
  // Marquez draws a field's in edges from the field to its input, out edges input -> output
  assert.deepEqual(out.inEdges, [{ origin: F('out', 'total'), destination: F('mid', 'secret_sum') }]);
  assert.deepEqual(out.outEdges, []);
  const mid = g[F('mid', 'secret_sum')];
  assert.deepEqual(mid.outEdges, [{ origin: F('mid', 'secret_sum'), destination: F('out', 'total') }]);
  assert.equal(mid.data.inputFields[0].transformationSubtype, 'AGGREGATION');
  const src = g[F('src', 'amount')];
  assert.deepEqual(src.data.inputFields.map((i) => i.dataset), ['cl_secret.s.vault']);
  const vault = g['datasetField:weir:cl_secret.s.vault:x'];
  assert.deepEqual(vault.data.inputFields, []);
  assert.deepEqual(vault.inEdges, []);
  assert.equal(vault.data.transformationType, null);
});

test('the web UI\'s request: dataset: ids with encoded parts, withDownstream=true, every field of the dataset', async () => {
  const r = await srv.req('GET', uiPath('dataset', 'weir', 'cl.s.mid', 20));
  assert.equal(r.status, 200, r.text);
  const g = byId(r);
  assert.deepEqual(Object.keys(g).sort(), [
    F('mid', 'hidden_key'), F('mid', 'secret_sum'), F('out', 'id'), F('out', 'total'), F('src', 'amount'), F('src', 'id'),
    S3, 'datasetField:weir:cl_secret.s.vault:x',
  ].sort());
  // the whole-dataset dependency (src.id GROUP BY) is not a field node
  assert.ok(r.json.graph.every((n) => !n.id.endsWith(':')), r.text);
  // downstream fields carry their type from the dataset's schema facet
  assert.equal(g[S3].data.namespace, 's3://bucket');
  assert.equal(g[S3].data.dataset, 'exports/final');
  assert.equal(g[S3].data.fieldType, 'DECIMAL(10,2)');
  assert.deepEqual(g[S3].data.inputFields, [{ namespace: 'weir', dataset: 'cl.s.out', field: 'total', transformationDescription: null, transformationType: 'DIRECT', transformationSubtype: 'TRANSFORMATION' }]);
  // every edge is drawn on both of its ends
  for (const n of r.json.graph) {
    for (const e of n.outEdges) {
      assert.equal(e.origin, n.id);
      assert.ok(g[e.destination].inEdges.some((x) => x.origin === e.destination && x.destination === n.id), JSON.stringify(e));
    }
  }
  // an external dataset's namespace holds ':' and '/': the UI encodes it, the server decodes it once
  const ext = await srv.req('GET', uiPath('dataset', 's3://bucket', 'exports/final', 20));
  assert.equal(ext.status, 200, ext.text);
  assert.ok(byId(ext)[S3], ext.text);
  assert.ok(byId(ext)[F('src', 'amount')], ext.text);
  // the datasetField: form of the same request, downstream from the start of the chain
  const down = await srv.req('GET', `${CL}?nodeId=${encodeURIComponent('datasetField:weir:cl_secret.s.vault:x')}&depth=20&withDownstream=true`);
  assert.deepEqual(Object.keys(byId(down)).sort(),
    [F('mid', 'secret_sum'), F('out', 'total'), F('src', 'amount'), S3, 'datasetField:weir:cl_secret.s.vault:x'].sort());
  // without withDownstream only upstream: vault.x has none
  const up = await srv.req('GET', `${CL}?nodeId=datasetField:weir:cl_secret.s.vault:x&withDownstream=false`);
  assert.deepEqual(up.json.graph.map((n) => n.id), ['datasetField:weir:cl_secret.s.vault:x']);
});

test('depth counts field hops (0: the field alone), is bounded to 0..100, and the caps say truncated', async () => {
  const at = async (depth) => (await srv.req('GET', `${CL}?nodeId=${F('out', 'total')}&depth=${depth}`));
  const d0 = await at(0);
  assert.deepEqual(d0.json.graph.map((n) => n.id), [F('out', 'total')]);
  assert.deepEqual(d0.json.graph[0].inEdges, []);
  assert.deepEqual(d0.json.graph[0].data.inputFields, []);
  const d1 = await at(1);
  assert.deepEqual(d1.json.graph.map((n) => n.id).sort(), [F('mid', 'secret_sum'), F('out', 'total')].sort());
  // the boundary field has no in edges: nothing past the depth is walked
  assert.deepEqual(byId(d1)[F('mid', 'secret_sum')].inEdges, []);
  assert.equal((await at(2)).json.graph.length, 3);
  assert.equal((await at(100)).json.graph.length, 4);
  for (const bad of ['101', '-1', 'abc', '1.5']) {
    const r = await at(bad);
    assertError(r, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(r.json.details[0].metadata.field, 'depth', r.text);
  }
  const capped = await srv.req('GET', `${CL}?nodeId=dataset:weir:cl.s.mid&withDownstream=true&max_nodes=3`);
  assert.equal(capped.status, 200, capped.text);
  assert.equal(capped.json.truncated, true);
  assert.equal(capped.json.graph.length, 3);
  const r = await srv.req('GET', `${CL}?nodeId=dataset:weir:cl.s.mid&max_nodes=10001`);
  assertError(r, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(r.json.details[0].metadata.field, 'max_nodes');
});

test('bad node ids are 400 naming nodeId; unknown ones 404 as the Marquez lineage route answers', async () => {
  for (const q of ['', 'nodeId=', 'nodeId=job:etl:out_job', 'nodeId=cl.s.out', 'nodeId=datasetField:weir:cl.s.out',
    'nodeId=datasetField:weir:cl.s.out:', 'nodeId=dataset:weir', 'nodeId=dataset::cl.s.out', 'nodeId=dataset:weir:',
    'nodeId=table:cl.s.out', 'nodeId=datasetField:']) {
    const r = await srv.req('GET', `${CL}?${q}`);
    assertError(r, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(r.json.details[0].metadata.field, 'nodeId', `${q}: ${r.text}`);
  }
  const wd = await srv.req('GET', `${CL}?nodeId=${F('out', 'total')}&withDownstream=maybe`);
  assertError(wd, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(wd.json.details[0].metadata.field, 'withDownstream');
  const marquez404 = await srv.req('GET', '/api/v1/lineage?nodeId=dataset:nowhere:nothing');
  assertError(marquez404, 404, 'NOT_FOUND');
  for (const id of ['dataset:nowhere:nothing', 'datasetField:nowhere:nothing:x', F('out', 'no_such_column'),
    'datasetField:weir:cl.s.nothing:id']) {
    const r = await srv.req('GET', `${CL}?nodeId=${encodeURIComponent(id)}`);
    assertError(r, 404, 'NOT_FOUND');
    assert.equal(r.json.details[0].reason, marquez404.json.details[0].reason, r.text);
  }
  // a table with no column lineage yet: it exists, its graph is empty
  const r = await srv.req('POST', '/api/v1/lineage', {
    body: {
      eventType: 'COMPLETE', eventTime: '2026-01-02T00:00:00Z', run: { runId: '0190c5f5-0000-7000-8000-00000000ffff', facets: {} },
      job: { namespace: 'etl', name: 'plain' }, inputs: [{ namespace: 'kafka://k', name: 'in' }], outputs: [{ namespace: 'kafka://k', name: 'plain' }],
      producer: 'https://x', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    },
  });
  assert.equal(r.status, 201, r.text);
  const plain = await srv.req('GET', `${CL}?nodeId=${encodeURIComponent('dataset:kafka://k:plain')}`);
  assert.equal(plain.status, 200, plain.text);
  assert.deepEqual(plain.json, { graph: [], truncated: false });
});

test('reads write no audit row', async () => {
  assert.equal((await srv.req('GET', `${CL}?nodeId=${F('out', 'total')}`)).status, 200);
  const a = await srv.req('GET', '/api/2.0/weir/audit?action_name=getMarquezColumnLineage&max_results=100');
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(a.json.events || [], []);
});

// A service principal that may browse cl.s.src and cl.s.out (SELECT) but not cl.s.mid nor
// anything in cl_secret.
async function reader() {
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', {
    body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal'], displayName: 'column-reader', active: true },
  });
  assert.ok(sp.status === 200 || sp.status === 201, sp.text);
  const tok = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId, lifetime_seconds: 3600 } });
  assert.equal(tok.status, 200, tok.text);
  const grant = async (type, name, priv) => {
    const g = await srv.req('PATCH', `${UC}/permissions/${type}/${name}`, { body: { changes: [{ principal: sp.json.applicationId, add: [priv] }] } });
    assert.equal(g.status, 200, g.text);
  };
  await grant('catalog', 'cl', 'USE_CATALOG');
  await grant('schema', 'cl.s', 'USE_SCHEMA');
  await grant('table', 'cl.s.src', 'SELECT');
  await grant('table', 'cl.s.out', 'SELECT');
  return tok.json.token_value;
}

test('a caller who cannot browse the middle table sees it masked, the ends in full, and never its names', async () => {
  const token = await reader();
  const leaks = ['cl.s.mid', 'hidden_key', 'secret_sum', 'mid_job', 'cl_secret', 'vault', '"mid"'];
  const r = await srv.req('GET', `${CL}?nodeId=${encodeURIComponent(F('out', 'total'))}&depth=20`, { token });
  assert.equal(r.status, 200, r.text);
  for (const bad of leaks) assert.ok(!r.text.includes(bad), `leaks ${bad}: ${r.text}`);
  const g = byId(r);
  assert.equal(r.json.graph.length, 4, r.text);
  const masked = r.json.graph.filter((n) => n.id.startsWith('masked:'));
  assert.equal(masked.length, 2, r.text); // mid.secret_sum and vault.x
  for (const m of masked) {
    assert.equal(m.type, 'DATASET_FIELD');
    assert.equal(m.data.masked, true);
    assert.equal(m.data.namespace, undefined);
    assert.equal(m.data.field, undefined);
  }
  // the ends are shown, linked through the masked middle; a masked input is not listed by name
  const out = g[F('out', 'total')];
  const src = g[F('src', 'amount')];
  assert.ok(out && src, r.text);
  assert.deepEqual(out.data.inputFields, []);
  assert.equal(out.data.transformationType, 'DIRECT');
  const mid = g[out.inEdges[0].destination];
  assert.ok(mid.id.startsWith('masked:'));
  assert.deepEqual(mid.outEdges, [{ origin: mid.id, destination: out.id }]);
  assert.deepEqual(mid.inEdges, [{ origin: mid.id, destination: src.id }]);
  assert.deepEqual(src.outEdges, [{ origin: src.id, destination: mid.id }]);
  // masked ids are stable within the server run, and distinct per column
  const again = await srv.req('GET', uiPath('dataset', 'weir', 'cl.s.out', 20), { token });
  assert.equal(again.status, 200, again.text);
  for (const bad of leaks) assert.ok(!again.text.includes(bad), `leaks ${bad}: ${again.text}`);
  const maskedAgain = again.json.graph.filter((n) => n.id.startsWith('masked:')).map((n) => n.id);
  assert.ok(maskedAgain.includes(mid.id), again.text);
  assert.equal(new Set(maskedAgain).size, 3, again.text); // mid.hidden_key, mid.secret_sum, vault.x
  // a root the caller may not browse answers exactly as a missing one
  const missing = await srv.req('GET', `${CL}?nodeId=${encodeURIComponent('datasetField:weir:cl.s.nothing:x')}`, { token });
  assertError(missing, 404, 'NOT_FOUND');
  for (const id of [F('mid', 'secret_sum'), 'dataset:weir:cl.s.mid', 'datasetField:weir:cl_secret.s.vault:x']) {
    const h = await srv.req('GET', `${CL}?nodeId=${encodeURIComponent(id)}&withDownstream=true`, { token });
    assertError(h, 404, 'NOT_FOUND');
    assert.equal(h.json.details[0].reason, missing.json.details[0].reason);
    assert.equal(h.json.message, missing.json.message.replace('datasetField:weir:cl.s.nothing:x', id), h.text);
  }
});
