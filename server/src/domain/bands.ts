// CPTS size bands (ACI): T1 < 40,000 ≤ T2 < 80,000 ≤ T3 < 175,000 ≤ T4, a warning near a threshold,
// and the funding the ACI attaches to each band. Pure; the figures live in aci-bands.json (data, with its source).
import { z } from 'zod';
import rawTable from './aci-bands.json' with { type: 'json' };

export type BandCode = 'T1' | 'T2' | 'T3' | 'T4';

const bandSchema = z.object({
  code: z.enum(['T1', 'T2', 'T3', 'T4']),
  taille: z.number().int().min(1).max(4),
  populationMin: z.number().int().min(0),
  populationMaxExclue: z.number().int().positive().nullable(),
  financementTotalEur: z.number().positive().nullable(),
  note: z.string().nullable(),
});

const tableSchema = z
  .object({
    source: z.object({
      titre: z.string().min(1),
      annee: z.number().int(),
      cadre: z.string(),
      resume: z.string(),
      reprisDans: z.string().optional(),
    }),
    avertissementSeuilPart: z.number().gt(0).lt(0.5),
    aideFonctionnementAnnuelleEur: z.object({
      min: z.number().positive().nullable(),
      max: z.number().positive().nullable(),
      note: z.string(),
    }),
    bandes: z.array(bandSchema).min(1),
  })
  .superRefine((t, ctx) => {
    const b = t.bandes;
    if (b[0]!.populationMin !== 0) ctx.addIssue({ code: 'custom', message: 'the first band must start at population 0', path: ['bandes', 0] });
    if (b[b.length - 1]!.populationMaxExclue !== null) {
      ctx.addIssue({ code: 'custom', message: 'the last band must be open-ended (populationMaxExclue: null)', path: ['bandes', b.length - 1] });
    }
    b.forEach((x, i) => {
      if (x.taille !== i + 1) ctx.addIssue({ code: 'custom', message: `band ${i} must have taille ${i + 1}`, path: ['bandes', i] });
      if (x.financementTotalEur === null && !x.note) {
        ctx.addIssue({ code: 'custom', message: 'an unknown amount (null) needs a note', path: ['bandes', i, 'note'] });
      }
      const next = b[i + 1];
      if (next && x.populationMaxExclue !== next.populationMin) {
        ctx.addIssue({ code: 'custom', message: `band ${x.code} must end where ${next.code} starts`, path: ['bandes', i] });
      }
      if (x.populationMaxExclue !== null && x.populationMaxExclue <= x.populationMin) {
        ctx.addIssue({ code: 'custom', message: `band ${x.code} is empty`, path: ['bandes', i] });
      }
    });
  });

export type AciBand = z.infer<typeof bandSchema>;
export type AciTable = z.infer<typeof tableSchema>;

/** Validates a band table (the shape of aci-bands.json); throws with every problem found. */
export function parseAciTable(json: unknown): AciTable {
  const r = tableSchema.safeParse(json);
  if (!r.success) throw new Error(`invalid ACI band table: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** The table shipped with the application (server/src/domain/aci-bands.json). */
export const ACI_TABLE: AciTable = parseAciTable(rawTable);

const fmtInt = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const fmtPct = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
/** French number formatting with an ordinary space as thousands separator (stable in CSV and tests). */
export const frInt = (n: number) => fmtInt.format(n).replace(/[\u202f\u00a0]/g, ' ');
export const frPct = (n: number) => fmtPct.format(n).replace(/[\u202f\u00a0]/g, ' ');

export function bandOf(population: number, table: AciTable = ACI_TABLE): AciBand {
  if (!Number.isFinite(population) || population < 0) throw new RangeError(`population must be a non-negative number, got ${population}`);
  for (const b of table.bandes) if (b.populationMaxExclue === null || population < b.populationMaxExclue) return b;
  /* c8 ignore next */
  throw new Error('unreachable: the last band is open-ended');
}

export interface ThresholdWarning {
  /** The threshold the population is close to (the first population of the upper band). */
  seuil: number;
  /** population − seuil: negative below the threshold, ≥ 0 at or above it. */
  ecart: number;
  /** |ecart| as a percentage of the threshold, one decimal. */
  ecartPct: number;
  position: 'sous' | 'au-dessus';
  /** The band on the other side of the threshold. */
  bandeVoisine: BandCode;
  message: string;
}

/**
 * A warning when the population is within `avertissementSeuilPart` (5 %) of a band threshold, inclusive:
 * 38,000 and 42,000 are warned about for the 40,000 threshold, 37,999 and 42,001 are not.
 */
export function thresholdWarning(population: number, table: AciTable = ACI_TABLE): ThresholdWarning | null {
  bandOf(population, table); // validates population
  const part = table.avertissementSeuilPart;
  let best: ThresholdWarning | null = null;
  for (let i = 1; i < table.bandes.length; i++) {
    const upper = table.bandes[i]!;
    const lower = table.bandes[i - 1]!;
    const seuil = upper.populationMin;
    const ecart = population - seuil;
    if (Math.abs(ecart) > part * seuil) continue;
    const ecartPct = Math.round((Math.abs(ecart) / seuil) * 1000) / 10;
    const position = ecart < 0 ? 'sous' : 'au-dessus';
    const bandeVoisine = ecart < 0 ? upper.code : lower.code;
    const message =
      ecart === 0
        ? `Population exactement au seuil de ${frInt(seuil)} habitants : taille ${upper.taille} (${upper.code}) ; un habitant de moins la ferait passer en taille ${lower.taille} (${lower.code}).`
        : ecart < 0
          ? `Population à ${frInt(-ecart)} habitants (${frPct(ecartPct)} %) sous le seuil de ${frInt(seuil)} habitants : ` +
            `taille ${lower.taille} (${lower.code}), proche de la taille ${upper.taille} (${upper.code}).`
          : `Population à ${frInt(ecart)} habitants (${frPct(ecartPct)} %) au-dessus du seuil de ${frInt(seuil)} habitants : ` +
            `taille ${upper.taille} (${upper.code}), proche de la taille ${lower.taille} (${lower.code}).`;
    const w: ThresholdWarning = { seuil, ecart, ecartPct, position, bandeVoisine, message };
    if (!best || Math.abs(ecart) / seuil < Math.abs(best.ecart) / best.seuil) best = w;
  }
  return best;
}

export interface AciFunding {
  taille: number;
  /** Total ACI funding of the band in euros, as the source states it; null when the source gives none. */
  financementTotalEur: number | null;
  aideFonctionnementAnnuelleEur: { min: number | null; max: number | null };
  notes: string[];
  source: string;
}

export interface BandInfo {
  bande: BandCode;
  taille: number;
  populationMin: number;
  populationMaxExclue: number | null;
  avertissementSeuil: ThresholdWarning | null;
  aci: AciFunding;
}

/** Everything a CPTS sheet says about its size: band, threshold warning, ACI funding with its source. */
export function bandInfo(population: number, table: AciTable = ACI_TABLE): BandInfo {
  const b = bandOf(population, table);
  const f = table.aideFonctionnementAnnuelleEur;
  return {
    bande: b.code,
    taille: b.taille,
    populationMin: b.populationMin,
    populationMaxExclue: b.populationMaxExclue,
    avertissementSeuil: thresholdWarning(population, table),
    aci: {
      taille: b.taille,
      financementTotalEur: b.financementTotalEur,
      aideFonctionnementAnnuelleEur: { min: f.min, max: f.max },
      notes: [...(b.note ? [b.note] : []), f.note],
      source: `${table.source.titre}, ${table.source.annee} — ${table.source.cadre}`,
    },
  };
}
