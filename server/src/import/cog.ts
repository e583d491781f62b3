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
  /** The commune of an arrondissement municipal; null for a commune. */
  parent: string | null;
}

/** An arrondissement municipal of Paris, Lyon or Marseille: a territorial unit below its commune (`parent`). */
export interface CogArrondissement extends CogCommune {
  parent: string;
}

export interface Cog {
  communes: Map<string, CogCommune>;
  /** Arrondissements municipaux by code (75101…, 69381…, 13201…). */
  arrondissements: Map<string, CogArrondissement>;
  /** Arrondissements of a commune, by code; empty for a commune that is not split. */
  arrondissementsOf(parent: string): CogArrondissement[];
  departements: Map<string, { code: string; nom: string; region: string }>;
  regions: Map<string, { code: string; nom: string }>;
  /**
   * The current territorial unit holding `code`: itself if it is a current commune or an arrondissement
   * municipal, else the commune it merged into (anciens codes, communes déléguées / associées), or the
   * collectivité d'outre-mer a former overseas commune became (97123 → 97701).
   */
  toCurrent(code: string): string | undefined;
  /** The commune or arrondissement of a current code, or undefined. */
  unit(code: string): CogCommune | undefined;
}

/**
 * Collectivités d'outre-mer written under the code they had as communes of their former département, as
 * FINESS still writes them (département 9A = Guadeloupe): Saint-Barthélemy and Saint-Martin were communes
 * 97123 and 97127 of Guadeloupe until 2007. The COG package does not list these former codes.
 */
export const FORMER_OVERSEAS_CODES: Readonly<Record<string, string>> = { '97123': '97701', '97127': '97801' };

/**
 * Collectivités d'outre-mer without outlines in the shared files, and the département they were detached from:
 * a commune import covering that département creates them (without outline), so that establishments FINESS
 * files there have a commune.
 */
export const DETACHED_COLLECTIVITIES: Readonly<Record<string, string>> = { '97701': '971', '97801': '971' };

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

  const unit = (c: RawCommune, epci: string | null): CogCommune => ({
    code: c.code,
    nom: c.nom,
    departement: c.departement!,
    region: c.region!,
    epci,
    population: c.population ?? null,
    anciensCodes: c.anciensCodes ?? [],
    codesPostaux: c.codesPostaux ?? [],
    parent: null,
  });
  const communes = new Map<string, CogCommune>();
  const arrondissements = new Map<string, CogArrondissement>();
  const alias = new Map<string, string>(Object.entries(FORMER_OVERSEAS_CODES));
  for (const c of raw) {
    if (c.type === 'commune-actuelle') {
      communes.set(c.code, unit(c, epciOf.get(c.code) ?? null));
      for (const a of c.anciensCodes ?? []) alias.set(a, c.code);
    } else if ((c.type === 'commune-deleguee' || c.type === 'commune-associee') && c.chefLieu) {
      if (!alias.has(c.code)) alias.set(c.code, c.chefLieu);
    }
  }
  // After the communes: an arrondissement belongs to its commune's EPCI.
  for (const c of raw) {
    if (c.type === 'arrondissement-municipal' && c.commune) {
      arrondissements.set(c.code, { ...unit(c, epciOf.get(c.commune) ?? null), parent: c.commune });
    }
  }
  const byParent = new Map<string, CogArrondissement[]>();
  for (const a of [...arrondissements.values()].sort((x, y) => (x.code < y.code ? -1 : 1))) {
    byParent.set(a.parent, [...(byParent.get(a.parent) ?? []), a]);
  }
  cached = {
    communes,
    arrondissements,
    departements: new Map(departements.map((d) => [d.code, d])),
    regions: new Map(regions.map((r) => [r.code, r])),
    arrondissementsOf: (parent) => byParent.get(parent) ?? [],
    toCurrent(code: string) {
      if (communes.has(code) || arrondissements.has(code)) return code;
      const target = alias.get(code);
      return target && communes.has(target) ? target : undefined;
    },
    unit: (code) => communes.get(code) ?? arrondissements.get(code),
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
