// The page registry: every view of the UI is one entry here (web/README.md, "Adding a page").
// `path` is a router pattern (router.js), `page` the component (it gets the params as props
// plus `query`), `section` the navigation entry it belongs to, `admin` true for admin-only
// views (hidden from others; the server refuses their APIs anyway), `public` for views shown
// without a session (sign-in). The first match wins.
import { Home } from './pages/home.jsx';
import { SignIn } from './pages/signin.jsx';
import { NotFound } from './pages/notfound.jsx';
import { Pending } from './pages/pending.jsx';
import { Explore } from './pages/explore.jsx';
import { Admin } from './pages/admin.jsx';
import { Jobs } from './pages/jobs.jsx';
import { Sql } from './pages/sql.jsx';
import { Models } from './pages/models.jsx';
import { Compare, Experiments } from './pages/experiments.jsx';
import { Lineage } from './pages/lineage.jsx';
import { External } from './pages/external.jsx';

export const routes = [
  { path: '/', page: Home },
  { path: '/signin', page: SignIn, public: true },
  { path: '/explore/:catalog?/:schema?/:name?', page: Explore, section: 'catalog' },
  { path: '/external/:kind?/:name?', page: External, section: 'catalog' },
  { path: '/lineage/*rest', page: Lineage, section: 'lineage' },
  { path: '/jobs/*rest', page: Jobs, section: 'jobs' },
  { path: '/sql', page: Sql, section: 'sql' },
  { path: '/models/*rest', page: Models, section: 'models' },
  { path: '/experiments/*rest', page: Experiments, section: 'experiments' },
  { path: '/compare', page: Compare, section: 'experiments' },
  { path: '/admin/:page?/:id?', page: Admin, section: 'admin', admin: true },
  { path: '/*rest', page: NotFound },
];

// The navigation, in order. `admin`: shown to admins only.
export const nav = [
  { section: 'catalog', label: 'Catalog', href: '/explore' },
  { section: 'lineage', label: 'Lineage', href: '/lineage' },
  { section: 'jobs', label: 'Jobs', href: '/jobs' },
  { section: 'sql', label: 'SQL', href: '/sql' },
  { section: 'models', label: 'Models', href: '/models' },
  { section: 'experiments', label: 'Experiments', href: '/experiments' },
  { section: 'admin', label: 'Admin', href: '/admin', admin: true },
];
