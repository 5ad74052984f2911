// The frame around every signed-in view: a skip link, the navigation (Admin for admins only),
// who is signed in and the sign-out button, and the view in <main>.
import { Link, navigate } from './router.js';
import { nav } from './routes.js';
import { signOut } from './session.js';
import { ActionButton } from './components.jsx';

export function Shell({ section, session, children }) {
  const items = nav.filter((n) => !n.admin || session.isAdmin);
  const user = session.user || {};
  return (
    <div class="app">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          Weir
        </Link>
        <nav aria-label="Sections" class="sections">
          <ul>
            {items.map((n) => (
              <li key={n.section}>
                <Link href={n.href} aria-current={n.section === section ? 'page' : undefined} class={n.section === section ? 'active' : ''}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class="user" title={user.workspace ? `workspace ${user.workspace}` : undefined}>
            {user.display_name || user.user_name}
          </span>
          <ActionButton action={signOut} onDone={() => navigate('/signin', { replace: true })} class="link">
            Sign out
          </ActionButton>
        </div>
      </header>
      <main id="main" class="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
