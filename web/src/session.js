// The signed-in user, shared by the shell and the pages: loaded from the session route on
// start (a reload keeps the session: the cookie is HttpOnly, the CSRF token comes back from
// GET /api/2.0/weir/ui/session), set by sign-in, cleared by sign-out and by any 401.
import { useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken } from './api.js';

const SESSION = '/api/2.0/weir/ui/session';
let state = { status: 'loading', user: null, isAdmin: false, sso: false };
// Whether the server offers sign-in through an identity provider (GET SESSION says "sso").
let sso = false;
const listeners = new Set();

function set(next) {
  state = { ...next, sso };
  listeners.forEach((f) => f(state));
}

export function useSession() {
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    setS(state);
    return () => listeners.delete(setS);
  }, []);
  return s;
}

// Admins see the Admin section: members of the `admins` group, as SCIM /Me says (the server
// refuses admin APIs to anyone else whatever the UI shows).
async function adminOf(user) {
  try {
    const me = await api.get('/api/2.0/preview/scim/v2/Me', undefined, { noAuthRedirect: true });
    return (me.groups || []).some((g) => g.display === 'admins') || !!user.is_admin;
  } catch {
    return !!user.is_admin;
  }
}

export async function loadSession() {
  try {
    const user = await api.get(SESSION, undefined, { noAuthRedirect: true });
    sso = !!user.sso;
    if (!user.signed_in) {
      lost();
      return;
    }
    setCsrfToken(user.csrf_token);
    set({ status: 'signed-in', user, isAdmin: await adminOf(user) });
  } catch (e) {
    setCsrfToken(null);
    set({ status: e.status === 401 ? 'signed-out' : 'error', user: null, isAdmin: false, error: e });
  }
}

// Where "Sign in with SSO" goes: the server redirects to the identity provider and, once signed
// in there, back to `next` with the session cookie (or to /signin?error=... when refused).
export function ssoHref(next) {
  return `/api/2.0/weir/ui/oauth/login?next=${encodeURIComponent(next)}`;
}

// Signs in with a personal access token: the server answers the session cookie and the CSRF token.
export async function signIn(token) {
  const user = await api.post(SESSION, {}, { headers: { Authorization: `Bearer ${token}` }, noAuthRedirect: true });
  setCsrfToken(user.csrf_token);
  set({ status: 'signed-in', user, isAdmin: await adminOf(user) });
  return user;
}

export async function signOut() {
  try {
    await api.del(SESSION, undefined, { noAuthRedirect: true });
  } finally {
    lost();
  }
}

// The session is gone (401 anywhere): forget it.
export function lost() {
  setCsrfToken(null);
  set({ status: 'signed-out', user: null, isAdmin: false });
}
