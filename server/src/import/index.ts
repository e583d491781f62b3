// One entry point for every import kind: used by the CLI, the demo seed and the tests. Each kind declares its
// options once (type, check, help); the CLI's flags, its help and the checks of runImport all come from it.
import { z } from 'zod';
import type { Db } from '../db/port.js';
import { importBassins } from './bassins.js';
import { importCentreTypes } from './centre-types.js';
import { importCommunes } from './communes.js';
import { importCpts } from './cpts.js';
import { ImportError } from './errors.js';
import { importFiness } from './finess.js';
import { importGp } from './gp.js';
import type { ImportKind } from './log.js';
import { importMemberships } from './memberships.js';
import { importStructures } from './structures.js';
import type { ImportReport, Progress } from './types.js';
import { importZoning } from './zoning.js';

export interface OptionSpec {
  /** A flag (`--force`, `--no-proxy`) or an option taking a value (`--year 2019`). */
  type: 'boolean' | 'string';
  schema: z.ZodType;
  /** For the CLI help: what the value is, e.g. "<column>" (strings only). */
  value?: string;
  help: string;
}

export interface KindSpec {
  summary: string;
  /** Several files and folders at once (communes), else exactly one file. */
  manyFiles?: boolean;
  options: Record<string, OptionSpec>;
  run(db: Db, files: string[], options: Record<string, unknown>): Promise<ImportReport>;
}

const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const text = (value: string, help: string): OptionSpec => ({ type: 'string', schema: z.string().min(1), value, help });
const flag = (help: string): OptionSpec => ({ type: 'boolean', schema: bool, help });
const column = (what: string) => text('<column>', `column of the ${what}`);
const ENCODING: OptionSpec = {
  type: 'string',
  schema: z.enum(['auto', 'utf-8', 'latin1']),
  value: 'auto|utf-8|latin1',
  help: 'text encoding (default auto: UTF-8, else latin-1 / Windows-1252)',
};
const SOURCE = text('<text>', 'source label stored with every row (default: the file name)');

/** Every import kind, its options and its importer. */
export const IMPORTERS = {
  communes: {
    summary: 'commune (or arrondissement) outlines, GeoJSON files or folders of them, any COG vintage',
    manyFiles: true,
    options: { encoding: ENCODING },
    run: (db, files, o) => importCommunes(db, files, o),
  },
  finess: {
    summary: 'the etalab FINESS stock (pharmacies, MSP, centres de santé, CPTS seats); a newer stock closes what it no longer lists',
    options: { encoding: ENCODING, force: flag('import a stock older than the one loaded') },
    run: (db, [f], o) => importFiness(db, f!, o),
  },
  cpts: {
    summary: 'CPTS perimeters: CSV (CPTS × commune rows; CPTS known by name only get stable ids) or GeoJSON polygons',
    options: {
      encoding: ENCODING,
      format: { type: 'string', schema: z.enum(['csv', 'geojson']), value: 'csv|geojson', help: 'file format (default: from the extension)' },
      status: text('<status>', 'status when the file has none: pré-projet, projet, en fonctionnement, contrat ACI signé, non renseigné'),
      perimetre: { type: 'string', schema: z.enum(['officiel', 'approximatif', 'illustratif']), value: 'officiel|approximatif|illustratif', help: 'how the perimeters are known' },
      source: text('<text>', 'source label and attribution stored with the CPTS and their communes (default: the file name)'),
      threshold: { type: 'string', schema: z.coerce.number().gt(0).max(1), value: '<share>', help: 'GeoJSON: share of a commune’s area the polygon must cover (default 0.5)' },
      force: flag('GeoJSON: import a polygon of implausible area, or one that selects no commune or a whole région'),
      replaceEdits: flag('replace the perimeters edited through the API since their last import (by default kept and reported as conflicts)'),
      idColumn: column('CPTS id'),
      nameColumn: column('CPTS name'),
      statusColumn: column('status'),
      codeColumn: column('INSEE code'),
      arrondissementColumn: column('arrondissement municipal code'),
      methodColumn: column('method'),
      finessColumn: column('FINESS number'),
      dateColumn: column('opening date'),
    },
    run: (db, [f], o) => importCpts(db, f!, o),
  },
  gp: {
    summary: 'GP supply per commune (CSV: INSEE code + count)',
    options: {
      encoding: ENCODING,
      codeColumn: column('INSEE code'),
      countColumn: column('GP count'),
      source: SOURCE,
      year: { type: 'string', schema: z.coerce.number().int().min(1900).max(2100), value: '<year>', help: 'year the figures describe' },
      proxy: flag('the counts are a proxy (establishments, not doctors): the default; --no-proxy for counts of doctors'),
    },
    run: (db, [f], o) => importGp(db, f!, o),
  },
  zoning: {
    summary: 'GP zoning per commune (CSV: INSEE code + ZIP / ZAC / ZV / HZ / ZAR / non disponible)',
    options: {
      encoding: ENCODING,
      codeColumn: column('INSEE code'),
      zoneColumn: column('zone'),
      dateColumn: column('zoning date'),
      sourceColumn: column('source'),
      source: text('<text>', 'source of the zoning, e.g. "ARS Pays de la Loire, arrêté du 2023-03-31"'),
      date: text('<date>', 'date of the zoning (YYYY-MM-DD or dd/mm/yyyy)'),
      unofficial: flag('the file is not an official publication (stored and shown as such)'),
      vintage: text('<text>', 'vintage when no date is known, e.g. "2022–2024 (estimé)"'),
    },
    run: (db, [f], o) => importZoning(db, f!, o),
  },
  memberships: {
    summary: 'pharmacy memberships (CSV: pharmacy FINESS + structure FINESS or CPTS id)',
    options: { encoding: ENCODING, source: SOURCE },
    run: (db, [f], o) => importMemberships(db, f!, o),
  },
  structures: {
    summary: 'a structure list (CSV: name, type, commune or longitude/latitude, optional FINESS), e.g. the ESP an ARS or URPS knows',
    options: { encoding: ENCODING, source: SOURCE, date: text('<date>', 'date of the list: what it no longer lists is closed on it (default today)') },
    run: (db, [f], o) => importStructures(db, f!, o),
  },
  'centre-types': {
    summary: 'corrections of the centres de santé sub-types (CSV: FINESS, sous_type)',
    options: { encoding: ENCODING, source: SOURCE },
    run: (db, [f], o) => importCentreTypes(db, f!, o),
  },
  bassins: {
    summary: 'bassins de vie and zones d’emploi per commune (INSEE table d’appartenance: a folder, or the table and labels files)',
    manyFiles: true,
    options: { encoding: ENCODING, source: text('<text>', 'attribution stored with every row (default: the COGugaison attribution the ODbL asks for)') },
    run: (db, files, o) => importBassins(db, files, o),
  },
} satisfies Record<ImportKind, KindSpec>;

export const IMPORT_KINDS = Object.keys(IMPORTERS) as ImportKind[];

export function isImportKind(k: string): k is ImportKind {
  return Object.hasOwn(IMPORTERS, k);
}

/** The zod schema of a kind's options (all optional, unknown ones refused). */
export function optionsSchema(kind: ImportKind) {
  const spec: KindSpec = IMPORTERS[kind];
  return z.object(Object.fromEntries(Object.entries(spec.options).map(([k, o]) => [k, o.schema.optional()]))).strict();
}

/**
 * Runs one import. `files`: one file, or for communes and bassins any number of files and folders.
 * Bad options are reported like bad input: an ImportError naming the option.
 */
export async function runImport(
  db: Db,
  kind: ImportKind,
  files: string[],
  rawOptions: Record<string, unknown> = {},
  onProgress?: Progress,
): Promise<ImportReport> {
  const spec: KindSpec = IMPORTERS[kind];
  const parsed = optionsSchema(kind).safeParse(rawOptions);
  if (!parsed.success) {
    throw new ImportError(
      parsed.error.issues.map((i) => ({
        file: files.join(', ') || '(no file)',
        field: i.path.length ? `--${kebab(String(i.path[0]))}` : undefined,
        message: i.code === 'unrecognized_keys' ? `unknown option(s) for "${kind}": ${i.keys.map((k) => `--${kebab(k)}`).join(', ')}` : i.message,
      })),
    );
  }
  if (files.length === 0) throw new ImportError([{ file: '(none)', message: `no input file given for "${kind}"` }]);
  if (!spec.manyFiles && files.length > 1) {
    throw new ImportError([{ file: files.join(', '), message: `"${kind}" imports one file at a time` }]);
  }
  return spec.run(db, files, { ...parsed.data, onProgress });
}

export const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
