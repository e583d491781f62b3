// Stateless check of a proposed CPTS perimeter (a list of communes or a polygon). Writes nothing.
import { z } from 'zod';
import { ERRORS, endpoint, featureCollection, geojson, json, sources, type Body } from './endpoint.js';
import { INSEE_RE } from './params.js';
import { bandInfo, count } from './shared.js';

export const MAX_COMMUNES = 2000;
const USAGE = 'corps JSON attendu : { "communes": ["44109", …] } ou { "geometrie": <Polygon ou MultiPolygon GeoJSON>, "seuil": 0.5 }';

const unknownKeys = (iss: z.core.$ZodRawIssue) =>
  iss.code === 'unrecognized_keys' ? `champ(s) inconnu(s) : ${iss.keys.join(', ')} ; ${USAGE}` : undefined;

/** Codes trimmed and upper-cased, then all checked: every invalid one is named (up to 10). */
export const inseeCodes = z
  .array(z.string({ error: 'chaque code INSEE doit être une chaîne, par exemple "44109"' }), { error: 'liste de codes INSEE attendue' })
  .min(1, { error: 'la liste de communes est vide' })
  .max(MAX_COMMUNES, { error: '2 000 communes au plus' })
  .transform((codes) => codes.map((c) => c.trim().toUpperCase()))
  .check((ctx) => {
    const bad = ctx.value.filter((c) => !INSEE_RE.test(c));
    if (!bad.length) return;
    const shown = bad.slice(0, 10).map((c) => `« ${c} »`).join(', ');
    const hint = bad.some((c) => /^\d{4}$/.test(c)) ? ' (4 chiffres : un zéro initial perdu par un tableur ?)' : '';
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message:
        `Code(s) INSEE invalide(s) : ${shown}${bad.length > 10 ? ` et ${bad.length - 10} autre(s)` : ''}${hint} ; ` +
        '5 caractères attendus, par exemple 44109 ou 2A004',
    });
  })
  .meta({ description: 'Codes INSEE des communes (5 caractères : 44109, 2A004)' });

const CommunesBody = z.strictObject({ communes: inseeCodes }, { error: unknownKeys });

/** Bounds on a proposed polygon, so that one request cannot hold the database for long (a CPTS is far smaller). */
export const POLYGON_LIMITS = { parts: 200, vertices: 100_000, areaKm2: 60_000 };

/** Area in km² of a ring of [lon, lat] positions, on a local equirectangular projection: enough to bound input. */
function ringAreaKm2(ring: number[][]): number {
  const lat0 = (ring.reduce((s, p) => s + p[1]!, 0) / ring.length) * (Math.PI / 180);
  const kx = 111.32 * Math.cos(lat0);
  let twice = 0;
  for (let i = 1; i < ring.length; i++) {
    const [x1, y1] = ring[i - 1]!;
    const [x2, y2] = ring[i]!;
    twice += x1! * kx * y2! * 110.574 - x2! * kx * y1! * 110.574;
  }
  return Math.abs(twice) / 2;
}

/** The first bound a well-formed polygon exceeds, in French; undefined within bounds. Pure. */
export function polygonLimitProblem(type: 'Polygon' | 'MultiPolygon', coords: number[][][] | number[][][][]): string | undefined {
  const polygons = (type === 'Polygon' ? [coords] : coords) as number[][][][];
  const { parts, vertices, areaKm2 } = POLYGON_LIMITS;
  if (polygons.length > parts) return `${polygons.length} parties : ${parts} au plus`;
  const n = polygons.reduce((s, rings) => s + rings.reduce((t, r) => t + r.length, 0), 0);
  if (n > vertices) return `${n.toLocaleString('fr-FR')} sommets : ${vertices.toLocaleString('fr-FR')} au plus (simplifiez le contour)`;
  const area = polygons.reduce((s, [outer, ...holes]) => s + ringAreaKm2(outer!) - holes.reduce((t, h) => t + ringAreaKm2(h), 0), 0);
  if (area > areaKm2) return `superficie d’environ ${Math.round(area).toLocaleString('fr-FR')} km² : ${areaKm2.toLocaleString('fr-FR')} km² au plus pour une CPTS`;
  return undefined;
}

/** The first problem of a Polygon / MultiPolygon coordinate array, in French; undefined when well formed. Pure. */
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

const geometrie = z
  .object(
    {
      type: z.enum(['Polygon', 'MultiPolygon'], { error: 'type de géométrie attendu : Polygon ou MultiPolygon' }),
      coordinates: z.unknown(),
    },
    { error: 'géométrie GeoJSON attendue (objet avec type et coordinates)' },
  )
  .check((ctx) => {
    const { type, coordinates } = ctx.value;
    const problem =
      polygonCoordinatesProblem(type, coordinates) ?? polygonLimitProblem(type, coordinates as number[][][] | number[][][][]);
    if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: `Géométrie invalide : ${problem}` });
  })
  .meta({ description: 'Polygon ou MultiPolygon GeoJSON en WGS84 (EPSG:4326), rendu valide par ST_MakeValid' });

const GeometryBody = z.strictObject(
  {
    geometrie,
    seuil: z
      .number({ error: 'seuil attendu : nombre entre 0 (exclu) et 1' })
      .gt(0, { error: 'le seuil doit être strictement positif' })
      .max(1, { error: 'le seuil ne peut dépasser 1 (part de la surface de la commune)' })
      .optional()
      .meta({ description: 'Part minimale de la surface d’une commune dans le polygone pour la retenir (par défaut, celle de l’import GeoJSON des CPTS : 0,5)' }),
  },
  { error: unknownKeys },
);

const has = (v: object, k: string) => Object.prototype.hasOwnProperty.call(v, k);

/** Exactly one of `communes` and `geometrie`; the branch chosen by the key present gives the messages. */
export const PerimeterBody = z.preprocess(
  (v, ctx) => {
    const fail = (message: string) => ctx.issues.push({ code: 'custom', input: v, message });
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(USAGE);
    else if (has(v, 'communes') && has(v, 'geometrie')) fail(`communes OU geometrie, pas les deux ; ${USAGE}`);
    else if (!has(v, 'communes') && !has(v, 'geometrie')) fail(USAGE);
    else {
      const r = (has(v, 'communes') ? CommunesBody : GeometryBody).safeParse(v);
      if (!r.success) for (const i of r.error.issues) ctx.issues.push({ ...i, input: v } as z.core.$ZodRawIssue);
    }
    return v;
  },
  z.union([CommunesBody, GeometryBody]),
);
export type PerimeterInput = z.input<typeof PerimeterBody>;
export type PerimeterBodyParsed = z.output<typeof PerimeterBody>;

const PerimeterCheck = z
  .strictObject({
    mode: z.enum(['communes', 'geometrie']),
    population: count,
    nbCommunes: count,
    superficieKm2: z.number(),
    ...bandInfo,
    communes: z.array(
      z.strictObject({
        code: z.string(),
        nom: z.string(),
        departement: z.string(),
        population: count.nullable(),
        part: z.number().meta({ description: 'Part de la surface de la commune dans le polygone (1 en mode communes)' }),
        zoneBlanche: z.boolean().meta({ description: 'La commune n’est dans aucune CPTS existante' }),
      }),
    ),
    communesIntrouvables: z.array(z.string()),
    codesConvertis: z
      .array(z.strictObject({ code: z.string(), codeActuel: z.string() }))
      .meta({ description: 'Anciens codes INSEE et la commune actuelle qui les a repris' }),
    communesSousLeSeuil: z
      .array(z.strictObject({ code: z.string(), nom: z.string(), part: z.number() }))
      .meta({ description: 'Mode géométrie : communes atteintes (≥ 1 % de leur surface) sans atteindre le seuil' }),
    seuil: z.number().nullable(),
    chevauchements: z.array(
      z.strictObject({
        id: z.string(),
        nom: z.string(),
        statut: z.string(),
        perimetre: z.string(),
        nbCommunes: count,
        communes: z.array(z.string()),
        population: count.meta({ description: 'Population des communes partagées' }),
        partDeLaCptsPct: z.number().nullable().meta({ description: 'Part de la population de la CPTS existante dans les communes partagées (%)' }),
      }),
    ),
    contigu: z.boolean().meta({
      description: 'Vrai si les communes forment un seul ensemble : deux communes sont liées quand leurs contours ont une frontière commune (un point de contact ne suffit pas), quel que soit le nombre de morceaux de chacune',
    }),
    parties: z
      .array(z.strictObject({ numero: count, nbCommunes: count, communes: z.array(z.string()), population: count }))
      .meta({ description: 'Parties séparées, de la plus grande à la plus petite ; une commune sans contour connu n’est dans aucune' }),
    zonesBlanches: z.strictObject({ nbCommunes: count, population: count, communes: z.array(z.string()) }),
    avertissements: z.array(z.string()),
    sources,
  })
  .meta({ id: 'VerificationPerimetre' });

export const perimeterCheck = endpoint({
  method: 'post',
  path: '/api/perimeter/check',
  tag: 'Territoires',
  access: 'public',
  summary: 'Vérifie un projet de périmètre de CPTS (sans rien enregistrer)',
  description:
    'Population et taille ACI (avec alerte près d’un seuil), communes retenues ou introuvables (anciens codes convertis au COG en vigueur), ' +
    'chevauchements avec les CPTS existantes, contiguïté et parties séparées, communes en zone blanche couvertes. Avec une géométrie, ' +
    'une commune est retenue si le polygone couvre au moins `seuil` de sa surface (règle de l’import GeoJSON des CPTS).',
  body: PerimeterBody,
  responses: { 200: json('Le bilan du périmètre proposé', PerimeterCheck), 400: ERRORS[400], 413: ERRORS[413], 415: ERRORS[415] },
});

export type PerimeterCheckResponse = Body<typeof perimeterCheck>;

const PerimeterCommuneProps = z.strictObject({
  code: z.string(),
  nom: z.string(),
  population: count.nullable(),
  partie: count.meta({ description: 'Numéro de la partie séparée (1 si le périmètre est d’un seul tenant)' }),
  zoneBlanche: z.boolean(),
  partSurface: z.number().meta({ description: 'Part de la surface de la commune dans le polygone (1 en mode communes)' }),
});
export type PerimeterCommuneProps = z.infer<typeof PerimeterCommuneProps>;

export const perimeterCommunes = endpoint({
  method: 'post',
  path: '/api/perimeter/communes.geojson',
  tag: 'Territoires',
  access: 'public',
  summary: 'Communes retenues d’un projet de périmètre, avec leur contour (GeoJSON, sans rien enregistrer)',
  description: 'Même corps et mêmes règles que /api/perimeter/check ; une Feature par commune retenue, avec sa partie séparée.',
  body: PerimeterBody,
  responses: {
    200: geojson('Une Feature par commune retenue', featureCollection(PerimeterCommuneProps, { sources })),
    400: ERRORS[400],
    413: ERRORS[413],
    415: ERRORS[415],
  },
});
