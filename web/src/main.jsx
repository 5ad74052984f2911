// The app: loads the session, then shows the view the URL names (routes.js) inside the shell.
// Without a session every view but the public ones sends the user to /signin?next=<here>,
// and sign-in comes back there.
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import './style.css';
import { onUnauthorized } from './api.js';
import { match, navigate, useLocation } from './router.js';
import { routes } from './routes.js';
import { loadSession, lost, useSession } from './session.js';
import { Shell } from './shell.jsx';
import { Loading, ErrorBox } from './components.jsx';
import { NotFound } from './pages/notfound.jsx';

// Where to come back to after signing in: this path; on the sign-in page already (several
// requests of one view answering 401), the same sign-in page with its `next` kept.
export function signinHref() {
  const here = window.location.pathname + window.location.search;
  return window.location.pathname === '/signin' ? here : `/signin?next=${encodeURIComponent(here)}`;
}

onUnauthorized(() => {
  lost();
  navigate(signinHref(), { replace: true });
});

function resolve(path) {
  for (const r of routes) {
    const params = match(r.path, path);
    if (params) return { route: r, params };
  }
  return { route: { page: NotFound }, params: {} };
}

function App() {
  const loc = useLocation();
  const session = useSession();
  const { route, params } = resolve(loc.path);
  const needsSession = !route.public;
  useEffect(() => {
    if (needsSession && session.status === 'signed-out') navigate(signinHref(), { replace: true });
  }, [needsSession, session.status, loc.path]);
  if (session.status === 'loading') return <Loading what="Weir" />;
  if (session.status === 'error' && needsSession)
    return (
      <main id="main" class="main">
        <ErrorBox error={session.error} title="Weir could not be reached" />
      </main>
    );
  if (needsSession && session.status !== 'signed-in') return <Loading what="sign-in" />;
  const Page = route.admin && !session.isAdmin ? NotFound : route.page;
  const view = <Page {...params} query={loc.query} path={loc.path} />;
  if (route.public) return view;
  return (
    <Shell section={route.section} session={session}>
      {view}
    </Shell>
  );
}

const root = document.getElementById('app');
root.textContent = '';
render(<App />, root);
loadSession();
