// The current Code officiel géographique (COG) and INSEE populations, from @etalab/decoupage-administratif.
// Every importer maps the INSEE codes it reads to current communes through this module.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The COG vintage and the population millésime shipped by the pinned package version (6.0.0). */
export const COG_SOURCE = {
  name: '@etalab/decoupage-administratif 6.0.0 (INSEE COG 2026)',
  cogYear: 2026,
  populationYear: 2023, // populations légales 2023, in force on 1 January 2026
};

export interface CogCommune {
  code: string;
  nom: string;
  departement: string;
  region: string;
  epci: string | null;
  population: number | null;
  anciensCodes: string[];
  codesPostaux: string[];
}

export interface Cog {
  communes: Map<string, CogCommune>;
  departements: Map<string, { code: string; nom: string; region: string }>;
  regions: Map<string, { code: string; nom: string }>;
  /**
   * The current commune holding `code`: itself if current, else the commune it merged into
   * (anciens codes, communes déléguées / associées), or the commune of a municipal arrondissement.
   */
  toCurrent(code: string): string | undefined;
}

interface RawCommune {
  code: string;
  nom: string;
  type: string;
  departement?: string;
  region?: string;
  population?: number;
  anciensCodes?: string[];
  codesPostaux?: string[];
  chefLieu?: string;
  commune?: string;
}

let cached: Cog | undefined;

export function cog(): Cog {
  if (cached) return cached;
  const raw: RawCommune[] = require('@etalab/decoupage-administratif/data/communes.json');
  const epcis: { code: string; membres: { code: string }[] }[] = require('@etalab/decoupage-administratif/data/epci.json');
  const departements: { code: string; nom: string; region: string }[] = require('@etalab/decoupage-administratif/data/departements.json');
  const regions: { code: string; nom: string }[] = require('@etalab/decoupage-administratif/data/regions.json');

  const epciOf = new Map<string, string>();
  for (const e of epcis) for (const m of e.membres) epciOf.set(m.code, e.code);

  const communes = new Map<string, CogCommune>();
  const alias = new Map<string, string>();
  for (const c of raw) {
    if (c.type === 'commune-actuelle') {
      communes.set(c.code, {
        code: c.code,
        nom: c.nom,
        departement: c.departement!,
        region: c.region!,
        epci: epciOf.get(c.code) ?? null,
        population: c.population ?? null,
        anciensCodes: c.anciensCodes ?? [],
        codesPostaux: c.codesPostaux ?? [],
      });
      for (const a of c.anciensCodes ?? []) alias.set(a, c.code);
    } else if ((c.type === 'commune-deleguee' || c.type === 'commune-associee') && c.chefLieu) {
      if (!alias.has(c.code)) alias.set(c.code, c.chefLieu);
    } else if (c.type === 'arrondissement-municipal' && c.commune) {
      alias.set(c.code, c.commune);
    }
  }
  cached = {
    communes,
    departements: new Map(departements.map((d) => [d.code, d])),
    regions: new Map(regions.map((r) => [r.code, r])),
    toCurrent(code: string) {
      if (communes.has(code)) return code;
      const target = alias.get(code);
      return target && communes.has(target) ? target : undefined;
    },
  };
  return cached;
}

/** FINESS writes overseas départements 9A…9F; the COG uses 971…976. */
export function finessDepartementToCog(dep: string): string {
  const m = /^9([A-F])$/.exec(dep);
  return m ? `97${'ABCDEF'.indexOf(m[1]!) + 1}` : dep;
}

/**
 * Inserts the département and région references the commune table points to. Idempotent.
 * Every importer that writes communes calls it first, inside its transaction.
 */
export const REFERENCE_SQL = {
  regions: `INSERT INTO region (code, nom) SELECT code, nom FROM jsonb_to_recordset($1::jsonb) AS r(code text, nom text)
            ON CONFLICT (code) DO UPDATE SET nom = EXCLUDED.nom`,
  departements: `INSERT INTO departement (code, nom, region) SELECT code, nom, region FROM jsonb_to_recordset($1::jsonb) AS r(code text, nom text, region text)
                 ON CONFLICT (code) DO UPDATE SET nom = EXCLUDED.nom, region = EXCLUDED.region`,
};
