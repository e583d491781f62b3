// Accounts, sessions, personal API tokens and the audit trail (issue 9). Reading the public map needs none of them.
import { z } from 'zod';
import { PASSWORD_MAX, PASSWORD_MIN, REGION_RE, ROLES } from '../../domain/roles.js';
import { ERRORS, csv, endpoint, error, json, type Body } from './endpoint.js';
import { intParam, queryObject, str } from './params.js';
import { count } from './shared.js';

const ANY_ROLE = { roles: ROLES } as const;
const ADMIN = { roles: ['admin'] } as const;

export const role = z.enum(ROLES).meta({ description: 'urps, ars ou admin' });
const region = z.string().regex(REGION_RE, { error: 'region doit être un code COG de région (ex. 93)' });
const datetime = z.iso.datetime();

const password = (name: string) =>
  z
    .string({ error: `${name} est obligatoire` })
    .min(PASSWORD_MIN, { error: `${name} doit faire au moins ${PASSWORD_MIN} caractères` })
    .max(PASSWORD_MAX, { error: `${name} doit faire au plus ${PASSWORD_MAX} caractères` });

const text = (name: string, max: number) =>
  z
    .string({ error: `${name} est obligatoire` })
    .trim()
    .min(1, { error: `${name} ne doit pas être vide` })
    .max(max, { error: `${name} doit faire au plus ${max} caractères` })
    .regex(/^[^\p{Cc}]*$/u, { error: `${name} ne doit pas contenir de caractère de contrôle` });

const login = z
  .string({ error: 'identifiant est obligatoire' })
  .trim()
  .min(2, { error: 'identifiant doit faire au moins 2 caractères' })
  .max(100, { error: 'identifiant doit faire au plus 100 caractères' })
  .regex(/^[\p{L}\p{N}._@+-]+$/u, { error: 'identifiant : lettres, chiffres et . _ @ + - seulement' });

export const Moi = z
  .strictObject({
    id: count,
    identifiant: z.string(),
    nom: z.string(),
    role,
    roleLibelle: z.string(),
    region: z.string().nullable().meta({ description: 'Région où l’utilisateur peut écrire (null : administrateur, partout)' }),
    authentification: z.enum(['session', 'jeton']),
  })
  .meta({ id: 'Moi', description: 'L’utilisateur connecté' });
export type Moi = z.infer<typeof Moi>;

const SessionState = z.strictObject({
  utilisateur: Moi.nullable().meta({ description: 'null : lecteur public, sans compte' }),
  jetonCsrf: z.string().nullable().meta({ description: 'À renvoyer dans l’en-tête X-CSRF-Token de chaque écriture faite avec le cookie de session' }),
  oidc: z.boolean().meta({ description: 'Connexion unique (OpenID Connect) disponible : GET /api/session/oidc' }),
});

export const sessionGet = endpoint({
  method: 'get',
  path: '/api/session',
  tag: 'Comptes',
  access: 'public',
  summary: 'Qui est connecté (null pour un lecteur public) et le jeton CSRF de la session',
  responses: { 200: json('L’état de la connexion', SessionState) },
});

export const sessionLogin = endpoint({
  method: 'post',
  path: '/api/session',
  tag: 'Comptes',
  access: 'public',
  summary: 'Connexion par identifiant et mot de passe : ouvre une session (cookie HttpOnly)',
  description: 'Nombre d’essais limité par adresse. Chaque connexion, réussie ou non, est inscrite au journal d’audit.',
  body: z.strictObject({ identifiant: login, motDePasse: z.string({ error: 'motDePasse est obligatoire' }).min(1).max(PASSWORD_MAX) }),
  responses: {
    200: json('Connecté ; le cookie de session est posé', SessionState),
    400: ERRORS[400],
    401: error('Identifiant ou mot de passe incorrect'),
    429: error('Trop d’essais de connexion : réessayer plus tard'),
  },
});

export const sessionLogout = endpoint({
  method: 'delete',
  path: '/api/session',
  tag: 'Comptes',
  access: ANY_ROLE,
  summary: 'Déconnexion : ferme la session et efface le cookie',
  responses: { 204: { description: 'Session fermée' }, 400: error('Appel avec un jeton d’API : il n’a pas de session à fermer (le révoquer)') },
});

export const oidcStart = endpoint({
  method: 'get',
  path: '/api/session/oidc',
  tag: 'Comptes',
  access: 'public',
  summary: 'Connexion unique (OpenID Connect, type ProConnect) : redirige vers le fournisseur d’identité',
  responses: { 302: { description: 'Redirection vers le fournisseur' }, 404: ERRORS[404] },
});

export const oidcCallback = endpoint({
  method: 'get',
  path: '/api/session/oidc/retour',
  tag: 'Comptes',
  access: 'public',
  summary: 'Retour du fournisseur d’identité : ouvre la session et redirige vers la carte',
  query: z.looseObject({}).meta({ description: 'Paramètres du fournisseur (code, state, iss…)' }),
  responses: {
    302: { description: 'Connecté : redirection vers la carte' },
    401: error('Connexion refusée par le fournisseur, ou aucun rôle attribué à cette identité'),
    404: ERRORS[404],
  },
});

export const passwordChange = endpoint({
  method: 'put',
  path: '/api/moi/mot-de-passe',
  tag: 'Comptes',
  access: ANY_ROLE,
  summary: 'Changer son mot de passe (les autres sessions sont fermées)',
  body: z.strictObject({ actuel: z.string({ error: 'actuel est obligatoire' }).max(PASSWORD_MAX), nouveau: password('nouveau') }),
  responses: { 204: { description: 'Mot de passe changé' }, 400: ERRORS[400] },
});

export const Jeton = z
  .strictObject({
    id: count,
    nom: z.string(),
    prefixe: z.string().meta({ description: 'Premiers caractères du jeton, pour le reconnaître' }),
    creeLe: datetime,
    expireLe: datetime.nullable(),
    revoqueLe: datetime.nullable(),
  })
  .meta({ id: 'JetonApi' });

export const tokensList = endpoint({
  method: 'get',
  path: '/api/jetons',
  tag: 'Comptes',
  access: ANY_ROLE,
  summary: 'Ses jetons d’API personnels (sans leur secret)',
  responses: { 200: json('Les jetons', z.strictObject({ jetons: z.array(Jeton) })) },
});

export const tokenCreate = endpoint({
  method: 'post',
  path: '/api/jetons',
  tag: 'Comptes',
  access: ANY_ROLE,
  summary: 'Créer un jeton d’API personnel, à envoyer dans l’en-tête Authorization: Bearer',
  description: 'Le secret n’est montré qu’une fois ; seule son empreinte est conservée. Un jeton a les droits de son utilisateur.',
  body: z.strictObject({
    nom: text('nom', 100),
    expireLe: datetime.refine((v) => Date.parse(v) > Date.now(), { error: 'expireLe doit être dans le futur' }).optional(),
  }),
  responses: {
    201: json('Le jeton et son secret', z.strictObject({ jeton: Jeton, secret: z.string() })),
    400: ERRORS[400],
  },
});

export const tokenRevoke = endpoint({
  method: 'delete',
  path: '/api/jetons/{id}',
  tag: 'Comptes',
  access: ANY_ROLE,
  summary: 'Révoquer un de ses jetons d’API',
  params: z.strictObject({ id: intParam('id', 1, 2_000_000_000) }),
  responses: { 204: { description: 'Jeton révoqué' }, 400: ERRORS[400], 404: ERRORS[404] },
});

export const Utilisateur = z
  .strictObject({
    id: count,
    identifiant: z.string(),
    nom: z.string(),
    role,
    region: z.string().nullable(),
    actif: z.boolean(),
    sso: z.boolean().meta({ description: 'Compte créé par la connexion unique' }),
    creeLe: datetime,
  })
  .meta({ id: 'Utilisateur' });

export const usersList = endpoint({
  method: 'get',
  path: '/api/utilisateurs',
  tag: 'Comptes',
  access: ADMIN,
  summary: 'Les comptes (administrateurs seulement)',
  responses: { 200: json('Les comptes', z.strictObject({ utilisateurs: z.array(Utilisateur) })) },
});

export const userCreate = endpoint({
  method: 'post',
  path: '/api/utilisateurs',
  tag: 'Comptes',
  access: ADMIN,
  summary: 'Créer un compte (administrateurs seulement)',
  body: z.strictObject({
    identifiant: login,
    nom: text('nom', 200),
    role,
    region: region.optional().meta({ description: 'Obligatoire pour ars et urps, absente pour admin' }),
    motDePasse: password('motDePasse').optional().meta({ description: 'Sans mot de passe : connexion unique seulement' }),
  }),
  responses: { 201: json('Le compte créé', Utilisateur), 400: ERRORS[400], 409: ERRORS[409] },
});

export const userUpdate = endpoint({
  method: 'patch',
  path: '/api/utilisateurs/{id}',
  tag: 'Comptes',
  access: ADMIN,
  summary: 'Modifier un compte : nom, rôle, région, désactivation, nouveau mot de passe (administrateurs seulement)',
  params: z.strictObject({ id: intParam('id', 1, 2_000_000_000) }),
  body: z.strictObject({
    nom: text('nom', 200).optional(),
    role: role.optional(),
    region: region.nullable().optional(),
    actif: z.boolean().optional(),
    motDePasse: password('motDePasse').optional(),
  }),
  responses: {
    200: json('Le compte modifié', Utilisateur),
    400: ERRORS[400],
    404: ERRORS[404],
    409: { ...ERRORS[409], description: 'Le compte est le dernier administrateur actif : ni désactivation ni changement de rôle' },
  },
});

const auditQuery = queryObject({
  depuis: str('depuis').pipe(z.iso.date({ error: 'depuis doit être une date AAAA-MM-JJ' })).optional(),
  jusqua: str('jusqua').pipe(z.iso.date({ error: 'jusqua doit être une date AAAA-MM-JJ' })).optional(),
  utilisateur: intParam('utilisateur', 1, 2_000_000_000).optional(),
  action: str('action').max(100).regex(/^[a-z.-]+$/, { error: 'action : lettres minuscules, points et tirets' }).optional(),
  cible: str('cible').max(100).regex(/^[a-z_-]+$/, { error: 'cible : lettres minuscules, tirets' }).optional(),
  region: str('region').regex(REGION_RE, { error: 'region doit être un code COG de région (ex. 93)' }).optional(),
  limite: intParam('limite', 1, 10_000).optional(),
});

export const AuditEntree = z
  .strictObject({
    id: count,
    le: datetime,
    utilisateur: count.nullable(),
    auteur: z.string(),
    sessionId: count.nullable(),
    jetonId: count.nullable(),
    action: z.string(),
    cibleType: z.string(),
    cibleId: z.string().nullable(),
    region: z.string().nullable(),
    avant: z.unknown(),
    apres: z.unknown(),
  })
  .meta({ id: 'EntreeAudit' });

const AUDIT_ACCESS = { roles: ['ars', 'admin'], region: 'own' } as const;
const AUDIT_DESCRIPTION =
  'Chaque écriture (auteur, date, action, avant/après, session ou jeton), la plus récente d’abord. ' +
  'Un utilisateur ARS ne voit que les entrées de sa région ; `action` retient aussi ses sous-actions (utilisateur → utilisateur.creation…).';

export const audit = endpoint({
  method: 'get',
  path: '/api/audit',
  tag: 'Audit',
  access: AUDIT_ACCESS,
  summary: 'Journal d’audit, avec filtres (administrateurs ; ARS : leur région)',
  description: AUDIT_DESCRIPTION,
  query: auditQuery,
  responses: { 200: json('Les entrées', z.strictObject({ nombre: count, entrees: z.array(AuditEntree) })), 400: ERRORS[400] },
});

export const auditCsv = endpoint({
  method: 'get',
  path: '/api/audit.csv',
  tag: 'Audit',
  access: AUDIT_ACCESS,
  summary: 'Journal d’audit en CSV, mêmes filtres',
  description: AUDIT_DESCRIPTION,
  query: auditQuery,
  responses: { 200: csv('Une ligne par entrée'), 400: ERRORS[400] },
});

export type SessionState = Body<typeof sessionGet>;
export type JetonApi = z.infer<typeof Jeton>;
export type UtilisateurCompte = z.infer<typeof Utilisateur>;

