// The vector tile layers: one SQL query per layer, shared by both encoders.
//
// Each query takes $1 = z, $2 = x, $3 = y, selects the features whose indexed EPSG:3857 geometry meets the tile
// envelope grown by the buffer (`geom_3857 && ST_TileEnvelope(z, x, y, margin => …)`), their attributes, and one
// column named `geom` built by the encoder's `tileGeom` function from an EPSG:3857 geometry expression:
// ST_AsMVTGeom on PostGIS (mvt-postgis.ts), an equivalent clip-and-snap in SQL returned as GeoJSON on PGlite,
// which has no ST_AsMVTGeom (mvt-js.ts). Rows whose `geom` comes out NULL (collapsed below a tile unit) are dropped
// by the encoders. Attributes are plain SQL types (text, integer, bigint, double precision, boolean); a NULL
// attribute is left out of the feature, as ST_AsMVT does. Features are ordered by their key (byte order, the same on
// every backend and locale).

import { ACI_TABLE, type AciTable } from '../domain/bands.js';
import { PROBABLE_MEMBERSHIP_RADIUS_M, SECRET_MIN } from '../domain/rules.js';
import { cptsSql, decisionOfPairSql, gpDensitySql, gpSecretSql, isCoveredCode, joinableSql, membershipSql, openSql, pharmacyStatusSql, withinProbableRadiusSql } from '../domain/rules-sql.js';
import { CPTS_STATUTS, DECISIONS, PERIMETRES, PHARMACY_STATUS_DEFINITIONS, PHARMACY_STATUSES, STRUCTURE_TYPES, ZONES } from '../domain/vocabulary.js';
import { LABEL_ZOOMS, communeLabelStep } from '../domain/labels.js';

/** Tile extent (coordinate units per tile side) and buffer (units beyond each edge), as in martin and PostGIS. */
export const EXTENT = 4096;
export const BUFFER = 64;
/** Below this zoom, polygon layers read the generalised outlines (commune.geom_3857_low, cpts.geom_3857_low). */
export const LOW_ZOOM_BELOW = 9;
/** Below this zoom, communes and overlaps read the coarsest commune outlines (commune.geom_3857_lowest, 600 m: migration 113). */
export const LOWEST_ZOOM_BELOW = 6;

/** The commune outline drawn at zoom z, the coarser the lower (communes, and the overlaps' unions of communes). */
const communeGeomColumn = (z: number) => (z < LOWEST_ZOOM_BELOW ? 'geom_3857_lowest' : z < LOW_ZOOM_BELOW ? 'geom_3857_low' : 'geom_3857');

/** The buffered tile envelope, for the index filter. */
export const TILE_FILTER_ENVELOPE = `ST_TileEnvelope($1::int, $2::int, $3::int, margin => ${BUFFER / EXTENT})`;
/** The tile envelope itself, for the encoders. */
export const TILE_ENVELOPE = 'ST_TileEnvelope($1::int, $2::int, $3::int)';

/** Turns an EPSG:3857 geometry expression into the encoder's tile geometry column expression. */
export type TileGeom = (geom3857: string) => string;

export type AttributeType = 'string' | 'number' | 'boolean';

export interface TileAttribute {
  name: string;
  type: AttributeType;
  /** French description for the map client and the OpenAPI document. */
  description: string;
  /** The values a string attribute may take, when they are a closed list. */
  values?: readonly string[];
}

export interface TileLayer {
  id: string;
  geometry: 'polygon' | 'point';
  /** French description. */
  description: string;
  attributes: readonly TileAttribute[];
  /** Zoom range the map client should request (the server answers every zoom from 0 to 22). */
  minzoom: number;
  maxzoom: number;
  /** Import kinds the layer is built from (for `sources`). */
  kinds: readonly ('communes' | 'finess' | 'cpts' | 'gp' | 'zoning' | 'memberships' | 'bassins')[];
  /** The layer can be drawn « as of » a day (?date=): its SQL then reads the day from $4 (migration 061). */
  asOf?: true;
  /** `day`: the SQL expression of the day (`$4`) for a dated tile of an `asOf` layer, else undefined (today). */
  sql(z: number, tileGeom: TileGeom, day?: string): string;
}

/** The parameter that holds the day of a dated tile ($1…$3 are z, x, y). */
export const TILE_DAY_PARAM = '$4';

/** ACI size band of a CPTS from its population, from the band table (T1 < 40,000 ≤ T2 < 80,000 ≤ T3 < 175,000 ≤ T4). */
export function bandSql(population: string, table: AciTable = ACI_TABLE): string {
  const bands = table.bandes;
  const whens = bands
    .filter((b) => b.populationMaxExclue !== null)
    .map((b) => `WHEN ${population} < ${b.populationMaxExclue} THEN '${b.code}'`)
    .join(' ');
  return `CASE ${whens} ELSE '${bands[bands.length - 1]!.code}' END`;
}

/**
 * A box in degrees around a pharmacy that holds every point within PROBABLE_MEMBERSHIP_RADIUS_M (150 m) of it, up to 60° of latitude
 * (150 m is 0.0027° of longitude there): a filter on the partial MSP/CSP index of migration 004 before the
 * exact distance on the spheroid (the distance used by server/src/analysis/pharmacies.ts).
 */
const NEAR_BOX_DEG = 0.003;

const communes: TileLayer = {
  id: 'communes',
  geometry: 'polygon',
  description:
    'Communes : population, nombre de médecins généralistes et densité pour 10 000 habitants, couverture par une CPTS, zonage ARS.',
  attributes: [
    { name: 'code', type: 'string', description: 'Code INSEE de la commune (COG en vigueur)' },
    { name: 'nom', type: 'string', description: 'Nom de la commune' },
    { name: 'population', type: 'number', description: 'Population municipale (INSEE)' },
    { name: 'gp', type: 'number', description: 'Nombre de médecins généralistes (absent si inconnu ; peut être un indicateur approché, voir les sources)' },
    {
      name: 'densiteGeneralistes',
      type: 'number',
      description: `Médecins généralistes pour 10 000 habitants, arrondi au dixième ; absent si inconnu ou si moins de ${SECRET_MIN} médecins`,
    },
    { name: 'secretStatistique', type: 'boolean', description: `Présent (vrai) quand la densité est masquée : moins de ${SECRET_MIN} médecins` },
    { name: 'couverte', type: 'boolean', description: 'Vrai si la commune (ou l’un de ses arrondissements) appartient à au moins une CPTS' },
    { name: 'zoneBlanche', type: 'boolean', description: 'Vrai si ni la commune ni aucun de ses arrondissements n’appartient à une CPTS (zone blanche)' },
    { name: 'zone', type: 'string', description: `Zonage ARS des médecins : ${ZONES.join(', ')} (absent si non importé ou non disponible)`, values: ZONES },
    { name: 'bassinVie', type: 'string', description: 'Bassin de vie INSEE de la commune : « nom (code) » (absent si non importé)' },
    { name: 'zoneEmploi', type: 'string', description: 'Zone d’emploi INSEE de la commune : « nom (code) » (absent si non importée)' },
  ],
  minzoom: 5,
  maxzoom: 14,
  kinds: ['communes', 'gp', 'zoning', 'cpts', 'bassins'],
  asOf: true,
  sql: (z, tileGeom, day) => `
    SELECT c.code, c.nom, c.population,
           o.nb_generalistes AS gp,
           ${gpDensitySql('o.nb_generalistes', 'c.population')} AS "densiteGeneralistes",
           ${gpSecretSql('o.nb_generalistes')} AS "secretStatistique",
           cov.covered AS couverte, NOT cov.covered AS "zoneBlanche",
           zo.zone, bv.nom || ' (' || bv.code || ')' AS "bassinVie", ze.nom || ' (' || ze.code || ')' AS "zoneEmploi",
           ${tileGeom(`c.${communeGeomColumn(z)}`)} AS geom
      FROM commune c
      LEFT JOIN offre_mg o ON o.commune_code = c.code
      LEFT JOIN zonage zo ON zo.commune_code = c.code
      LEFT JOIN commune_bassin cb ON cb.commune_code = c.code
      LEFT JOIN bassin_vie bv ON bv.code = cb.bassin_vie
      LEFT JOIN zone_emploi ze ON ze.code = cb.zone_emploi
     -- OFFSET 0 keeps the subquery: flattened, its expression was copied into couverte and zoneBlanche and computed
     -- twice (two hashed subplans, each over a scan of commune: z5 tiles 22 % slower)
     CROSS JOIN LATERAL (SELECT ${isCoveredCode('c.code', day)} AS covered OFFSET 0) cov
     WHERE c.geom_3857 && ${TILE_FILTER_ENVELOPE}
     ORDER BY c.code COLLATE "C"`,
};

const cpts: TileLayer = {
  id: 'cpts',
  geometry: 'polygon',
  description: 'CPTS : périmètre, taille ACI (T1 à T4) selon la population, statut, nature du périmètre, chevauchement avec une autre CPTS.',
  attributes: [
    { name: 'id', type: 'string', description: 'Identifiant de la CPTS (numéro FINESS s’il existe)' },
    { name: 'nom', type: 'string', description: 'Nom de la CPTS' },
    {
      name: 'tranche',
      type: 'string',
      description: 'Taille ACI selon la population : T1 (moins de 40 000), T2 (40 000 à moins de 80 000), T3 (80 000 à moins de 175 000), T4 (175 000 et plus)',
      values: ['T1', 'T2', 'T3', 'T4'],
    },
    { name: 'population', type: 'number', description: 'Population des communes membres (communes entières)' },
    { name: 'statut', type: 'string', description: 'Statut du projet', values: CPTS_STATUTS },
    {
      name: 'perimetre',
      type: 'string',
      description: 'Nature du périmètre : officiel (ARS), approximatif (reconstitué) ou illustratif (proposition)',
      values: PERIMETRES,
    },
    { name: 'enChevauchement', type: 'boolean', description: 'Vrai si la CPTS partage au moins une commune avec une autre CPTS' },
    { name: 'source', type: 'string', description: 'Source du périmètre, à citer (ex. « ARS PACA, listing des CPTS, janvier 2026 »)' },
  ],
  minzoom: 4,
  maxzoom: 14,
  kinds: ['cpts', 'communes'],
  asOf: true,
  sql: (z, tileGeom, day) => `
    SELECT k.id, k.nom, ${bandSql('p.population')} AS tranche, p.population, k.statut, k.perimetre, k.source,
           EXISTS (SELECT 1 FROM ${membershipSql(day)} m JOIN ${membershipSql(day)} o ON o.commune_code = m.commune_code AND o.cpts_id <> m.cpts_id
                    WHERE m.cpts_id = k.id) AS "enChevauchement",
           ${tileGeom(z < LOW_ZOOM_BELOW ? 'k.geom_3857_low' : 'k.geom_3857')} AS geom
      FROM ${cptsSql(day)} k
      LEFT JOIN LATERAL (SELECT coalesce(sum(c.population), 0)::bigint AS population
                           FROM ${membershipSql(day)} m JOIN commune c ON c.code = m.commune_code
                          WHERE m.cpts_id = k.id) p ON true
     WHERE k.geom_3857 && ${TILE_FILTER_ENVELOPE}
     ORDER BY k.id COLLATE "C"`,
};

// The shared communes of each pair, from the membership table; the geometry is the union of those shared
// communes that meet the tile (the others would be clipped away), the counts are over all shared communes.
// CPTS drawn on the same intercommunality share the same communes pairwise: each distinct set of communes is
// unioned and turned into tile geometry once, not once per pair. (Letting ST_AsMVTGeom merge an ST_Collect is
// three times faster but wrong: wagyu fills by parity, so where an enclave overlaps the rim of its commune's
// hole the overlap is left empty; ST_MakeValid does the same on other shapes.) The communes in several CPTS are found by one
// scan of the membership table at low zooms (thousands of communes per tile), from the tile's communes above;
// the totals of each pair are index look-ups in the membership table.
const SHARED_SCAN_BELOW = 8;
const overlaps: TileLayer = {
  id: 'overlaps',
  geometry: 'polygon',
  description: 'Chevauchements : pour chaque paire de CPTS partageant des communes, l’union des communes partagées.',
  attributes: [
    { name: 'id', type: 'string', description: 'Identifiant de la paire : « idA|idB », idA avant idB (ordre des octets, comme /api/overlaps)' },
    { name: 'cptsA', type: 'string', description: 'Identifiant de la première CPTS' },
    { name: 'cptsB', type: 'string', description: 'Identifiant de la seconde CPTS' },
    { name: 'nomA', type: 'string', description: 'Nom de la première CPTS' },
    { name: 'nomB', type: 'string', description: 'Nom de la seconde CPTS' },
    { name: 'nbCommunesPartagees', type: 'number', description: 'Nombre de communes partagées' },
    { name: 'populationPartagee', type: 'number', description: 'Population des communes partagées' },
    { name: 'decision', type: 'string', description: 'Décision en cours sur la paire (conciliation), à la date demandée le cas échéant', values: DECISIONS },
  ],
  minzoom: 5,
  maxzoom: 14,
  kinds: ['cpts', 'communes'],
  asOf: true,
  sql: (z, tileGeom, day) => {
    const g = `c.${communeGeomColumn(z)}`;
    const here =
      z < SHARED_SCAN_BELOW
        ? `SELECT c.code, ${g} AS g, s.ids
             FROM (SELECT commune_code, array_agg(cpts_id ORDER BY cpts_id COLLATE "C") AS ids
                     FROM ${membershipSql(day)} GROUP BY commune_code HAVING count(*) > 1) s
             JOIN commune c ON c.code = s.commune_code
            WHERE c.geom_3857 && ${TILE_FILTER_ENVELOPE}`
        : `SELECT c.code, ${g} AS g, m.ids
             FROM commune c
            CROSS JOIN LATERAL (SELECT array_agg(m.cpts_id ORDER BY m.cpts_id COLLATE "C") AS ids
                                  FROM ${membershipSql(day)} m WHERE m.commune_code = c.code) m
            WHERE c.geom_3857 && ${TILE_FILTER_ENVELOPE} AND cardinality(m.ids) > 1`;
    return `
    WITH here AS MATERIALIZED (${here}
    ), pairs AS (
      SELECT a, b, array_agg(h.code ORDER BY h.code) AS codes
        FROM here h CROSS JOIN LATERAL unnest(h.ids) a CROSS JOIN LATERAL unnest(h.ids) b
       WHERE a COLLATE "C" < b COLLATE "C"
       GROUP BY a, b
    ), shapes AS MATERIALIZED (
      SELECT s.codes, ${tileGeom('safe_union(array_agg(h.g))')} AS g
        FROM (SELECT DISTINCT codes FROM pairs) s
       CROSS JOIN LATERAL unnest(s.codes) u(code)
        JOIN here h ON h.code = u.code
       GROUP BY s.codes
    )
    SELECT p.a || '|' || p.b AS id, p.a AS "cptsA", p.b AS "cptsB",
           (SELECT k.nom FROM cpts k WHERE k.id = p.a) AS "nomA", (SELECT k.nom FROM cpts k WHERE k.id = p.b) AS "nomB",
           t."nbCommunesPartagees", t."populationPartagee",
           ${decisionOfPairSql('p.a', 'p.b', day)} AS decision,
           s.g AS geom
      FROM pairs p
      JOIN shapes s ON s.codes = p.codes
     CROSS JOIN LATERAL (SELECT count(*)::int AS "nbCommunesPartagees", sum(c.population)::bigint AS "populationPartagee"
                           FROM ${membershipSql(day)} ma
                           JOIN ${membershipSql(day)} mb ON mb.cpts_id = p.b AND mb.commune_code = ma.commune_code
                           JOIN commune c ON c.code = ma.commune_code
                          WHERE ma.cpts_id = p.a) t
     ORDER BY p.a COLLATE "C", p.b COLLATE "C"`;
  },
};

const structures: TileLayer = {
  id: 'structures',
  geometry: 'point',
  description: 'Structures d’exercice coordonné : MSP, centres de santé, ESP, sièges de CPTS.',
  attributes: [
    { name: 'finess', type: 'string', description: 'Numéro FINESS de l’établissement (ou identifiant de la source)' },
    { name: 'nom', type: 'string', description: 'Nom de la structure' },
    { name: 'type', type: 'string', description: 'Type de structure', values: STRUCTURE_TYPES },
  ],
  minzoom: 5,
  maxzoom: 14,
  kinds: ['finess'],
  sql: (_z, tileGeom) => `
    SELECT s.finess, s.nom, s.type, ${tileGeom('s.geom_3857')} AS geom
      FROM structure s
     WHERE s.geom_3857 && ${TILE_FILTER_ENVELOPE} AND ${openSql('s')}
     ORDER BY s.finess COLLATE "C"`,
};


const pharmacies: TileLayer = {
  id: 'pharmacies',
  geometry: 'point',
  description: 'Officines : adhésion à une structure d’exercice coordonné ou à une CPTS, couverture de leur commune, proximité d’une MSP ou d’un CSP.',
  attributes: [
    { name: 'finess', type: 'string', description: 'Numéro FINESS de l’officine' },
    { name: 'nom', type: 'string', description: 'Nom de l’officine' },
    {
      name: 'statut',
      type: 'string',
      description: PHARMACY_STATUSES.map((s) => `${s} : ${PHARMACY_STATUS_DEFINITIONS[s]}`).join(' ; '),
      values: PHARMACY_STATUSES,
    },
    {
      name: 'procheStructure',
      type: 'boolean',
      description: `Vrai si une structure ouverte que l’officine peut rejoindre (MSP, ESP, centre de santé médical ou polyvalent) est à moins de ${PROBABLE_MEMBERSHIP_RADIUS_M} m`,
    },
  ],
  // a département or a région then shows them (the map draws them from there)
  minzoom: 6,
  maxzoom: 14,
  kinds: ['finess', 'memberships', 'cpts'],
  sql: (_z, tileGeom) => `
    SELECT p.finess, p.nom,
           ${pharmacyStatusSql('p')} AS statut,
           EXISTS (SELECT 1 FROM structure s
                    WHERE ${joinableSql('s')} AND ${openSql('s')} AND s.geom && ST_Expand(p.geom, ${NEAR_BOX_DEG})
                      AND ${withinProbableRadiusSql('s.geom', 'p.geom')}) AS "procheStructure",
           ${tileGeom('p.geom_3857')} AS geom
      FROM pharmacie p
     WHERE p.geom_3857 && ${TILE_FILTER_ENVELOPE} AND ${openSql('p')}
     ORDER BY p.finess COLLATE "C"`,
};

// Outlines of départements and régions, dissolved from the communes at import (migration 040); drawn as lines.
const limites: TileLayer = {
  id: 'limites',
  geometry: 'polygon',
  description: 'Limites des départements et des régions (réunion des communes importées).',
  attributes: [
    { name: 'id', type: 'string', description: 'Identifiant : niveau et code (« departement-44 », « region-52 »)' },
    { name: 'niveau', type: 'string', description: 'Département ou région', values: ['departement', 'region'] },
    { name: 'code', type: 'string', description: 'Code INSEE du département ou de la région' },
    { name: 'nom', type: 'string', description: 'Nom du département ou de la région' },
  ],
  minzoom: 4,
  maxzoom: 14,
  kinds: ['communes'],
  sql: (z, tileGeom) => `
    SELECT a.niveau || '-' || a.code AS id, a.niveau, a.code, a.nom,
           ${tileGeom(z < LOW_ZOOM_BELOW ? 'a.geom_3857_low' : 'a.geom_3857')} AS geom
      FROM contour_admin a
     WHERE a.geom_3857 && ${TILE_FILTER_ENVELOPE}
     ORDER BY a.niveau COLLATE "C", a.code COLLATE "C"`,
};

const inZooms = (z: number, r: { min: number; max: number }) => r.min <= z && z <= r.max;

/** The communes named at zoom z (server/src/domain/labels.ts), as a condition on commune c and commune_etiquette e. */
function communeLabelFilter(z: number): string | undefined {
  const step = communeLabelStep(z);
  if (step === 'all') return 'true';
  return step && `(c.population >= ${step.populationMin} OR e.rang_departement <= ${step.rankMax})`;
}

// Label points: one layer for every name, so that a view costs one request more. Which names a tile holds depends
// on its zoom (server/src/domain/labels.ts); the client sizes and orders them by nature and population.
const etiquettes: TileLayer = {
  id: 'etiquettes',
  geometry: 'point',
  description: 'Noms à afficher sur la carte : régions, départements, CPTS et communes (par population, davantage en zoomant).',
  attributes: [
    { name: 'id', type: 'string', description: 'Identifiant : nature et code (« commune-44109 », « cpts-440056653 »)' },
    { name: 'nature', type: 'string', description: 'Ce qui est nommé', values: ['region', 'departement', 'cpts', 'commune'] },
    { name: 'code', type: 'string', description: 'Code INSEE (commune, département, région) ou identifiant de la CPTS' },
    { name: 'nom', type: 'string', description: 'Nom affiché' },
    { name: 'population', type: 'number', description: 'Population municipale (communes, départements et régions)' },
    { name: 'rangDepartement', type: 'number', description: 'Rang de la commune par population dans son département (1 : la plus peuplée)' },
  ],
  minzoom: 4,
  maxzoom: 14,
  kinds: ['communes', 'cpts'],
  sql: (z, tileGeom) => {
    const parts: string[] = [];
    for (const niveau of ['region', 'departement'] as const) {
      if (!inZooms(z, LABEL_ZOOMS[niveau])) continue;
      parts.push(`SELECT a.niveau, a.code, a.nom, a.population, NULL::int, a.etiquette_3857
                    FROM contour_admin a WHERE a.niveau = '${niveau}' AND a.etiquette_3857 && ${TILE_FILTER_ENVELOPE}`);
    }
    if (inZooms(z, LABEL_ZOOMS.cpts)) {
      parts.push(`SELECT 'cpts', k.id, k.nom, NULL::bigint, NULL::int, k.etiquette_3857 FROM cpts k WHERE k.etiquette_3857 && ${TILE_FILTER_ENVELOPE}`);
    }
    const communeFilter = communeLabelFilter(z);
    if (communeFilter) {
      parts.push(`SELECT 'commune', c.code, c.nom, c.population, e.rang_departement, e.geom_3857
                    FROM commune_etiquette e JOIN commune c ON c.code = e.code
                   WHERE e.geom_3857 && ${TILE_FILTER_ENVELOPE} AND ${communeFilter}`);
    }
    return `
    SELECT l.nature || '-' || l.code AS id, l.nature, l.code, l.nom, l.population, l.rang AS "rangDepartement",
           ${tileGeom('l.g')} AS geom
      FROM (${parts.join('\n      UNION ALL ')}) l (nature, code, nom, population, rang, g)
     ORDER BY l.nature COLLATE "C", l.code COLLATE "C"`;
  },
};

export const LAYERS: readonly TileLayer[] = [communes, cpts, overlaps, structures, pharmacies, limites, etiquettes];

/**
 * A layer's SQL for an encoder, built once per layer, zoom and kind (today's, or dated with the day in $4; as martin
 * builds one query per source) and then reused.
 */
export function sqlOnce(build: (layer: TileLayer, z: number, day?: string) => string): (layer: TileLayer, z: number, dated?: boolean) => string {
  const built = new Map<string, string>();
  return (layer, z, dated = false) => {
    const key = `${layer.id}/${z}/${dated}`;
    let sql = built.get(key);
    if (sql === undefined) built.set(key, (sql = build(layer, z, dated ? TILE_DAY_PARAM : undefined)));
    return sql;
  };
}

/** The query parameters of a tile: z, x, y, and the day of a dated tile. */
export const tileParams = (z: number, x: number, y: number, day?: string): unknown[] => (day ? [z, x, y, day] : [z, x, y]);

export function findLayer(id: string): TileLayer | undefined {
  return LAYERS.find((l) => l.id === id);
}

/**
 * The tile ranges (x0…x1, y0…y1) at zoom $1 of the communes' bounding boxes (generalised outlines), distinct:
 * where all layers have their data (`dataTiles` expands them). Same arithmetic as ST_TileEnvelope (EPSG:3857
 * square of ±20037508.342789244 m, rows counted from the north).
 */
export const DATA_TILE_RANGES_SQL = `
  SELECT DISTINCT greatest(0, floor((ST_XMin(b) + 20037508.342789244) / size))::int AS x0,
                  least(last, floor((ST_XMax(b) + 20037508.342789244) / size))::int AS x1,
                  greatest(0, floor((20037508.342789244 - ST_YMax(b)) / size))::int AS y0,
                  least(last, floor((20037508.342789244 - ST_YMin(b)) / size))::int AS y1
    FROM (SELECT geom_3857_low::box2d AS b, 40075016.685578488 / (2 ^ $1::int) AS size, 2 ^ $1::int - 1 AS last
            FROM commune WHERE geom_3857_low IS NOT NULL) c`;

export function dataTiles(ranges: readonly { x0: number; x1: number; y0: number; y1: number }[]): { x: number; y: number }[] {
  const seen = new Map<string, { x: number; y: number }>();
  for (const r of ranges) for (let x = r.x0; x <= r.x1; x++) for (let y = r.y0; y <= r.y1; y++) seen.set(`${x}/${y}`, { x, y });
  return [...seen.values()].sort((a, b) => a.y - b.y || a.x - b.x);
}

/** The distinct tiles of zoom z − 1 containing the given tiles of zoom z. */
export function parentTiles(tiles: readonly { x: number; y: number }[]): { x: number; y: number }[] {
  const seen = new Map<string, { x: number; y: number }>();
  for (const t of tiles) {
    const p = { x: t.x >> 1, y: t.y >> 1 };
    seen.set(`${p.x}/${p.y}`, p);
  }
  return [...seen.values()].sort((a, b) => a.y - b.y || a.x - b.x);
}
