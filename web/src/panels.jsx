// Panels shared by the views of securables (catalog explorer, models): grants with an
// editor and effective permissions, tags, the audit history of one object, and SQL results.
// Each calls the public API with the caller's rights and shows the API's error where it
// happened; what the caller may not do is refused by the server, never only hidden here.
import { useState } from 'preact/hooks';
import { api, seg } from './api.js';
import { ActionButton, DataTable, Empty, ErrorBox, Field, Loading, fmt, fmtTime, useApi } from './components.jsx';
import { Link } from './router.js';

const UC = '/api/2.1/unity-catalog';

// Privileges grantable per securable type (governance/names.c), in UC's wire form.
export const PRIVILEGES = {
  catalog: ['USE_CATALOG', 'USE_SCHEMA', 'BROWSE', 'SELECT', 'MODIFY', 'CREATE_SCHEMA', 'CREATE_TABLE', 'CREATE_VOLUME',
    'CREATE_FUNCTION', 'CREATE_MODEL', 'READ_VOLUME', 'WRITE_VOLUME', 'EXECUTE', 'REFRESH', 'APPLY_TAG', 'MANAGE', 'ALL_PRIVILEGES'],
  schema: ['USE_SCHEMA', 'BROWSE', 'SELECT', 'MODIFY', 'CREATE_TABLE', 'CREATE_VOLUME', 'CREATE_FUNCTION', 'CREATE_MODEL',
    'READ_VOLUME', 'WRITE_VOLUME', 'EXECUTE', 'REFRESH', 'APPLY_TAG', 'MANAGE', 'ALL_PRIVILEGES'],
  table: ['SELECT', 'MODIFY', 'REFRESH', 'BROWSE', 'APPLY_TAG', 'MANAGE', 'ALL_PRIVILEGES'],
  volume: ['READ_VOLUME', 'WRITE_VOLUME', 'BROWSE', 'APPLY_TAG', 'MANAGE', 'ALL_PRIVILEGES'],
  function: ['EXECUTE', 'BROWSE', 'MANAGE', 'ALL_PRIVILEGES'],
  registered_model: ['EXECUTE', 'BROWSE', 'APPLY_TAG', 'MANAGE', 'ALL_PRIVILEGES'],
  storage_credential: ['CREATE_EXTERNAL_LOCATION', 'CREATE_EXTERNAL_TABLE', 'READ_FILES', 'WRITE_FILES', 'MANAGE', 'ALL_PRIVILEGES'],
  external_location: ['READ_FILES', 'WRITE_FILES', 'CREATE_EXTERNAL_TABLE', 'CREATE_EXTERNAL_VOLUME', 'CREATE_MANAGED_STORAGE', 'BROWSE',
    'MANAGE', 'ALL_PRIVILEGES'],
};

// Grants on one securable (GET permissions: the answer is scoped to what the caller may see),
// revoke buttons, a grant form, and the effective permissions with where each comes from.
// type: UC securable type ('table', 'registered_model', ...); name: full name.
export function PermissionsPanel({ type, name }) {
  const path = `${seg(type)}/${seg(name)}`;
  const grants = useApi(() => api.get(`${UC}/permissions/${path}`), [path]);
  const eff = useApi(() => api.get(`${UC}/effective-permissions/${path}`), [path]);
  const [principal, setPrincipal] = useState('');
  const [priv, setPriv] = useState((PRIVILEGES[type] || ['SELECT'])[0]);
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const reload = () => {
    grants.reload();
    eff.reload();
  };
  const change = (p, add, remove) => api.patch(`${UC}/permissions/${path}`, { changes: [{ principal: p, add, remove }] });
  const grant = async (e) => {
    e.preventDefault();
    if (!principal.trim()) {
      setFormError(new Error('Enter the principal to grant to (a user, group or service principal).'));
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      await change(principal.trim(), [priv], []);
      setPrincipal('');
      reload();
    } catch (err) {
      setFormError(err);
    } finally {
      setBusy(false);
    }
  };
  const rows = [];
  for (const a of (grants.data && grants.data.privilege_assignments) || [])
    for (const p of a.privileges || []) rows.push({ principal: a.principal, privilege: p });
  const effRows = [];
  for (const a of (eff.data && eff.data.privilege_assignments) || [])
    for (const p of a.privileges || [])
      effRows.push({
        principal: a.principal,
        privilege: p.privilege,
        from: p.inherited_from_name ? `${String(p.inherited_from_type || '').toLowerCase()} ${p.inherited_from_name}` : 'this object',
      });
  return (
    <div>
      <h2>Grants</h2>
      {grants.loading ? <Loading what="grants" /> : null}
      <ErrorBox error={grants.error} />
      {grants.data ? (
        <DataTable
          caption="Privileges granted on this object"
          rows={rows}
          rowKey={(r) => `${r.principal}/${r.privilege}`}
          empty="No privileges are granted on this object (that you may see)."
          columns={[
            { key: 'principal', label: 'Principal' },
            { key: 'privilege', label: 'Privilege' },
            {
              key: 'revoke',
              label: 'Action',
              render: (r) => (
                <ActionButton action={() => change(r.principal, [], [r.privilege])} onDone={reload} aria-label={`Revoke ${r.privilege} from ${r.principal}`} class="danger">
                  Revoke
                </ActionButton>
              ),
            },
          ]}
        />
      ) : null}
      <form class="inline-form" onSubmit={grant} aria-label="Grant a privilege">
        <Field label="Principal" id="grant-principal">
          <input id="grant-principal" value={principal} onInput={(e) => setPrincipal(e.currentTarget.value)} placeholder="user, group or application id" />
        </Field>
        <Field label="Privilege" id="grant-privilege">
          <select id="grant-privilege" value={priv} onChange={(e) => setPriv(e.currentTarget.value)}>
            {(PRIVILEGES[type] || []).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          Grant
        </button>
      </form>
      <ErrorBox error={formError} />
      <h2>Effective permissions</h2>
      {eff.loading ? <Loading what="effective permissions" /> : null}
      <ErrorBox error={eff.error} />
      {eff.data ? (
        <DataTable
          caption="Privileges in effect here, and where each comes from"
          rows={effRows}
          rowKey={(r) => `${r.principal}/${r.privilege}/${r.from}`}
          empty="No privileges are in effect here (that you may see)."
          columns={[
            { key: 'principal', label: 'Principal' },
            { key: 'privilege', label: 'Privilege' },
            { key: 'from', label: 'Inherited from' },
          ]}
        />
      ) : null}
    </div>
  );
}

// Tags of a securable: list, add, remove. entityType: 'catalogs', 'schemas', 'tables',
// 'volumes', 'registered_models'.
export function TagsPanel({ entityType, name }) {
  const base = `${UC}/entity-tag-assignments/${seg(entityType)}/${seg(name)}`;
  const tags = useApi(() => api.get(`${base}/tags`), [base]);
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState(null);
  const add = async (e) => {
    e.preventDefault();
    setError(null);
    if (!key.trim()) {
      setError(new Error('Enter a tag key.'));
      return;
    }
    try {
      await api.post(`${UC}/entity-tag-assignments`, {
        tag_assignment: { entity_type: entityType, entity_name: name, tag_key: key.trim(), tag_value: value || undefined },
      });
      setKey('');
      setValue('');
      tags.reload();
    } catch (err) {
      setError(err);
    }
  };
  const list = (tags.data && tags.data.tag_assignments) || [];
  return (
    <div>
      <h2>Tags</h2>
      {tags.loading ? <Loading what="tags" /> : null}
      <ErrorBox error={tags.error} />
      {tags.data ? (
        <DataTable
          rows={list}
          rowKey={(t) => t.tag_key}
          empty="No tags."
          columns={[
            { key: 'tag_key', label: 'Key' },
            { key: 'tag_value', label: 'Value' },
            {
              key: 'x',
              label: 'Action',
              render: (t) => (
                <ActionButton action={() => api.del(`${base}/tags/${seg(t.tag_key)}`)} onDone={tags.reload} aria-label={`Remove tag ${t.tag_key}`} class="danger">
                  Remove
                </ActionButton>
              ),
            },
          ]}
        />
      ) : null}
      <form class="inline-form" onSubmit={add} aria-label="Add a tag">
        <Field label="Key" id="tag-key">
          <input id="tag-key" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        </Field>
        <Field label="Value" id="tag-value">
          <input id="tag-value" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="primary">
          Add tag
        </button>
      </form>
      <ErrorBox error={error} />
    </div>
  );
}

// The policy form's text fields: [state key, label, placeholder].
const POLICY_FIELDS = [
  ['name', 'Policy name', ''],
  ['fn', 'Function', 'catalog.schema.function'],
  ['to', 'To principals', 'comma separated'],
  ['except', 'Except principals', 'comma separated'],
  ['when', 'When (table tags)', "hasTagValue('sensitivity', 'high')"],
  ['match', 'Match columns (column tags)', "hasTag('pii')"],
  ['alias', 'Alias', 'the matched column'],
  ['args', 'Arguments', "aliases, 'literals'"],
];

// ABAC policies on a catalog, schema or table, and those inherited from above it (GET
// policies with include_inherited): a delete button on this object's own, and a form that
// writes a row-filter or column-mask policy here (the server checks it and says what is wrong).
// onType: 'CATALOG', 'SCHEMA' or 'TABLE'; name: full name.
export function PoliciesPanel({ onType, name }) {
  const base = `${UC}/policies/${seg(onType)}/${seg(name)}`;
  const pol = useApi(() => api.get(base, { include_inherited: true, max_results: 1000 }), [base]);
  const [f, setF] = useState({ name: '', type: 'POLICY_TYPE_COLUMN_MASK', fn: '', to: '', except: '', when: '', match: '', alias: '', args: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const input = ([k, label, placeholder]) => (
    <Field label={label} id={`pol-${k}`} key={k}>
      <input id={`pol-${k}`} value={f[k]} onInput={set(k)} placeholder={placeholder} />
    </Field>
  );
  const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
  const create = async (e) => {
    e.preventDefault();
    setError(null);
    const mask = f.type === 'POLICY_TYPE_COLUMN_MASK';
    // arguments: 'quoted' or a number is a literal, anything else an alias of the match
    const using = list(f.args).map((a) => (/^'.*'$/.test(a) ? { constant: a.slice(1, -1) } : /^-?\d+$/.test(a) ? { constant: a } : { alias: a }));
    const fnOpts = { function_name: f.fn.trim(), ...(mask ? { on_column: f.alias.trim() } : {}), ...(using.length ? { using } : {}) };
    const body = {
      name: f.name.trim(), on_securable_type: onType, on_securable_fullname: name, for_securable_type: 'TABLE', policy_type: f.type,
      to_principals: list(f.to), ...(list(f.except).length ? { except_principals: list(f.except) } : {}),
      ...(f.when.trim() ? { when_condition: f.when.trim() } : {}),
      ...(f.match.trim() ? { match_columns: [{ condition: f.match.trim(), alias: f.alias.trim() }] } : {}),
      [mask ? 'column_mask' : 'row_filter']: fnOpts,
    };
    setBusy(true);
    try {
      await api.post(`${UC}/policies`, body);
      setF({ ...f, name: '' });
      pol.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const rows = (pol.data && pol.data.policies) || [];
  const own = (p) => p.on_securable_type === onType && p.on_securable_fullname === name;
  return (
    <div>
      <h2>Policies</h2>
      {pol.loading ? <Loading what="policies" /> : null}
      <ErrorBox error={pol.error} />
      {pol.data ? (
        <DataTable
          caption="Row-filter and column-mask policies that apply here"
          rows={rows}
          rowKey={(p) => p.id}
          empty="No policies apply here."
          columns={[
            { key: 'name', label: 'Name' },
            { key: 'policy_type', label: 'Type', render: (p) => (p.policy_type === 'POLICY_TYPE_ROW_FILTER' ? 'Row filter' : 'Column mask') },
            { key: 'on', label: 'Defined on', render: (p) => (own(p) ? 'this object' : `${p.on_securable_type.toLowerCase()} ${p.on_securable_fullname}`) },
            { key: 'fn', label: 'Function', render: (p) => (p.row_filter || p.column_mask || {}).function_name },
            { key: 'to', label: 'Applies to', render: (p) => (p.to_principals || []).join(', ') + (p.except_principals ? ` (except ${p.except_principals.join(', ')})` : '') },
            { key: 'when', label: 'When', render: (p) => p.when_condition || '' },
            {
              key: 'x',
              label: 'Action',
              render: (p) =>
                own(p) ? (
                  <ActionButton action={() => api.del(`${base}/${seg(p.name)}`)} onDone={pol.reload} aria-label={`Delete policy ${p.name}`} class="danger">
                    Delete
                  </ActionButton>
                ) : null,
            },
          ]}
        />
      ) : null}
      <form class="inline-form" onSubmit={create} aria-label="Create a policy">
        {POLICY_FIELDS.slice(0, 1).map(input)}
        <Field label="Policy type" id="pol-type">
          <select id="pol-type" value={f.type} onChange={set('type')}>
            <option value="POLICY_TYPE_COLUMN_MASK">Column mask</option>
            <option value="POLICY_TYPE_ROW_FILTER">Row filter</option>
          </select>
        </Field>
        {POLICY_FIELDS.slice(1).map(input)}
        <button type="submit" class="primary" disabled={busy}>
          Create policy
        </button>
      </form>
      <ErrorBox error={error} />
    </div>
  );
}

// The audit log's rows about one object (admins: the audit API is admin-only).
export function HistoryPanel({ name }) {
  const h = useApi(() => api.get('/api/2.0/weir/audit', { securable: name, max_results: 200 }), [name]);
  return (
    <div>
      <h2>History</h2>
      {h.loading ? <Loading what="history" /> : null}
      <ErrorBox error={h.error} />
      {h.data ? <AuditTable events={h.data.events || []} /> : null}
    </div>
  );
}

export function AuditTable({ events }) {
  return (
    <DataTable
      rows={events}
      rowKey={(e) => e.event_id}
      empty="No audit events."
      columns={[
        { key: 'event_time', label: 'Time', render: (e) => fmtTime(e.event_time) },
        { key: 'who', label: 'Principal', render: (e) => (e.user_identity && e.user_identity.email) || '' },
        { key: 'action', label: 'Action', render: (e) => `${e.service_name}.${e.action_name}` },
        { key: 'securable', label: 'Object', render: (e) => e.securable || '' },
        {
          key: 'outcome',
          label: 'Outcome',
          render: (e) => {
            const r = e.response || {};
            return <span class={r.status_code >= 400 ? 'warn' : 'ok'}>{`${r.status_code || ''}${r.error_code ? ' ' + r.error_code : ''}`}</span>;
          },
        },
        { key: 'params', label: 'Parameters', render: (e) => <code>{fmt(e.request_params)}</code> },
      ]}
    />
  );
}

// A statement's result (POST /api/2.0/sql/statements answer): columns and rows as text.
export function ResultGrid({ result, caption }) {
  const cols = (result.manifest && result.manifest.schema && result.manifest.schema.columns) || [];
  const rows = (result.result && result.result.data_array) || [];
  if (cols.length === 0) return <Empty>The statement returned no columns.</Empty>;
  return (
    <DataTable
      caption={caption}
      rows={rows}
      pageSize={25}
      empty="No rows."
      columns={cols.map((c, i) => ({ key: String(i), label: `${c.name} (${c.type_text || c.type_name || ''})`, render: (r) => (r[i] === null ? <span class="muted">NULL</span> : String(r[i])) }))}
    />
  );
}

// Runs `statement` on the first warehouse and waits for it (up to 30 s): the answer, or an
// ApiError with the statement's own error message.
export async function runStatement(statement, opts = {}) {
  let wid = opts.warehouseId;
  if (!wid) {
    const ws = await api.get('/api/2.0/sql/warehouses');
    if (!ws.warehouses || ws.warehouses.length === 0) throw new Error('No SQL warehouse is available.');
    wid = ws.warehouses[0].id;
  }
  const res = await api.post('/api/2.0/sql/statements', { statement, warehouse_id: wid, wait_timeout: '30s', ...(opts.body || {}) });
  const st = res.status || {};
  if (st.state === 'FAILED' || st.state === 'CANCELED' || st.state === 'CLOSED') {
    const e = new Error((st.error && st.error.message) || `The statement ended ${st.state}.`);
    e.errorCode = (st.error && st.error.error_code) || st.state;
    throw e;
  }
  return res;
}

// A table name in SQL: each part in backquotes (names may hold '-' or '@').
export const sqlName = (full) =>
  full
    .split('.')
    .map((p) => '`' + p.replace(/`/g, '``') + '`')
    .join('.');

export function TableLink({ info }) {
  if (info.masked) return <span class="muted">A table you may not see (masked)</span>;
  const full = [info.catalog_name, info.schema_name, info.name].filter(Boolean).join('.');
  return (
    <Link href={`/explore/${[info.catalog_name, info.schema_name, info.name].map(encodeURIComponent).join('/')}`}>
      {full}
    </Link>
  );
}
