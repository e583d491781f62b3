// The missions a pharmacist unlocks by joining a coordinated-care structure, kept as data in missions.json
// (figures, conditions and sources from the reference guide); this module validates the data once and
// evaluates, for one commune, whether each mission's territorial condition is met. Pure.
import { z } from 'zod';
import rawMissions from './missions.json' with { type: 'json' };

import { ZONE_LIBELLES, type Zone } from './vocabulary.js';

export type { Zone };
/** A zone's label inside a sentence (« classée zone d’intervention prioritaire (ZIP) »). */
const zoneInSentence = (z: Zone) => ZONE_LIBELLES[z].charAt(0).toLowerCase() + ZONE_LIBELLES[z].slice(1);

const StructureType = z.enum(['esp', 'msp', 'csp', 'cpts']);

export const SourceDoc = z.strictObject({ document: z.string().min(1), date: z.string().min(1) });
export type SourceDoc = z.infer<typeof SourceDoc>;

const Remuneration = z.strictObject({
  libelle: z.string().min(1),
  montant: z.number().positive(),
  unite: z.string().min(1),
  precision: z.string().nullable(),
  annee: z.number().int().optional(),
});

/** One mission as missions.json states it (its source named by key). */
export const MissionSchema = z.strictObject({
  id: z.string().regex(/^[a-z-]+$/),
  titre: z.string().min(1),
  description: z.string().min(1),
  structures: z.array(StructureType).min(1),
  zonagesEligibles: z.array(z.enum(['ZIP', 'ZAC', 'ZV', 'HZ'])).nullable(),
  // Zones the sources say nothing about for this mission: the French sentence to show (e.g. ZAR: ask the ARS).
  zonagesAVerifier: z.record(z.string(), z.string().min(1)).optional(),
  conditions: z.array(z.string().min(1)).min(1),
  remunerations: z.array(Remuneration).min(1),
  source: z.string(),
});

const MissionsFile = z
  .strictObject({
    sources: z.record(z.string(), SourceDoc),
    missions: z.array(MissionSchema),
  })
  .refine((f) => f.missions.every((m) => m.source in f.sources), { message: 'missions.json: a mission cites an unknown source' });

export type MissionsData = z.infer<typeof MissionsFile>;
export type Mission = MissionsData['missions'][number];

let cached: MissionsData | undefined;

/** missions.json, validated (a malformed file fails at the first use, with zod's explanation). */
export function missionsData(): MissionsData {
  cached ??= MissionsFile.parse(rawMissions);
  return cached;
}

export type Eligibility = 'oui' | 'non' | 'zonage inconnu';

export interface ZoningContext {
  /** The commune's zone, or null when the commune has no zoning row. */
  zone: Zone | null;
  /** Whether any zoning was imported at all (to say why the zone is unknown). */
  zoningImported: boolean;
  communeNom: string;
}

export interface EvaluatedMission extends Omit<Mission, 'source'> {
  source: SourceDoc;
  /** Whether the commune meets the mission's territorial condition (always 'oui' for missions without one). */
  eligibleIci: Eligibility;
  /** One French sentence saying why. */
  explication: string;
}

/** Each mission with whether it is open in the commune given its ARS zoning. Pure. */
export function evaluateMissions(ctx: ZoningContext, data: MissionsData = missionsData()): EvaluatedMission[] {
  return data.missions.map((m) => {
    const source = data.sources[m.source]!;
    const joined = m.structures.map((s) => (s === 'csp' ? 'centre de santé' : s.toUpperCase())).join(', ');
    if (!m.zonagesEligibles) {
      return { ...m, source, eligibleIci: 'oui', explication: `Accessible en rejoignant : ${joined} ; aucune condition de zonage.` };
    }
    const wanted = m.zonagesEligibles.join(' ou ');
    if (!ctx.zone) {
      const why = ctx.zoningImported
        ? `la commune ${ctx.communeNom} ne figure pas dans le zonage ARS importé`
        : 'aucun zonage ARS n’a été importé';
      return {
        ...m,
        source,
        eligibleIci: 'zonage inconnu',
        explication: `Zonage inconnu : ${why}. Cette mission n’est ouverte qu’en ${wanted} ; vérifiez le zonage auprès de l’ARS.`,
      };
    }
    const ok = (m.zonagesEligibles as readonly Zone[]).includes(ctx.zone);
    return {
      ...m,
      source,
      eligibleIci: ok ? 'oui' : 'non',
      explication: ok
        ? `Éligible : la commune ${ctx.communeNom} est classée ${zoneInSentence(ctx.zone)} par l’ARS (mission ouverte en ${wanted}).`
        : `Non éligible ici : la commune ${ctx.communeNom} est classée ${zoneInSentence(ctx.zone)} ; cette mission n’est ouverte qu’en ${wanted}.`,
    };
  });
}
