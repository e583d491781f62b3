// Stateless check of a proposed CPTS perimeter (a list of communes or a polygon). Writes nothing.
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import { checkPerimeter, type PerimeterInput } from '../analysis/perimeter.js';
import { DEFAULT_THRESHOLD } from '../import/cpts.js';
import { HttpError } from '../http/errors.js';
import { parse } from '../http/validate.js';
import type { OpenApiPaths } from './openapi.js';
import type { PerimeterCheckResponse } from './responses.js';
import { dataSources } from './sources.js';
import { oaBadRequest, oaJson, oaSources } from './territory-common.js';

export const MAX_COMMUNES = 2000;
const INSEE_RE = /^(\d{5}|2[AB]\d{3})$/;
const USAGE = 'corps JSON attendu : { "communes": ["44109", …] } ou { "geometry": <Polygon ou MultiPolygon GeoJSON>, "threshold": 0.5 }';

const communesBody = z.strictObject(
  {
    communes: z
      .array(z.string({ error: 'chaque code INSEE doit être une chaîne, par exemple "44109"' }), {
        error: 'liste de codes INSEE attendue',
      })
      .min(1, { error: 'la liste de communes est vide' })
      .max(MAX_COMMUNES, { error: '2 000 communes au plus' }),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `champ(s) inconnu(s) : ${iss.keys.join(', ')} ; ${USAGE}` : undefined) },
);

const geometryBody = z.strictObject(
  {
    geometry: z.object(
      {
        type: z.enum(['Polygon', 'MultiPolygon'], { error: 'type de géométrie attendu : Polygon ou MultiPolygon' }),
        coordinates: z.unknown(),
      },
      { error: 'géométrie GeoJSON attendue (objet avec type et coordinates)' },
    ),
    threshold: z
      .number({ error: 'seuil attendu : nombre entre 0 (exclu) et 1' })
      .gt(0, { error: 'le seuil doit être strictement positif' })
      .max(1, { error: 'le seuil ne peut dépasser 1 (part de la surface de la commune)' })
      .optional(),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `champ(s) inconnu(s) : ${iss.keys.join(', ')} ; ${USAGE}` : undefined) },
);

/** The first problem of a Polygon / MultiPolygon coordinate array, in French; undefined when well formed. */
export function polygonCoordinatesProblem(type: 'Polygon' | 'MultiPolygon', coords: unknown): string | undefined {
  if (!Array.isArray(coords)) return 'coordinates doit être un tableau';
  const polygons = type === 'Polygon' ? [coords] : coords;
  if (polygons.length === 0) return 'le MultiPolygon ne contient aucun polygone';
  for (const rings of polygons) {
    if (!Array.isArray(rings) || rings.length === 0) return 'un polygone n’a aucun anneau';
    for (const ring of rings) {
      if (!Array.isArray(ring) || ring.length < 4) return 'un anneau a moins de 4 positions';
      for (const p of ring) {
        if (!Array.isArray(p) || p.length < 2 || p.length > 3 || !p.every((x) => typeof x === 'number' && Number.isFinite(x))) {
          return 'une position n’est pas un couple de nombres [longitude, latitude]';
        }
        const [lon, lat] = p as number[];
        if (Math.abs(lon!) > 180 || Math.abs(lat!) > 90) {
          return `la position [${lon}, ${lat}] n’est pas en degrés de longitude et latitude (WGS84, EPSG:4326)`;
        }
      }
      const a = ring[0] as number[];
      const b = ring[ring.length - 1] as number[];
      if (a[0] !== b[0] || a[1] !== b[1]) return 'un anneau n’est pas fermé (sa dernière position diffère de la première)';
    }
  }
  return undefined;
}

/** Validates the body of POST /api/perimeter/check; every refusal is a 400 with a French message. */
export function parsePerimeterBody(body: unknown): PerimeterInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, `Corps de requête invalide : ${USAGE}`);
  const has = (k: string) => Object.prototype.hasOwnProperty.call(body, k);
  if (has('communes') && has('geometry')) throw new HttpError(400, `Corps de requête invalide : communes OU geometry, pas les deux ; ${USAGE}`);
  if (has('communes')) {
    const b = parse(communesBody, body, 'Corps de requête');
    const codes = b.communes.map((c) => c.trim().toUpperCase());
    const bad = codes.filter((c) => !INSEE_RE.test(c));
    if (bad.length) {
      const shown = bad.slice(0, 10).map((c) => `« ${c} »`).join(', ');
      const hint = bad.some((c) => /^\d{4}$/.test(c)) ? ' (4 chiffres : un zéro initial perdu par un tableur ?)' : '';
      throw new HttpError(
        400,
        `Code(s) INSEE invalide(s) : ${shown}${bad.length > 10 ? ` et ${bad.length - 10} autre(s)` : ''}${hint} ; ` +
          '5 caractères attendus, par exemple 44109 ou 2A004',
      );
    }
    return { communes: codes };
  }
  if (has('geometry')) {
    const b = parse(geometryBody, body, 'Corps de requête');
    const problem = polygonCoordinatesProblem(b.geometry.type, b.geometry.coordinates);
    if (problem) throw new HttpError(400, `Géométrie invalide : ${problem}`);
    return { geometry: { type: b.geometry.type, coordinates: b.geometry.coordinates }, threshold: b.threshold ?? DEFAULT_THRESHOLD };
  }
  throw new HttpError(400, `Corps de requête invalide : ${USAGE}`);
}

export function perimeterRoutes({ db }: AppDeps): Router {
  const r = Router();
  r.post('/api/perimeter/check', async (req, res) => {
    const input = parsePerimeterBody(req.body);
    const result = await checkPerimeter(db, input);
    res.json({ ...result, sources: await dataSources(db, ['communes', 'cpts']) } satisfies PerimeterCheckResponse);
  });
  return r;
}

export const perimeterPaths: OpenApiPaths = {
  '/api/perimeter/check': {
    post: {
      summary: 'Vérifie un projet de périmètre de CPTS (sans rien enregistrer)',
      description:
        'Population et taille ACI (avec alerte près d’un seuil), communes retenues ou introuvables (anciens codes convertis au COG en vigueur), ' +
        'chevauchements avec les CPTS existantes, contiguïté (communes se touchant seulement en un point = non contiguës) et parties séparées, ' +
        'communes en zone blanche couvertes. Avec une géométrie, une commune est retenue si le polygone couvre au moins `threshold` de sa surface ' +
        '(règle de l’import GeoJSON des CPTS).',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              oneOf: [
                {
                  type: 'object',
                  required: ['communes'],
                  additionalProperties: false,
                  properties: {
                    communes: {
                      type: 'array',
                      minItems: 1,
                      maxItems: MAX_COMMUNES,
                      items: { type: 'string', pattern: INSEE_RE.source },
                      description: 'Codes INSEE des communes',
                    },
                  },
                },
                {
                  type: 'object',
                  required: ['geometry'],
                  additionalProperties: false,
                  properties: {
                    geometry: { type: 'object', description: 'Polygon ou MultiPolygon GeoJSON en WGS84 (rendu valide par ST_MakeValid)' },
                    threshold: {
                      type: 'number',
                      exclusiveMinimum: 0,
                      maximum: 1,
                      default: DEFAULT_THRESHOLD,
                      description: 'Part minimale de la surface d’une commune dans le polygone pour la retenir',
                    },
                  },
                },
              ],
            },
          },
        },
      },
      responses: {
        '200': oaJson({
          type: 'object',
          properties: {
            population: { type: 'integer' },
            bande: { enum: ['T1', 'T2', 'T3', 'T4'] },
            avertissementSeuil: { type: ['object', 'null'] },
            communes: { type: 'array', items: { type: 'object' } },
            communesIntrouvables: { type: 'array', items: { type: 'string' } },
            codesConvertis: { type: 'array', items: { type: 'object' } },
            chevauchements: { type: 'array', items: { type: 'object' } },
            contigu: { type: 'boolean' },
            parties: { type: 'array', items: { type: 'object' } },
            zonesBlanches: { type: 'object' },
            avertissements: { type: 'array', items: { type: 'string' } },
            sources: oaSources,
          },
        }),
        '400': oaBadRequest,
      },
    },
  },
};
