// Sign-in with a personal access token. The token goes to the server once, in the
// Authorization header of POST /api/2.0/weir/ui/session; the page never stores it. Then back
// to `next` (a path of this app only). Where the server has an identity provider configured,
// "Sign in with SSO" leaves for it (a full navigation: the server runs the OAuth flow) and
// comes back signed in, or here with ?error=<the server's message>, shown as text.
import { useEffect, useRef, useState } from 'preact/hooks';
import { navigate } from '../router.js';
import { signIn, ssoHref, useSession } from '../session.js';
import { ErrorBox, Field, useTitle } from '../components.jsx';

// Only a path of this site: '/x', never '//host' or 'https://...'.
export function safeNext(next) {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith('/signin')) return '/';
  return next;
}

export function SignIn({ query }) {
  useTitle('Sign in');
  const session = useSession();
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const input = useRef(null);
  const next = safeNext(query.get('next'));
  const ssoError = query.get('error');
  useEffect(() => {
    if (input.current) input.current.focus();
  }, []);
  const submit = async (e) => {
    e.preventDefault();
    if (!token.trim()) {
      setError(new Error('Enter a personal access token.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(token.trim());
      setToken('');
      navigate(next, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>Sign in to Weir</h1>
      {session.status === 'signed-in' ? (
        <p>
          You are signed in as {session.user.user_name}.{' '}
          <button type="button" class="link" onClick={() => navigate(next, { replace: true })}>
            Continue
          </button>
        </p>
      ) : null}
      {session.sso ? (
        <div class="sso">
          <a class="button primary" href={ssoHref(next)}>
            Sign in with SSO
          </a>
          <div id="sso-error">
            <ErrorBox error={ssoError ? new Error(ssoError) : null} title="Single sign-on failed" />
          </div>
          <p class="hint">Or with a personal access token:</p>
        </div>
      ) : null}
      <form onSubmit={submit} aria-describedby="signin-help">
        <Field label="Personal access token" id="token" hint="A token from the token API (POST /api/2.0/token/create), or the admin token in the data directory.">
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="off"
            ref={input}
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            aria-invalid={error ? 'true' : 'false'}
            aria-describedby={error ? 'signin-error' : undefined}
          />
        </Field>
        <div id="signin-error">
          <ErrorBox error={error} />
        </div>
        <button type="submit" disabled={busy} class="primary">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p id="signin-help" class="hint">
        The token is sent once to start a session; the browser keeps only a session cookie, which ends when you sign out.
      </p>
    </main>
  );
}
