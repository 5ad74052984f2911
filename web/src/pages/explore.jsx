// The catalog explorer: a tree of catalogs, schemas and their tables, volumes, functions and
// models (loaded as it opens, long lists paged), search by name, and one view per object:
// /explore/<catalog>/<schema>/<name>?type=table|volume|function|model&tab=...
// Everything comes from the Unity Catalog APIs with the caller's rights: the tree shows what
// the lists answer, and an object the caller may not see answers 404 like a missing one, so
// a deep link to it says "does not exist".
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, listAll, seg } from '../api.js';
import { ActionButton, Breadcrumbs, DataTable, Empty, ErrorBox, Field, Loading, Pager, Props, TabPanel, Tabs, fmtTime, useApi, usePaged, useTitle } from '../components.jsx';
import { HistoryPanel, PermissionsPanel, PoliciesPanel, ResultGrid, TableLink, TagsPanel, runStatement, sqlName } from '../panels.jsx';
import { Link, path, setQuery } from '../router.js';
import { useSession } from '../session.js';

const UC = '/api/2.1/unity-catalog';

// Per kind: its list and get APIs, its permissions type and its tags entity type.
export const KINDS = {
  catalog: { label: 'Catalog', get: (n) => `${UC}/catalogs/${seg(n)}`, perm: 'catalog', tags: 'catalogs' },
  schema: { label: 'Schema', get: (n) => `${UC}/schemas/${seg(n)}`, perm: 'schema', tags: 'schemas' },
  table: { label: 'Table', list: 'tables', key: 'tables', get: (n) => `${UC}/tables/${seg(n)}`, perm: 'table', tags: 'tables' },
  volume: { label: 'Volume', list: 'volumes', key: 'volumes', get: (n) => `${UC}/volumes/${seg(n)}`, perm: 'volume', tags: 'volumes' },
  function: { label: 'Function', list: 'functions', key: 'functions', get: (n) => `${UC}/functions/${seg(n)}`, perm: 'function', tags: null },
  model: { label: 'Model', list: 'models', key: 'registered_models', get: (n) => `${UC}/models/${seg(n)}`, perm: 'registered_model', tags: 'registered_models' },
};
const LEAVES = ['table', 'volume', 'function', 'model'];

export function objectHref(kind, full, extra = '') {
  const parts = full.split('.');
  const base = path('explore', ...parts);
  const q = kind === 'table' || kind === 'catalog' || kind === 'schema' ? '' : `?type=${kind}`;
  return base + q + (extra ? (q ? '&' : '?') + extra : '');
}

// The children of a schema, every kind, each list followed to its end (bounded).
async function schemaChildren(catalog, schema) {
  const out = {};
  await Promise.all(
    LEAVES.map(async (k) => {
      out[k] = await listAll(`${UC}/${KINDS[k].list}`, KINDS[k].key, { catalog_name: catalog, schema_name: schema });
    }),
  );
  return out;
}

export function Explore({ catalog, schema, name, query }) {
  const kind = name ? (KINDS[query.get('type')] && LEAVES.includes(query.get('type')) ? query.get('type') : 'table') : schema ? 'schema' : catalog ? 'catalog' : null;
  const full = [catalog, schema, name].filter(Boolean).join('.');
  useTitle(full || 'Catalog');
  return (
    <div class="split">
      <Tree catalog={catalog} schema={schema} name={name} kind={kind} />
      <div>{kind ? <ObjectView key={`${kind}:${full}`} kind={kind} full={full} query={query} /> : <Catalogs />}</div>
    </div>
  );
}

// ---------------------------------------------------------------- the tree

function Tree({ catalog, schema, name, kind }) {
  const cats = useApi(() => listAll(`${UC}/catalogs`, 'catalogs'), []);
  const [open, setOpen] = useState(() => new Set([catalog, catalog && schema ? `${catalog}.${schema}` : null].filter(Boolean)));
  const [filter, setFilter] = useState('');
  useEffect(() => {
    // a deep link opens the path to it
    setOpen((o) => {
      const n = new Set(o);
      if (catalog) n.add(catalog);
      if (catalog && schema) n.add(`${catalog}.${schema}`);
      return n;
    });
  }, [catalog, schema]);
  const toggle = (k) =>
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(k)) n.delete(k);
      else n.add(k);
      return n;
    });
  const current = [catalog, schema, name].filter(Boolean).join('.');
  const f = filter.trim().toLowerCase();
  return (
    <aside aria-label="Catalog tree">
      <Search />
      <Field label="Filter the tree" id="tree-filter">
        <input id="tree-filter" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} placeholder="name contains…" />
      </Field>
      <div class="tree">
        {cats.loading ? <Loading what="catalogs" /> : null}
        <ErrorBox error={cats.error} />
        {cats.data ? (
          cats.data.length === 0 ? (
            <Empty>No catalogs you may see.</Empty>
          ) : (
            <TreeList
              items={cats.data.filter((c) => !f || c.name.toLowerCase().includes(f) || open.has(c.name))}
              render={(c) => (
                <CatalogNode key={c.name} c={c} open={open} toggle={toggle} current={current} kind={kind} filter={f} />
              )}
            />
          )
        ) : null}
      </div>
    </aside>
  );
}

// A list in the tree: 100 at a time ("Show more"), so a catalog of thousands stays light.
function TreeList({ items, render }) {
  const [shown, setShown] = useState(100);
  return (
    <ul>
      {items.slice(0, shown).map(render)}
      {items.length > shown ? (
        <li>
          <button type="button" class="link" onClick={() => setShown(shown + 100)}>
            Show more ({items.length - shown} left)
          </button>
        </li>
      ) : null}
    </ul>
  );
}

function Toggle({ isOpen, onClick, label }) {
  return (
    <button type="button" class="toggle" aria-expanded={isOpen ? 'true' : 'false'} aria-label={`${isOpen ? 'Collapse' : 'Expand'} ${label}`} onClick={onClick}>
      {isOpen ? '▾' : '▸'}
    </button>
  );
}

function NodeLink({ href, label, active, kindLabel }) {
  return (
    <span class="node-label">
      <Link href={href} aria-current={active ? 'page' : undefined}>
        {label}
      </Link>{' '}
      {kindLabel ? <span class="kind">{kindLabel}</span> : null}
    </span>
  );
}

function CatalogNode({ c, open, toggle, current, kind, filter }) {
  const isOpen = open.has(c.name);
  return (
    <li>
      <div class="node">
        <Toggle isOpen={isOpen} onClick={() => toggle(c.name)} label={`catalog ${c.name}`} />
        <NodeLink href={path('explore', c.name)} label={c.name} active={current === c.name && kind === 'catalog'} />
      </div>
      {isOpen ? <Schemas catalog={c.name} open={open} toggle={toggle} current={current} kind={kind} filter={filter} /> : null}
    </li>
  );
}

function Schemas({ catalog, open, toggle, current, kind, filter }) {
  const s = useApi(() => listAll(`${UC}/schemas`, 'schemas', { catalog_name: catalog }), [catalog]);
  if (s.loading) return <Loading what="schemas" />;
  if (s.error) return <ErrorBox error={s.error} />;
  if (s.data.length === 0) return <p class="empty">No schemas.</p>;
  return (
    <TreeList
      items={s.data.filter((x) => !filter || x.name.toLowerCase().includes(filter) || open.has(`${catalog}.${x.name}`))}
      render={(x) => {
        const k = `${catalog}.${x.name}`;
        const isOpen = open.has(k);
        return (
          <li key={x.name}>
            <div class="node">
              <Toggle isOpen={isOpen} onClick={() => toggle(k)} label={`schema ${k}`} />
              <NodeLink href={path('explore', catalog, x.name)} label={x.name} active={current === k && kind === 'schema'} />
            </div>
            {isOpen ? <Leaves catalog={catalog} schema={x.name} current={current} kind={kind} filter={filter} /> : null}
          </li>
        );
      }}
    />
  );
}

function Leaves({ catalog, schema, current, kind, filter }) {
  const ch = useApi(() => schemaChildren(catalog, schema), [catalog, schema]);
  if (ch.loading) return <Loading what="objects" />;
  if (ch.error) return <ErrorBox error={ch.error} />;
  const items = [];
  for (const k of LEAVES) for (const o of ch.data[k]) if (!filter || o.name.toLowerCase().includes(filter)) items.push({ k, o });
  if (items.length === 0) return <p class="empty">{filter ? 'No match.' : 'Empty.'}</p>;
  return (
    <TreeList
      items={items}
      render={({ k, o }) => {
        const full = `${catalog}.${schema}.${o.name}`;
        return (
          <li key={`${k}:${o.name}`}>
            <div class="node leaf">
              <NodeLink href={objectHref(k, full)} label={o.name} active={current === full && kind === k} kindLabel={KINDS[k].label.toLowerCase()} />
            </div>
          </li>
        );
      }}
    />
  );
}

// Search tables by name across the catalogs the caller sees (table-summaries, a LIKE pattern).
function Search() {
  const [q, setQ] = useState('');
  const [res, setRes] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = async (e) => {
    e.preventDefault();
    const term = q.trim();
    setError(null);
    if (!term) {
      setRes(null);
      return;
    }
    setBusy(true);
    try {
      const cats = await listAll(`${UC}/catalogs`, 'catalogs');
      const pattern = `%${term.replace(/[%_\\]/g, (m) => '\\' + m)}%`;
      const found = [];
      for (const c of cats) {
        if (found.length >= 200) break;
        const page = await api.get(`${UC}/table-summaries`, { catalog_name: c.name, table_name_pattern: pattern, max_results: 200 });
        found.push(...(page.tables || []));
      }
      for (const c of cats) if (c.name.toLowerCase().includes(term.toLowerCase())) found.unshift({ full_name: c.name, kind: 'catalog' });
      setRes(found);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="search" role="search" onSubmit={run} aria-label="Search the catalog">
      <Field label="Search tables by name" id="catalog-search">
        <div class="row">
          <input id="catalog-search" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
          <button type="submit" disabled={busy}>
            Search
          </button>
        </div>
      </Field>
      <ErrorBox error={error} />
      {res ? (
        res.length === 0 ? (
          <p class="empty">No table matches.</p>
        ) : (
          <ul class="results" aria-label="Search results">
            {res.slice(0, 200).map((t) => (
              <li key={t.full_name}>
                <Link href={t.kind === 'catalog' ? path('explore', t.full_name) : objectHref('table', t.full_name)}>{t.full_name}</Link>
                {t.kind === 'catalog' ? <span class="kind">catalog</span> : null}
              </li>
            ))}
          </ul>
        )
      ) : null}
    </form>
  );
}

// ---------------------------------------------------------------- the views

function Catalogs() {
  const cats = useApi(() => listAll(`${UC}/catalogs`, 'catalogs'), []);
  return (
    <section>
      <h1>Catalog</h1>
      <p>
        <Link href="/external">External data</Link>: storage credentials and external locations.
      </p>
      {cats.loading ? <Loading what="catalogs" /> : null}
      <ErrorBox error={cats.error} />
      {cats.data ? (
        <DataTable
          caption="Catalogs"
          rows={cats.data}
          rowKey={(c) => c.name}
          empty="No catalogs you may see."
          columns={[
            { key: 'name', label: 'Name', render: (c) => <Link href={path('explore', c.name)}>{c.name}</Link> },
            { key: 'owner', label: 'Owner' },
            { key: 'comment', label: 'Comment' },
            { key: 'isolation_mode', label: 'Isolation' },
          ]}
        />
      ) : null}
    </section>
  );
}

function tabsFor(kind, isAdmin) {
  const t = [];
  if (kind === 'catalog') t.push({ id: 'schemas', label: 'Schemas' });
  if (kind === 'schema') t.push({ id: 'objects', label: 'Objects' });
  if (kind === 'table') t.push({ id: 'columns', label: 'Columns' });
  if (kind === 'volume') t.push({ id: 'files', label: 'Files' });
  if (kind === 'model') t.push({ id: 'versions', label: 'Versions' });
  t.push({ id: 'details', label: 'Details' });
  if (kind === 'table') t.push({ id: 'sample', label: 'Sample data' }, { id: 'lineage', label: 'Lineage' });
  t.push({ id: 'permissions', label: 'Permissions' });
  if (KINDS[kind].tags) t.push({ id: 'tags', label: 'Tags' });
  if (kind === 'catalog' || kind === 'schema' || kind === 'table') t.push({ id: 'policies', label: 'Policies' });
  if (isAdmin) t.push({ id: 'history', label: 'History' });
  return t;
}

function ObjectView({ kind, full, query }) {
  const session = useSession();
  const obj = useApi(() => api.get(KINDS[kind].get(full)), [kind, full]);
  const tabs = tabsFor(kind, session.isAdmin);
  const tab = tabs.some((t) => t.id === query.get('tab')) ? query.get('tab') : tabs[0].id;
  const parts = full.split('.');
  const crumbs = [['Catalog', '/explore']];
  if (parts.length >= 1) crumbs.push([parts[0], path('explore', parts[0])]);
  if (parts.length >= 2) crumbs.push([parts[1], path('explore', parts[0], parts[1])]);
  if (parts.length >= 3) crumbs.push([parts[2], null]);
  return (
    <section>
      <Breadcrumbs items={crumbs} />
      <h1>
        {parts[parts.length - 1]} <span class="kind">{KINDS[kind].label.toLowerCase()}</span>
      </h1>
      {obj.loading ? <Loading what={KINDS[kind].label.toLowerCase()} /> : null}
      <ErrorBox error={obj.error} />
      {obj.data ? (
        <div>
          {obj.data.comment ? <p class="comment">{obj.data.comment}</p> : null}
          <Tabs label={`${KINDS[kind].label} views`} tabs={tabs} active={tab} onChange={(id) => setQuery({ tab: id === tabs[0].id ? null : id, path: null })} />
          <TabPanel id={tab}>
            <ObjectTab kind={kind} tab={tab} full={full} obj={obj.data} query={query} />
          </TabPanel>
        </div>
      ) : null}
    </section>
  );
}

function ObjectTab({ kind, tab, full, obj, query }) {
  const [catalog, schema] = full.split('.');
  switch (tab) {
    case 'schemas':
      return <SchemaList catalog={full} />;
    case 'objects':
      return <SchemaObjects catalog={catalog} schema={schema} />;
    case 'columns':
      return <Columns cols={obj.columns || []} />;
    case 'files':
      return <VolumeFiles full={full} dir={query.get('path') || ''} />;
    case 'versions':
      return <ModelVersions full={full} />;
    case 'details':
      return <Details kind={kind} obj={obj} />;
    case 'sample':
      return <Sample full={full} />;
    case 'lineage':
      return <TableLineage full={full} />;
    case 'permissions':
      return <PermissionsPanel type={KINDS[kind].perm} name={full} />;
    case 'tags':
      return <TagsPanel entityType={KINDS[kind].tags} name={full} />;
    case 'policies':
      return <PoliciesPanel onType={kind.toUpperCase()} name={full} />;
    case 'history':
      return <HistoryPanel name={full} />;
    default:
      return null;
  }
}

function SchemaList({ catalog }) {
  const s = useApi(() => listAll(`${UC}/schemas`, 'schemas', { catalog_name: catalog }), [catalog]);
  if (s.loading) return <Loading what="schemas" />;
  if (s.error) return <ErrorBox error={s.error} />;
  return (
    <DataTable
      caption="Schemas"
      rows={s.data}
      rowKey={(x) => x.name}
      empty="No schemas you may see."
      columns={[
        { key: 'name', label: 'Name', render: (x) => <Link href={path('explore', catalog, x.name)}>{x.name}</Link> },
        { key: 'owner', label: 'Owner' },
        { key: 'comment', label: 'Comment' },
      ]}
    />
  );
}

function SchemaObjects({ catalog, schema }) {
  const ch = useApi(() => schemaChildren(catalog, schema), [catalog, schema]);
  if (ch.loading) return <Loading what="objects" />;
  if (ch.error) return <ErrorBox error={ch.error} />;
  return (
    <div>
      {LEAVES.map((k) => (
        <div key={k}>
          <h2>{KINDS[k].label}s</h2>
          <DataTable
            rows={ch.data[k]}
            rowKey={(o) => o.name}
            empty={`No ${KINDS[k].label.toLowerCase()}s you may see.`}
            columns={[
              { key: 'name', label: 'Name', render: (o) => <Link href={objectHref(k, `${catalog}.${schema}.${o.name}`)}>{o.name}</Link> },
              { key: 'owner', label: 'Owner' },
              { key: 'comment', label: 'Comment' },
            ]}
          />
        </div>
      ))}
    </div>
  );
}

function Columns({ cols }) {
  return (
    <DataTable
      caption="Columns"
      rows={cols}
      rowKey={(c) => c.name}
      empty="No columns."
      columns={[
        { key: 'position', label: '#' },
        { key: 'name', label: 'Name' },
        { key: 'type_text', label: 'Type' },
        { key: 'nullable', label: 'Nullable', render: (c) => (c.nullable === false ? 'no' : 'yes') },
        { key: 'comment', label: 'Comment' },
      ]}
    />
  );
}

function Details({ kind, obj }) {
  const items = [
    ['Full name', obj.full_name || obj.name],
    ['Owner', obj.owner],
    ['Comment', obj.comment],
    ['Type', obj.table_type || obj.volume_type || obj.catalog_type || obj.data_type],
    ['Format', obj.data_source_format],
    ['Storage location', obj.storage_location || obj.storage_root],
    ['Isolation', obj.isolation_mode],
    ['Created', obj.created_at ? `${fmtTime(obj.created_at)} by ${obj.created_by || ''}` : ''],
    ['Updated', obj.updated_at ? `${fmtTime(obj.updated_at)} by ${obj.updated_by || ''}` : ''],
    ['Browse only', obj.browse_only ? 'yes: you see this object through BROWSE only' : ''],
  ];
  if (kind === 'function') {
    items.push(
      ['Returns', obj.full_data_type || obj.data_type],
      ['Language', obj.routine_body === 'EXTERNAL' ? obj.external_language || 'EXTERNAL' : obj.routine_body],
      ['Deterministic', obj.is_deterministic === undefined ? '' : obj.is_deterministic ? 'yes' : 'no'],
      ['Data access', obj.sql_data_access],
      ['Security', obj.security_type],
      ['Definition', obj.routine_definition],
    );
  }
  const params = kind === 'function' ? (obj.input_params && obj.input_params.parameters) || [] : null;
  const props = Object.entries(obj.properties || {});
  return (
    <div>
      <Props items={items} />
      {params ? (
        <div>
          <h2>Parameters</h2>
          <DataTable
            label="Parameters"
            rows={params}
            rowKey={(p) => p.name}
            empty="No parameters."
            columns={[
              { key: 'position', label: '#' },
              { key: 'name', label: 'Name' },
              { key: 'type_text', label: 'Type', render: (p) => p.type_text || p.type_name },
              { key: 'parameter_default', label: 'Default' },
              { key: 'comment', label: 'Comment' },
            ]}
          />
        </div>
      ) : null}
      <h2>Properties</h2>
      <DataTable
        rows={props}
        rowKey={(p) => p[0]}
        empty="No properties."
        columns={[
          { key: '0', label: 'Key', render: (p) => p[0] },
          { key: '1', label: 'Value', render: (p) => String(p[1]) },
        ]}
      />
    </div>
  );
}

function Sample({ full }) {
  const r = useApi(() => runStatement(`SELECT * FROM ${sqlName(full)} LIMIT 50`), [full]);
  return (
    <div>
      <h2>Sample data</h2>
      <p class="hint">The first 50 rows, read through the SQL warehouse with your rights.</p>
      {r.loading ? <Loading what="rows" /> : null}
      <ErrorBox error={r.error} title="The sample could not be read" />
      {r.data ? <ResultGrid result={r.data} caption={`SELECT * FROM ${full} LIMIT 50`} /> : null}
    </div>
  );
}

function TableLineage({ full }) {
  const l = useApi(() => api.get('/api/2.0/lineage-tracking/table-lineage', { table_name: full, include_entity_lineage: true }), [full]);
  if (l.loading) return <Loading what="lineage" />;
  if (l.error) return <ErrorBox error={l.error} />;
  const side = (items, label) => (
    <div>
      <h2>{label}</h2>
      {items.length === 0 ? (
        <Empty>None recorded.</Empty>
      ) : (
        <ul>
          {items.map((it, i) => (
            <li key={i}>
              {it.tableInfo ? <TableLink info={it.tableInfo} /> : it.fileInfo ? <code>{it.fileInfo.path}</code> : <span class="muted">another kind of node</span>}
              {it.tableInfo && it.tableInfo.lineage_timestamp ? <span class="muted"> · {it.tableInfo.lineage_timestamp}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
  return (
    <div>
      {side(l.data.upstreams || [], 'Upstream (read by this table)')}
      {side(l.data.downstreams || [], 'Downstream (reading this table)')}
      <p>
        <Link href={`/lineage/table/${encodeURIComponent(full)}`}>Open the lineage graph</Link>
      </p>
    </div>
  );
}

function ModelVersions({ full }) {
  const v = useApi(() => listAll(`${UC}/models/${seg(full)}/versions`, 'model_versions'), [full]);
  if (v.loading) return <Loading what="versions" />;
  if (v.error) return <ErrorBox error={v.error} />;
  return (
    <DataTable
      caption="Versions"
      rows={v.data}
      rowKey={(x) => x.version}
      empty="No versions."
      columns={[
        { key: 'version', label: 'Version' },
        { key: 'status', label: 'Status' },
        { key: 'aliases', label: 'Aliases', render: (x) => (x.aliases || []).map((a) => a.alias_name || a).join(', ') },
        { key: 'source', label: 'Source' },
        { key: 'run_id', label: 'Run' },
        { key: 'created_at', label: 'Created', render: (x) => fmtTime(x.created_at) },
      ]}
    />
  );
}

// ---------------------------------------------------------------- volume files

const FILES = '/api/2.0/fs';
const volPath = (full, rel) => `/Volumes/${full.split('.').map(encodeURIComponent).join('/')}${rel ? '/' + rel.split('/').map(encodeURIComponent).join('/') : ''}`;

async function download(full, rel, name) {
  const blob = await api.raw('GET', `${FILES}/files${volPath(full, rel)}`, { parse: 'blob' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function VolumeFiles({ full, dir }) {
  const list = useApi(() => api.get(`${FILES}/directories${volPath(full, dir)}/`), [full, dir]);
  const [file, setFile] = useState(null);
  const [upError, setUpError] = useState(null);
  const [busy, setBusy] = useState(false);
  const entries = useMemo(() => {
    const c = (list.data && list.data.contents) || [];
    return [...c].sort((a, b) => (a.is_directory === b.is_directory ? a.name.localeCompare(b.name) : a.is_directory ? -1 : 1));
  }, [list.data]);
  const p = usePaged(entries, 50);
  const rel = (name) => (dir ? `${dir}/${name}` : name);
  const upload = async (e) => {
    e.preventDefault();
    setUpError(null);
    if (!file) {
      setUpError(new Error('Choose a file to upload.'));
      return;
    }
    setBusy(true);
    try {
      await api.raw('PUT', `${FILES}/files${volPath(full, rel(file.name))}`, { body: file, query: { overwrite: 'false' }, headers: { 'Content-Type': 'application/octet-stream' } });
      setFile(null);
      e.target.reset();
      list.reload();
    } catch (err) {
      setUpError(err);
    } finally {
      setBusy(false);
    }
  };
  const up = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
  return (
    <div>
      <h2>
        Files in <code>{volPath(full, dir).replace(/%[0-9A-F]{2}/g, (m) => decodeURIComponent(m))}</code>
      </h2>
      {dir ? (
        <p>
          <button type="button" class="link" onClick={() => setQuery({ path: up || null }, { replace: false })}>
            Up one level
          </button>
        </p>
      ) : null}
      {list.loading ? <Loading what="files" /> : null}
      <ErrorBox error={list.error} />
      {list.data ? (
        entries.length === 0 ? (
          <Empty>This directory is empty.</Empty>
        ) : (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Directory contents">
            <table class="data">
              <caption>Directory contents</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Size</th>
                  <th scope="col">Modified</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {p.rows.map((f) => (
                  <tr key={f.name}>
                    <td>
                      {f.is_directory ? (
                        <button type="button" class="link" onClick={() => setQuery({ path: rel(f.name) }, { replace: false })}>
                          {f.name}/
                        </button>
                      ) : (
                        f.name
                      )}
                    </td>
                    <td>{f.is_directory ? '' : f.file_size}</td>
                    <td>{fmtTime(f.last_modified)}</td>
                    <td>
                      {f.is_directory ? null : (
                        <span class="row">
                          <ActionButton action={() => download(full, rel(f.name), f.name)} aria-label={`Download ${f.name}`}>
                            Download
                          </ActionButton>
                          <ActionButton action={() => api.del(`${FILES}/files${volPath(full, rel(f.name))}`)} onDone={list.reload} confirm={`Delete ${f.name}?`} class="danger" aria-label={`Delete ${f.name}`}>
                            Delete
                          </ActionButton>
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager {...p} label="entries" />
          </div>
        )
      ) : null}
      <form class="inline-form" onSubmit={upload} aria-label="Upload a file">
        <Field label="File to upload here" id="upload-file">
          <input id="upload-file" type="file" onChange={(e) => setFile(e.currentTarget.files[0] || null)} />
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Uploading…' : 'Upload'}
        </button>
      </form>
      <ErrorBox error={upError} />
    </div>
  );
}
