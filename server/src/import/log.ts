import type { Queryable } from '../db/port.js';
import type { ImportNature } from '../domain/vocabulary.js';
import type { SourceText } from './source.js';

/** The import kinds, listed once with their French labels in the domain vocabulary. */
export type ImportKind = ImportNature;

/** Records an import inside its transaction; returns the log id that imported rows point to. */
export async function logImport(
  tx: Queryable,
  kind: ImportKind,
  source: Pick<SourceText, 'fileName' | 'checksum'>,
  rows: number,
  options: object = {},
  report: object = {},
): Promise<number> {
  const r = await tx.query<{ id: number }>(
    `INSERT INTO import_log (kind, file_name, rows, checksum, options, report)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb) RETURNING id`,
    [kind, source.fileName, rows, source.checksum, JSON.stringify(options), JSON.stringify(report)],
  );
  return r.rows[0]!.id;
}
