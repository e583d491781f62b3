// What goes in and out of « Vérifier un périmètre »: the codes read from pasted text (with what was set aside and
// why), the reasons a code was not found, and the exports (CSV, GeoJSON).
import type { PerimeterCheck } from '../api.js';
import { asText, toCsv, type Cell } from '../csv.js';

/** Codes read from pasted text, and the tokens set aside with their reason. */
export interface PastedCodes {
  /** Valid INSEE codes, new to the perimeter, each once. */
  codes: string[];
  /** Codes given twice, or already in the perimeter: counted once. */
  repeated: string[];
  /** Numbers of 4 digits: an INSEE code whose leading zero a spreadsheet dropped, most likely. */
  fourDigits: string[];
}

/** Reads INSEE codes in pasted text (any separator; 2A/2B accepted). */
export function readCodes(text: string, already: readonly string[] = []): PastedCodes {
  const tokens = text.toUpperCase().match(/\b(\d{4,5}|2[AB]\d{3})\b/g) ?? [];
  const seen = new Set(already);
  const out: PastedCodes = { codes: [], repeated: [], fourDigits: [] };
  for (const t of tokens) {
    if (t.length === 4) {
      if (!out.fourDigits.includes(t)) out.fourDigits.push(t);
    } else if (seen.has(t)) {
      if (!out.repeated.includes(t)) out.repeated.push(t);
    } else {
      seen.add(t);
      out.codes.push(t);
    }
  }
  return out;
}

/** The département of an INSEE commune code (3 digits overseas). */
const departementOf = (code: string) => (code.startsWith('97') ? code.slice(0, 3) : code.slice(0, 2));

/** Départements of the COG: 01–95 (no 20), 2A, 2B, 971–976. */
function isDepartement(d: string): boolean {
  if (d === '2A' || d === '2B') return true;
  const n = Number(d);
  return d.length === 3 ? n >= 971 && n <= 976 : Number.isInteger(n) && n >= 1 && n <= 95 && n !== 20;
}

/**
 * Why codes were not found: a département outside the data loaded here (`loaded`: the départements of the
 * database), or no commune of that code (neither current nor former) in a loaded or non-existent département.
 */
export function whyNotFound(codes: readonly string[], loaded: readonly string[]): { outside: string[]; unknown: string[] } {
  const out = { outside: [] as string[], unknown: [] as string[] };
  for (const c of codes) {
    const d = departementOf(c);
    (isDepartement(d) && !loaded.includes(d) ? out.outside : out.unknown).push(c);
  }
  return out;
}

/** The communes of the checked perimeter and its figures, for a spreadsheet (codes kept as text). */
export function perimeterCsv(r: PerimeterCheck): string {
  const partOf = new Map<string, number>();
  for (const p of r.parties) for (const c of p.communes) partOf.set(c, p.numero);
  const geo = r.mode === 'geometrie';
  const rows: Cell[][] = [
    ['Code INSEE', 'Commune', 'Département', 'Habitants', 'Situation', 'Partie', ...(geo ? ['Part de la surface (%)'] : [])],
    ...r.communes.map((c): Cell[] => [
      asText(c.code),
      c.nom,
      asText(c.departement),
      c.population,
      c.zoneBlanche ? 'hors CPTS' : 'déjà en CPTS',
      partOf.get(c.code) ?? 1,
      ...(geo ? [Math.round(c.part * 1000) / 10] : []),
    ]),
    [],
    ['Indicateur', 'Valeur'],
    ['Communes', r.nbCommunes],
    ['Habitants', r.population],
    ['Taille ACI', r.bande],
    ['Superficie (km², arrondie au dixième)', Math.round(r.superficieKm2 * 10) / 10],
    ['Parties séparées', r.contigu ? 1 : r.parties.length],
    ['Communes hors CPTS reprises', r.zonesBlanches.nbCommunes],
    ['Habitants hors CPTS repris', r.zonesBlanches.population],
    ...r.chevauchements.map((o): Cell[] => [`Chevauchement avec ${o.nom}`, `${o.nbCommunes} commune(s), ${o.population} hab.`]),
  ];
  return toCsv(rows);
}
