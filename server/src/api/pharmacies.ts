// Pharmacies by coordinated-care status (JSON page and full CSV for the URPS pharmaciens).
import { Router } from 'express';
import { checkFilters, countByStatus, csvRow, CSV_HEADER, listPharmacies, withoutJit, type PharmacyFilters } from '../analysis/pharmacies.js';
import { PROBABLE_MEMBERSHIP_RADIUS_M } from '../domain/rules.js';
import { sendCsv } from '../http/csv.js';
import * as api from './contract/pharmacies.js';
import type { AppDeps } from './deps.js';
import { setSourcesHeader } from './send.js';
import { serve } from './serve.js';
import { dataSources } from './sources.js';

const SOURCE_KINDS = ['finess', 'communes', 'cpts', 'memberships', 'zoning', 'gp'];

const avertissement = (rayon: number) =>
  `« Adhésion probable » signale seulement une officine non membre située à ${rayon} m ou moins d’une MSP ou d’un centre de santé : ` +
  'c’est une présomption à vérifier, pas une adhésion constatée.';

export function csvHeader(rayon: number): string[] {
  return CSV_HEADER.map((h) => (h === 'adhésion probable' ? `adhésion probable (MSP/CSP à ${rayon} m ou moins)` : h));
}

/** A file name describing the filters, e.g. officines-44-zone-blanche.csv. Pure. */
export function csvFileName(f: PharmacyFilters): string {
  const parts = [f.region && `region-${f.region}`, f.departement, f.cpts && `cpts-${f.cpts}`, f.status, f.zoning]
    .filter(Boolean)
    .map((s) => String(s).replace(/[^A-Za-z0-9_-]+/g, '_'));
  return `officines${parts.length ? '-' + parts.join('-') : ''}.csv`;
}

type Query = { statut?: PharmacyFilters['status']; zonage?: PharmacyFilters['zoning'] } & Omit<PharmacyFilters, 'status' | 'zoning'>;

/** The public (French) filter names to the analysis's. */
const filters = ({ statut, zonage, ...f }: Query): PharmacyFilters => ({ ...f, status: statut, zoning: zonage });

export function pharmaciesRoutes({ db }: AppDeps): Router {
  const r = Router();

  serve(r, api.pharmacies, async ({ query: { rayon = PROBABLE_MEMBERSHIP_RADIUS_M, limit = 100, offset = 0, ...q } }) => {
    const f = filters(q);
    await checkFilters(db, f);
    const [parStatut, officines, sources] = await withoutJit(db, async (tx) => [
      await countByStatus(tx, f),
      await listPharmacies(tx, f, { near: rayon, limit, offset }),
      await dataSources(tx, SOURCE_KINDS),
    ] as const);
    const total = f.status ? parStatut[f.status] : Object.values(parStatut).reduce((a, b) => a + b, 0);
    return { total, limit, offset, rayon, parStatut, avertissement: avertissement(rayon), officines, sources };
  });

  serve(r, api.pharmaciesCsv, async ({ query: { rayon = PROBABLE_MEMBERSHIP_RADIUS_M, ...q } }, res) => {
    const f = filters(q);
    await checkFilters(db, f);
    const [rows, sources] = await withoutJit(db, async (tx) => [await listPharmacies(tx, f, { near: rayon }), await dataSources(tx, SOURCE_KINDS)] as const);
    setSourcesHeader(res, sources);
    res.setHeader('X-Row-Count', String(rows.length));
    sendCsv(res, csvFileName(f), csvHeader(rayon), rows.map(csvRow));
  });

  return r;
}
