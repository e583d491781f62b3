// The etalab FINESS stock layout (file etalab-cs1100507-stock-<date>.csv): record fields, kept categories,
// coordinate reference systems, dates. Shared by the parser and the readers.

/** Fields of a `structureet` record, by position (index 0 is the record type). */
export const STRUCTURE_FIELDS = [
  'structureet', 'nofinesset', 'nofinessej', 'rs', 'rslongue', 'complrs', 'compldistrib', 'numvoie', 'typvoie',
  'voie', 'compvoie', 'lieuditbp', 'commune', 'departement', 'libdepartement', 'ligneacheminement', 'telephone',
  'telecopie', 'categetab', 'libcategetab', 'categagretab', 'libcategagretab', 'siret', 'codeape', 'codemft',
  'libmft', 'codesph', 'libsph', 'dateouv', 'dateautor', 'datemaj',
] as const;
export type StructureField = (typeof STRUCTURE_FIELDS)[number];
export const S = Object.fromEntries(STRUCTURE_FIELDS.map((f, i) => [f, i])) as Record<StructureField, number>;

/** Fields of a `geolocalisation` record in the 2021+ layout (2016 files spread `sourcecoordet` over several fields). */
export const GEOLOCATION_FIELDS = ['geolocalisation', 'nofinesset', 'coordxet', 'coordyet', 'sourcecoordet', 'datemaj'] as const;

export const FINESS_RE = /^[0-9][0-9A-Z][0-9]{7}$/;

export type FinessKind = 'pharmacie' | 'msp' | 'csp' | 'siege_cpts';

/** The FINESS categories (`categetab`) this tool keeps, and what each becomes. */
export const KEPT_CATEGORIES: Readonly<Record<string, FinessKind>> = {
  '620': 'pharmacie', // Pharmacie d'Officine
  '603': 'msp', // Maison de santé (L.6223-3)
  '124': 'csp', // Centre de santé
  '604': 'siege_cpts', // Communauté professionnelle territoriale de santé
};

/**
 * Coordinate reference systems FINESS uses, with a generous box (projected metres) around the territory each
 * covers: a point outside it is a misplaced or mis-projected record. `departements` are the COG départements
 * whose establishments are expected in that CRS.
 */
export const FINESS_CRS: Readonly<Record<number, { name: string; box: [number, number, number, number]; departements?: string[] }>> = {
  2154: { name: 'RGF93 / Lambert-93 (metropolitan France)', box: [50_000, 6_000_000, 1_300_000, 7_150_000] },
  5490: { name: 'RGAF09 / UTM 20N (Antilles)', box: [450_000, 1_550_000, 800_000, 2_050_000], departements: ['971', '972', '977', '978'] },
  2972: { name: 'RGFG95 / UTM 22N (Guyane)', box: [100_000, 200_000, 500_000, 650_000], departements: ['973'] },
  2975: { name: 'RGR92 / UTM 40S (La Réunion)', box: [300_000, 7_600_000, 400_000, 7_720_000], departements: ['974'] },
  4471: { name: 'RGM04 / UTM 38S (Mayotte)', box: [450_000, 8_540_000, 560_000, 8_620_000], departements: ['976'] },
  4467: { name: 'RGSPM06 / UTM 21N (Saint-Pierre-et-Miquelon)', box: [520_000, 5_150_000, 590_000, 5_250_000], departements: ['975'] },
};

/** Older files name overseas projections `UTM_N20`, `UTM_S40`…: the zone gives the CRS. */
const UTM_TOKEN_SRID: Readonly<Record<string, number>> = { N20: 5490, N22: 2972, S40: 2975, S38: 4471, N21: 4467 };

/** The CRS expected for establishments of a COG département. */
export function expectedSrid(dep: string): number {
  for (const [srid, crs] of Object.entries(FINESS_CRS)) if (crs.departements?.includes(dep)) return Number(srid);
  return 2154;
}

/**
 * The CRS of a geolocalisation record from its `sourcecoordet`: an explicit `EPSG:nnnn` (2026 files),
 * an overseas `UTM_N20`-style token, else Lambert-93 (`LAMBERT_93` or nothing said).
 */
export function sridOfCoordSource(source: string): number | { unknown: string } {
  const epsg = /EPSG\s*:?\s*(\d{4,5})/i.exec(source);
  if (epsg) {
    const code = Number(epsg[1]);
    return FINESS_CRS[code] ? code : { unknown: `EPSG:${code}` };
  }
  const utm = /UTM[_ ]?([NS])[_ ]?(\d{2})/i.exec(source);
  if (utm) {
    const token = `${utm[1]!.toUpperCase()}${utm[2]}`;
    return UTM_TOKEN_SRID[token] ?? { unknown: `UTM_${token}` };
  }
  return 2154;
}

const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const FR_DATE_RE = /^\d{2}\/\d{2}\/\d{4}$/;

/**
 * Parses a date written yyyy-mm-dd (2021+) or dd/mm/yyyy (2016), checking it exists in the calendar;
 * returns ISO or undefined. Typos such as 0202-02-24 (real, in the 2021 stock) are dates: see plausibleDate.
 */
export function parseFinessDate(s: string): string | undefined {
  let y: number, mo: number, d: number, iso: string;
  if (s.length === 10 && ISO_DATE_RE.test(s)) {
    [y, mo, d, iso] = [Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10)), s];
  } else if (s.length === 10 && FR_DATE_RE.test(s)) {
    [d, mo, y] = [Number(s.slice(0, 2)), Number(s.slice(3, 5)), Number(s.slice(6, 10))];
    iso = `${s.slice(6, 10)}-${s.slice(3, 5)}-${s.slice(0, 2)}`;
  } else return undefined;
  const days = mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= days ? iso : undefined;
}

/** A date an establishment can have opened or been updated: from 1800 to ten years ahead. */
export function plausibleDate(iso: string): boolean {
  const y = Number(iso.slice(0, 4));
  return y >= 1800 && y <= new Date().getUTCFullYear() + 10;
}
