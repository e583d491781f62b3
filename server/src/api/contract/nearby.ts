// "What is around me, and what would joining unlock?" for a pharmacist.
import { z } from 'zod';
import { SITE_TYPES } from '../../domain/vocabulary.js';
import { MissionSchema, SourceDoc } from '../../domain/missions.js';
import { ERRORS, endpoint, json, sources, type Body } from './endpoint.js';
import { communeParam, finessParam, intParam, numParam, queryObject } from './params.js';
import { statutOfficine, PharmacyRow } from './pharmacies.js';
import { count, CptsRef, date, lonLat, zone } from './shared.js';

const NearSite = z.strictObject({
  finess: z.string(),
  nom: z.string(),
  adresse: z.string().nullable(),
  commune: z.strictObject({ code: z.string().nullable(), nom: z.string().nullable() }),
  position: lonLat,
  distanceM: z.number().meta({ description: 'Distance géodésique (ellipsoïde WGS84) en mètres, au décimètre' }),
});

const codeNom = z.strictObject({ code: z.string(), nom: z.string() });

/** A mission with its source resolved (missions.json names it by key). */
export const Mission = MissionSchema.extend({ source: SourceDoc });

export const EvaluatedMission = Mission.extend({
  eligibleIci: z.enum(['oui', 'non', 'zonage inconnu']).meta({ description: 'La commune remplit-elle la condition de zonage de la mission ?' }),
  explication: z.string(),
});

export const Contact = z.strictObject({
  id: z.string(),
  categorie: z.enum(['cpts', 'organisme']).meta({ description: 'cpts : une CPTS qui couvre la commune (en premier) ; organisme : ARS, URPS, CPAM…' }),
  nom: z.string(),
  role: z.string(),
  pour: z.array(z.string()),
  regional: z.boolean(),
  url: z.string().nullable(),
  email: z.string().nullable(),
  adresse: z.string().nullable().meta({ description: 'Adresse du siège (FINESS) pour une CPTS' }),
  telephone: z.string().nullable().meta({ description: 'Téléphone du siège (FINESS) pour une CPTS' }),
  source: SourceDoc.meta({ description: 'D’où vient l’entrée' }),
});

export const nearby = endpoint({
  method: 'get',
  path: '/api/nearby',
  tag: 'Officines',
  access: 'public',
  cache: 'data-version',
  summary: 'Autour d’une officine, d’un point ou d’une commune : CPTS, MSP/CSP/ESP les plus proches, zonage, missions accessibles, contacts',
  description:
    'Donner exactement un de : `finess` (officine), `lon` + `lat` (point WGS84), `commune` (code INSEE, un ancien code est converti). ' +
    'Renvoie la commune, toutes les CPTS qui la couvrent, les k MSP, centres de santé médicaux ou polyvalents et ESP ouverts les plus proches ' +
    '(distances géodésiques ; les autres centres de santé à part, avec leur sous-type), ' +
    'les adhésions de l’officine, le zonage ARS de la commune, les missions qu’ouvrirait l’adhésion (le pharmacien correspondant n’est ouvert ' +
    'qu’en ZIP ou ZAC) avec leurs rémunérations, conditions et sources, et les interlocuteurs.',
  query: queryObject({
    finess: finessParam.optional().meta({ description: 'Numéro FINESS de l’officine. Inconnu : 404.' }),
    lon: numParam('lon', -180, 180).optional().meta({ description: 'Longitude WGS84 en degrés décimaux (avec lat)' }),
    lat: numParam('lat', -90, 90).optional().meta({ description: 'Latitude WGS84 en degrés décimaux (avec lon). Point hors de toute commune : 404.' }),
    commune: communeParam.optional().meta({ description: 'Code INSEE de la commune ; distances depuis un point intérieur. Inconnue : 404.' }),
    k: intParam('k', 1, 10).optional().meta({ description: 'Nombre de structures les plus proches par type (3 par défaut)' }),
  }),
  responses: {
    200: json(
      'Les alentours',
      z.strictObject({
        k: count,
        origine: z.strictObject({
          type: z.enum(['officine', 'point', 'commune']),
          position: lonLat.nullable().meta({ description: 'D’où les distances sont mesurées' }),
          explication: z.string(),
        }),
        commune: z.strictObject({ code: z.string(), nom: z.string(), population: count.nullable(), departement: codeNom, region: codeNom }),
        cpts: z.array(CptsRef.extend({ perimetreLibelle: z.string(), attribution: z.string().meta({ description: 'Source du périmètre, à citer' }) })),
        zonage: z
          .strictObject({ zone: zone.nullable().meta({ description: 'null : zonage non disponible pour la commune' }), libelle: z.string(), source: z.string(), date: date.nullable() })
          .nullable(),
        autresCentres: z
          .array(NearSite.extend({ sousType: z.string().nullable(), sousTypeLibelle: z.string() }))
          .meta({ description: 'Centres de santé que l’officine ne peut pas rejoindre (infirmiers, dentaires, ophtalmologiques…), listés à part' }),
        plusProches: z.strictObject(Object.fromEntries(SITE_TYPES.map((t) => [t, z.array(NearSite)])) as Record<(typeof SITE_TYPES)[number], z.ZodArray<typeof NearSite>>),
        pharmacie: z
          .strictObject({
            finess: z.string(),
            nom: z.string(),
            adresse: z.string().nullable(),
            codePostal: z.string().nullable(),
            statut: statutOfficine,
            adhesions: PharmacyRow.shape.adhesions,
          })
          .nullable(),
        missions: z.array(EvaluatedMission),
        contacts: z.array(Contact),
        sources,
      }),
    ),
    400: ERRORS[400],
    404: ERRORS[404],
  },
});

export type NearbyResponse = Body<typeof nearby>;
