// "What is around me, and what would joining unlock?" for a pharmacist: GET /api/nearby.
import { Router } from 'express';
import { nearby, type NearbyQuery } from '../analysis/nearby.js';
import { contactsFor } from '../domain/contacts.js';
import { evaluateMissions, type Zone } from '../domain/missions.js';
import { HttpError } from '../http/errors.js';
import * as api from './contract/nearby.js';
import type { AppDeps } from './deps.js';
import { serve } from './serve.js';
import { dataSources } from './sources.js';

const SOURCE_KINDS = ['finess', 'communes', 'cpts', 'memberships', 'zoning'];

/** Exactly one way to say where: a FINESS, a point (lon and lat together) or a commune. Pure. */
export function nearbyTarget(p: { finess?: string; lon?: number; lat?: number; commune?: string }): NearbyQuery {
  if ((p.lon === undefined) !== (p.lat === undefined)) {
    throw new HttpError(400, 'Paramètre invalide : lon et lat se donnent ensemble (longitude et latitude en degrés WGS84)');
  }
  const given = [p.finess !== undefined, p.lon !== undefined, p.commune !== undefined].filter(Boolean).length;
  if (given !== 1) {
    throw new HttpError(
      400,
      given === 0
        ? 'Paramètre manquant : donnez exactement un de finess, lon+lat ou commune'
        : 'Paramètres incompatibles : donnez exactement un de finess, lon+lat ou commune',
    );
  }
  if (p.finess !== undefined) return { finess: p.finess };
  if (p.commune !== undefined) return { commune: p.commune };
  return { lon: p.lon!, lat: p.lat! };
}

export function nearbyRoutes({ db }: AppDeps): Router {
  const r = Router();
  serve(r, api.nearby, async ({ query: { k = 3, ...where } }) => {
    const [result, sources] = await Promise.all([nearby(db, nearbyTarget(where), k), dataSources(db, SOURCE_KINDS)]);
    const { zoningImported, cptsContacts, ...rest } = result;
    const missions = evaluateMissions({ zone: (result.zonage?.zone as Zone | undefined) ?? null, zoningImported, communeNom: result.commune.nom });
    const contacts = contactsFor({ region: result.commune.region, departement: result.commune.departement }, undefined, cptsContacts);
    return { k, ...rest, missions, contacts, sources };
  });
  return r;
}
