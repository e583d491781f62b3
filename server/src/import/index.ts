// One entry point for every import kind: used by the CLI, the demo seed and the tests.
import { z } from 'zod';
import type { Db } from '../db/port.js';
import { importCommunes } from './communes.js';
import { importCpts } from './cpts.js';
import { ImportError } from './errors.js';
import { importFiness } from './finess.js';
import { importGp } from './gp.js';
import type { ImportKind } from './log.js';
import { importMemberships } from './memberships.js';
import type { ImportReport, Progress } from './types.js';
import { importZoning } from './zoning.js';

export const IMPORT_KINDS = ['communes', 'finess', 'cpts', 'gp', 'zoning', 'memberships'] as const satisfies readonly ImportKind[];

const encoding = z.enum(['auto', 'utf-8', 'latin1']).optional();
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** Options each kind accepts (CLI flags in kebab-case map to these camelCase names). */
const OPTIONS = {
  communes: z.object({}).strict(),
  finess: z.object({ encoding, force: bool.optional() }).strict(),
  cpts: z
    .object({
      encoding,
      format: z.enum(['csv', 'geojson']).optional(),
      status: z.string().optional(),
      perimetre: z.enum(['officiel', 'approximatif', 'illustratif']).optional(),
      source: z.string().optional(),
      threshold: z.coerce.number().gt(0).max(1).optional(),
      idColumn: z.string().optional(),
      nameColumn: z.string().optional(),
      statusColumn: z.string().optional(),
      codeColumn: z.string().optional(),
      methodColumn: z.string().optional(),
      finessColumn: z.string().optional(),
      dateColumn: z.string().optional(),
    })
    .strict(),
  gp: z
    .object({
      encoding,
      codeColumn: z.string().optional(),
      countColumn: z.string().optional(),
      source: z.string().optional(),
      year: z.coerce.number().int().min(1900).max(2100).optional(),
      proxy: bool.optional(),
    })
    .strict(),
  zoning: z
    .object({
      encoding,
      codeColumn: z.string().optional(),
      zoneColumn: z.string().optional(),
      dateColumn: z.string().optional(),
      sourceColumn: z.string().optional(),
      source: z.string().optional(),
      date: z.string().optional(),
    })
    .strict(),
  memberships: z.object({ encoding, source: z.string().optional() }).strict(),
} satisfies Record<ImportKind, z.ZodType>;

export function isImportKind(k: string): k is ImportKind {
  return (IMPORT_KINDS as readonly string[]).includes(k);
}

/**
 * Runs one import. `files`: one file, or for communes any number of files and folders.
 * Bad options are reported like bad input: an ImportError naming the option.
 */
export async function runImport(
  db: Db,
  kind: ImportKind,
  files: string[],
  rawOptions: Record<string, unknown> = {},
  onProgress?: Progress,
): Promise<ImportReport> {
  const parsed = OPTIONS[kind].safeParse(rawOptions);
  if (!parsed.success) {
    throw new ImportError(
      parsed.error.issues.map((i) => ({
        file: files.join(', ') || '(no file)',
        field: i.path.length ? `--${kebab(String(i.path[0]))}` : undefined,
        message: i.code === 'unrecognized_keys' ? `unknown option(s) for "${kind}": ${i.keys.map((k) => `--${kebab(k)}`).join(', ')}` : i.message,
      })),
    );
  }
  const opts = { ...parsed.data, onProgress };
  if (files.length === 0) throw new ImportError([{ file: '(none)', message: `no input file given for "${kind}"` }]);
  if (kind !== 'communes' && files.length > 1) {
    throw new ImportError([{ file: files.join(', '), message: `"${kind}" imports one file at a time` }]);
  }
  const file = files[0]!;
  switch (kind) {
    case 'communes':
      return importCommunes(db, files, opts);
    case 'finess':
      return importFiness(db, file, opts);
    case 'cpts':
      return importCpts(db, file, opts);
    case 'gp':
      return importGp(db, file, opts);
    case 'zoning':
      return importZoning(db, file, opts);
    case 'memberships':
      return importMemberships(db, file, opts);
  }
}

export const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
