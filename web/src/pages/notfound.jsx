// What a path that names no view shows; also what an admin-only view shows to others.
import { Link } from '../router.js';
import { useTitle } from '../components.jsx';

export function NotFound({ path }) {
  useTitle('Not found');
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is nothing at <code>{path}</code>. <Link href="/">Go to the start page</Link>.
      </p>
    </section>
  );
}
