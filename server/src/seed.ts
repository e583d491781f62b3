// Loads the demo bundle (geodata/manifest.json) into an empty database, in the manifest's order.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Db } from './db/port.js';
import { IMPORT_KINDS, runImport } from './import/index.js';
import type { Logger } from './logger.js';

const Manifest = z.object({
  imports: z.array(
    z.object({
      kind: z.enum(IMPORT_KINDS),
      file: z.string().optional(),
      files: z.array(z.string()).optional(),
      options: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});

export async function seedIfEmpty(db: Db, geodataDir: string, log: Logger): Promise<boolean> {
  const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM import_log');
  if (r.rows[0]!.n > 0) return false;
  const manifest = Manifest.parse(JSON.parse(await readFile(join(geodataDir, 'manifest.json'), 'utf8')));
  log.info(`empty database: loading the demo bundle from ${geodataDir} (${manifest.imports.length} imports)`);
  const t0 = Date.now();
  for (const [i, step] of manifest.imports.entries()) {
    const files = (step.files ?? (step.file ? [step.file] : [])).map((f) => join(geodataDir, f));
    const t = Date.now();
    let lastLogged = '';
    const report = await runImport(db, step.kind, files, step.options ?? {}, (stage, done, total) => {
      const mark = `${stage}:${Math.floor((4 * done) / Math.max(total, 1))}`;
      if (mark !== lastLogged) log.info(`  [${i + 1}/${manifest.imports.length}] ${step.kind} ${stage} ${done}/${total}`);
      lastLogged = mark;
    });
    log.info({ counts: report.counts, warnings: report.warnings.length, ms: Date.now() - t }, `  [${i + 1}/${manifest.imports.length}] ${step.kind}: ${report.rows} rows from ${report.file}`);
  }
  log.info({ ms: Date.now() - t0 }, 'demo bundle loaded');
  return true;
}
