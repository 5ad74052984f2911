// Registered models: Unity Catalog models (catalog.schema.name, /api/2.1/unity-catalog/models)
// and MLflow workspace registry names (/api/2.0/mlflow/registered-models/search) in one list;
// a model's page with its versions, aliases and stages; a version's details with its source
// run (a link to the run in its experiment) and its lineage (the lineage graph of the model).
// Each list is what the API answers for the caller; a model it may not see reads as missing.
import { useMemo } from 'preact/hooks';
import { ApiError, api, listAll, seg } from '../api.js';
import { Breadcrumbs, DataTable, Empty, ErrorBox, Loading, Props, fmtTime, useApi, useTitle } from '../components.jsx';
import { Link, path, setQuery } from '../router.js';
import '../uipages.css';

const UC = '/api/2.1/unity-catalog';
const ML = '/api/2.0/mlflow';

export function Models({ rest, query }) {
  const name = rest || '';
  if (name) return <Model name={name} query={query} />;
  return <ModelList />;
}

const isUc = (name) => name.split('.').length === 3;

function ModelList() {
  useTitle('Models');
  const uc = useApi(() => listAll(`${UC}/models`, 'registered_models', { max_results: 100 }, 2000), []);
  const ml = useApi(() => listAll(`${ML}/registered-models/search`, 'registered_models', { max_results: 100 }, 2000), []);
  const rows = useMemo(() => {
    const out = new Map();
    for (const m of uc.data || []) out.set(m.full_name, { name: m.full_name, kind: 'Unity Catalog', owner: m.owner, comment: m.comment, updated: m.updated_at, aliases: (m.aliases || []).map((a) => `${a.alias_name}→v${a.version_num}`) });
    for (const m of ml.data || []) {
      if (out.has(m.name)) continue; // a UC model also answers in the MLflow registry
      out.set(m.name, {
        name: m.name,
        kind: isUc(m.name) ? 'Unity Catalog' : 'Workspace registry',
        comment: m.description,
        updated: m.last_updated_timestamp,
        aliases: (m.aliases || []).map((a) => `${a.alias}→v${a.version}`),
        latest: (m.latest_versions || []).map((v) => `v${v.version}${v.current_stage && v.current_stage !== 'None' ? ` (${v.current_stage})` : ''}`).join(', '),
      });
    }
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
  }, [uc.data, ml.data]);
  return (
    <section>
      <h1>Models</h1>
      {uc.loading || ml.loading ? <Loading what="models" /> : null}
      <ErrorBox error={uc.error} title="Unity Catalog models" />
      <ErrorBox error={ml.error} title="Workspace registry models" />
      {!uc.loading && !ml.loading ? (
        <DataTable
          caption="Registered models"
          rows={rows}
          rowKey={(m) => m.name}
          empty="No models you can see."
          columns={[
            { key: 'name', label: 'Name', render: (m) => <Link href={`/models/${seg(m.name)}`}>{m.name}</Link> },
            { key: 'kind', label: 'Registry' },
            { key: 'latest', label: 'Latest versions' },
            { key: 'aliases', label: 'Aliases', render: (m) => m.aliases.join(', ') },
            { key: 'owner', label: 'Owner' },
            { key: 'updated', label: 'Updated', render: (m) => fmtTime(m.updated) },
            { key: 'comment', label: 'Description' },
          ]}
        />
      ) : null}
    </section>
  );
}

// A model: UC models through the UC API, workspace names through the MLflow registry.
async function loadModel(name) {
  if (isUc(name)) {
    const m = await api.get(`${UC}/models/${seg(name)}`);
    const vs = await listAll(`${UC}/models/${seg(name)}/versions`, 'model_versions', { max_results: 100 }, 5000);
    const aliasOf = new Map();
    for (const a of m.aliases || []) aliasOf.set(String(a.version_num), [...(aliasOf.get(String(a.version_num)) || []), a.alias_name]);
    return {
      name: m.full_name,
      kind: 'Unity Catalog',
      owner: m.owner,
      comment: m.comment,
      created: m.created_at,
      updated: m.updated_at,
      aliases: (m.aliases || []).map((a) => ({ alias: a.alias_name, version: String(a.version_num) })),
      versions: vs
        .map((v) => ({ version: String(v.version), status: v.status, source: v.source, run_id: v.run_id, created: v.created_at, by: v.created_by, comment: v.comment, aliases: aliasOf.get(String(v.version)) || [], stage: '' }))
        .sort((a, b) => Number(b.version) - Number(a.version)),
    };
  }
  // search by the exact name (a missing model is an empty answer, not an error)
  const quoted = `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const found = await api.get(`${ML}/registered-models/search`, { filter: `name = ${quoted}`, max_results: 10 });
  const m = (found.registered_models || []).find((x) => x.name === name);
  if (!m) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`);
  const vs = await listAll(`${ML}/model-versions/search`, 'model_versions', { filter: `name = ${quoted}`, max_results: 200 }, 5000);
  const aliasOf = new Map();
  for (const a of m.aliases || []) aliasOf.set(String(a.version), [...(aliasOf.get(String(a.version)) || []), a.alias]);
  return {
    name: m.name,
    kind: 'Workspace registry',
    comment: m.description,
    created: m.creation_timestamp,
    updated: m.last_updated_timestamp,
    aliases: (m.aliases || []).map((a) => ({ alias: a.alias, version: String(a.version) })),
    versions: vs
      .map((v) => ({ version: String(v.version), status: v.status, source: v.source, run_id: v.run_id, created: v.creation_timestamp, by: v.user_id, comment: v.description, aliases: aliasOf.get(String(v.version)) || [], stage: v.current_stage }))
      .sort((a, b) => Number(b.version) - Number(a.version)),
  };
}

function Model({ name, query }) {
  useTitle(name);
  const model = useApi(() => loadModel(name), [name]);
  const crumbs = <Breadcrumbs items={[['Models', '/models'], [name]]} />;
  if (model.loading && !model.data) return <Loading what="the model" />;
  if (model.error) {
    const missing = model.error.status === 404 || model.error.errorCode === 'RESOURCE_DOES_NOT_EXIST';
    return (
      <section>
        {crumbs}
        <h1>{missing ? 'Model not found' : name}</h1>
        {missing ? <p>Model {name} does not exist, or you may not see it.</p> : <ErrorBox error={model.error} />}
      </section>
    );
  }
  const m = model.data;
  const chosen = query.get('version') || '';
  const v = m.versions.find((x) => x.version === chosen);
  return (
    <section>
      {crumbs}
      <h1>{m.name}</h1>
      <Props
        items={[
          ['Registry', m.kind],
          ['Owner', m.owner],
          ['Description', m.comment],
          ['Created', fmtTime(m.created)],
          ['Updated', fmtTime(m.updated)],
          ['Aliases', m.aliases.length ? m.aliases.map((a) => `${a.alias} → version ${a.version}`).join(', ') : undefined],
          ['Lineage', <Link href={path('lineage', `model:${m.name}`)}>Lineage of {m.name}</Link>],
          m.kind === 'Unity Catalog' ? ['Catalog', <Link href={`/explore/${m.name.split('.').map(encodeURIComponent).join('/')}`}>Open in the catalog explorer</Link>] : ['Catalog', undefined],
        ]}
      />
      <h2>Versions</h2>
      <DataTable
        caption="Versions"
        rows={m.versions}
        rowKey={(x) => x.version}
        empty="No versions yet."
        columns={[
          {
            key: 'version',
            label: 'Version',
            render: (x) => (
              <button type="button" class="link" onClick={() => setQuery({ version: x.version })} aria-pressed={x.version === chosen ? 'true' : 'false'}>
                Version {x.version}
              </button>
            ),
          },
          { key: 'status', label: 'Status' },
          { key: 'stage', label: 'Stage', render: (x) => (x.stage && x.stage !== 'None' ? x.stage : '') },
          { key: 'aliases', label: 'Aliases', render: (x) => x.aliases.join(', ') },
          { key: 'run', label: 'Source run', render: (x) => (x.run_id ? <RunLink runId={x.run_id} /> : '') },
          { key: 'created', label: 'Created', render: (x) => fmtTime(x.created) },
          { key: 'by', label: 'By' },
        ]}
      />
      {chosen ? v ? <VersionPanel model={m} v={v} /> : <ErrorBox error={{ message: `Version ${chosen} of ${m.name} does not exist.` }} /> : null}
    </section>
  );
}

// A link to a run in its experiment (the run's experiment comes from runs/get); a run the
// caller may not see shows its id only.
function RunLink({ runId }) {
  const r = useApi(() => api.get(`${ML}/runs/get`, { run_id: runId }), [runId]);
  if (r.data && r.data.run) return <Link href={path('experiments', r.data.run.info.experiment_id, 'runs', runId)}>{r.data.run.info.run_name || runId}</Link>;
  return <code>{runId}</code>;
}

function VersionPanel({ model, v }) {
  const lineage = useApi(
    () => api.get('/api/2.0/weir/lineage/graph', { node: `model:${model.name}`, direction: 'upstream', depth: 2 }).catch((e) => (e.status === 404 ? { nodes: [], edges: [] } : Promise.reject(e))),
    [model.name],
  );
  const ups = ((lineage.data && lineage.data.nodes) || []).filter((n) => n.depth > 0);
  return (
    <div class="panel" aria-live="polite">
      <h2>
        Version {v.version} of {model.name}
      </h2>
      <Props
        items={[
          ['Status', v.status],
          ['Stage', v.stage && v.stage !== 'None' ? v.stage : undefined],
          ['Aliases', v.aliases.join(', ')],
          ['Source', v.source ? <code>{v.source}</code> : undefined],
          ['Source run', v.run_id ? <RunLink runId={v.run_id} /> : undefined],
          ['Description', v.comment],
          ['Created', fmtTime(v.created)],
          ['Created by', v.by],
        ]}
      />
      <h3>Upstream lineage</h3>
      {lineage.loading ? <Loading what="lineage" /> : null}
      <ErrorBox error={lineage.error} />
      {lineage.data && ups.length === 0 ? <Empty>No upstream lineage recorded.</Empty> : null}
      {ups.length ? (
        <ul>
          {ups.map((n) => (
            <li key={n.id}>{n.masked ? <span class="muted">A node you may not see (masked)</span> : <Link href={path('lineage', n.id)}>{`${n.type.toLowerCase()} ${n.name || n.id}`}</Link>}</li>
          ))}
        </ul>
      ) : null}
      <p>
        <Link href={path('lineage', `model:${model.name}`)}>Open the lineage graph</Link>
      </p>
    </div>
  );
}
