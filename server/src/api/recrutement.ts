// Pharmacy recruitment (issue 9, item 4): a pharmacy's history for the URPS and ARS users of its région, and the
// steps its URPS users (and admins) record, each in one audited transaction with the membership it writes.
import { Router } from 'express';
import { audited } from '../auth/audit.js';
import { RECRUTEMENT_ETAT_INITIAL } from '../domain/vocabulary.js';
import { signedIn } from '../http/auth.js';
import { pharmacyRef, recordStep, recruitmentHistory } from '../register/recruitment.js';
import * as api from './contract/recrutement.js';
import type { AppDeps } from './deps.js';
import { serve } from './serve.js';

/** Private answers: never kept by a shared cache. */
const PRIVATE = 'private, no-store';

export function recruitmentRoutes({ db }: AppDeps): Router {
  const r = Router();
  // a pharmacy whose commune is unknown belongs to no région: only an admin acts on it
  const regionOf = async ({ params }: { params: { finess: string } }) => [(await pharmacyRef(db, params.finess)).region ?? '(aucune)'];

  serve(
    r,
    api.recruitmentHistory,
    async ({ params }, res) => {
      const p = await pharmacyRef(db, params.finess);
      const etapes = await recruitmentHistory(db, p.finess);
      res.setHeader('Cache-Control', PRIVATE);
      return { finess: p.finess, nom: p.nom, etat: etapes[0]?.etat ?? RECRUTEMENT_ETAT_INITIAL, etapes };
    },
    { regionOf },
  );

  serve(
    r,
    api.recruitmentRecord,
    async ({ params, body }, res, req) => {
      const { actor } = signedIn(req);
      const step = await audited(db, actor, async (tx, log) => {
        const rec = await recordStep(tx, actor, params.finess, body);
        await log({
          action: 'recrutement.etape',
          cibleType: 'pharmacie',
          cibleId: params.finess,
          region: rec.pharmacie.region,
          avant: rec.avant,
          apres: { ...rec.apres, etape: rec.step },
        });
        return rec.step;
      });
      res.status(201).setHeader('Cache-Control', PRIVATE);
      return step;
    },
    { regionOf },
  );

  return r;
}
