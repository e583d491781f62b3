// Benchmark CPTS perimeters across France, generated deterministically from the COG (no real perimeters
// are available offline). Rule: within each département, EPCIs are taken in code order and grouped
// until a group reaches `targetPopulation` inhabitants (communes outside any EPCI join the group of their
// département's first EPCI). That gives about 800 territories of realistic sizes, bands T1 to T4.
// Overlaps: every `overlapEvery`-th territory also claims the `overlapCommunes` most populous communes of
// the next territory in the same département, as disputed perimeters do.
import { cog } from '../server/src/import/cog.js';

export interface GeneratedCpts {
  id: string;
  nom: string;
  communes: string[];
}

export function generateCpts(
  opts: { targetPopulation?: number; overlapEvery?: number; overlapCommunes?: number; onlyCodes?: ReadonlySet<string> } = {},
): GeneratedCpts[] {
  const target = opts.targetPopulation ?? 35_000;
  const every = opts.overlapEvery ?? 4;
  const extra = opts.overlapCommunes ?? 3;
  const { communes } = cog();

  // département → EPCI → communes
  const byDep = new Map<string, Map<string, string[]>>();
  for (const c of [...communes.values()].sort((a, b) => a.code.localeCompare(b.code))) {
    if (c.population === null || (opts.onlyCodes && !opts.onlyCodes.has(c.code))) continue;
    const deps = byDep.get(c.departement) ?? new Map<string, string[]>();
    byDep.set(c.departement, deps);
    const key = c.epci ?? '~none';
    deps.set(key, [...(deps.get(key) ?? []), c.code]);
  }

  const out: GeneratedCpts[] = [];
  for (const [dep, epcis] of [...byDep].sort(([a], [b]) => a.localeCompare(b))) {
    const groups: string[][] = [];
    let current: string[] = [];
    let pop = 0;
    const keys = [...epcis.keys()].sort();
    for (const key of keys) {
      const members = epcis.get(key)!;
      if (key === '~none' && groups.length + current.length > 0) {
        (groups[0] ?? current).push(...members);
        continue;
      }
      current.push(...members);
      pop += members.reduce((s, code) => s + (communes.get(code)!.population ?? 0), 0);
      if (pop >= target) {
        groups.push(current);
        current = [];
        pop = 0;
      }
    }
    if (current.length) {
      if (groups.length && pop < target / 3) groups[groups.length - 1]!.push(...current);
      else groups.push(current);
    }
    groups.forEach((g, i) => {
      out.push({ id: `BENCH-${dep}-${String(i + 1).padStart(2, '0')}`, nom: `CPTS banc d’essai ${dep} n° ${i + 1}`, communes: [...g] });
    });
  }
  // Overlaps with the next territory of the same département.
  for (let i = 0; i + 1 < out.length; i++) {
    const a = out[i]!;
    const b = out[i + 1]!;
    if (i % every !== 0 || a.id.split('-')[1] !== b.id.split('-')[1]) continue;
    const biggest = [...b.communes].sort((x, y) => (communes.get(y)!.population ?? 0) - (communes.get(x)!.population ?? 0));
    a.communes.push(...biggest.slice(0, extra));
  }
  return out;
}

/** The CSV the cpts importer reads (one row per CPTS × commune). */
export function generatedCptsCsv(list: GeneratedCpts[]): string {
  const rows = ['cpts_id;cpts_nom;statut;code_insee;methode'];
  for (const c of list) for (const code of c.communes) rows.push(`${c.id};${c.nom};projet;${code};illustratif:banc-d-essai`);
  return rows.join('\n') + '\n';
}
