// Pharmacies by coordinated-care status (JSON page and full CSV for the URPS pharmaciens).
import { Router } from 'express';
import {
  checkFilters,
  countByStatus,
  csvRow,
  CSV_CODE_COLUMNS,
  CSV_HEADER,
  listPharmacies,
  pharmacyBatches,
  withoutJit,
  type PharmacyFilters,
} from '../analysis/pharmacies.js';
import { mapBatches } from '../db/cursor.js';
import { PROBABLE_MEMBERSHIP_RADIUS_M } from '../domain/rules.js';
import { streamCsv } from '../http/csv.js';
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
  ]
    .filter(Boolean)
    .map((s) => String(s).replace(/[^A-Za-z0-9_-]+/g, '_'));
  return `officines${parts.length ? '-' + parts.join('-') : ''}.csv`;
}

type Query = { statut?: PharmacyFilters['statuses']; zonage?: PharmacyFilters['zoning']; adhesionProbable?: boolean } & Omit<
  PharmacyFilters,
  'statuses' | 'zoning' | 'probable'
>;

/** The public (French) filter names to the analysis's. */
const filters = ({ statut, zonage, adhesionProbable, ...f }: Query): PharmacyFilters => ({
  ...f,
  statuses: statut,
  zoning: zonage,
  probable: adhesionProbable,
});

/** Pharmacies matching the filters: the counts of the statuses asked for (all when none). */
function total(f: PharmacyFilters, parStatut: Awaited<ReturnType<typeof countByStatus>>): number {
  const counted = f.statuses?.length ? f.statuses : (Object.keys(parStatut) as (keyof typeof parStatut)[]);
  return counted.reduce((n, s) => n + parStatut[s], 0);
}

export function pharmaciesRoutes({ db }: AppDeps): Router {
  const r = Router();

  serve(r, api.pharmacies, async ({ query: { rayon = PROBABLE_MEMBERSHIP_RADIUS_M, limit = 100, offset = 0, tri, ...q } }) => {
    const f = filters(q);
    await checkFilters(db, f);
    const [parStatut, officines, sources] = await withoutJit(db, async (tx) => [
      await countByStatus(tx, f, rayon),
      await listPharmacies(tx, f, { near: rayon, limit, offset, sort: tri }),
      await dataSources(tx, SOURCE_KINDS),
    ] as const);
    return { total: total(f, parStatut), limit, offset, rayon, parStatut, avertissement: avertissement(rayon), officines, sources };
  });

  serve(r, api.pharmaciesCsv, async ({ query: { rayon = PROBABLE_MEMBERSHIP_RADIUS_M, tri, ...q } }, res) => {
    const f = filters(q);
    await checkFilters(db, f);
    const [parStatut, sources] = await withoutJit(db, async (tx) => [await countByStatus(tx, f, rayon), await dataSources(tx, SOURCE_KINDS)] as const);
    setSourcesHeader(res, sources);
    res.setHeader('X-Row-Count', String(total(f, parStatut)));
    const rows = mapBatches(pharmacyBatches(db, f, { near: rayon, sort: tri }), csvRow);
    await streamCsv(res, csvFileName(f), csvHeader(rayon), rows, { codeColumns: CSV_CODE_COLUMNS });
  });

  return r;
}
