// Administration (admins only; the server refuses these APIs to anyone else): users, groups
// with nested membership, service principals, tokens, workspaces and catalog bindings, and
// the audit log with filters. /admin/<page>[/<id>], filters and pages in the query string.
import { useMemo, useState } from 'preact/hooks';
import { api, listAll, seg } from '../api.js';
import { ActionButton, DataTable, Empty, ErrorBox, Field, Loading, Props, fmtTime, useApi, useTitle } from '../components.jsx';
import { AuditTable } from '../panels.jsx';
import { Link, navigate, path, setQuery } from '../router.js';

const SCIM = '/api/2.0/preview/scim/v2';
const WS = '/api/2.0/weir/workspaces';
const UC = '/api/2.1/unity-catalog';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const PAGES = [
  { id: 'users', label: 'Users' },
  { id: 'groups', label: 'Groups' },
  { id: 'service-principals', label: 'Service principals' },
  { id: 'tokens', label: 'Tokens' },
  { id: 'workspaces', label: 'Workspaces' },
  { id: 'bindings', label: 'Catalog bindings' },
  { id: 'governed-tags', label: 'Governed tags' },
  { id: 'audit', label: 'Audit log' },
];

export function Admin({ page, id, query }) {
  const current = PAGES.some((p) => p.id === page) ? page : null;
  const label = current ? PAGES.find((p) => p.id === current).label : 'Administration';
  useTitle(label);
  let body;
  if (page && !current) body = <p>There is no administration page <code>{page}</code>.</p>;
  else if (!current) body = <Overview />;
  else if (current === 'users') body = <Principals kind="Users" />;
  else if (current === 'service-principals') body = <Principals kind="ServicePrincipals" />;
  else if (current === 'groups') body = id ? <Group id={id} /> : <Groups />;
  else if (current === 'tokens') body = <Tokens />;
  else if (current === 'workspaces') body = id ? <Workspace name={id} /> : <Workspaces />;
  else if (current === 'bindings') body = <Bindings catalog={query.get('catalog') || ''} />;
  else if (current === 'governed-tags') body = <GovernedTags />;
  else if (current === 'audit') body = <Audit query={query} />;
  return (
    <section>
      <nav aria-label="Administration" class="subnav">
        <ul>
          {PAGES.map((p) => (
            <li key={p.id}>
              <Link href={`/admin/${p.id}`} aria-current={p.id === current ? 'page' : undefined}>
                {p.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <h1>{label}</h1>
      {body}
    </section>
  );
}

function Overview() {
  return (
    <ul class="cards">
      {PAGES.map((p) => (
        <li class="card" key={p.id}>
          <Link href={`/admin/${p.id}`}>{p.label}</Link>
        </li>
      ))}
    </ul>
  );
}

// ---------------------------------------------------------------- users and service principals

const SCIM_PAGE = 50;

function Principals({ kind }) {
  const isUser = kind === 'Users';
  const [filter, setFilter] = useState('');
  const [applied, setApplied] = useState('');
  const [start, setStart] = useState(1);
  const attr = isUser ? 'userName' : 'displayName';
  const list = useApi(
    () => api.get(`${SCIM}/${kind}`, { startIndex: start, count: SCIM_PAGE, filter: applied ? `${attr} co "${applied.replace(/"/g, '')}"` : undefined }),
    [kind, start, applied],
  );
  const [name, setName] = useState('');
  const [display, setDisplay] = useState('');
  const [formError, setFormError] = useState(null);
  const [minted, setMinted] = useState(null);
  const create = async (e) => {
    e.preventDefault();
    setFormError(null);
    try {
      if (isUser) await api.post(`${SCIM}/Users`, { userName: name.trim(), displayName: display.trim() || undefined });
      else await api.post(`${SCIM}/ServicePrincipals`, { displayName: name.trim() });
      setName('');
      setDisplay('');
      list.reload();
    } catch (err) {
      setFormError(err);
    }
  };
  const rows = (list.data && list.data.Resources) || [];
  const total = (list.data && list.data.totalResults) || 0;
  const setActive = (p, active) => api.patch(`${SCIM}/${kind}/${seg(p.id)}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: active }] });
  return (
    <div>
      <form
        class="inline-form"
        role="search"
        aria-label={`Filter ${isUser ? 'users' : 'service principals'}`}
        onSubmit={(e) => {
          e.preventDefault();
          setStart(1);
          setApplied(filter.trim());
        }}
      >
        <Field label={`${isUser ? 'User name' : 'Display name'} contains`} id="principal-filter">
          <input id="principal-filter" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        </Field>
        <button type="submit">Filter</button>
      </form>
      {list.loading ? <Loading what={isUser ? 'users' : 'service principals'} /> : null}
      <ErrorBox error={list.error} />
      {list.data ? (
        <div>
          <DataTable
            rows={rows}
            rowKey={(p) => p.id}
            pageSize={SCIM_PAGE}
            empty="None."
            columns={[
              { key: 'id', label: 'Id' },
              { key: 'name', label: isUser ? 'User name' : 'Application id', render: (p) => (isUser ? p.userName : p.applicationId) },
              { key: 'displayName', label: 'Display name' },
              { key: 'active', label: 'Active', render: (p) => (p.active === false ? 'no' : 'yes') },
              { key: 'groups', label: 'Groups', render: (p) => (p.groups || []).map((g) => g.display).join(', ') },
              {
                key: 'actions',
                label: 'Actions',
                render: (p) => (
                  <span class="row">
                    <ActionButton action={() => setActive(p, p.active === false)} onDone={list.reload} aria-label={`${p.active === false ? 'Activate' : 'Deactivate'} ${p.userName || p.displayName}`}>
                      {p.active === false ? 'Activate' : 'Deactivate'}
                    </ActionButton>
                    {!isUser ? (
                      <ActionButton action={() => api.post('/api/2.0/token-management/on-behalf-of/tokens', { application_id: p.applicationId, comment: 'minted in the web UI', lifetime_seconds: 3600 })} onDone={(r) => setMinted({ who: p.displayName, value: r.token_value })} aria-label={`Mint a token for ${p.displayName}`}>
                        Mint token
                      </ActionButton>
                    ) : null}
                    <ActionButton action={() => api.del(`${SCIM}/${kind}/${seg(p.id)}`)} onDone={list.reload} confirm={`Delete ${p.userName || p.displayName}?`} class="danger" aria-label={`Delete ${p.userName || p.displayName}`}>
                      Delete
                    </ActionButton>
                  </span>
                ),
              },
            ]}
          />
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={start <= 1} onClick={() => setStart(Math.max(1, start - SCIM_PAGE))}>
              Previous
            </button>
            <span>
              {total === 0 ? 'none' : `${start}–${Math.min(total, start + rows.length - 1)} of ${total}`}
            </span>
            <button type="button" disabled={start + SCIM_PAGE > total} onClick={() => setStart(start + SCIM_PAGE)}>
              Next
            </button>
          </nav>
        </div>
      ) : null}
      {minted ? (
        <div class="notice" role="status">
          A token for {minted.who} (valid one hour; shown once): <code>{minted.value}</code>
        </div>
      ) : null}
      <h2>Add {isUser ? 'a user' : 'a service principal'}</h2>
      <form class="inline-form" onSubmit={create} aria-label={`Add ${isUser ? 'a user' : 'a service principal'}`}>
        <Field label={isUser ? 'User name' : 'Display name'} id="new-principal">
          <input id="new-principal" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        {isUser ? (
          <Field label="Display name" id="new-display">
            <input id="new-display" value={display} onInput={(e) => setDisplay(e.currentTarget.value)} />
          </Field>
        ) : null}
        <button type="submit" class="primary">
          Add
        </button>
      </form>
      <ErrorBox error={formError} />
    </div>
  );
}

// ---------------------------------------------------------------- groups

async function allGroups() {
  const out = [];
  for (let start = 1; ; start += 100) {
    const page = await api.get(`${SCIM}/Groups`, { startIndex: start, count: 100 });
    out.push(...(page.Resources || []));
    if (!page.Resources || page.Resources.length === 0 || out.length >= (page.totalResults || 0)) return out;
  }
}

function Groups() {
  const list = useApi(allGroups, []);
  const [name, setName] = useState('');
  const [error, setError] = useState(null);
  const create = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post(`${SCIM}/Groups`, { displayName: name.trim() });
      setName('');
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  // which groups each group is in (nested membership), from the members lists
  const parents = useMemo(() => {
    const m = new Map();
    for (const g of list.data || []) for (const mem of g.members || []) m.set(mem.value, [...(m.get(mem.value) || []), g.displayName]);
    return m;
  }, [list.data]);
  return (
    <div>
      {list.loading ? <Loading what="groups" /> : null}
      <ErrorBox error={list.error} />
      {list.data ? (
        <DataTable
          rows={list.data}
          rowKey={(g) => g.id}
          empty="No groups."
          columns={[
            { key: 'displayName', label: 'Group', render: (g) => <Link href={path('admin', 'groups', g.id)}>{g.displayName}</Link> },
            { key: 'members', label: 'Direct members', render: (g) => String((g.members || []).length) },
            { key: 'in', label: 'Member of', render: (g) => (parents.get(g.id) || []).join(', ') },
          ]}
        />
      ) : null}
      <h2>Add a group</h2>
      <form class="inline-form" onSubmit={create} aria-label="Add a group">
        <Field label="Group name" id="new-group">
          <input id="new-group" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="primary">
          Add
        </button>
      </form>
      <ErrorBox error={error} />
    </div>
  );
}

// A member row's kind, from its $ref ("Users/3", "Groups/4", "ServicePrincipals/5").
const memberKind = (m) => ((m.$ref || '').split('/')[0] || m.type || '').replace('ServicePrincipals', 'service principal').replace('Users', 'user').replace('Groups', 'group');

// Nested membership: a group member expands into its own members (cycles stopped).
function MemberTree({ groupId, byId, seen }) {
  const g = byId.get(groupId);
  if (!g) return null;
  const members = g.members || [];
  if (members.length === 0) return <p class="empty">No members.</p>;
  return (
    <ul class="members">
      {members.map((m) => {
        const kind = memberKind(m);
        const nested = kind === 'group' && !seen.has(m.value);
        return (
          <li key={m.value}>
            {kind === 'group' ? <Link href={path('admin', 'groups', m.value)}>{m.display}</Link> : m.display} <span class="kind">{kind}</span>
            {nested ? <MemberTree groupId={m.value} byId={byId} seen={new Set([...seen, m.value])} /> : null}
          </li>
        );
      })}
    </ul>
  );
}

async function principalByName(name) {
  for (const [res, attr] of [['Users', 'userName'], ['ServicePrincipals', 'applicationId'], ['ServicePrincipals', 'displayName'], ['Groups', 'displayName']]) {
    const r = await api.get(`${SCIM}/${res}`, { filter: `${attr} eq "${name.replace(/"/g, '')}"`, count: 1 });
    if (r.Resources && r.Resources.length) return r.Resources[0];
  }
  throw new Error(`No user, service principal or group is named '${name}'.`);
}

function Group({ id }) {
  const all = useApi(allGroups, [id]);
  const [member, setMember] = useState('');
  const [error, setError] = useState(null);
  const byId = useMemo(() => new Map((all.data || []).map((g) => [g.id, g])), [all.data]);
  const g = byId.get(id);
  const patch = (op, value) => api.patch(`${SCIM}/Groups/${seg(id)}`, { schemas: [PATCH_OP], Operations: [op === 'add' ? { op: 'add', path: 'members', value } : { op: 'remove', path: `members[value eq "${value}"]` }] });
  const add = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const p = await principalByName(member.trim());
      await patch('add', [{ value: p.id }]);
      setMember('');
      all.reload();
    } catch (err) {
      setError(err);
    }
  };
  if (all.loading) return <Loading what="group" />;
  if (all.error) return <ErrorBox error={all.error} />;
  if (!g) return <p>No group has the id <code>{id}</code>.</p>;
  const parents = (all.data || []).filter((x) => (x.members || []).some((m) => m.value === id)).map((x) => x.displayName);
  return (
    <div>
      <h2>{g.displayName}</h2>
      <Props items={[['Id', g.id], ['Member of', parents.join(', ') || 'no group']]} />
      <h3>Members (nested groups expanded)</h3>
      <MemberTree groupId={id} byId={byId} seen={new Set([id])} />
      <h3>Direct members</h3>
      <DataTable
        rows={g.members || []}
        rowKey={(m) => m.value}
        empty="No members."
        columns={[
          { key: 'display', label: 'Member' },
          { key: 'kind', label: 'Kind', render: memberKind },
          {
            key: 'x',
            label: 'Action',
            render: (m) => (
              <ActionButton action={() => patch('remove', m.value)} onDone={all.reload} class="danger" aria-label={`Remove ${m.display} from ${g.displayName}`}>
                Remove
              </ActionButton>
            ),
          },
        ]}
      />
      <form class="inline-form" onSubmit={add} aria-label="Add a member">
        <Field label="User, service principal or group" id="new-member">
          <input id="new-member" value={member} onInput={(e) => setMember(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="primary">
          Add member
        </button>
      </form>
      <ErrorBox error={error} />
      <p>
        <ActionButton action={() => api.del(`${SCIM}/Groups/${seg(id)}`)} onDone={() => navigate('/admin/groups')} confirm={`Delete group ${g.displayName}?`} class="danger">
          Delete group
        </ActionButton>
      </p>
    </div>
  );
}

// ---------------------------------------------------------------- tokens

function Tokens() {
  const mine = useApi(() => api.get('/api/2.0/token/list'), []);
  const all = useApi(() => api.get('/api/2.0/token-management/tokens'), []);
  const [comment, setComment] = useState('');
  const [days, setDays] = useState('7');
  const [created, setCreated] = useState(null);
  const [error, setError] = useState(null);
  const reload = () => {
    mine.reload();
    all.reload();
  };
  const create = async (e) => {
    e.preventDefault();
    setError(null);
    const n = Number(days);
    if (!Number.isInteger(n) || n < 1) {
      setError(new Error('Lifetime: a whole number of days, at least 1.'));
      return;
    }
    try {
      const r = await api.post('/api/2.0/token/create', { comment: comment || undefined, lifetime_seconds: n * 86400 });
      setCreated(r.token_value);
      setComment('');
      reload();
    } catch (err) {
      setError(err);
    }
  };
  const cols = (revoke) => [
    { key: 'token_id', label: 'Token id', render: (t) => <code>{t.token_id}</code> },
    { key: 'created_by_username', label: 'Owner' },
    { key: 'comment', label: 'Comment' },
    { key: 'creation_time', label: 'Created', render: (t) => fmtTime(t.creation_time) },
    { key: 'expiry_time', label: 'Expires', render: (t) => (t.expiry_time > 0 ? fmtTime(t.expiry_time) : 'never') },
    {
      key: 'x',
      label: 'Action',
      render: (t) => (
        <ActionButton action={() => revoke(t)} onDone={reload} confirm="Revoke this token? Sessions signed in with it end too." class="danger" aria-label={`Revoke token ${t.token_id}`}>
          Revoke
        </ActionButton>
      ),
    },
  ];
  return (
    <div>
      <h2>Your tokens</h2>
      <ErrorBox error={mine.error} />
      {mine.data ? <DataTable rows={mine.data.token_infos || []} rowKey={(t) => t.token_id} empty="No tokens." columns={cols((t) => api.post('/api/2.0/token/delete', { token_id: t.token_id }))} /> : <Loading what="tokens" />}
      <form class="inline-form" onSubmit={create} aria-label="Create a token">
        <Field label="Comment" id="token-comment">
          <input id="token-comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
        </Field>
        <Field label="Lifetime (days)" id="token-days">
          <input id="token-days" type="number" min="1" value={days} onInput={(e) => setDays(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="primary">
          Create token
        </button>
      </form>
      <ErrorBox error={error} />
      {created ? (
        <div class="notice" role="status">
          Your new token (shown once): <code>{created}</code>
        </div>
      ) : null}
      <h2>All tokens</h2>
      <ErrorBox error={all.error} />
      {all.data ? <DataTable rows={all.data.token_infos || []} rowKey={(t) => t.token_id} empty="No tokens." columns={cols((t) => api.del(`/api/2.0/token-management/tokens/${seg(t.token_id)}`))} /> : all.error ? null : <Loading what="tokens" />}
    </div>
  );
}

// ---------------------------------------------------------------- workspaces and bindings

function Workspaces() {
  const list = useApi(() => api.get(WS), []);
  const [name, setName] = useState('');
  const [error, setError] = useState(null);
  const create = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post(WS, { name: name.trim() });
      setName('');
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div>
      <ErrorBox error={list.error} />
      {list.data ? (
        <DataTable
          rows={list.data.workspaces || []}
          rowKey={(w) => w.workspace_id}
          empty="No workspaces."
          columns={[
            { key: 'workspace_id', label: 'Id' },
            { key: 'name', label: 'Name', render: (w) => <Link href={path('admin', 'workspaces', w.name)}>{w.name}</Link> },
            { key: 'created_at', label: 'Created', render: (w) => fmtTime(w.created_at) },
          ]}
        />
      ) : (
        <Loading what="workspaces" />
      )}
      <h2>Add a workspace</h2>
      <form class="inline-form" onSubmit={create} aria-label="Add a workspace">
        <Field label="Workspace name" id="new-workspace">
          <input id="new-workspace" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="primary">
          Add
        </button>
      </form>
      <ErrorBox error={error} />
    </div>
  );
}

function Workspace({ name }) {
  const ws = useApi(() => api.get(`${WS}/${seg(name)}`), [name]);
  const asg = useApi(() => api.get(`${WS}/${seg(name)}/assignments`), [name]);
  const [who, setWho] = useState('');
  const [error, setError] = useState(null);
  const assign = async (e) => {
    e.preventDefault();
    setError(null);
    if (!who.trim()) {
      setError(new Error('Enter a principal.'));
      return;
    }
    try {
      await api.put(`${WS}/${seg(name)}/assignments/${seg(who.trim())}`, {});
      setWho('');
      asg.reload();
    } catch (err) {
      setError(err);
    }
  };
  if (ws.error) return <ErrorBox error={ws.error} />;
  if (!ws.data) return <Loading what="workspace" />;
  return (
    <div>
      <h2>{ws.data.name}</h2>
      <Props items={[['Id', ws.data.workspace_id], ['Created', fmtTime(ws.data.created_at)]]} />
      <h3>Assigned principals</h3>
      <ErrorBox error={asg.error} />
      {asg.data ? (
        <DataTable
          rows={asg.data.assignments || asg.data.principals || []}
          rowKey={(a) => a.principal}
          empty="Nobody is assigned."
          columns={[
            { key: 'principal', label: 'Principal' },
            { key: 'principal_type', label: 'Kind' },
            {
              key: 'x',
              label: 'Action',
              render: (a) => (
                <ActionButton action={() => api.del(`${WS}/${seg(name)}/assignments/${seg(a.principal)}`)} onDone={asg.reload} class="danger" aria-label={`Unassign ${a.principal}`}>
                  Unassign
                </ActionButton>
              ),
            },
          ]}
        />
      ) : null}
      <form class="inline-form" onSubmit={assign} aria-label="Assign a principal">
        <Field label="Principal" id="assign-principal">
          <input id="assign-principal" value={who} onInput={(e) => setWho(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="primary">
          Assign
        </button>
      </form>
      <ErrorBox error={error} />
      <p>
        <ActionButton action={() => api.del(`${WS}/${seg(name)}`)} onDone={() => navigate('/admin/workspaces')} confirm={`Delete workspace ${name}?`} class="danger">
          Delete workspace
        </ActionButton>
      </p>
    </div>
  );
}

function Bindings({ catalog }) {
  const cats = useApi(() => listAll(`${UC}/catalogs`, 'catalogs'), []);
  const wss = useApi(() => api.get(WS), []);
  const cat = useApi(() => (catalog ? api.get(`${UC}/catalogs/${seg(catalog)}`) : Promise.resolve(null)), [catalog]);
  const b = useApi(() => (catalog ? api.get(`${UC}/bindings/catalog/${seg(catalog)}`) : Promise.resolve(null)), [catalog]);
  const [wsId, setWsId] = useState('');
  const [type, setType] = useState('BINDING_TYPE_READ_WRITE');
  const [error, setError] = useState(null);
  const names = new Map(((wss.data && wss.data.workspaces) || []).map((w) => [w.workspace_id, w.name]));
  const bind = async (e) => {
    e.preventDefault();
    setError(null);
    if (!wsId) {
      setError(new Error('Choose a workspace.'));
      return;
    }
    try {
      await api.patch(`${UC}/bindings/catalog/${seg(catalog)}`, { add: [{ workspace_id: Number(wsId), binding_type: type }] });
      b.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div>
      <ErrorBox error={cats.error} />
      <Field label="Catalog" id="binding-catalog">
        <select id="binding-catalog" value={catalog} onChange={(e) => setQuery({ catalog: e.currentTarget.value || null })}>
          <option value="">Choose a catalog…</option>
          {(cats.data || []).map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
        </select>
      </Field>
      {catalog ? (
        <div>
          <ErrorBox error={cat.error} />
          {cat.data ? (
            <p>
              Isolation mode: <strong>{cat.data.isolation_mode}</strong>{' '}
              <ActionButton
                action={() => api.patch(`${UC}/catalogs/${seg(catalog)}`, { isolation_mode: cat.data.isolation_mode === 'ISOLATED' ? 'OPEN' : 'ISOLATED' })}
                onDone={cat.reload}
              >
                {cat.data.isolation_mode === 'ISOLATED' ? 'Make OPEN (all workspaces)' : 'Make ISOLATED (bound workspaces only)'}
              </ActionButton>
            </p>
          ) : null}
          <ErrorBox error={b.error} />
          {b.data ? (
            <DataTable
              caption={`Workspaces bound to ${catalog}`}
              rows={b.data.bindings || []}
              rowKey={(x) => x.workspace_id}
              empty="No workspace is bound."
              columns={[
                { key: 'workspace_id', label: 'Workspace', render: (x) => `${names.get(x.workspace_id) || ''} (${x.workspace_id})` },
                { key: 'binding_type', label: 'Binding' },
                {
                  key: 'x',
                  label: 'Action',
                  render: (x) => (
                    <ActionButton action={() => api.patch(`${UC}/bindings/catalog/${seg(catalog)}`, { remove: [{ workspace_id: x.workspace_id }] })} onDone={b.reload} class="danger" aria-label={`Unbind workspace ${x.workspace_id}`}>
                      Unbind
                    </ActionButton>
                  ),
                },
              ]}
            />
          ) : null}
          <form class="inline-form" onSubmit={bind} aria-label="Bind a workspace">
            <Field label="Workspace" id="bind-ws">
              <select id="bind-ws" value={wsId} onChange={(e) => setWsId(e.currentTarget.value)}>
                <option value="">Choose…</option>
                {((wss.data && wss.data.workspaces) || []).map((w) => (
                  <option key={w.workspace_id} value={String(w.workspace_id)}>
                    {w.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Binding" id="bind-type">
              <select id="bind-type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
                <option value="BINDING_TYPE_READ_WRITE">read and write</option>
                <option value="BINDING_TYPE_READ_ONLY">read only</option>
              </select>
            </Field>
            <button type="submit" class="primary">
              Bind
            </button>
          </form>
          <ErrorBox error={error} />
        </div>
      ) : (
        <Empty>Choose a catalog to see and change its workspace bindings.</Empty>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- audit

const AUDIT_FILTERS = [
  ['principal', 'Principal'],
  ['service_name', 'Service'],
  ['action_name', 'Action'],
  ['securable', 'Object'],
  ['status_code', 'Status code'],
];

// datetime-local value (local time) <-> epoch ms
const toMs = (v) => (v ? String(new Date(v).getTime()) : '');
const fromMs = (ms) => {
  if (!ms) return '';
  const d = new Date(Number(ms));
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

// ---------------------------------------------------------------- governed tags

const TP = '/api/2.1/tag-policies';

// Tag policies: a governed key and the values its assignments may take (none: any).
function GovernedTags() {
  const list = useApi(() => listAll(TP, 'tag_policies', { page_size: 1000 }), []);
  const [f, setF] = useState({ key: '', values: '', description: '' });
  const [error, setError] = useState(null);
  const create = async (e) => {
    e.preventDefault();
    setError(null);
    const values = f.values.split(',').map((v) => v.trim()).filter(Boolean).map((name) => ({ name }));
    try {
      await api.post(TP, { tag_key: f.key.trim(), ...(f.description.trim() ? { description: f.description.trim() } : {}), values });
      setF({ key: '', values: '', description: '' });
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div>
      <p>An assignment of a governed tag key takes one of its values; ABAC policies match tables and columns by these tags.</p>
      <ErrorBox error={list.error} />
      {list.data ? (
        <DataTable
          caption="Governed tag keys"
          rows={list.data}
          rowKey={(t) => t.tag_key}
          empty="No tag key is governed."
          columns={[
            { key: 'tag_key', label: 'Key' },
            { key: 'values', label: 'Allowed values', render: (t) => ((t.values || []).length ? t.values.map((v) => v.name).join(', ') : 'any') },
            { key: 'description', label: 'Description' },
            {
              key: 'x',
              label: 'Action',
              render: (t) => (
                <ActionButton action={() => api.del(`${TP}/${seg(t.tag_key)}`)} onDone={list.reload} aria-label={`Delete tag policy ${t.tag_key}`} class="danger">
                  Delete
                </ActionButton>
              ),
            },
          ]}
        />
      ) : (
        <Loading what="governed tags" />
      )}
      <h2>Govern a tag key</h2>
      <form class="inline-form" onSubmit={create} aria-label="Govern a tag key">
        <Field label="Tag key" id="tp-key">
          <input id="tp-key" value={f.key} onInput={(e) => setF({ ...f, key: e.currentTarget.value })} />
        </Field>
        <Field label="Allowed values" id="tp-values">
          <input id="tp-values" value={f.values} onInput={(e) => setF({ ...f, values: e.currentTarget.value })} placeholder="comma separated; empty: any" />
        </Field>
        <Field label="Description" id="tp-description">
          <input id="tp-description" value={f.description} onInput={(e) => setF({ ...f, description: e.currentTarget.value })} />
        </Field>
        <button type="submit" class="primary">
          Govern
        </button>
      </form>
      <ErrorBox error={error} />
    </div>
  );
}

function Audit({ query }) {
  const applied = {};
  for (const [k] of AUDIT_FILTERS) if (query.get(k)) applied[k] = query.get(k);
  for (const k of ['start_time', 'end_time', 'page_token']) if (query.get(k)) applied[k] = query.get(k);
  const outcome = query.get('outcome') || '';
  const key = JSON.stringify([applied, outcome]);
  const res = useApi(() => api.get('/api/2.0/weir/audit', { ...applied, outcome: outcome || undefined, max_results: 100 }), [key]);
  const [form, setForm] = useState(() => ({ ...applied, start_time: fromMs(applied.start_time), end_time: fromMs(applied.end_time), outcome }));
  const submit = (e) => {
    e.preventDefault();
    const q = { page_token: null, outcome: form.outcome || null };
    for (const [k] of AUDIT_FILTERS) q[k] = (form[k] || '').trim() || null;
    q.start_time = toMs(form.start_time) || null;
    q.end_time = toMs(form.end_time) || null;
    setQuery(q, { replace: false });
  };
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const events = (res.data && res.data.events) || [];
  return (
    <div>
      <form class="filters" onSubmit={submit} aria-label="Audit filters">
        <div class="row">
          {AUDIT_FILTERS.map(([k, label]) => (
            <Field key={k} label={label} id={`audit-${k}`}>
              <input id={`audit-${k}`} value={form[k] || ''} onInput={set(k)} />
            </Field>
          ))}
          <Field label="Outcome" id="audit-outcome">
            <select id="audit-outcome" value={form.outcome || ''} onChange={set('outcome')}>
              <option value="">any</option>
              <option value="success">success</option>
              <option value="failure">failure or denial</option>
            </select>
          </Field>
          <Field label="From" id="audit-start">
            <input id="audit-start" type="datetime-local" value={form.start_time || ''} onInput={set('start_time')} />
          </Field>
          <Field label="Until" id="audit-end">
            <input id="audit-end" type="datetime-local" value={form.end_time || ''} onInput={set('end_time')} />
          </Field>
          <button type="submit" class="primary">
            Apply filters
          </button>
        </div>
      </form>
      {res.loading ? <Loading what="audit events" /> : null}
      <ErrorBox error={res.error} />
      {res.data ? (
        <div>
          <AuditTable events={events} />
          <nav class="pager" aria-label="Audit pages">
            {applied.page_token ? (
              <button type="button" onClick={() => setQuery({ page_token: null }, { replace: false })}>
                First page
              </button>
            ) : null}
            {res.data.next_page_token ? (
              <button type="button" onClick={() => setQuery({ page_token: res.data.next_page_token }, { replace: false })}>
                Next page
              </button>
            ) : (
              <span>End of the log.</span>
            )}
          </nav>
        </div>
      ) : null}
    </div>
  );
}
