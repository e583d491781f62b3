// Checks a proposed CPTS perimeter without storing anything: population and size band, overlaps with
// existing CPTS, contiguity, white-zone communes it would cover.
import type { Queryable } from '../db/port.js';
import { bandInfo, type BandInfo } from '../domain/bands.js';
import { InvalidInputError } from '../domain/errors.js';
import { areaShareSql } from '../domain/rules-sql.js';
import { currentCommunes } from './communes.js';
import { separateParts } from './contiguity.js';

export interface PerimeterCommune {
  code: string;
  nom: string;
  departement: string;
  population: number | null;
  /** Share of the commune's area inside the proposed polygon (geometry mode); 1 in commune mode. */
  part: number;
  /** The commune is in no existing CPTS. */
  zoneBlanche: boolean;
}

export interface PerimeterOverlap {
  id: string;
  nom: string;
  statut: string;
  perimetre: string;
  nbCommunes: number;
  communes: string[];
  /** Population of the shared communes. */
  population: number;
  /** Share of the existing CPTS's population in the shared communes, %, 1 decimal. */
  partDeLaCptsPct: number | null;
}

export interface PerimeterPart {
  numero: number;
  nbCommunes: number;
  communes: string[];
  population: number;
}

export interface PerimeterCheck extends BandInfo {
  mode: 'communes' | 'geometrie';
  population: number;
  nbCommunes: number;
  superficieKm2: number;
  communes: PerimeterCommune[];
  communesIntrouvables: string[];
  codesConvertis: { code: string; codeActuel: string }[];
  /** Geometry mode: communes the polygon reaches (≥ 1 % of their area) without reaching the threshold. */
  communesSousLeSeuil: { code: string; nom: string; part: number }[];
  seuil: number | null;
  chevauchements: PerimeterOverlap[];
  contigu: boolean;
  parties: PerimeterPart[];
  zonesBlanches: { nbCommunes: number; population: number; communes: string[] };
  avertissements: string[];
}

const byte = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Commune mode: codes as given are looked up first; codes not in the table are mapped to the current COG
 * (communes merged since, arrondissements) and reported. Duplicates count once.
 */
async function resolveCodes(
  db: Queryable,
  codes: readonly string[],
): Promise<{ members: Map<string, number>; introuvables: string[]; convertis: { code: string; codeActuel: string }[] }> {
  const current = await currentCommunes(db, codes);
  const convertis: { code: string; codeActuel: string }[] = [];
  const members = new Map<string, number>();
  const introuvables: string[] = [];
  for (const c of new Set(codes)) {
    const actuel = current.get(c);
    if (actuel === undefined) introuvables.push(c);
    else {
      members.set(actuel, 1);
      if (actuel !== c) convertis.push({ code: c, codeActuel: actuel });
    }
  }
  return { members, introuvables: introuvables.sort(byte), convertis: convertis.sort((a, b) => byte(a.code, b.code)) };
}

/** The same repair as the CPTS GeoJSON importer: valid, 2D, polygons only, dissolved. */
const VALID_MULTIPOLYGON = `valid_multipolygon(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326))`; // migration 010

/**
 * Geometry mode: a commune is a member when the polygon covers at least `threshold` of its true (spheroidal)
 * area (areaShareSql, shared with the CPTS GeoJSON importer).
 */
async function membersFromGeometry(
  db: Queryable,
  geometry: string,
  threshold: number,
): Promise<{ members: Map<string, number>; sousLeSeuil: { code: string; nom: string; part: number }[] }> {
  let check;
  try {
    check = await db.query<{ empty: boolean; valid: boolean; reason: string }>(
      `SELECT ST_IsEmpty(${VALID_MULTIPOLYGON}) AS empty, ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason
         FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g) x`,
      [geometry],
    );
  } catch (e) {
    throw new InvalidInputError(`Géométrie invalide : PostGIS ne peut pas la lire (${(e as Error).message})`);
  }
  if (check.rows[0]!.empty) {
    throw new InvalidInputError(`Géométrie vide : une fois rendue valide, elle n’a aucune surface (${check.rows[0]!.reason})`);
  }
  const r = await db.query<{ code: string; nom: string; share: number }>(
    `WITH g AS (SELECT ${VALID_MULTIPOLYGON} AS g)
     SELECT c.code, c.nom, ${areaShareSql('c.geom', 'g.g')} AS share
       FROM commune c, g
      WHERE c.geom && g.g AND ST_Intersects(c.geom, g.g)
      ORDER BY c.code COLLATE "C"`,
    [geometry],
  );
  const members = new Map<string, number>();
  const sousLeSeuil: { code: string; nom: string; part: number }[] = [];
  for (const x of r.rows) {
    if (x.share >= threshold) members.set(x.code, Math.min(1, x.share));
    else if (x.share >= 0.01) sousLeSeuil.push({ code: x.code, nom: x.nom, part: Math.round(x.share * 1e4) / 1e4 });
  }
  return { members, sousLeSeuil };
}

/** The outlines of communes (GeoJSON text, 6 decimals), for the export of a checked perimeter. */
export async function communeOutlines(db: Queryable, codes: readonly string[]): Promise<Map<string, string | null>> {
  const r = await db.query<{ code: string; geometry: string | null }>(
    `SELECT code, ST_AsGeoJSON(geom, 6) AS geometry FROM commune WHERE code = ANY($1::text[])`,
    [codes],
  );
  return new Map(r.rows.map((x) => [x.code, x.geometry]));
}

export type PerimeterInput = { communes: string[] } | { geometry: object; threshold: number };

export async function checkPerimeter(db: Queryable, input: PerimeterInput): Promise<PerimeterCheck> {
  let members: Map<string, number>;
  let introuvables: string[] = [];
  let convertis: { code: string; codeActuel: string }[] = [];
  let sousLeSeuil: { code: string; nom: string; part: number }[] = [];
  let seuil: number | null = null;
  if ('communes' in input) {
    ({ members, introuvables, convertis } = await resolveCodes(db, input.communes));
  } else {
    seuil = input.threshold;
    ({ members, sousLeSeuil } = await membersFromGeometry(db, JSON.stringify(input.geometry), input.threshold));
  }
  const codes = [...members.keys()].sort(byte);
  const parts = codes.map((c) => members.get(c)!);

  const info = await db.query<{
    code: string;
    nom: string;
    departement: string;
    population: number | null;
    superficie: number;
    zone_blanche: boolean;
  }>(
    `SELECT c.code, c.nom, c.departement, c.population, c.area_km2 * u.part AS superficie,
            NOT EXISTS (SELECT 1 FROM cpts_commune m WHERE m.commune_code = c.code) AS zone_blanche
       FROM unnest($1::text[], $2::float8[]) AS u(code, part) JOIN commune c ON c.code = u.code
      ORDER BY c.code COLLATE "C"`,
    [codes, parts],
  );

  const overlaps = await db.query<{
    id: string;
    nom: string;
    statut: string;
    perimetre: string;
    nb_communes: number;
    communes: string[];
    population: number;
    part: number | null;
  }>(
    `WITH shared AS (
       SELECT m.cpts_id, c.code, c.population
         FROM cpts_commune m JOIN commune c ON c.code = m.commune_code
        WHERE m.commune_code = ANY($1::text[])
     ), whole AS (
       SELECT m.cpts_id, coalesce(sum(c.population), 0)::bigint AS population
         FROM cpts_commune m JOIN commune c ON c.code = m.commune_code
        WHERE m.cpts_id IN (SELECT cpts_id FROM shared) GROUP BY m.cpts_id
     )
     SELECT k.id, k.nom, k.statut, k.perimetre, count(*)::int AS nb_communes,
            array_agg(s.code ORDER BY s.code COLLATE "C") AS communes,
            coalesce(sum(s.population), 0)::bigint AS population,
            round(100 * coalesce(sum(s.population), 0)::numeric / nullif(w.population, 0), 1) AS part
       FROM shared s JOIN cpts k ON k.id = s.cpts_id JOIN whole w ON w.cpts_id = s.cpts_id
      GROUP BY k.id, k.nom, k.statut, k.perimetre, w.population
      ORDER BY population DESC, k.id COLLATE "C"`,
    [codes],
  );

  // Contiguity: parts of the graph of the member communes linked by a shared border (contiguity.ts).
  const { parts: groups, withoutOutline } = await separateParts(db, codes);
  const populationOf = new Map(info.rows.map((c) => [c.code, c.population ?? 0]));
  const parties = groups
    .map((communes) => ({ communes, population: communes.reduce((sum, c) => sum + populationOf.get(c)!, 0) }))
    .sort((a, b) => b.communes.length - a.communes.length || b.population - a.population || byte(a.communes[0]!, b.communes[0]!))
    .map((p, i) => ({ numero: i + 1, nbCommunes: p.communes.length, communes: p.communes, population: p.population }));

  const communes: PerimeterCommune[] = info.rows.map((c) => ({
    code: c.code,
    nom: c.nom,
    departement: c.departement,
    population: c.population,
    part: Math.round(members.get(c.code)! * 1e4) / 1e4,
    zoneBlanche: c.zone_blanche,
  }));
  const population = communes.reduce((s, c) => s + (c.population ?? 0), 0);
  const superficieKm2 = Math.round(info.rows.reduce((s, c) => s + c.superficie, 0) * 100) / 100;
  const blanches = communes.filter((c) => c.zoneBlanche);
  const band = bandInfo(population);

  const avertissements: string[] = [];
  if (band.avertissementSeuil) avertissements.push(band.avertissementSeuil.message);
  if (introuvables.length) avertissements.push(`${introuvables.length} code(s) INSEE introuvable(s) : ${introuvables.join(', ')}.`);
  for (const c of convertis) avertissements.push(`Le code ${c.code} n’est plus en vigueur : commune actuelle ${c.codeActuel}.`);
  if (parties.length > 1) {
    avertissements.push(
      `Périmètre non contigu : ${parties.length} parties séparées (des communes qui ne se touchent qu’en un point ne sont pas contiguës).`,
    );
  }
  if (withoutOutline.length) {
    avertissements.push(`Contiguïté jugée sans ${withoutOutline.length} commune(s) dont le contour est inconnu : ${withoutOutline.join(', ')}.`);
  }
  if (overlaps.rows.length) {
    avertissements.push(
      `Chevauche ${overlaps.rows.length} CPTS existante(s) : ${overlaps.rows.map((o) => `${o.nom} (${o.nb_communes} commune(s))`).join(', ')}.`,
    );
  }
  const nonOfficiels = overlaps.rows.filter((o) => o.perimetre !== 'officiel');
  if (nonOfficiels.length) {
    avertissements.push(
      `Périmètre non officiel (approximatif ou illustratif) pour : ${nonOfficiels.map((o) => o.nom).join(', ')} ; chevauchement à confirmer.`,
    );
  }
  if (!communes.length) avertissements.push('Aucune commune retenue : le périmètre est vide.');
  if (population === 0 && communes.length) avertissements.push('Population inconnue pour toutes les communes retenues.');
  if (communes.some((c) => c.population === null)) avertissements.push('Certaines communes n’ont pas de population connue (comptées 0).');

  return {
    mode: 'communes' in input ? 'communes' : 'geometrie',
    population,
    nbCommunes: communes.length,
    superficieKm2,
    ...band,
    communes,
    communesIntrouvables: introuvables,
    codesConvertis: convertis,
    communesSousLeSeuil: sousLeSeuil,
    seuil,
    chevauchements: overlaps.rows.map((o) => ({
      id: o.id,
      nom: o.nom,
      statut: o.statut,
      perimetre: o.perimetre,
      nbCommunes: o.nb_communes,
      communes: o.communes,
      population: o.population,
      partDeLaCptsPct: o.part,
    })),
    contigu: parties.length === 1,
    parties,
    zonesBlanches: { nbCommunes: blanches.length, population: blanches.reduce((s, c) => s + (c.population ?? 0), 0), communes: blanches.map((c) => c.code) },
    avertissements,
  };
}
