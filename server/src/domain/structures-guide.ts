// The comparison of ESP, MSP, CSP and CPTS shown on the client's guide page, kept as data in
// structures-guide.json; validated once here.
import { z } from 'zod';
import rawGuide from './structures-guide.json' with { type: 'json' };

const text = z.string().min(1);

/** The fields of structures-guide.json (the file is also checked for the sources and rubriques it names). */
export const GuideFields = {
  titre: text,
  introduction: text,
  sources: z.record(z.string(), z.strictObject({ document: text, date: text })),
  rubriques: z.array(z.strictObject({ id: text, libelle: text })).min(1),
  structures: z.array(
    z.strictObject({
      id: z.enum(['esp', 'msp', 'csp', 'cpts']),
      sigle: text,
      nom: text,
      texteFondateur: text,
      texteOfficiel: text,
      echelon: text,
      definition: text,
      nombre: text,
      formeJuridique: text,
      composition: text,
      creation: text,
      missionsPharmacien: text,
      financements: text,
      avantages: z.array(text),
      limites: z.array(text),
      source: text,
    }),
  ),
};

const GuideFile = z
  .strictObject(GuideFields)
  .refine((g) => g.structures.every((s) => s.source in g.sources), { message: 'structures-guide.json: unknown source' })
  .refine((g) => g.rubriques.every((r) => g.structures.every((s) => r.id in s)), { message: 'structures-guide.json: a rubrique names no field' });

export type StructuresGuide = z.infer<typeof GuideFile>;

let cached: StructuresGuide | undefined;

export function structuresGuide(): StructuresGuide {
  cached ??= GuideFile.parse(rawGuide);
  return cached;
}
