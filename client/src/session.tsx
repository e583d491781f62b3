// Who is signed in: loaded once from GET /api/session, changed by the login form and « Se déconnecter ». Public
// readers have no account and see no edit control: a panel that edits asks `useSession().user` (and `canWrite`).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Moi, SessionState } from '../../server/src/api/contract/auth.js';
import { getJson, sendJson, setCsrfToken } from './api.js';

interface SessionCtx {
  /** undefined while loading; null for a public reader. */
  user: Moi | null | undefined;
  /** Single sign-on available (GET /api/session/oidc). */
  sso: boolean;
  login: (identifiant: string, motDePasse: string) => Promise<void>;
  logout: () => Promise<void>;
  /** May the user write what concerns this région (admins anywhere; ARS and URPS users in theirs)? */
  canWrite: (region: string | null) => boolean;
}

const Ctx = createContext<SessionCtx>({
  user: null,
  sso: false,
  login: () => Promise.reject(new Error('no session provider')),
  logout: () => Promise.resolve(),
  canWrite: () => false,
});

export const useSession = () => useContext(Ctx);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>();
  const apply = useCallback((s: SessionState) => {
    setCsrfToken(s.jetonCsrf);
    setState(s);
  }, []);
  useEffect(() => {
    getJson<SessionState>('/api/session').then(apply, () => apply({ utilisateur: null, jetonCsrf: null, oidc: false }));
  }, [apply]);

  const value = useMemo<SessionCtx>(() => {
    const user = state ? state.utilisateur : undefined;
    return {
      user,
      sso: state?.oidc ?? false,
      login: async (identifiant, motDePasse) => apply(await sendJson<SessionState>('POST', '/api/session', { identifiant, motDePasse })),
      logout: async () => {
        await sendJson<void>('DELETE', '/api/session');
        apply({ utilisateur: null, jetonCsrf: null, oidc: state?.oidc ?? false });
      },
      canWrite: (region) => !!user && (user.role === 'admin' || (region !== null && region === user.region)),
    };
  }, [state, apply]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
