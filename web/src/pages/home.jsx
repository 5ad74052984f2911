// The landing view: where to go from here.
import { Link } from '../router.js';
import { nav } from '../routes.js';
import { useSession } from '../session.js';
import { useTitle } from '../components.jsx';

const blurbs = {
  catalog: 'Catalogs, schemas, tables, volumes, functions and models; grants and lineage.',
  lineage: 'Upstream and downstream of any table or column.',
  jobs: 'Jobs, their runs, schedules and repairs.',
  sql: 'Run SQL on a warehouse.',
  models: 'Registered models, versions and aliases.',
  experiments: 'Experiments, runs, metrics and artifacts.',
  admin: 'Users, groups, service principals, tokens, workspaces and the audit log.',
};

export function Home() {
  useTitle('Home');
  const s = useSession();
  return (
    <section>
      <h1>Welcome{s.user ? `, ${s.user.display_name || s.user.user_name}` : ''}</h1>
      <ul class="cards">
        {nav
          .filter((n) => !n.admin || s.isAdmin)
          .map((n) => (
            <li key={n.section} class="card">
              <Link href={n.href}>{n.label}</Link>
              <p>{blurbs[n.section]}</p>
            </li>
          ))}
      </ul>
    </section>
  );
}
