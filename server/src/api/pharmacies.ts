// Pharmacies by coordinated-care status (JSON page and full CSV for the URPS pharmaciens).
import { Router, type Request, type Response } from 'express';
import {
  checkFilters,
  countByStatus,
  csvRow,
  CSV_CODE_COLUMNS,
  CSV_HEADER,
  listPharmacies,
  pharmacyBatches,
  type PharmacyFilters,
  type PharmacyRow,
} from '../analysis/pharmacies.js';
import type { Auth } from '../auth/sessions.js';
import { mapBatches } from '../db/cursor.js';
import type { Queryable } from '../db/port.js';
import { readsRecruitmentOf } from '../domain/roles.js';
import { PROBABLE_MEMBERSHIP_RADIUS_M } from '../domain/rules.js';
import { RECRUTEMENT_ETAT_INITIAL, RECRUTEMENT_ETAT_LIBELLES, type RecrutementEtat } from '../domain/vocabulary.js';
import { streamCsv } from '../http/csv.js';
import { HttpError } from '../http/errors.js';
import { currentSteps, type CurrentStep } from '../register/recruitment.js';
import * as api from './contract/pharmacies.js';
import type { AppDeps } from './deps.js';
import { setSourcesHeader } from './send.js';
import { serve } from './serve.js';
import { dataSources } from './sources.js';

const SOURCE_KINDS = ['finess', 'communes', 'cpts', 'memberships', 'zoning', 'gp', 'bassins'];

const avertissement = (rayon: number) =>
  `« Adhésion probable » signale seulement une officine non membre située à ${rayon} m ou moins d’une structure qu’elle peut rejoindre ` +
  '(MSP, ESP, centre de santé médical ou polyvalent) : c’est une présomption à vérifier, pas une adhésion constatée.';

export function csvHeader(rayon: number): string[] {
  return CSV_HEADER.map((h) => (h === 'adhésion probable' ? `adhésion probable (structure à ${rayon} m ou moins)` : h));
}

/** A file name describing the filters, e.g. officines-44-zone-blanche.csv. Pure. */
export function csvFileName(f: PharmacyFilters): string {
  const parts = [
    f.region && `region-${f.region}`,
    f.departement,
    f.commune && `commune-${f.commune}`,
    f.epci && `epci-${f.epci}`,
    f.bassinVie && `bv-${f.bassinVie}`,
    f.cpts && `cpts-${f.cpts}`,
    f.statuses?.join('-'),
    f.zoning,
    f.probable === true && 'adhesion-probable',
    f.recrutement && `recrutement-${f.recrutement.etats.join('-')}`,
  ]
    .filter(Boolean)
    .map((s) => String(s).replace(/[^A-Za-z0-9_-]+/g, '_'));
  return `officines${parts.length ? '-' + parts.join('-') : ''}.csv`;
}

type Query = {
  statut?: PharmacyFilters['statuses'];
  zonage?: PharmacyFilters['zoning'];
  adhesionProbable?: boolean;
  recrutement?: RecrutementEtat[];
} & Omit<PharmacyFilters, 'statuses' | 'zoning' | 'probable' | 'recrutement'>;

/**
 * The public (French) filter names to the analysis's. The recruitment filter needs an account, and keeps the
 * pharmacies of the caller's région (every one for an admin).
 */
const filters = ({ statut, zonage, adhesionProbable, recrutement, ...f }: Query, auth: Auth | undefined): PharmacyFilters => {
  if (recrutement && !auth) throw new HttpError(401, 'Connexion requise : le filtre recrutement est réservé aux comptes URPS et ARS');
  return {
    ...f,
    statuses: statut,
    zoning: zonage,
    probable: adhesionProbable,
    recrutement: recrutement && auth ? { etats: recrutement, region: auth.actor.role === 'admin' ? null : auth.actor.region } : undefined,
  };
};

/** The caller, if signed in (the list is public: only what it adds for an account depends on it). */
const caller = async (req: Request) => req.identify?.();

/**
 * The recruitment of the pharmacies the caller reads it for (their région; all for an admin): an answer carrying it is
 * private, never kept by a shared cache. Null for a public reader.
 */
async function recruitmentFor(db: Queryable, auth: Auth | undefined, res: Response) {
  if (!auth) return null;
  res.setHeader('Cache-Control', 'private, no-store');
  const steps = await currentSteps(db, auth.actor.role === 'admin' ? null : auth.actor.region);
  return (r: PharmacyRow): CurrentStep | undefined =>
    readsRecruitmentOf(auth.actor, r.commune.region)
      ? (steps.get(r.finess) ?? { etat: RECRUTEMENT_ETAT_INITIAL, date: null, note: null, auteur: null })
      : undefined;
}

/** The CSV columns of the recruitment, for an account. */
export const RECRUITMENT_CSV_HEADER = ['recrutement', 'date recrutement', 'dernière note recrutement'] as const;

const recruitmentCells = (s: CurrentStep | undefined) => (s ? [RECRUTEMENT_ETAT_LIBELLES[s.etat], s.date ?? '', s.note ?? ''] : ['', '', '']);

/** Pharmacies matching the filters: the counts of the statuses asked for (all when none). */
function total(f: PharmacyFilters, parStatut: Awaited<ReturnType<typeof countByStatus>>): number {
  const counted = f.statuses?.length ? f.statuses : (Object.keys(parStatut) as (keyof typeof parStatut)[]);
  return counted.reduce((n, s) => n + parStatut[s], 0);
}

export function pharmaciesRoutes({ db }: AppDeps): Router {
  const r = Router();

  serve(r, api.pharmacies, async ({ query: { rayon = PROBABLE_MEMBERSHIP_RADIUS_M, limit = 100, offset = 0, tri, ...q } }, res, req) => {
    const auth = await caller(req);
    const f = filters(q, auth);
    await checkFilters(db, f);
    // on the pool's connections at once (JIT is off on every connection: no transaction needed for SET LOCAL)
    const [parStatut, rows, sources, recruitment] = await Promise.all([
      countByStatus(db, f, rayon),
      listPharmacies(db, f, { near: rayon, limit, offset, sort: tri }),
      dataSources(db, SOURCE_KINDS),
      recruitmentFor(db, auth, res),
    ]);
    const officines = recruitment ? rows.map((row) => ({ ...row, recrutement: recruitment(row) })) : rows;
    return { total: total(f, parStatut), limit, offset, rayon, parStatut, avertissement: avertissement(rayon), officines, sources };
  });

  serve(r, api.pharmaciesCsv, async ({ query: { rayon = PROBABLE_MEMBERSHIP_RADIUS_M, tri, ...q } }, res, req) => {
    const auth = await caller(req);
    const f = filters(q, auth);
    await checkFilters(db, f);
    const [parStatut, sources, recruitment] = await Promise.all([countByStatus(db, f, rayon), dataSources(db, SOURCE_KINDS), recruitmentFor(db, auth, res)]);
    setSourcesHeader(res, sources);
    res.setHeader('X-Row-Count', String(total(f, parStatut)));
    const header = recruitment ? [...csvHeader(rayon), ...RECRUITMENT_CSV_HEADER] : csvHeader(rayon);
    const line = recruitment ? (row: PharmacyRow) => [...csvRow(row), ...recruitmentCells(recruitment(row))] : csvRow;
    const rows = mapBatches(pharmacyBatches(db, f, { near: rayon, sort: tri }), line);
    await streamCsv(res, csvFileName(f), header, rows, { codeColumns: CSV_CODE_COLUMNS });
  });

  return r;
}
