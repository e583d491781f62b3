// CPTS figures for the ARS planner: population, communes, area, size band, structures, pharmacies and
// GP supply inside the perimeter — everything by commune membership (cpts_commune), in one query per list.
import { mapBatches } from '../db/cursor.js';
import type { Db, Queryable } from '../db/port.js';
import { bandInfo, frInt, type BandInfo } from '../domain/bands.js';
import { gpSupply, type GpSupply } from '../domain/rules.js';
import { cptsSql, joinableSql, membershipSql, openSql, otherCentreSql } from '../domain/rules-sql.js';
import {
  centreLabel,
  CPTS_STATUT_LIBELLES,
  ESP_NON_RECENSEES,
  ESP_NOTE,
  OTHER_CENTRES_NOTE,
  PERIMETRE_LIBELLES,
  PERIMETRE_NOTES,
  type CptsStatut,
  type Perimetre,
  type Zone,
} from '../domain/vocabulary.js';
import { overlapPairs, type OverlapPair } from './overlaps.js';

export interface CptsFilter {
  departement?: string;
  region?: string;
  statut?: string;
  bande?: string;
  /** As of this day (AAAA-MM-JJ): the CPTS that existed then, with their perimeter and status of that day. */
  date?: string | undefined;
}

export interface CptsSummary extends BandInfo {
  id: string;
  nom: string;
  finess: string | null;
  statut: CptsStatut;
  statutLibelle: string;
  perimetre: Perimetre;
  perimetreLibelle: string;
  /** True when the perimeter is not the official one (approximatif, illustratif): the UI must say so. */
  perimetreNonOfficiel: boolean;
  siege: { code: string; nom: string | null } | null;
  dateOuverture: string | null;
  dateMaj: string | null;
  source: string;
  /** The perimeter's source, to cite wherever it is shown (e.g. « ARS PACA, listing des CPTS, janvier 2026 »). */
  attribution: string;
  departements: string[];
  regions: string[];
  /** Sum of the INSEE population of the member communes (whole communes, even partly covered ones). */
  population: number;
  populationAnnee: number | null;
  nbCommunes: number;
  /** Members with part_surface < 1: their whole population is counted. */
  nbCommunesPartielles: number;
  populationCommunesPartielles: number;
  nbCommunesSansPopulation: number;
  /** Σ area_km2 × part_surface, 2 decimals. */
  superficieKm2: number;
  /**
   * Open structures of the member communes. msp, csp (medical or polyvalent centres) and esp: those a pharmacy can
   * join; esp null when none is known (FINESS lists none: « non recensées dans FINESS »); autresCentres: the other
   * centres de santé (nurses', dental…), listed apart; total: the joinable ones.
   */
  structures: {
    msp: number;
    csp: number;
    esp: number | null;
    espLibelle: string | null;
    siegeCpts: number;
    autre: number;
    autresCentres: number;
    total: number;
  };
  pharmacies: { dansLePerimetre: number; adherentes: number };
  offreMg: GpSupply;
  /** Other CPTS sharing at least one commune with this one. */
  nbCptsEnChevauchement: number;
  notes: string[];
}

interface SummaryRow {
  id: string;
  nom: string;
  finess: string | null;
  statut: CptsStatut;
  perimetre: Perimetre;
  siege_commune: string | null;
  siege_nom: string | null;
  date_ouverture: string | null;
  date_maj: string | null;
  source: string;
  nb_communes: number | null;
  population: number | null;
  population_annee: number | null;
  nb_sans_population: number | null;
  nb_partielles: number | null;
  population_partielles: number | null;
  superficie_km2: number | null;
  departements: string[] | null;
  regions: string[] | null;
  gp_disponible: boolean;
  gp_nb: number | null;
  gp_avec: number | null;
  gp_proxy: boolean | null;
  gp_sources: string[] | null;
  gp_annees: number[] | null;
  msp: number | null;
  csp: number | null;
  esp: number | null;
  siege_cpts: number | null;
  autre: number | null;
  autres_centres: number | null;
  pharmacies: number | null;
  adherentes: number | null;
  chevauchements: number | null;
}

const SUMMARY_SQL = (day: string | undefined) => `
  WITH sel AS (
    SELECT k.id, k.nom, k.finess, k.statut, k.perimetre, k.siege_commune, k.date_ouverture, k.date_maj, k.source
      FROM ${cptsSql(day)} k
     WHERE ($1::text IS NULL OR k.id = $1)
       AND ($2::text IS NULL OR k.statut = $2)
       AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM ${membershipSql(day)} m JOIN commune c ON c.code = m.commune_code
                                         WHERE m.cpts_id = k.id AND c.departement = $3))
       AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM ${membershipSql(day)} m JOIN commune c ON c.code = m.commune_code
                                         WHERE m.cpts_id = k.id AND c.region = $4))
  ),
  mem AS (
    SELECT m.cpts_id, m.commune_code, m.part_surface, c.population, c.population_annee, c.area_km2, c.departement, c.region
      FROM sel JOIN ${membershipSql(day)} m ON m.cpts_id = sel.id JOIN commune c ON c.code = m.commune_code
  ),
  agg AS (
    SELECT cpts_id,
           count(*)::int AS nb_communes,
           coalesce(sum(population), 0)::bigint AS population,
           max(population_annee) AS population_annee,
           count(*) FILTER (WHERE population IS NULL)::int AS nb_sans_population,
           count(*) FILTER (WHERE part_surface < 1)::int AS nb_partielles,
           coalesce(sum(population) FILTER (WHERE part_surface < 1), 0)::bigint AS population_partielles,
           round(sum(area_km2 * part_surface)::numeric, 2) AS superficie_km2,
           array_agg(DISTINCT departement) AS departements,
           array_agg(DISTINCT region) AS regions
      FROM mem GROUP BY cpts_id
  ),
  gp AS (
    SELECT m.cpts_id, sum(o.nb_generalistes)::int AS gp_nb, count(o.commune_code)::int AS gp_avec,
           bool_or(o.est_proxy) AS gp_proxy,
           array_agg(DISTINCT o.source) FILTER (WHERE o.source IS NOT NULL) AS gp_sources,
           array_agg(DISTINCT o.annee) FILTER (WHERE o.annee IS NOT NULL) AS gp_annees
      FROM mem m JOIN offre_mg o ON o.commune_code = m.commune_code GROUP BY m.cpts_id
  ),
  st AS (
    SELECT m.cpts_id,
           count(*) FILTER (WHERE s.type = 'msp')::int AS msp,
           count(*) FILTER (WHERE s.type = 'csp' AND ${joinableSql('s')})::int AS csp,
           count(*) FILTER (WHERE s.type = 'esp')::int AS esp,
           count(*) FILTER (WHERE s.type = 'siege_cpts')::int AS siege_cpts,
           count(*) FILTER (WHERE s.type = 'autre')::int AS autre,
           count(*) FILTER (WHERE ${otherCentreSql('s')})::int AS autres_centres
      FROM mem m JOIN structure s ON s.commune_code = m.commune_code AND ${openSql('s')} GROUP BY m.cpts_id
  ),
  ph AS (
    SELECT m.cpts_id, count(*)::int AS pharmacies
      FROM mem m JOIN pharmacie p ON p.commune_code = m.commune_code AND ${openSql('p')} GROUP BY m.cpts_id
  ),
  adh AS (
    SELECT a.cpts_id, count(DISTINCT a.pharmacie_finess)::int AS adherentes
      FROM adhesion_pharmacie a JOIN sel ON sel.id = a.cpts_id JOIN pharmacie p ON p.finess = a.pharmacie_finess AND ${openSql('p')}
     GROUP BY a.cpts_id
  ),
  ovl AS (
    SELECT a.cpts_id, count(DISTINCT b.cpts_id)::int AS chevauchements
      FROM sel JOIN ${membershipSql(day)} a ON a.cpts_id = sel.id
      JOIN ${membershipSql(day)} b ON b.commune_code = a.commune_code AND b.cpts_id <> a.cpts_id
     GROUP BY a.cpts_id
  )
  SELECT sel.*, sc.nom AS siege_nom,
         agg.nb_communes, agg.population, agg.population_annee, agg.nb_sans_population, agg.nb_partielles,
         agg.population_partielles, agg.superficie_km2, agg.departements, agg.regions,
         (SELECT EXISTS (SELECT 1 FROM offre_mg)) AS gp_disponible,
         gp.gp_nb, gp.gp_avec, gp.gp_proxy, gp.gp_sources, gp.gp_annees,
         st.msp, st.csp, st.esp, st.siege_cpts, st.autre, st.autres_centres, ph.pharmacies, adh.adherentes, ovl.chevauchements
    FROM sel
    LEFT JOIN commune sc ON sc.code = sel.siege_commune
    LEFT JOIN agg ON agg.cpts_id = sel.id
    LEFT JOIN gp ON gp.cpts_id = sel.id
    LEFT JOIN st ON st.cpts_id = sel.id
    LEFT JOIN ph ON ph.cpts_id = sel.id
    LEFT JOIN adh ON adh.cpts_id = sel.id
    LEFT JOIN ovl ON ovl.cpts_id = sel.id
   ORDER BY sel.id COLLATE "C"`;

const byteSort = (xs: readonly string[] | null) => [...(xs ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function toSummary(r: SummaryRow): CptsSummary {
  const population = r.population ?? 0;
  const nbCommunes = r.nb_communes ?? 0;
  const notes: string[] = [];
  const pNote = PERIMETRE_NOTES[r.perimetre];
  if (pNote) notes.push(pNote);
  if (nbCommunes === 0) notes.push('Aucune commune membre enregistrée : population et superficie nulles.');
  if (r.nb_partielles) {
    notes.push(
      `${r.nb_partielles} commune(s) membre(s) ne sont couvertes qu’en partie (part de surface < 1) : ` +
        `leur population entière (${frInt(r.population_partielles ?? 0)} hab.) est comptée, les membres d’une CPTS étant des communes ; ` +
        'la superficie, elle, ne compte que la part couverte.',
    );
  }
  if (r.nb_sans_population) notes.push(`${r.nb_sans_population} commune(s) membre(s) sans population connue, comptée(s) 0.`);
  const gp = gpSupply({
    nb: r.gp_disponible ? (r.gp_nb ?? 0) : null,
    population,
    communesSansDonnee: nbCommunes - (r.gp_avec ?? 0),
    estProxy: r.gp_proxy,
    sources: r.gp_sources ?? [],
    annees: r.gp_annees ?? [],
  });
  const esp = r.esp ? r.esp : null;
  const structures = {
    msp: r.msp ?? 0,
    csp: r.csp ?? 0,
    esp,
    espLibelle: esp === null ? ESP_NON_RECENSEES : null,
    siegeCpts: r.siege_cpts ?? 0,
    autre: r.autre ?? 0,
    autresCentres: r.autres_centres ?? 0,
    total: (r.msp ?? 0) + (r.csp ?? 0) + (esp ?? 0),
  };
  if (esp === null) notes.push(ESP_NOTE);
  if (structures.autresCentres) notes.push(OTHER_CENTRES_NOTE);
  return {
    id: r.id,
    nom: r.nom,
    finess: r.finess,
    statut: r.statut,
    statutLibelle: CPTS_STATUT_LIBELLES[r.statut],
    perimetre: r.perimetre,
    perimetreLibelle: PERIMETRE_LIBELLES[r.perimetre],
    perimetreNonOfficiel: r.perimetre !== 'officiel',
    siege: r.siege_commune ? { code: r.siege_commune, nom: r.siege_nom } : null,
    dateOuverture: r.date_ouverture,
    dateMaj: r.date_maj,
    source: r.source,
    attribution: r.source,
    departements: byteSort(r.departements),
    regions: byteSort(r.regions),
    population,
    populationAnnee: r.population_annee,
    nbCommunes,
    nbCommunesPartielles: r.nb_partielles ?? 0,
    populationCommunesPartielles: r.population_partielles ?? 0,
    nbCommunesSansPopulation: r.nb_sans_population ?? 0,
    superficieKm2: r.superficie_km2 ?? 0,
    ...bandInfo(population),
    structures,
    pharmacies: { dansLePerimetre: r.pharmacies ?? 0, adherentes: r.adherentes ?? 0 },
    offreMg: gp,
    nbCptsEnChevauchement: r.chevauchements ?? 0,
    notes,
  };
}

async function summaries(db: Queryable, id: string | null, f: CptsFilter): Promise<CptsSummary[]> {
  const r = await db.query<SummaryRow>(SUMMARY_SQL(f.date), [id, f.statut ?? null, f.departement ?? null, f.region ?? null]);
  const list = r.rows.map(toSummary);
  return f.bande ? list.filter((c) => c.bande === f.bande) : list;
}

/** The CPTS matching the filters (a CPTS matches a département / région when one of its communes is in it), by id. */
export function listCpts(db: Queryable, f: CptsFilter = {}): Promise<CptsSummary[]> {
  return summaries(db, null, f);
}

export interface CptsCommune {
  code: string;
  nom: string;
  departement: string;
  population: number | null;
  partSurface: number;
  superficieKm2: number;
  zone: Zone | null;
  /** Other CPTS this commune also belongs to. */
  autresCpts: string[];
}

export interface SheetStructure {
  finess: string;
  type: string;
  nom: string;
  commune: string | null;
  communeNom: string | null;
}

export interface CptsSheet extends CptsSummary {
  communes: CptsCommune[];
  /** Open structures a pharmacy can join, CPTS seats and other sites (no other centre de santé). */
  structuresListe: SheetStructure[];
  /** Open centres de santé a pharmacy cannot join, with their sub-type. */
  autresCentresListe: (SheetStructure & { sousType: string | null; sousTypeLibelle: string })[];
  /** Bassins de vie (INSEE) of the member communes, with how many communes of each. */
  bassinsVie: { code: string; nom: string; nbCommunes: number }[];
  pharmaciesListe: { finess: string; nom: string; commune: string | null; communeNom: string | null; adherente: boolean }[];
  chevauchements: OverlapPair[];
}

/** The full sheet of one CPTS (as of `day`), or undefined when the id is unknown (or did not exist that day). A constant number of queries. */
export async function cptsSheet(db: Queryable, id: string, day?: string): Promise<CptsSheet | undefined> {
  const [summary] = await summaries(db, id, { date: day });
  if (!summary) return undefined;
  const communes = await db.query<{
    code: string;
    nom: string;
    departement: string;
    population: number | null;
    part_surface: number;
    superficie_km2: number;
    zone: Zone | null;
    autres: string[];
  }>(
    `SELECT c.code, c.nom, c.departement, c.population, m.part_surface,
            round((c.area_km2 * m.part_surface)::numeric, 2) AS superficie_km2, z.zone,
            coalesce((SELECT array_agg(b.cpts_id ORDER BY b.cpts_id COLLATE "C") FROM ${membershipSql(day)} b
                       WHERE b.commune_code = c.code AND b.cpts_id <> m.cpts_id), '{}') AS autres
       FROM ${membershipSql(day)} m JOIN commune c ON c.code = m.commune_code
       LEFT JOIN zonage z ON z.commune_code = c.code
      WHERE m.cpts_id = $1
      ORDER BY c.code COLLATE "C"`,
    [id],
  );
  const structures = await db.query<{
    finess: string; type: string; sous_type: string | null; nom: string; commune_code: string | null; commune_nom: string | null; autre_centre: boolean;
  }>(
    `SELECT s.finess, s.type, s.sous_type, s.nom, s.commune_code, c.nom AS commune_nom, ${otherCentreSql('s')} AS autre_centre
       FROM ${membershipSql(day)} m JOIN structure s ON s.commune_code = m.commune_code AND ${openSql('s')} JOIN commune c ON c.code = s.commune_code
      WHERE m.cpts_id = $1
      ORDER BY s.type COLLATE "C", s.nom COLLATE "C", s.finess COLLATE "C"`,
    [id],
  );
  const pharmacies = await db.query<{ finess: string; nom: string; commune_code: string | null; commune_nom: string | null; adherente: boolean }>(
    `SELECT p.finess, p.nom, p.commune_code, c.nom AS commune_nom,
            EXISTS (SELECT 1 FROM adhesion_pharmacie a WHERE a.pharmacie_finess = p.finess AND a.cpts_id = $1) AS adherente
       FROM ${membershipSql(day)} m JOIN pharmacie p ON p.commune_code = m.commune_code AND ${openSql('p')} JOIN commune c ON c.code = p.commune_code
      WHERE m.cpts_id = $1
      ORDER BY p.commune_code COLLATE "C", p.nom COLLATE "C", p.finess COLLATE "C"`,
    [id],
  );
  const bassins = await db.query<{ code: string; nom: string; nb: number }>(
    `SELECT b.code, b.nom, count(*)::int AS nb
       FROM ${membershipSql(day)} m JOIN commune_bassin cb ON cb.commune_code = m.commune_code JOIN bassin_vie b ON b.code = cb.bassin_vie
      WHERE m.cpts_id = $1
      GROUP BY b.code, b.nom
      ORDER BY nb DESC, b.code COLLATE "C"`,
    [id],
  );
  const sheetStructure = (x: (typeof structures.rows)[number]): SheetStructure => ({
    finess: x.finess, type: x.type, nom: x.nom, commune: x.commune_code, communeNom: x.commune_nom,
  });
  return {
    ...summary,
    communes: communes.rows.map((c) => ({
      code: c.code,
      nom: c.nom,
      departement: c.departement,
      population: c.population,
      partSurface: c.part_surface,
      superficieKm2: c.superficie_km2,
      zone: c.zone,
      autresCpts: c.autres,
    })),
    structuresListe: structures.rows.filter((x) => !x.autre_centre).map(sheetStructure),
    autresCentresListe: structures.rows
      .filter((x) => x.autre_centre)
      .map((x) => ({ ...sheetStructure(x), sousType: x.sous_type, sousTypeLibelle: centreLabel(x.sous_type) })),
    bassinsVie: bassins.rows.map((b) => ({ code: b.code, nom: b.nom, nbCommunes: b.nb })),
    pharmaciesListe: pharmacies.rows.map((p) => ({
      finess: p.finess,
      nom: p.nom,
      commune: p.commune_code,
      communeNom: p.commune_nom,
      adherente: p.adherente,
    })),
    chevauchements: await overlapPairs(db, { cptsId: id, date: day }),
  };
}

/**
 * The outlines of CPTS `ids` (as of `day`: that day's perimeter version), in the order of `ids` (null for an id without
 * one), a batch at a time from a cursor (GeoJSON export).
 */
export function cptsGeometryBatches(db: Db, ids: readonly string[], day?: string): AsyncIterable<{ id: string; geometry: string | null }[]> {
  return db.cursor<{ id: string; geometry: string | null }>(
    `SELECT u.id, ST_AsGeoJSON(k.geom, 6) AS geometry
       FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n) LEFT JOIN ${cptsSql(day)} k ON k.id = u.id
      ORDER BY u.n`,
    [ids],
  );
}

export interface CptsCommuneFeature {
  code: string;
  nom: string;
  population: number | null;
  partSurface: number;
  autresCpts: string[];
  geometry: string;
}

/** The member communes of a CPTS with their outline, for the map, a batch at a time from a cursor (GeoJSON export). */
export function cptsCommuneFeatureBatches(db: Db, id: string): AsyncIterable<CptsCommuneFeature[]> {
  const r = db.cursor<{ code: string; nom: string; population: number | null; part_surface: number; autres: string[]; geometry: string }>(
    `SELECT c.code, c.nom, c.population, m.part_surface, ST_AsGeoJSON(c.geom, 6) AS geometry,
            coalesce((SELECT array_agg(b.cpts_id ORDER BY b.cpts_id COLLATE "C") FROM cpts_commune b
                       WHERE b.commune_code = c.code AND b.cpts_id <> m.cpts_id), '{}') AS autres
       FROM cpts_commune m JOIN commune c ON c.code = m.commune_code
      WHERE m.cpts_id = $1
      ORDER BY c.code COLLATE "C"`,
    [id],
  );
  return mapBatches(r, (x) => ({ code: x.code, nom: x.nom, population: x.population, partSurface: x.part_surface, autresCpts: x.autres, geometry: x.geometry }));
}
