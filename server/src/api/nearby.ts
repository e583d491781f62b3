// "What is around me, and what would joining unlock?" for a pharmacist: GET /api/nearby.
import { Router } from 'express';
import type { AppDeps } from '../app.js';
import { nearby, SITE_TYPES, type NearbyQuery } from '../analysis/nearby.js';
import { contactsFor } from '../domain/contacts.js';
import { evaluateMissions, type Zone } from '../domain/missions.js';
import { HttpError } from '../http/errors.js';
import { parse } from '../http/validate.js';
import type { OpenApiPaths } from './openapi.js';
import type { NearbyResponse } from './responses.js';
import { communeParam, finessParam, intParam, numParam, queryObject } from './query-params.js';
import { dataSources } from './sources.js';

const SOURCE_KINDS = ['finess', 'communes', 'cpts', 'memberships', 'zoning'] as const;

const nearbyQuery = queryObject({
  finess: finessParam.optional(),
  lon: numParam('lon', -180, 180).optional(),
  lat: numParam('lat', -90, 90).optional(),
  commune: communeParam.optional(),
  k: intParam('k', 1, 10).optional(),
});

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
  r.get('/api/nearby', async (req, res) => {
    const { k = 3, ...where } = parse(nearbyQuery, req.query);
    const target = nearbyTarget(where);
    const [result, sources] = await Promise.all([nearby(db, target, k), dataSources(db, SOURCE_KINDS)]);
    const missions = evaluateMissions({
      zone: (result.zonage?.zone as Zone | undefined) ?? null,
      zoningImported: result.zoningImported,
      communeNom: result.commune.nom,
    });
    const contacts = contactsFor({ region: result.commune.region, departement: result.commune.departement });
    const { zoningImported: _, ...rest } = result;
    res.json({ k, ...rest, missions, contacts, sources } satisfies NearbyResponse);
  });
  return r;
}

const site = {
  type: 'object',
  properties: {
    finess: { type: 'string' },
    nom: { type: 'string' },
    adresse: { type: ['string', 'null'] },
    commune: { type: 'object', properties: { code: { type: ['string', 'null'] }, nom: { type: ['string', 'null'] } } },
    position: { type: 'object', properties: { lon: { type: 'number' }, lat: { type: 'number' } } },
    distanceM: { type: 'number', description: 'Distance géodésique (ellipsoïde WGS84) en mètres, au décimètre' },
  },
};

export const nearbyPaths: OpenApiPaths = {
  '/api/nearby': {
    get: {
      summary: 'Autour d’une officine, d’un point ou d’une commune : CPTS, MSP/CSP/ESP les plus proches, zonage, missions accessibles, contacts',
      description:
        'Donner exactement un de : `finess` (officine), `lon` + `lat` (point WGS84), `commune` (code INSEE). ' +
        'Renvoie la commune, toutes les CPTS qui la couvrent (statut, qualité du périmètre), les k MSP, centres de santé et ESP les plus proches ' +
        '(distances géodésiques en mètres, recherche exacte appuyée sur les index spatiaux), les adhésions de l’officine, le zonage ARS de la commune, ' +
        'les missions qu’ouvrirait l’adhésion (le pharmacien correspondant n’est ouvert qu’en ZIP ou ZAC ; « zonage inconnu » sans zonage importé) ' +
        'avec leurs rémunérations, conditions et sources, et les interlocuteurs (ARS et URPS de la région, CPAM, AVECsanté, structures régionales).',
      parameters: [
        { name: 'finess', in: 'query', schema: { type: 'string', pattern: '^(\\d\\d|2[AB])\\d{7}$' }, description: 'Numéro FINESS (établissement) de l’officine. Inconnu : 404.' },
        { name: 'lon', in: 'query', schema: { type: 'number', minimum: -180, maximum: 180 }, description: 'Longitude WGS84 en degrés décimaux (avec lat).' },
        { name: 'lat', in: 'query', schema: { type: 'number', minimum: -90, maximum: 90 }, description: 'Latitude WGS84 en degrés décimaux (avec lon). Point hors de toute commune : 404.' },
        { name: 'commune', in: 'query', schema: { type: 'string', pattern: '^(\\d{5}|2[AB]\\d{3})$' }, description: 'Code INSEE de la commune ; distances depuis un point intérieur. Inconnue : 404.' },
        { name: 'k', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10, default: 3 }, description: 'Nombre de structures les plus proches par type (MSP, CSP, ESP).' },
      ],
      responses: {
        '200': {
          description: 'Les alentours',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  k: { type: 'integer' },
                  origine: { type: 'object' },
                  commune: { type: 'object' },
                  cpts: { type: 'array', items: { type: 'object' } },
                  zonage: { type: ['object', 'null'] },
                  plusProches: { type: 'object', properties: Object.fromEntries(SITE_TYPES.map((t) => [t, { type: 'array', items: site }])) },
                  pharmacie: { type: ['object', 'null'] },
                  missions: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        id: { type: 'string' },
                        titre: { type: 'string' },
                        eligibleIci: { type: 'string', enum: ['oui', 'non', 'zonage inconnu'] },
                        explication: { type: 'string' },
                        remunerations: { type: 'array', items: { type: 'object' } },
                        conditions: { type: 'array', items: { type: 'string' } },
                        source: { type: 'object', properties: { document: { type: 'string' }, date: { type: 'string' } } },
                      },
                    },
                  },
                  contacts: { type: 'array', items: { type: 'object' } },
                  sources: { type: 'array', items: { $ref: '#/components/schemas/DataSource' } },
                },
              },
            },
          },
        },
        '400': { $ref: '#/components/responses/BadRequest' },
        '404': { $ref: '#/components/responses/NotFound' },
      },
    },
  },
};
