// Conciliation of overlapping CPTS: the decision on each pair, its history, and arbitration. Every write runs in one
// transaction with its audit rows (`audited`). The current decision is also joined to the overlap matrix, its CSV
// and its GeoJSON (server/src/api/overlaps.ts).
import { Router, type Request } from 'express';
import {
  appendDecision,
  currentDecisions,
  decisionHistory,
  lockPair,
  overlappingPair,
  pairRegions,
  planArbitration,
  type DecisionRecord,
} from '../analysis/conciliation.js';
import { audited, type Actor } from '../auth/audit.js';
import type { Db, Queryable } from '../db/port.js';
import { pairId, pairOf, readsDecisionNotes, type PairKey } from '../domain/conciliation.js';
import { DECISION_LIBELLES, DECISION_PAR_DEFAUT, type Decision } from '../domain/vocabulary.js';
import { signedIn } from '../http/auth.js';
import { HttpError } from '../http/errors.js';
import { writeVersion } from '../register/versions.js';
import * as api from './contract/conciliation.js';
import type { AppDeps } from './deps.js';
import { serve } from './serve.js';

/** Does the caller of a public read see notes and authors? */
export async function readsNotes(req: Request): Promise<boolean> {
  return readsDecisionNotes((await req.identify?.())?.actor.role);
}

/** A decision as the API shows it; a pair without one is « à examiner ». */
export function decisionView(rec: DecisionRecord | undefined, notes: boolean): api.OverlapDecision {
  const decision = rec?.decision ?? DECISION_PAR_DEFAUT;
  return {
    decision,
    libelle: DECISION_LIBELLES[decision],
    date: rec?.date ?? null,
    enregistreLe: rec?.enregistreLe ?? null,
    ...(notes ? { note: rec?.note ?? null, auteur: rec?.auteur ?? null } : {}),
    attributions: rec?.attributions ?? null,
  };
}

/** The pairs with their current decision (as of `date` when given), only those of `decision` when given. */
export async function withDecisions<P extends { a: { id: string }; b: { id: string } }>(
  db: Db,
  pairs: P[],
  notes: boolean,
  { decision, date }: { decision?: Decision | undefined; date?: string | undefined } = {},
): Promise<(P & { decision: api.OverlapDecision })[]> {
  const current = await currentDecisions(db, date);
  return pairs
    .map((p) => ({ ...p, decision: decisionView(current.get(pairId({ a: p.a.id, b: p.b.id })), notes) }))
    .filter((p) => decision === undefined || p.decision.decision === decision);
}

const pairParam = ({ params }: { params: { a: string; b: string } }): PairKey => {
  const p = pairOf(params.a, params.b);
  if (!p) throw new HttpError(400, 'a et b doivent être deux CPTS différentes');
  return p;
};

export function conciliationRoutes({ db }: AppDeps): Router {
  const r = Router();
  const regionOf = (input: { params: { a: string; b: string } }) => pairRegions(db, pairParam(input));

  serve(r, api.overlapDecisions, async (input, _res, req) => {
    const paire = pairParam(input);
    const known = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM cpts WHERE id = ANY($1::text[])', [[paire.a, paire.b]]);
    const historique = await decisionHistory(db, paire, input.query.date);
    if (known.rows[0]!.n < 2 && !historique.length) throw new HttpError(404, `Paire inconnue : ${paire.a} et ${paire.b}`);
    const notes = await readsNotes(req);
    return {
      paire,
      regions: await pairRegions(db, paire),
      actuelle: decisionView(historique[0], notes),
      historique: historique.map((d) => decisionView(d, notes)),
    };
  });

  serve(r, api.overlapDecide, async (input, res, req) => {
    const paire = pairParam(input);
    const { actor } = signedIn(req);
    const decision = await audited(db, actor, async (tx, log) => {
      const disputed = await overlappingPair(tx, paire);
      const before = (await decisionHistory(tx, paire))[0];
      const rec = await appendDecision(tx, actor, paire, input.body);
      await log({ action: 'chevauchement.decision', cibleType: 'chevauchement', cibleId: pairId(paire), region: onlyRegion(disputed), avant: before ?? null, apres: rec });
      return rec;
    });
    res.status(201);
    return { paire, decision: decisionView(decision, true) };
  }, { regionOf });

  serve(r, api.overlapArbitrate, async (input, _res, req) => arbitrate(db, signedIn(req).actor, pairParam(input), input.body), { regionOf });

  return r;
}

export interface ArbitrationInput {
  attributions: Record<string, string>;
  note?: string | undefined;
  date?: string | undefined;
  /** The version of each perimeter the arbitration was made on (409 if one changed meanwhile); unchecked when absent. */
  versionsAttendues?: Record<string, number> | undefined;
}

/**
 * Arbitration: each disputed commune to one side, a new version of both perimeters (effective on the decision's
 * date) and the decision « arbitré », with their audit rows, in one transaction: a failure anywhere, including a
 * perimeter saved meanwhile, leaves both CPTS as they were.
 */
export function arbitrate(db: Db, actor: Actor, paire: PairKey, body: ArbitrationInput) {
  return audited(db, actor, async (tx, log) => {
    await lockPair(tx, paire);
    const disputed = await overlappingPair(tx, paire);
    const { retirees } = await planArbitration(tx, paire, disputed, body.attributions);
    const perimetres = [];
    for (const [id, other] of [[paire.a, paire.b], [paire.b, paire.a]] as const) {
      const lost = retirees[id]!;
      const kept = (await memberCodes(tx, id)).filter((c) => !lost.includes(c));
      const v = await writeVersion(tx, actor, {
        cptsId: id,
        communes: kept,
        valideDu: body.date,
        commentaire: `Arbitrage du chevauchement avec ${other} : ${lost.length ? `communes attribuées à ${other} : ${lost.join(', ')}` : 'garde les communes disputées'}`,
        versionAttendue: body.versionsAttendues?.[id] ?? null,
      });
      await log({ action: 'cpts.perimetre.arbitrage', cibleType: 'cpts', cibleId: id, region: onlyRegion(disputed), avant: v.avant, apres: { numero: v.numero, valideDu: v.valideDu, communes: v.communes } });
      perimetres.push({ id, version: v.numero, nbCommunes: v.communes.length, communesRetirees: lost });
    }
    const before = (await decisionHistory(tx, paire))[0];
    const rec = await appendDecision(tx, actor, paire, { note: body.note, date: body.date, attributions: body.attributions, decision: 'arbitre' });
    await log({ action: 'chevauchement.arbitrage', cibleType: 'chevauchement', cibleId: pairId(paire), region: onlyRegion(disputed), avant: before ?? null, apres: rec });
    return { paire, decision: decisionView(rec, true), perimetres };
  });
}

/** The région an audit row of a pair is filed under (read by that région's ARS): none when it spans two. */
const onlyRegion = (disputed: readonly { region: string }[]) => {
  const regions = new Set(disputed.map((c) => c.region));
  return regions.size === 1 ? [...regions][0]! : null;
};

const memberCodes = async (tx: Queryable, id: string) =>
  (await tx.query<{ code: string }>('SELECT commune_code AS code FROM cpts_commune WHERE cpts_id = $1 ORDER BY commune_code COLLATE "C"', [id])).rows.map((r) => r.code);
