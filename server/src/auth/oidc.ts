// Single sign-on by OpenID Connect (a ProConnect-style agent login), with openid-client: authorisation code flow
// with PKCE, state and nonce. An identity is matched to its account by issuer and subject; a first login creates the
// account with the role the oidc_role table gives its e-mail, SIRET or e-mail domain (none: no access).
import * as client from 'openid-client';
import type { OidcConfig } from '../config.js';
import type { Db } from '../db/port.js';
import { getUser, createUser, type User } from './users.js';
import { roleFor } from './oidc-roles.js';
import type { Actor } from './audit.js';

/** What the browser keeps (in a short-lived HttpOnly cookie) between the redirection and the callback. */
export interface Pending {
  verifier: string;
  state: string;
  nonce: string;
}

export class SsoRefused extends Error {
  override name = 'SsoRefused';
}

const isLocal = (u: URL) => u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);

export function oidcClient(cfg: OidcConfig) {
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () =>
    (discovered ??= client
      .discovery(new URL(cfg.issuer), cfg.clientId, cfg.clientSecret, undefined, {
        // plain HTTP only for a provider on this machine (a test, a developer's)
        ...(isLocal(new URL(cfg.issuer)) ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .catch((e: unknown) => {
        discovered = undefined; // try again on the next login
        throw e;
      }));

  return {
    /** The provider's authorisation URL, and what the callback will need. */
    async start(): Promise<{ url: string; pending: Pending }> {
      const config = await configuration();
      const pending = { verifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce() };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: cfg.redirectUri,
        scope: cfg.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.href, pending };
    },

    /** The account of the identity the provider vouches for (created on its first login). */
    async finish(db: Db, query: string, pending: Pending): Promise<User> {
      const config = await configuration();
      const current = new URL(cfg.redirectUri);
      current.search = query;
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims()!;
      const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      const claims = { ...idClaims, ...info } as Record<string, unknown>;
      const subject = `${String(idClaims.iss)} ${idClaims.sub}`;
      return accountOf(db, subject, claims);
    },
  };
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

async function accountOf(db: Db, subject: string, claims: Record<string, unknown>): Promise<User> {
  const known = (await db.query<{ id: number }>('SELECT id FROM utilisateur WHERE oidc_sujet = $1', [subject])).rows[0];
  if (known) {
    const user = (await getUser(db, known.id))!;
    if (!user.actif) throw new SsoRefused('Compte désactivé : contactez un administrateur');
    return user;
  }
  const email = str(claims.email)?.toLowerCase();
  const mapping = await roleFor(db, { email, siret: str(claims.siret) });
  if (!mapping) throw new SsoRefused('Aucun rôle n’est attribué à cette identité : demandez à un administrateur de l’ajouter');
  const nom = [str(claims.given_name), str(claims.usual_name) ?? str(claims.family_name)].filter(Boolean).join(' ') || str(claims.name) || email || subject;
  const actor: Actor = { utilisateur: null, auteur: 'oidc', role: null, region: null, sessionId: null, jetonId: null };
  return createUser(db, actor, { identifiant: email ?? subject.slice(-100), nom, ...mapping, oidcSujet: subject });
}

export type OidcClient = ReturnType<typeof oidcClient>;
