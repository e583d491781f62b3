// The header's account corner: « Se connecter » (a small form, and the single sign-on link when the server has
// one), or the signed-in user's name and role with « Se déconnecter ».
import { useState, type FormEvent } from 'react';
import { ApiError } from './api.js';
import { useSession } from './session.js';

const ROLE_COURT = { admin: 'Administrateur', ars: 'ARS', urps: 'URPS' } as const;

export function Account() {
  const { user, sso, login, logout } = useSession();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  if (user === undefined) return null;
  if (user) {
    return (
      <div className="account" data-testid="account">
        <span className="account-who" title={user.roleLibelle}>
          <strong data-testid="account-name">{user.nom}</strong>{' '}
          <span data-testid="account-role">
            {ROLE_COURT[user.role]}
            {user.region ? ` · région ${user.region}` : ''}
          </span>
        </span>
        <button type="button" className="account-button" onClick={() => void logout().catch(() => undefined)}>
          Se déconnecter
        </button>
      </div>
    );
  }

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      await login(String(f.get('identifiant') ?? ''), String(f.get('motDePasse') ?? ''));
      setOpen(false);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Connexion impossible pour le moment.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="account">
      <button type="button" className="account-button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        Se connecter
      </button>
      {open && (
        <form className="login-form" onSubmit={(e) => void submit(e)} aria-label="Connexion">
          <p className="login-note">La consultation ne demande pas de compte. Un compte ARS, URPS ou administrateur permet de modifier.</p>
          <label>
            Identifiant
            <input name="identifiant" autoComplete="username" required autoFocus />
          </label>
          <label>
            Mot de passe
            <input name="motDePasse" type="password" autoComplete="current-password" required />
          </label>
          {error && (
            <p className="state error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" disabled={busy}>
            {busy ? 'Connexion…' : 'Se connecter'}
          </button>
          {sso && (
            <a className="login-sso" href="/api/session/oidc">
              Se connecter avec la connexion unique (ProConnect)
            </a>
          )}
        </form>
      )}
    </div>
  );
}
