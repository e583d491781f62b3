// Sub-types of the centres de santé (FINESS category 124), from the rules kept as data in centres-sante.json:
// each rule, its pattern on the normalised name or its APE codes, and why. Pure.
import { createRequire } from 'node:module';
import { z } from 'zod';

const require = createRequire(import.meta.url);

import { SOUS_TYPES_CENTRE, type SousTypeCentre } from './vocabulary.js';

export { SOUS_TYPES_CENTRE, type SousTypeCentre };

const SousType = z.enum(SOUS_TYPES_CENTRE);
const Rule = z.union([
  z.strictObject({ id: z.string(), sousType: SousType, nom: z.string(), justification: z.string().min(1) }),
  z.strictObject({ id: z.string(), sousType: SousType, ape: z.array(z.string().regex(/^\d{4}[A-Z]$/)).min(1), justification: z.string().min(1) }),
]);
const RulesFile = z.strictObject({
  description: z.string(),
  regles: z.array(Rule).min(1),
  defaut: z.strictObject({ id: z.string(), sousType: SousType, justification: z.string() }),
  sources: z.string(),
});

export type CentreRules = z.infer<typeof RulesFile>;

let cached: { data: CentreRules; patterns: (RegExp | null)[] } | undefined;

function rules() {
  if (!cached) {
    const data = RulesFile.parse(require('./centres-sante.json'));
    cached = { data, patterns: data.regles.map((r) => ('nom' in r ? new RegExp(r.nom) : null)) };
  }
  return cached;
}

/** Upper case, accents removed, every run of other characters one space: the form the rules' patterns read. */
export function normaliseNomCentre(nom: string): string {
  return nom
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/Œ/g, 'OE')
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();
}

/** The sub-type of a centre de santé from its FINESS name and APE code, and the id of the rule that decided. */
export function classifyCentre(nom: string, ape: string | null): { sousType: SousTypeCentre; regle: string } {
  const { data, patterns } = rules();
  const name = normaliseNomCentre(nom);
  for (const [i, r] of data.regles.entries()) {
    const hit = 'nom' in r ? patterns[i]!.test(name) : ape !== null && r.ape.includes(ape);
    if (hit) return { sousType: r.sousType, regle: r.id };
  }
  return { sousType: data.defaut.sousType, regle: data.defaut.id };
}

const SOUS_TYPE_WORDS: Readonly<Record<string, SousTypeCentre>> = {
  medical: 'medical-polyvalent',
  'medical polyvalent': 'medical-polyvalent',
  polyvalent: 'medical-polyvalent',
  'medical ou polyvalent': 'medical-polyvalent',
  infirmier: 'infirmier',
  'soins infirmiers': 'infirmier',
  dentaire: 'dentaire',
  ophtalmologique: 'ophtalmologique',
  ophtalmologie: 'ophtalmologique',
  autre: 'autre',
};

/** A sub-type as people write it (« médical / polyvalent », « soins infirmiers », the codes…), or undefined. */
export function parseSousType(label: string): SousTypeCentre | undefined {
  const key = normaliseNomCentre(label).toLowerCase();
  return SOUS_TYPE_WORDS[key] ?? SOUS_TYPE_WORDS[key.replace(/^centre (de sante |de )?/, '')];
}
