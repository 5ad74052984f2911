// The views of a section whose pages are still being built: says so, and where the data is
// meanwhile (the REST API).
import { useTitle } from '../components.jsx';

export function Pending({ path }) {
  useTitle('Coming');
  return (
    <section>
      <h1>Not built yet</h1>
      <p>
        This part of the UI (<code>{path}</code>) is not built yet; its REST API is available (openapi.yaml).
      </p>
    </section>
  );
}
