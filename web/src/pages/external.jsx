// External data: the storage credentials and external locations of the metastore (Databricks'
// storage-credentials and external-locations APIs), one list each, a form to create each, and
// one view per object with its details, the tables' and paths' governance it carries (its
// grants) and delete. /external, /external/credential/<name>, /external/location/<name>.
// What the caller may not see is not listed, and a deep link to it answers "does not exist";
// who may create, change or delete is the server's rule, shown as its refusal.
import { useState } from 'preact/hooks';
import { api, listAll, seg } from '../api.js';
import { ActionButton, Breadcrumbs, DataTable, ErrorBox, Field, Loading, Props, fmtTime, useApi, useTitle } from '../components.jsx';
import { PermissionsPanel } from '../panels.jsx';
import { Link, navigate, path } from '../router.js';

const UC = '/api/2.1/unity-catalog';

// Per kind: its API, list key, permissions type and label.
const KIND = {
  credential: { api: `${UC}/storage-credentials`, key: 'storage_credentials', perm: 'storage_credential', label: 'Storage credential' },
  location: { api: `${UC}/external-locations`, key: 'external_locations', perm: 'external_location', label: 'External location' },
};

// The cloud identity of a credential, in one line.
function identity(c) {
  if (c.aws_iam_role) return `AWS IAM role ${c.aws_iam_role.role_arn}`;
  if (c.azure_managed_identity) return `Azure managed identity ${c.azure_managed_identity.access_connector_id}`;
  if (c.azure_service_principal) return `Azure service principal ${c.azure_service_principal.application_id}`;
  if (c.databricks_gcp_service_account) return 'GCP service account';
  if (c.cloudflare_api_token) return `Cloudflare API token ${c.cloudflare_api_token.access_key_id}`;
  return '';
}

export function External({ kind, name }) {
  useTitle(name || 'External data');
  if (kind && KIND[kind] && name) return <ObjectView key={`${kind}:${name}`} kind={kind} name={name} />;
  return <Lists />;
}

function Lists() {
  const creds = useApi(() => listAll(KIND.credential.api, KIND.credential.key), []);
  const locs = useApi(() => listAll(KIND.location.api, KIND.location.key), []);
  const reload = () => {
    creds.reload();
    locs.reload();
  };
  return (
    <section>
      <h1>External data</h1>
      <p class="hint">
        A storage credential is a cloud identity; an external location is a storage path reached with one. A location governs what lies under it: EXTERNAL
        tables and volumes there need CREATE EXTERNAL TABLE / VOLUME on it, and path credentials need READ FILES / WRITE FILES.
      </p>
      <h2>Storage credentials</h2>
      {creds.loading ? <Loading what="storage credentials" /> : null}
      <ErrorBox error={creds.error} />
      {creds.data ? (
        <DataTable
          caption="Storage credentials"
          rows={creds.data}
          rowKey={(c) => c.name}
          empty="No storage credentials you may see."
          columns={[
            { key: 'name', label: 'Name', render: (c) => <Link href={path('external', 'credential', c.name)}>{c.name}</Link> },
            { key: 'identity', label: 'Identity', render: identity },
            { key: 'owner', label: 'Owner' },
            { key: 'read_only', label: 'Read only', render: (c) => (c.read_only ? 'yes' : 'no') },
            { key: 'comment', label: 'Comment' },
          ]}
        />
      ) : null}
      <CreateCredential onDone={reload} />
      <h2>External locations</h2>
      {locs.loading ? <Loading what="external locations" /> : null}
      <ErrorBox error={locs.error} />
      {locs.data ? (
        <DataTable
          caption="External locations"
          rows={locs.data}
          rowKey={(l) => l.name}
          empty="No external locations you may see."
          columns={[
            { key: 'name', label: 'Name', render: (l) => <Link href={path('external', 'location', l.name)}>{l.name}</Link> },
            { key: 'url', label: 'URL' },
            { key: 'credential_name', label: 'Credential' },
            { key: 'owner', label: 'Owner' },
            { key: 'read_only', label: 'Read only', render: (l) => (l.read_only ? 'yes' : 'no') },
          ]}
        />
      ) : null}
      <CreateLocation credentials={creds.data || []} onDone={reload} />
    </section>
  );
}

// A form whose submit posts body() to url; the server's refusal is shown beside it.
function useCreate(url, body, onDone) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post(url, body());
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, submit };
}

function CreateCredential({ onDone }) {
  const [name, setName] = useState('');
  const [arn, setArn] = useState('');
  const [comment, setComment] = useState('');
  const form = useCreate(KIND.credential.api, () => ({ name: name.trim(), aws_iam_role: { role_arn: arn.trim() }, comment: comment || undefined }), () => {
    setName('');
    setArn('');
    setComment('');
    onDone();
  });
  return (
    <div>
      <form class="inline-form" onSubmit={form.submit} aria-label="Create a storage credential">
        <Field label="Name" id="cred-name">
          <input id="cred-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field label="AWS IAM role ARN" id="cred-arn">
          <input id="cred-arn" value={arn} onInput={(e) => setArn(e.currentTarget.value)} placeholder="arn:aws:iam::123456789012:role/name" />
        </Field>
        <Field label="Comment" id="cred-comment">
          <input id="cred-comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="primary" disabled={form.busy}>
          Create credential
        </button>
      </form>
      <ErrorBox error={form.error} />
    </div>
  );
}

function CreateLocation({ credentials, onDone }) {
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [cred, setCred] = useState('');
  const form = useCreate(KIND.location.api, () => ({ name: name.trim(), url: url.trim(), credential_name: cred || (credentials[0] && credentials[0].name) || '' }), () => {
    setName('');
    setUrl('');
    onDone();
  });
  return (
    <div>
      <form class="inline-form" onSubmit={form.submit} aria-label="Create an external location">
        <Field label="Name" id="loc-name">
          <input id="loc-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field label="URL" id="loc-url">
          <input id="loc-url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} placeholder="s3://bucket/path or file:///path" />
        </Field>
        <Field label="Storage credential" id="loc-cred">
          <select id="loc-cred" value={cred} onChange={(e) => setCred(e.currentTarget.value)}>
            {credentials.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="primary" disabled={form.busy}>
          Create location
        </button>
      </form>
      <ErrorBox error={form.error} />
    </div>
  );
}

function ObjectView({ kind, name }) {
  const k = KIND[kind];
  const obj = useApi(() => api.get(`${k.api}/${seg(name)}`), [kind, name]);
  const o = obj.data;
  return (
    <section>
      <Breadcrumbs items={[['External data', '/external'], [name, null]]} />
      <h1>
        {name} <span class="kind">{k.label.toLowerCase()}</span>
      </h1>
      {obj.loading ? <Loading what={k.label.toLowerCase()} /> : null}
      <ErrorBox error={obj.error} />
      {o ? (
        <div>
          {o.comment ? <p class="comment">{o.comment}</p> : null}
          <Props
            items={[
              ['URL', o.url],
              ['Credential', o.credential_name ? <Link href={path('external', 'credential', o.credential_name)}>{o.credential_name}</Link> : undefined],
              ['Identity', kind === 'credential' ? identity(o) : undefined],
              ['External id', o.aws_iam_role ? o.aws_iam_role.external_id : undefined],
              ['Owner', o.owner],
              ['Read only', o.read_only ? 'yes' : 'no'],
              ['Isolation', o.isolation_mode],
              ['Created', `${fmtTime(o.created_at)} by ${o.created_by}`],
              ['Updated', `${fmtTime(o.updated_at)} by ${o.updated_by}`],
              ['Id', o.id],
            ]}
          />
          <ActionButton action={() => api.del(`${k.api}/${seg(name)}`)} onDone={() => navigate('/external')} class="danger" confirm={`Delete ${k.label.toLowerCase()} ${name}?`}>
            Delete
          </ActionButton>
          <PermissionsPanel type={k.perm} name={name} />
        </div>
      ) : null}
    </section>
  );
}
