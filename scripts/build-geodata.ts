// Builds the demo bundle geodata/ (Pays de la Loire: départements 44, 49, 53, 72, 85, with approximate CPTS
// perimeters; Provence-Alpes-Côte d'Azur: 04, 05, 06, 13, 83, 84, with the real perimeters of the ARS listing)
// from the shared real-data folder ../shared/geodata-sources (relative to the repository root).
//
//   npm run build:geodata                      # writes geodata/
//   npm run build:geodata -- --sources DIR     # another copy of geodata-sources
//   npm run build:geodata -- --out DIR         # another output folder (the tests rebuild into a temp folder)
//
// Deterministic: the same sources give the same bytes on every run (no dates, no random, sorted output,
// gzip with a zero mtime), so re-running it leaves no git diff. It fails loudly when the sources do not
// give the expected counts.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { cog, COG_SOURCE } from '../server/src/import/cog.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The régions of the bundle, and the FINESS establishments expected per category: for Pays de la Loire the counts
 * the shared README gives; for PACA those of the reconstructed stock (checked: 1,868 / 88 / 155 / 9).
 */
export const REGIONS = [
  { code: '52', nom: 'Pays de la Loire', departements: ['44', '49', '53', '72', '85'], expected: { '620': 1103, '603': 109, '124': 136, '604': 10 } },
  { code: '93', nom: 'Provence-Alpes-Côte d’Azur', departements: ['04', '05', '06', '13', '83', '84'], expected: { '620': 1868, '603': 88, '124': 155, '604': 9 } },
] as const;
export const DEPARTEMENTS: readonly string[] = REGIONS.flatMap((r) => r.departements);
const DEP_SET: ReadonlySet<string> = new Set(DEPARTEMENTS);
const PDL: ReadonlySet<string> = new Set(REGIONS[0].departements);

/** FINESS categories kept. */
const CATEGORIES = {
  '620': "Pharmacie d'Officine",
  '603': 'Maison de santé (L.6223-3)',
  '124': 'Centre de Santé',
  '604': 'Communautés professionnelles territoriales de santé (CPTS)',
} as const;
type Categorie = keyof typeof CATEGORIES;
const FINESS_FILE = 'etalab-cs1100507-stock-20210108-reconstructed.csv.gz';

const F = {
  communes: (dep: string) => `communes-${dep}.geojson.gz`,
  finess: 'finess-pdl-paca.csv.gz',
  gp: 'gp-sirene-2019-pdl-paca.csv',
  cptsApprox: 'cpts-perimetres-approx-pays-de-la-loire.csv',
  proposal: 'cpts-proposition-illustrative.csv',
  cptsPaca: 'cpts-paca-ars-2026-01.csv',
  zoning: 'zonage-mg-pdl-paca.csv',
  bassins: 'insee-bassins-vie-2024-pdl-paca.csv',
  bassinsLabels: 'insee-libelles-2024-pdl-paca.csv',
  memberships: 'adhesions-illustratives.csv',
  manifest: 'manifest.json',
  readme: 'README.md',
};

const ZONING_SOURCE =
  'Zonage médecins généralistes par commune (ZIP, ZAC, HZ, ZAR) — source non officielle, sans licence déclarée : github.com/Alternantsauvage/ZonageMed, zonmed_enrichi_final.csv (2025-06-09)';
const ZONING_VINTAGE = '2022–2024 (estimé)';
const PACA_SOURCE = 'ARS PACA, listing des CPTS, janvier 2026';
const MEMBERSHIP_SOURCE = 'ILLUSTRATIF — adhésion de démonstration';
const GP_SOURCE = 'INSEE SIRENE (mars 2019), établissements actifs APE 86.21Z — proxy de l’offre de médecine générale';
/** Membership rule: pharmacies within this distance (metres, Lambert-93) of an MSP become its members. */
const MSP_RADIUS_M = 150;
/** Membership rule: this many pharmacies of the overlapped CPTS's perimeter, the nearest to its FINESS address. */
const CPTS_MEMBERS = 5;

/**
 * The illustrative proposed CPTS. Chosen by hand, then checked by this script (contiguity on the 2018
 * outlines, overlap with an approximate perimeter, white zone elsewhere; the build fails otherwise):
 * communes were loaded in PostGIS with the COG 2018 outlines and the approximate perimeters, and the
 * neighbours of CPTS ANL (approximate perimeter = CC Châteaubriant-Derval) listed by shared border length.
 * The proposal takes the seven communes of the CC de Nozay, which no CPTS of the region covers, plus four
 * communes of CPTS ANL along their common border — a realistic conflict for a planner to arbitrate.
 * All codes are the same in COG 2018 and COG 2026.
 */
const PROPOSAL = {
  id: 'ILLUSTR-44-NOZAY',
  nom: 'Proposition illustrative — CPTS du Pays de Nozay et du Don',
  statut: 'projet',
  communes: {
    // White zone (CC de Nozay, no CPTS in the FINESS 2021 list)
    '44001': 'Abbaretz',
    '44113': 'Nozay',
    '44138': 'Puceul',
    '44149': 'Saffré',
    '44208': 'Treffieux',
    '44214': 'Vay',
    '44224': 'La Grigonnais',
    // Also in the approximate perimeter of CPTS ANL (440056653)
    '44075': 'Issé',
    '44076': 'Jans',
    '44091': 'Marsac-sur-Don',
    '44095': 'La Meilleraye-de-Bretagne',
  } as Record<string, string>,
};

const PROVENANCE = {
  communes: {
    producer: 'IGN (ADMIN EXPRESS-COG 2018), via gregoiredavid/france-geojson',
    repository: 'https://github.com/gregoiredavid/france-geojson',
    tag: 'v2.1.1',
    commit: '5d34ee6d0140c29f785fdb047d9329f1aab58833',
    vintage: 'COG 2018 (reconciled to COG 2026 on import)',
    licence: 'Licence Ouverte / Open Licence (Etalab)',
    notes: 'simplified (mapshaper, Visvalingam weighted 25 %, 5 decimals); borders move by up to a few hundred metres',
  },
  finess: {
    producer: 'DREES / FINESS (extraction etalab-cs1100507-stock-20210108-0427), via flrt/finess-fhir',
    repository: 'https://github.com/flrt/finess-fhir',
    commit: 'f33d5e989b679e04cd4eac5cad7a11051e4b4fe5',
    layout: 'GuillaumePressiat/finess_etalab format_etalabcs1100507.csv, commit 030180973380aa1f0f09bd11fcc45dbc72daad57',
    vintage: '2021-01-08',
    licence: 'Licence Ouverte / Open Licence (Etalab) for the data; MIT for the repositories’ code',
    notes: 'RECONSTRUCTED from the FHIR conversion, not the original file: address split, département and commune (COG 2026) derived',
  },
  gp: {
    producer: 'INSEE SIRENE (March 2019), via virgilus/desert-medicaux-global',
    repository: 'https://github.com/virgilus/desert-medicaux-global',
    commit: '771b6ecc9e434e6e4a76a8d5115a8c5b1bb105cd',
    vintage: '2019-03 (commune codes COG 2019)',
    licence: 'Licence Ouverte / Open Licence (Etalab) for the SIRENE data; MIT for the repository’s code',
    notes: 'a PROXY: active SIRENE establishments with APE 86.21Z, not doctors nor full-time equivalents',
  },
  cpts: {
    producer: 'DREES / FINESS (category 604, January 2021); EPCI membership from @etalab/decoupage-administratif 6.0.0',
    vintage: 'FINESS 2021-01-08; EPCI COG 2026',
    licence: 'Licence Ouverte / Open Licence (Etalab); MIT for @etalab/decoupage-administratif',
    notes: 'APPROXIMATE perimeters: all communes of the EPCI of the seat, not the ARS perimeters',
  },
  cptsPaca: {
    producer: 'ARS PACA, « Listing CPTS_012026 » (January 2026), via SKHTay/Carto-Sante-PACA-T-l-med',
    repository: 'https://github.com/SKHTay/Carto-Sante-PACA-T-l-med',
    commit: '62e8489e366aae664a189630ef11dbafed35a869',
    vintage: 'ARS PACA, January 2026',
    licence: 'none declared by the repository; public information of an ARS: cite « ARS PACA, listing des CPTS, janvier 2026 »',
    notes: 'REAL perimeters (names and communes; Marseille by arrondissement, Nice and Toulon claimed whole by several CPTS); no status, dates nor identifiers in the source',
  },
  zoning: {
    producer: 'GP zoning per commune (ZIP, ZAC, HZ, ZAR), via Alternantsauvage/ZonageMed, matched to INSEE codes in ../shared/geodata-sources',
    repository: 'https://github.com/Alternantsauvage/ZonageMed',
    commit: '000195e9ac8821223c5ac842d339f7aa8349fa84',
    vintage: 'not documented; estimated 2022–2024 (before the 2025 revisions)',
    licence: 'NONE declared; provenance not documented by its publisher: an UNOFFICIAL source, to check before redistribution',
    notes: 'not the official ARS publication; commune level only; « N/A - résultat non disponible » for La Réunion, Saint-Barthélemy, Saint-Martin',
  },
  bassins: {
    producer: 'INSEE, table d’appartenance géographique des communes au 1er janvier 2024 (BV2022, ZE2020), via the R package antuki/COGugaison',
    repository: 'https://github.com/antuki/COGugaison',
    commit: 'a83157cb58b5ed28711c8d4a5ccfca4faee15322',
    vintage: 'COG 2024 (mapped to COG 2026 on import)',
    licence: 'ODbL 1.0: « © Code Officiel Géographique (Insee) et package R COGugaison (http://github.com/antuki/COGugaison) »; share-alike for derived databases',
  },
  populations: {
    producer: 'INSEE, populations légales 2023, via @etalab/decoupage-administratif 6.0.0',
    package: COG_SOURCE.name,
    vintage: `COG ${COG_SOURCE.cogYear}, populations ${COG_SOURCE.populationYear}`,
    licence: 'Licence Ouverte / Open Licence (Etalab); MIT for the package code',
  },
};

// ---------------------------------------------------------------------------------------------------------

class BuildError extends Error {
  override name = 'BuildError';
}

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new BuildError(message);
}

function readUtf8(path: string): string {
  check(existsSync(path), `missing source file ${path}`);
  const bytes = readFileSync(path);
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return new TextDecoder('utf-8', { fatal: true }).decode(raw);
}

/** Splits a text file into lines, keeping each line's bytes (a trailing '\r' included); drops the final empty line. */
function lines(text: string): string[] {
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

/** A `;`-separated file without quoting (true of every source used here: checked by field counts). */
/** A line without its Windows line end (CSV files exported on Windows are written back with LF only). */
const noCr = (line: string) => line.replace(/\r$/, '');

function table(text: string, file: string): { header: string[]; headerLine: string; rows: { line: string; f: Record<string, string> }[] } {
  const all = lines(text);
  const headerLine = all[0];
  check(headerLine !== undefined, `${file}: empty file`);
  const header = headerLine.replace(/\r$/, '').split(';');
  const rows = all.slice(1).map((line, i) => {
    const v = line.replace(/\r$/, '').split(';');
    check(v.length === header.length, `${file} line ${i + 2}: ${v.length} fields, expected ${header.length}`);
    return { line, f: Object.fromEntries(header.map((h, j) => [h, v[j]!])) };
  });
  return { header, headerLine, rows };
}

function csv(header: string[], rows: (string | number)[][]): string {
  for (const r of rows) for (const v of r) check(!String(v).includes(';') && !String(v).includes('\n'), `value needs quoting: ${v}`);
  return [header, ...rows].map((r) => r.join(';')).join('\n') + '\n';
}

const gzip = (text: string) => gzipSync(Buffer.from(text, 'utf8'), { level: 9 }); // header mtime is 0: deterministic

// --- communes -----------------------------------------------------------------------------------------------

type Position = [number, number];
interface Feature {
  properties: { code: string; nom: string };
  geometry: { type: 'Polygon'; coordinates: Position[][] } | { type: 'MultiPolygon'; coordinates: Position[][][] };
}

function buildCommunes(sourcesDir: string, outDir: string) {
  const dir = join(sourcesDir, 'communes-2018');
  check(existsSync(dir), `missing folder ${dir}`);
  const names = readdirSync(dir);
  const features: Feature[] = [];
  const counts: Record<string, number> = {};
  for (const dep of DEPARTEMENTS) {
    const match = names.filter((n) => n.startsWith(`communes-${dep}-`) && n.endsWith('.geojson.gz'));
    check(match.length === 1, `expected one outline file communes-${dep}-*.geojson.gz in ${dir}, found ${match.length}`);
    const src = join(dir, match[0]!);
    writeFileSync(join(outDir, F.communes(dep)), readFileSync(src)); // byte copy, with the output folder's default mode
    const fc = JSON.parse(readUtf8(src)) as { features: Feature[] };
    check(fc.features.every((f) => f.properties.code.startsWith(dep)), `${match[0]}: a feature outside département ${dep}`);
    counts[dep] = fc.features.length;
    features.push(...fc.features);
  }
  return { features, counts };
}

/**
 * Adjacency of current (COG 2026) communes from the 2018 outlines: two communes are neighbours when their
 * outlines share at least one edge (same two vertices). The outlines were simplified with topology kept
 * (mapshaper), so neighbouring communes carry identical border vertices; touching at a single point is not adjacency.
 */
function adjacency(features: Feature[]): Map<string, Set<string>> {
  const c = cog();
  const owner = new Map<string, string>();
  const adj = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    if (a === b) return;
    if (!adj.has(a)) adj.set(a, new Set());
    if (!adj.has(b)) adj.set(b, new Set());
    adj.get(a)!.add(b);
    adj.get(b)!.add(a);
  };
  for (const f of features) {
    const code = c.toCurrent(f.properties.code);
    check(code, `outline ${f.properties.code} (${f.properties.nom}) maps to no COG ${COG_SOURCE.cogYear} commune`);
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    for (const ring of polys.flat()) {
      for (let i = 1; i < ring.length; i++) {
        const a = `${ring[i - 1]![0]},${ring[i - 1]![1]}`;
        const b = `${ring[i]![0]},${ring[i]![1]}`;
        if (a === b) continue;
        const key = a < b ? `${a}|${b}` : `${b}|${a}`;
        const other = owner.get(key);
        if (other === undefined) owner.set(key, code);
        else link(other, code);
      }
    }
  }
  return adj;
}

// --- FINESS ---------------------------------------------------------------------------------------------------

interface Establishment {
  finess: string;
  categorie: Categorie;
  nom: string;
  commune: string; // INSEE code (COG 2026) derived by the reconstruction: département + commune fields
  departement: string;
  x?: number;
  y?: number;
}

function buildFiness(sourcesDir: string, outDir: string) {
  const all = lines(readUtf8(join(sourcesDir, 'finess', FINESS_FILE)));
  const header = /^finess;etalab;(\d+);(\d{4}-\d{2}-\d{2})$/.exec(all[0] ?? '');
  check(header, `${FINESS_FILE}: first line is not "finess;etalab;<count>;<date>": ${all[0]}`);
  const kept = new Map<string, Establishment>();
  const structLines: string[] = [];
  const geoLines: string[] = [];
  let nStruct = 0;
  for (let i = 1; i < all.length; i++) {
    const line = all[i]!;
    const v = line.split(';');
    if (v[0] === 'structureet') {
      nStruct++;
      check(v.length === 32, `${FINESS_FILE} line ${i + 1}: ${v.length} fields in a structureet record, expected 32`);
      const [, finess, , rs, , , , , , , , , commune, dep, , , , , cat] = v;
      if (!DEP_SET.has(dep!) || !(cat! in CATEGORIES)) continue;
      check(!kept.has(finess!), `${FINESS_FILE} line ${i + 1}: FINESS ${finess} twice`);
      kept.set(finess!, { finess: finess!, categorie: cat as Categorie, nom: rs!, commune: `${dep}${commune}`, departement: dep! });
      structLines.push(line);
    } else if (v[0] === 'geolocalisation') {
      check(v.length === 6, `${FINESS_FILE} line ${i + 1}: ${v.length} fields in a geolocalisation record, expected 6`);
      const e = kept.get(v[1]!);
      if (!e) continue;
      check(/LAMBERT_93|EPSG:2154/.test(v[4]!), `${FINESS_FILE} line ${i + 1}: coordinates of ${e.finess} not in Lambert-93: ${v[4]}`);
      e.x = Number(v[2]);
      e.y = Number(v[3]);
      check(Number.isFinite(e.x) && Number.isFinite(e.y), `${FINESS_FILE} line ${i + 1}: bad coordinates`);
      geoLines.push(line);
    } else {
      throw new BuildError(`${FINESS_FILE} line ${i + 1}: unknown record type ${v[0]}`);
    }
  }
  check(nStruct === Number(header[1]), `${FINESS_FILE}: header announces ${header[1]} establishments, found ${nStruct}`);
  const byRegion = REGIONS.map((r) => ({
    region: r.nom,
    byCat: countBy([...kept.values()].filter((e) => (r.departements as readonly string[]).includes(e.departement)), (e) => e.categorie),
  }));
  for (const [i, r] of REGIONS.entries()) {
    for (const [cat, expected] of Object.entries(r.expected)) {
      const got = byRegion[i]!.byCat[cat] ?? 0;
      check(got === expected, `FINESS subset, ${r.nom}: ${got} establishments of category ${cat} (${CATEGORIES[cat as Categorie]}), expected ${expected}`);
    }
  }
  const text = [`finess;etalab;${kept.size};${header[2]}`, ...structLines, ...geoLines].join('\n') + '\n';
  writeFileSync(join(outDir, F.finess), gzip(text));
  return { establishments: [...kept.values()], geolocated: geoLines.length, date: header[2]!, byRegion, byCat: countBy([...kept.values()], (e) => e.categorie) };
}

function countBy<T>(xs: T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

// --- GP proxy -----------------------------------------------------------------------------------------------

function buildGp(sourcesDir: string, outDir: string) {
  const file = 'PS_communes_sirene_2019-03_national.csv';
  const t = table(readUtf8(join(sourcesDir, 'gp', file)), file);
  check(t.header.includes('codecommuneetablissement') && t.header.includes('generaliste'), `${file}: columns codecommuneetablissement / generaliste missing`);
  const rows = t.rows.filter((r) => DEP_SET.has(r.f.codecommuneetablissement!.slice(0, 2)));
  writeFileSync(join(outDir, F.gp), [t.headerLine, ...rows.map((r) => r.line)].join('\n') + '\n');
  for (const r of rows) {
    check(cog().toCurrent(r.f.codecommuneetablissement!), `${file}: commune ${r.f.codecommuneetablissement} maps to no COG ${COG_SOURCE.cogYear} commune`);
    const n = Number(r.f.generaliste);
    check(Number.isFinite(n) && n >= 0, `${file}: bad generaliste value ${r.f.generaliste}`);
  }
  return { rows: rows.length, withGp: rows.filter((r) => Number(r.f.generaliste) > 0).length };
}

// --- CPTS -----------------------------------------------------------------------------------------------------

function buildCptsApprox(sourcesDir: string, outDir: string, finessCpts: string[]) {
  const ent = table(readUtf8(join(sourcesDir, 'cpts', 'cpts-entities-finess-2021.csv')), 'cpts-entities-finess-2021.csv');
  const inRegion = ent.rows.filter((r) => PDL.has(r.f.departement!)).map((r) => r.f.cpts_finess!);
  check(
    JSON.stringify([...inRegion].sort()) === JSON.stringify([...finessCpts].sort()),
    `the CPTS of cpts-entities-finess-2021.csv in the region (${inRegion.join(', ')}) differ from FINESS category 604 (${finessCpts.join(', ')})`,
  );
  const keep = new Set(inRegion);
  const file = 'cpts-perimeters-approx.csv';
  const t = table(readUtf8(join(sourcesDir, 'cpts', file)), file);
  const rows = t.rows.filter((r) => keep.has(r.f.cpts_finess!));
  check(new Set(rows.map((r) => r.f.cpts_finess)).size === keep.size, `${file}: a CPTS of the region has no perimeter`);
  writeFileSync(join(outDir, F.cptsApprox), [t.headerLine, ...rows.map((r) => r.line)].join('\n') + '\n');
  const perimeters = new Map<string, { nom: string; communes: Set<string> }>();
  for (const r of rows) {
    const id = r.f.cpts_finess!;
    if (!perimeters.has(id)) perimeters.set(id, { nom: r.f.cpts_nom!, communes: new Set() });
    perimeters.get(id)!.communes.add(r.f.code_insee!);
  }
  return { rows: rows.length, perimeters };
}

function buildProposal(outDir: string, adj: Map<string, Set<string>>, perimeters: Map<string, { nom: string; communes: Set<string> }>) {
  const c = cog();
  const codes = Object.keys(PROPOSAL.communes).sort();
  for (const code of codes) {
    const cur = c.communes.get(code);
    check(cur && DEP_SET.has(cur.departement), `proposal: ${code} is not a current commune of the region`);
    check(cur.nom === PROPOSAL.communes[code], `proposal: ${code} is ${cur.nom}, not ${PROPOSAL.communes[code]}`);
  }
  // Contiguity: one connected component under shared-border adjacency.
  const seen = new Set([codes[0]!]);
  const stack = [codes[0]!];
  while (stack.length) {
    for (const n of adj.get(stack.pop()!) ?? []) {
      if (!PROPOSAL.communes[n] || seen.has(n)) continue;
      seen.add(n);
      stack.push(n);
    }
  }
  check(seen.size === codes.length, `proposal: not contiguous, ${codes.filter((x) => !seen.has(x)).join(', ')} cut off`);
  // Overlap with exactly one approximate perimeter, on 3 to 6 communes; the others in no perimeter (white zone).
  const overlaps = [...perimeters].map(([id, p]) => ({ id, nom: p.nom, shared: codes.filter((x) => p.communes.has(x)) })).filter((o) => o.shared.length > 0);
  check(overlaps.length === 1, `proposal: overlaps ${overlaps.length} approximate perimeters, expected exactly one`);
  const overlap = overlaps[0]!;
  check(overlap.shared.length >= 3 && overlap.shared.length <= 6, `proposal: shares ${overlap.shared.length} communes with ${overlap.id}, expected 3 to 6`);
  const white = codes.filter((x) => !overlap.shared.includes(x));
  check(white.length >= 3, 'proposal: needs white-zone communes beside the overlap');
  const rows = codes.map((code) => [PROPOSAL.id, PROPOSAL.nom, PROPOSAL.statut, code, 'illustratif:proposition']);
  writeFileSync(join(outDir, F.proposal), csv(['cpts_id', 'cpts_nom', 'statut', 'code_insee', 'methode'], rows));
  const population = codes.reduce((s, x) => s + (c.communes.get(x)!.population ?? 0), 0);
  return { rows: rows.length, overlap, white, population };
}

// --- real CPTS perimeters of PACA ------------------------------------------------------------------------------

/** The ARS PACA listing as published in the shared folder: a byte copy, checked (70 CPTS, Marseille by arrondissement). */
function buildPacaCpts(sourcesDir: string, outDir: string) {
  const src = join(sourcesDir, 'cpts', 'paca-ars-2026-01', 'cpts-paca-communes.csv');
  const text = readUtf8(src);
  const [head, ...rows] = lines(text).map((l) => noCr(l).split(','));
  check(head!.join(',') === 'cpts_nom,code_insee,nom_commune_cog2024,code_arrondissement,commune_partagee', `${src}: unexpected header ${head}`);
  const names = new Set(rows.map((r) => r[0]!));
  check(names.size === 70, `${src}: ${names.size} CPTS, expected 70`);
  const marseille = new Set(rows.filter((r) => r[1] === '13055').map((r) => r[3]));
  check(rows.every((r) => DEP_SET.has(r[1]!.slice(0, 2))), `${src}: a commune outside the bundle's départements`);
  writeFileSync(join(outDir, F.cptsPaca), readFileSync(src));
  const claims = (code: string) => new Set(rows.filter((r) => r[1] === code).map((r) => r[0])).size;
  return { rows: rows.length, cpts: names.size, marseilleArrondissements: marseille.size, nice: claims('06088'), toulon: claims('83137') };
}

// --- zoning ---------------------------------------------------------------------------------------------------

/** The national GP zoning file's rows for the communes and arrondissements of the bundle's départements. */
function buildZoning(sourcesDir: string, outDir: string) {
  const file = 'zonage-mg-par-commune.csv';
  const all = lines(readUtf8(join(sourcesDir, 'zonage', file))).map(noCr);
  check(all[0] === 'code_insee,nom_commune_source,code_postal_source,zonage_mg,zrr,appariement', `${file}: unexpected header ${all[0]}`);
  const rows = all.slice(1).filter((l) => DEP_SET.has(l.slice(0, 2)));
  check(rows.every((l) => !l.includes('"')), `${file}: quoted values (not expected)`);
  writeFileSync(join(outDir, F.zoning), [all[0], ...rows].join('\n') + '\n');
  return { rows: rows.length, byZone: countBy(rows, (l) => l.split(',')[3]!) };
}

// --- bassins de vie -----------------------------------------------------------------------------------------

/** The INSEE table d'appartenance's rows of the bundle's départements, and the labels of their BV2022 and ZE2020. */
function buildBassins(sourcesDir: string, outDir: string) {
  const dir = join(sourcesDir, 'insee-supracom-2024');
  const all = lines(readUtf8(join(dir, 'table_supracom_2024.csv.gz'))).map(noCr);
  const cols = all[0]!.split(',').map((c) => c.replace(/"/g, ''));
  const at = (name: string) => cols.indexOf(name);
  check(at('DEP') >= 0 && at('BV2022') >= 0 && at('ZE2020') >= 0, `table_supracom_2024.csv: columns DEP, BV2022, ZE2020 expected, found ${cols.join(', ')}`);
  const rows = all.slice(1).map((l) => ({ line: l, f: l.split(',').map((v) => v.replace(/"/g, '')) })).filter((r) => DEP_SET.has(r.f[at('DEP')]!));
  check(rows.every((r) => r.f.length === cols.length), 'table_supracom_2024.csv: a row with a comma inside a value');
  writeFileSync(join(outDir, F.bassins), [all[0], ...rows.map((r) => r.line)].join('\n') + '\n');
  const used = { BV2022: new Set(rows.map((r) => r.f[at('BV2022')]!)), ZE2020: new Set(rows.map((r) => r.f[at('ZE2020')]!)) };
  const labels = lines(readUtf8(join(dir, 'libelles_supracom_2024.csv'))).map(noCr);
  const kept = labels.slice(1).filter((l) => {
    const [niv, code] = l.split(',').map((v) => v.replace(/"/g, ''));
    return (niv === 'BV2022' || niv === 'ZE2020') && used[niv].has(code!);
  });
  check(kept.length === used.BV2022.size + used.ZE2020.size, 'libelles_supracom_2024.csv: a bassin de vie or zone d’emploi without label');
  writeFileSync(join(outDir, F.bassinsLabels), [labels[0], ...kept].join('\n') + '\n');
  return { communes: rows.length, bassins: used.BV2022.size, zones: used.ZE2020.size };
}

// --- memberships ------------------------------------------------------------------------------------------

function buildMemberships(outDir: string, est: Establishment[], cptsId: string, cptsCommunes: Set<string>) {
  const located = est.filter((e) => e.x !== undefined && e.y !== undefined && PDL.has(e.departement));
  const pharmacies = located.filter((e) => e.categorie === '620').sort((a, b) => (a.finess < b.finess ? -1 : 1));
  const msps = located.filter((e) => e.categorie === '603').sort((a, b) => (a.finess < b.finess ? -1 : 1));
  const dist = (a: Establishment, b: Establishment) => Math.hypot(a.x! - b.x!, a.y! - b.y!);
  const rows: string[][] = [];
  const mspsWithMembers = new Set<string>();
  for (const m of msps) {
    for (const p of pharmacies) {
      if (dist(m, p) <= MSP_RADIUS_M) {
        rows.push([p.finess, m.finess, '', MEMBERSHIP_SOURCE]);
        mspsWithMembers.add(m.finess);
      }
    }
  }
  const mspRows = rows.length;
  check(mspRows > 0, 'memberships: no pharmacy within 150 m of an MSP');
  const seat = located.find((e) => e.finess === cptsId);
  check(seat, `memberships: CPTS ${cptsId} has no FINESS position`);
  const members = pharmacies
    .filter((p) => cptsCommunes.has(p.commune))
    .sort((a, b) => dist(seat, a) - dist(seat, b) || (a.finess < b.finess ? -1 : 1))
    .slice(0, CPTS_MEMBERS)
    .sort((a, b) => (a.finess < b.finess ? -1 : 1));
  check(members.length === CPTS_MEMBERS, `memberships: only ${members.length} pharmacies in the perimeter of ${cptsId}`);
  for (const p of members) rows.push([p.finess, '', cptsId, MEMBERSHIP_SOURCE]);
  writeFileSync(join(outDir, F.memberships), csv(['pharmacie_finess', 'structure_finess', 'cpts_id', 'source'], rows));
  return { rows: rows.length, mspRows, msps: mspsWithMembers.size, mspsLocated: msps.length, cptsRows: members.length, members };
}

// --- manifest and README ----------------------------------------------------------------------------------

function manifest(args: { finessDate: string; proposal: ReturnType<typeof buildProposal> }) {
  return {
    name: 'Démo Pays de la Loire et Provence-Alpes-Côte d’Azur',
    description: 'Demo bundle loaded by `npm start` into an empty database; built by scripts/build-geodata.ts (npm run build:geodata).',
    regions: REGIONS.map((r) => ({ code: r.code, nom: r.nom, departements: [...r.departements] })),
    imports: [
      { kind: 'communes', files: DEPARTEMENTS.map(F.communes) },
      { kind: 'finess', file: F.finess },
      { kind: 'cpts', file: F.cptsApprox, options: { perimetre: 'approximatif', status: 'en-fonctionnement' } },
      { kind: 'cpts', file: F.proposal, options: { perimetre: 'illustratif' } },
      { kind: 'cpts', file: F.cptsPaca, options: { perimetre: 'officiel', status: 'non renseigné', source: PACA_SOURCE } },
      {
        kind: 'gp',
        file: F.gp,
        options: { codeColumn: 'codecommuneetablissement', countColumn: 'generaliste', source: GP_SOURCE, year: 2019, proxy: true },
      },
      { kind: 'zoning', file: F.zoning, options: { source: ZONING_SOURCE, unofficial: true, vintage: ZONING_VINTAGE } },
      { kind: 'bassins', files: [F.bassins, F.bassinsLabels] },
      { kind: 'memberships', file: F.memberships },
    ],
    provenance: { ...PROVENANCE, finess: { ...PROVENANCE.finess, vintage: args.finessDate } },
    illustrative: {
      [F.proposal]: `Made-up proposal ${PROPOSAL.id}: ${args.proposal.white.length} communes of the CC de Nozay (no CPTS) plus ${args.proposal.overlap.shared.length} communes of the approximate perimeter of ${args.proposal.overlap.nom} (${args.proposal.overlap.id}); not a real project.`,
      [F.memberships]: `Pharmacies of Pays de la Loire within ${MSP_RADIUS_M} m of an MSP are made its members; the ${CPTS_MEMBERS} pharmacies of the perimeter of ${args.proposal.overlap.id} nearest to its FINESS address are made members of that CPTS. Not real memberships.`,
    },
    approximate: {
      [F.cptsApprox]: 'CPTS perimeters = all communes of the EPCI of the seat (approx:epci-du-siege:<siren>), not the ARS perimeters.',
      [F.finess]: 'FINESS stock reconstructed from a FHIR conversion; département and commune derived; see provenance.finess.',
    },
    unofficial: {
      [F.zoning]: `GP zoning from an unofficial source without declared licence, vintage estimated ${ZONING_VINTAGE}; see provenance.zoning.`,
    },
  };
}

interface Summary {
  communes: Record<string, number>;
  finess: ReturnType<typeof buildFiness>;
  gp: ReturnType<typeof buildGp>;
  cpts: ReturnType<typeof buildCptsApprox>;
  proposal: ReturnType<typeof buildProposal>;
  paca: ReturnType<typeof buildPacaCpts>;
  zoning: ReturnType<typeof buildZoning>;
  bassins: ReturnType<typeof buildBassins>;
  memberships: ReturnType<typeof buildMemberships>;
}

const fmt = (n: number) => n.toLocaleString('en-US');

function readme(s: Summary): string {
  const nCommunes = Object.values(s.communes).reduce((a, b) => a + b, 0);
  const cptsList = [...s.cpts.perimeters]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, p]) => `  - ${id} "${p.nom}": ${p.communes.size} communes`)
    .join('\n');
  const msp = s.memberships;
  const cat = (r: (typeof s.finess.byRegion)[number]) =>
    `${fmt(r.byCat['620']!)} pharmacies, ${r.byCat['603']} MSP, ${r.byCat['124']} centres de santé and ${r.byCat['604']} CPTS`;
  const z = s.zoning.byZone;
  return `# geodata/ — demo bundle, Pays de la Loire and Provence-Alpes-Côte d'Azur

Generated by \`scripts/build-geodata.ts\` — do not edit by hand. Rebuild with \`npm run build:geodata\`
(reads \`../shared/geodata-sources\` relative to the repository root, or \`--sources DIR\`). The build is
deterministic: re-running it gives the same bytes. It fails if the FINESS subset does not hold, in Pays de la Loire,
${cat(s.finess.byRegion[0]!)}, and in Provence-Alpes-Côte d'Azur, ${cat(s.finess.byRegion[1]!)}.

${REGIONS.map((r) => `Region ${r.nom} (${r.code}), départements ${r.departements.join(', ')}.`).join(' ')} \`npm start\` runs the imports
listed in \`manifest.json\`, in order, on an empty database; \`manifest.json\` also records provenance.

Real data. Provence-Alpes-Côte d'Azur has its **real CPTS perimeters** (ARS listing of January 2026); Pays de la Loire
has **APPROXIMATE** ones. The FINESS stock is **RECONSTRUCTED**, the GP zoning is from an **UNOFFICIAL** source, and two
files are **ILLUSTRATIVE** (made up for the demo, labelled as such in their \`source\`, \`statut\` or \`perimetre\` so the
app shows them as such).

## Files

| File | What | Rows |
|---|---|---|
${DEPARTEMENTS.map((d) => `| \`${F.communes(d)}\` | Commune outlines of département ${d}, COG 2018, WGS84 (byte copy of the shared file) | ${fmt(s.communes[d]!)} features |`).join('\n')}
| \`${F.finess}\` | FINESS establishments, categories 620, 603, 124, 604, official etalab layout (RECONSTRUCTED) | ${fmt(s.finess.establishments.length)} establishments, ${fmt(s.finess.geolocated)} positions |
| \`${F.cptsApprox}\` | APPROXIMATE CPTS perimeters of Pays de la Loire (EPCI of the seat) | ${fmt(s.cpts.rows)} (CPTS, commune) rows, ${s.cpts.perimeters.size} CPTS |
| \`${F.proposal}\` | ILLUSTRATIVE proposed CPTS perimeter | ${s.proposal.rows} communes |
| \`${F.cptsPaca}\` | REAL CPTS perimeters of Provence-Alpes-Côte d'Azur (ARS PACA, January 2026) | ${s.paca.rows} (CPTS, commune) rows, ${s.paca.cpts} CPTS |
| \`${F.gp}\` | GP supply proxy per commune (SIRENE, March 2019) | ${fmt(s.gp.rows)} communes |
| \`${F.zoning}\` | GP zoning per commune (ZIP, ZAC, HZ, ZAR), UNOFFICIAL source | ${fmt(s.zoning.rows)} communes |
| \`${F.bassins}\` | Bassins de vie 2022 and zones d'emploi 2020 per commune (INSEE, ODbL) | ${fmt(s.bassins.communes)} communes |
| \`${F.bassinsLabels}\` | Names of those bassins de vie and zones d'emploi | ${s.bassins.bassins + s.bassins.zones} labels |
| \`${F.memberships}\` | ILLUSTRATIVE pharmacy memberships (Pays de la Loire) | ${msp.rows} memberships |
| \`${F.manifest}\` | Ordered import list, provenance, notes | — |

### \`communes-NN.geojson.gz\` — commune outlines
IGN ADMIN EXPRESS-COG 2018 via gregoiredavid/france-geojson v2.1.1 (commit 5d34ee6d0140c29f785fdb047d9329f1aab58833),
simplified (borders move by up to a few hundred metres). Properties \`code\` (INSEE, COG 2018) and \`nom\`.
${fmt(nCommunes)} features in all. Codes are COG 2018; the importer reconciles them to COG 2026 (communes nouvelles
merged since appear under their old codes; L'Oie 85165 and Sainte-Florence 85212, re-created in 2019, have no outline of their own
and are stored without one). Marseille has one outline; its 16 arrondissements municipaux (13201–13216) are stored as rows of their own
without outline, with their INSEE population.
Populations are not in these files: the importer takes INSEE populations 2023 from \`@etalab/decoupage-administratif\` 6.0.0 (COG 2026).

### \`${F.finess}\` — FINESS establishments (RECONSTRUCTED, 2021-01-08)
The national stock \`${FINESS_FILE}\` filtered to the eleven départements and to
categories (FINESS labels \`libcategetab\`) 620 "Pharmacie d'Officine", 603 "Maison de santé (L.6223-3)", i.e. MSP,
124 "Centre de Santé" and 604 "Communautés professionnelles territoriales de santé (CPTS)": ${s.finess.byRegion
    .map((r) => `${r.region}: ${cat(r)}`)
    .join('; ')}.
Same layout as the official etalab file: header line \`finess;etalab;${s.finess.establishments.length};${s.finess.date}\`, the
\`structureet\` records, then the \`geolocalisation\` records (Lambert-93, EPSG:2154) of the kept establishments;
record lines are byte copies of the source. The source is NOT the original DREES file: it was reconstructed from the
FHIR conversion published in flrt/finess-fhir (commit f33d5e989b679e04cd4eac5cad7a11051e4b4fe5); the address
split and the département/commune codes (COG 2026) were derived (see the shared README).

### \`${F.cptsApprox}\` — CPTS perimeters of Pays de la Loire (APPROXIMATE)
Columns \`cpts_finess;cpts_nom;code_insee;methode\`. The ${s.cpts.perimeters.size} CPTS registered in FINESS (category 604, January 2021)
in the region, each with an APPROXIMATE perimeter: all communes of the EPCI containing its seat
(\`methode\` = \`approx:epci-du-siege:<siren>\`, EPCI from \`@etalab/decoupage-administratif\` 6.0.0). These are NOT the
ARS perimeters (Santégraphie), which are not available offline. Imported with \`perimetre\` "approximatif" and
\`statut\` "en-fonctionnement".
${cptsList}

### \`${F.proposal}\` — proposed CPTS (ILLUSTRATIVE)
Columns \`cpts_id;cpts_nom;statut;code_insee;methode\`. One made-up proposal, \`${PROPOSAL.id}\`
"${PROPOSAL.nom}", \`statut\` "projet", \`methode\` "illustratif:proposition", imported with \`perimetre\` "illustratif".
${s.proposal.rows} real, contiguous communes (${fmt(s.proposal.population)} inhabitants): the ${s.proposal.white.length} communes of the CC de Nozay,
which no CPTS of the region covers (white zone: ${s.proposal.white.join(', ')}), plus ${s.proposal.overlap.shared.length} communes of the approximate perimeter of
${s.proposal.overlap.nom} (${s.proposal.overlap.id}): ${s.proposal.overlap.shared.join(', ')}. It exists to show an overlap between
CPTS and a proposal extending into a white zone. The build checks contiguity on the outlines (shared borders) and the overlap.

### \`${F.cptsPaca}\` — CPTS perimeters of Provence-Alpes-Côte d'Azur (REAL, ARS PACA, January 2026)
Byte copy of \`cpts/paca-ars-2026-01/cpts-paca-communes.csv\`: columns \`cpts_nom,code_insee,nom_commune_cog2024,code_arrondissement,commune_partagee\`,
one row per CPTS × commune, from the ARS PACA listing « Listing CPTS_012026 » as published by SKHTay/Carto-Sante-PACA-T-l-med
(commit 62e8489e366aae664a189630ef11dbafed35a869; names and communes only, no personal data). ${s.paca.cpts} CPTS known by their name only:
the importer gives each a stable id (région + name, e.g. \`93-cpts-du-plateau\`). Marseille is split between CPTS by
arrondissement municipal (${s.paca.marseilleArrondissements} of its 16 arrondissements claimed); Nice (06088) is claimed whole by ${s.paca.nice} CPTS and
Toulon (83137) by ${s.paca.toulon}: real overlaps without a sub-communal split. The source gives no status: imported with \`statut\`
"non-renseigne" and \`perimetre\` "officiel", with the source « ${PACA_SOURCE} » stored on every CPTS and membership, as the
shared README asks. No licence is declared by the repository; the data are public information of an ARS.

### \`${F.gp}\` — GP supply proxy (SIRENE, March 2019)
The rows of \`PS_communes_sirene_2019-03_national.csv\` for communes of the eleven départements (header kept, lines
copied; Marseille by arrondissement). Column \`codecommuneetablissement\` (INSEE code, COG 2019), \`generaliste\` = number of active SIRENE
establishments with APE 86.21Z "activité des médecins généralistes". A PROXY: it counts registered practices,
not doctors nor full-time equivalents; communes with no establishment of any listed profession are absent
(${fmt(s.gp.withGp)} of the ${fmt(s.gp.rows)} rows have at least one GP establishment). Source: virgilus/desert-medicaux-global
(commit 771b6ecc9e434e6e4a76a8d5115a8c5b1bb105cd, MIT), INSEE SIRENE data under the Licence Ouverte.

### \`${F.zoning}\` — GP zoning (UNOFFICIAL source, vintage estimated ${ZONING_VINTAGE})
The rows of \`zonage/zonage-mg-par-commune.csv\` for the eleven départements (Marseille by arrondissement), lines copied:
columns \`code_insee,nom_commune_source,code_postal_source,zonage_mg,zrr,appariement\`; values ${Object.entries(z)
    .sort()
    .map(([k, n]) => `\`${k}\` ${fmt(n)}`)
    .join(', ')}. From repository Alternantsauvage/ZonageMed (\`zonmed_enrichi_final.csv\`,
commit 000195e9ac8821223c5ac842d339f7aa8349fa84), matched to INSEE codes in the shared folder. **Not an official publication**:
its publisher documents neither provenance nor licence (very probably a copy of the ARS zoning export; its Île-de-France shares
match the ARS decision of 30 March 2022, hence a 2022–2024 vintage, before the 2025 revisions). Imported with
\`--unofficial\` and \`--vintage "${ZONING_VINTAGE}"\`, so every zoning row says so. It replaces the illustrative zoning the
bundle had before.

### \`${F.bassins}\` and \`${F.bassinsLabels}\` — bassins de vie and zones d'emploi (INSEE, ODbL)
The rows of \`insee-supracom-2024/table_supracom_2024.csv.gz\` for the eleven départements (${fmt(s.bassins.communes)} communes, lines copied),
and the labels of their ${s.bassins.bassins} bassins de vie 2022 and ${s.bassins.zones} zones d'emploi 2020 from \`libelles_supracom_2024.csv\`.
From the R package antuki/COGugaison (commit a83157cb58b5ed28711c8d4a5ccfca4faee15322), data under the **ODbL 1.0**:
« © Code Officiel Géographique (Insee) et package R COGugaison (http://github.com/antuki/COGugaison) ». This extract is a
derived database: it is shared under the same licence. Geography of 1 January 2024, mapped to COG 2026 on import;
arrondissements municipaux take their commune's.

### \`${F.memberships}\` — pharmacy memberships (ILLUSTRATIVE)
Columns \`pharmacie_finess;structure_finess;cpts_id;source\` (exactly one of \`structure_finess\`, \`cpts_id\`),
\`source\` = "${MEMBERSHIP_SOURCE}". Made up so the "membre" status has something to show, in Pays de la Loire only:
- each pharmacy within ${MSP_RADIUS_M} m of an MSP (plain Euclidean distance between FINESS Lambert-93 positions) is a
  member of that MSP: ${msp.mspRows} memberships, ${msp.msps} of the ${msp.mspsLocated} positioned MSP;
- the ${CPTS_MEMBERS} pharmacies of the approximate perimeter of ${s.proposal.overlap.nom} (${s.proposal.overlap.id}) nearest to its FINESS
  address are members of that CPTS.

## Vintages
- Commune outlines: COG 2018 (IGN ADMIN EXPRESS-COG 2018), reconciled to COG 2026 on import.
- Populations: INSEE populations légales 2023, from \`@etalab/decoupage-administratif\` 6.0.0 (COG 2026).
- FINESS: stock of 2021-01-08, reconstructed.
- GP proxy: INSEE SIRENE, March 2019 (COG 2019 codes).
- CPTS: Pays de la Loire, FINESS January 2021 with perimeters from the EPCI of COG 2026; PACA, ARS listing of January 2026.
- GP zoning: not documented, estimated 2022–2024.
- Bassins de vie 2022, zones d'emploi 2020: COG 2024.

## Licences and attribution
Data under the Licence Ouverte / Open Licence (Etalab): cite IGN (ADMIN EXPRESS-COG), INSEE (COG, populations),
DREES/FINESS, INSEE SIRENE. Code of the repositories the files come through (flrt/finess-fhir,
virgilus/desert-medicaux-global, @etalab/decoupage-administratif) under the MIT licence; gregoiredavid/france-geojson
redistributes the IGN data under the Licence Ouverte. CPTS of PACA: « ${PACA_SOURCE} » (no licence declared).
GP zoning: no licence declared, unofficial. Bassins de vie and zones d'emploi: ODbL 1.0, « © Code Officiel Géographique (Insee)
et package R COGugaison (http://github.com/antuki/COGugaison) ».
`;
}

// --- main -------------------------------------------------------------------------------------------------------

export function buildGeodata(sourcesDir: string, outDir: string): Summary {
  check(existsSync(sourcesDir), `sources folder not found: ${sourcesDir} (use --sources DIR)`);
  mkdirSync(outDir, { recursive: true });
  const { features, counts } = buildCommunes(sourcesDir, outDir);
  const finess = buildFiness(sourcesDir, outDir);
  const gp = buildGp(sourcesDir, outDir);
  const cptsFiness = finess.establishments.filter((e) => e.categorie === '604' && PDL.has(e.departement)).map((e) => e.finess);
  const cpts = buildCptsApprox(sourcesDir, outDir, cptsFiness);
  const proposal = buildProposal(outDir, adjacency(features.filter((f) => PDL.has(f.properties.code.slice(0, 2)))), cpts.perimeters);
  const paca = buildPacaCpts(sourcesDir, outDir);
  const zoning = buildZoning(sourcesDir, outDir);
  const bassins = buildBassins(sourcesDir, outDir);
  const memberships = buildMemberships(outDir, finess.establishments, proposal.overlap.id, cpts.perimeters.get(proposal.overlap.id)!.communes);
  const summary: Summary = { communes: counts, finess, gp, cpts, proposal, paca, zoning, bassins, memberships };
  writeFileSync(join(outDir, F.manifest), JSON.stringify(manifest({ finessDate: finess.date, proposal }), null, 2) + '\n');
  writeFileSync(join(outDir, F.readme), readme(summary));
  return summary;
}

function main(): void {
  const { values } = parseArgs({
    options: { sources: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write('Usage: npm run build:geodata [-- --sources DIR] [--out DIR]\n');
    return;
  }
  const sourcesDir = values.sources ? resolve(values.sources) : resolve(REPO_ROOT, '../shared/geodata-sources');
  const outDir = values.out ? resolve(values.out) : join(REPO_ROOT, 'geodata');
  const s = buildGeodata(sourcesDir, outDir);
  const c = s.finess.byCat;
  process.stdout.write(
    [
      `geodata written to ${outDir}`,
      `  communes: ${Object.entries(s.communes).map(([d, n]) => `${d}:${n}`).join(' ')}`,
      `  FINESS: ${s.finess.establishments.length} establishments (620:${c['620']} 603:${c['603']} 124:${c['124']} 604:${c['604']}), ${s.finess.geolocated} positions`,
      `  GP proxy rows: ${s.gp.rows}; approximate CPTS perimeter rows: ${s.cpts.rows} (${s.cpts.perimeters.size} CPTS)`,
      `  proposal: ${s.proposal.rows} communes, ${s.proposal.overlap.shared.length} shared with ${s.proposal.overlap.id}`,
      `  PACA CPTS: ${s.paca.cpts} CPTS, ${s.paca.rows} rows`,
      `  zoning: ${s.zoning.rows} communes ${JSON.stringify(s.zoning.byZone)}`,
      `  bassins de vie: ${s.bassins.communes} communes, ${s.bassins.bassins} bassins, ${s.bassins.zones} zones d'emploi`,
      `  memberships: ${s.memberships.mspRows} MSP + ${s.memberships.cptsRows} CPTS`,
      '',
    ].join('\n'),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`build-geodata failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
