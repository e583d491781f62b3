// Conciliation of overlapping CPTS (issue 9, item 3): the decision on each pair, its history, and the arbitration
// that gives each disputed commune to one side. Reading is public; the note and the author of a decision are shown to
// ARS users and admins only (server/src/domain/conciliation.ts). Writing: ARS users of the région of the disputed
// communes, and admins.
import { z } from 'zod';
import { DECISIONS, DECISIONS_POSEES } from '../../domain/vocabulary.js';
import { ERRORS, endpoint, json, type Body } from './endpoint.js';
import { asOfParam, cptsIdParam, INSEE_RE, queryObject } from './params.js';
import { count, date } from './shared.js';

export const decisionCode = z.enum(DECISIONS).meta({ description: `Décision sur la paire : ${DECISIONS.join(', ')}` });

export const OverlapDecision = z
  .strictObject({
    decision: decisionCode,
    libelle: z.string().meta({ description: 'La décision en français (« En conciliation »…)' }),
    date: date.nullable().meta({ description: 'Jour où la décision a été prise ; null pour une paire jamais examinée' }),
    enregistreLe: z.iso.datetime().nullable().meta({ description: 'Date et heure de l’enregistrement' }),
    note: z.string().nullable().optional().meta({ description: 'Note de la décision (comptes ARS et administrateurs seulement)' }),
    auteur: z.string().nullable().optional().meta({ description: 'Compte qui a enregistré la décision (comptes ARS et administrateurs seulement)' }),
    attributions: z
      .record(z.string(), z.string())
      .nullable()
      .meta({ description: 'Arbitrage : la CPTS à laquelle chaque commune disputée a été attribuée (code INSEE → identifiant)' }),
  })
  .meta({ id: 'DecisionChevauchement' });
export type OverlapDecision = z.infer<typeof OverlapDecision>;

const pairParams = z.strictObject({ a: cptsIdParam('a'), b: cptsIdParam('b') });

const note = z
  .string({ error: 'note doit être un texte' })
  .trim()
  .max(4000, { error: 'note doit faire au plus 4000 caractères' })
  .refine((s) => /^[^\p{Cc}]*$/u.test(s.replace(/[\n\r\t]/g, ' ')), { error: 'note ne doit pas contenir de caractère de contrôle (hors sauts de ligne)' });
const decisionDate = date.meta({ description: 'Jour où la décision a été prise (AAAA-MM-JJ, pas dans le futur) ; aujourd’hui par défaut' });

/** What both writes share: who may call them (ARS of the région of the disputed communes, admins) and the pair. */
const pairWrite = { tag: 'Conciliation', access: { roles: ['ars', 'admin'], region: 'own' }, params: pairParams } as const;

const Pair = z.strictObject({ a: z.string(), b: z.string() }).meta({ description: 'La paire, identifiants dans l’ordre des octets (a < b)' });

export const overlapDecisions = endpoint({
  method: 'get',
  path: '/api/overlaps/{a}/{b}/decisions',
  tag: 'Conciliation',
  access: 'public',
  summary: 'Décision en cours sur une paire de CPTS et historique de ses décisions (la plus récente d’abord), dans un ordre quelconque des deux CPTS',
  description:
    'La décision en cours est celle du jour de décision le plus récent (à jour égal, la dernière enregistrée). Avec `date`, la décision en vigueur ce jour-là et les seules décisions prises jusqu’à ce jour.',
  params: pairParams,
  query: queryObject({ date: asOfParam.optional() }),
  responses: {
    200: json(
      'La décision en cours et l’historique',
      z.strictObject({
        paire: Pair,
        regions: z.array(z.string()).meta({ description: 'Régions des communes disputées : l’ARS de cette région décide (un administrateur si elles sont deux)' }),
        actuelle: OverlapDecision,
        historique: z.array(OverlapDecision),
      }),
    ),
    400: ERRORS[400],
    404: ERRORS[404],
  },
});

export const overlapDecide = endpoint({
  method: 'post',
  path: '/api/overlaps/{a}/{b}/decisions',
  ...pairWrite,
  summary:
    'Enregistre une décision sur une paire de CPTS en chevauchement (à examiner, en conciliation, chevauchement accepté), avec une note et sa date ; l’arbitrage a sa propre route',
  description:
    'Région : celle des communes disputées ; une paire qui se dispute des communes de deux régions est décidée par un administrateur. L’historique est conservé : une décision n’est jamais modifiée ; la décision en cours est celle du jour de décision le plus récent (à jour égal, la dernière enregistrée).',
  body: z.strictObject({
    decision: z.enum(DECISIONS_POSEES, { error: `decision doit valoir ${DECISIONS_POSEES.join(', ')} (l’arbitrage passe par /arbitrage)` }),
    note: note.optional(),
    date: decisionDate.optional(),
  }),
  responses: {
    201: json('La décision enregistrée', z.strictObject({ paire: Pair, decision: OverlapDecision })),
    400: ERRORS[400],
    404: ERRORS[404],
    409: { ...ERRORS[409], description: 'Les deux CPTS ne partagent (plus) aucune commune' },
  },
});

export const overlapArbitrate = endpoint({
  method: 'post',
  path: '/api/overlaps/{a}/{b}/arbitrage',
  ...pairWrite,
  summary:
    'Arbitre un chevauchement : attribue chaque commune disputée à l’une des deux CPTS, écrit les nouveaux périmètres des deux CPTS et la décision « arbitré », en une seule transaction',
  description:
    'Chaque commune que les deux CPTS partagent doit être attribuée, et à l’une des deux seulement ; l’autre la perd. Une CPTS ne peut pas perdre toutes ses communes. Chaque CPTS reçoit une nouvelle version de son périmètre, datée du jour de l’arbitrage. Tout est écrit ou rien.',
  body: z.strictObject({
    attributions: z
      .record(
        z.string().regex(INSEE_RE, { error: 'attributions : chaque clé doit être un code INSEE à 5 caractères' }),
        cptsIdParam('attributions'),
      )
      .meta({ description: 'Code INSEE de chaque commune disputée → identifiant de la CPTS qui la garde' }),
    note: note.optional(),
    date: decisionDate.meta({ description: 'Jour de l’arbitrage, date d’effet des deux nouveaux périmètres (AAAA-MM-JJ) ; aujourd’hui par défaut' }).optional(),
    versionsAttendues: z
      .record(cptsIdParam('versionsAttendues'), z.int().positive())
      .optional()
      .meta({ description: 'Version de chaque périmètre sur laquelle l’arbitrage a été préparé : 409 si l’un a changé entre-temps' }),
  }),
  responses: {
    200: json(
      'L’arbitrage enregistré',
      z.strictObject({
        paire: Pair,
        decision: OverlapDecision,
        perimetres: z.array(
          z.strictObject({
            id: z.string(),
            version: count.meta({ description: 'Numéro de la nouvelle version du périmètre' }),
            nbCommunes: count,
            communesRetirees: z.array(z.string()).meta({ description: 'Communes attribuées à l’autre CPTS' }),
          }),
        ),
      }),
    ),
    400: ERRORS[400],
    404: ERRORS[404],
    409: { ...ERRORS[409], description: 'Les deux CPTS ne partagent (plus) aucune commune, ou leurs périmètres ont changé entre-temps' },
  },
});

export type OverlapDecisionsResponse = Body<typeof overlapDecisions>;
export type OverlapDecideResponse = Body<typeof overlapDecide, 201>;
export type OverlapArbitrateResponse = Body<typeof overlapArbitrate>;
