import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './port.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** Reads `NNN_name.sql` files, ordered by number. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f));
  const migrations = await Promise.all(
    files.map(async (name) => {
      const sql = await readFile(`${dir}/${name}`, 'utf8');
      return {
        version: Number(name.split('_')[0]),
        name,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    }),
  );
  migrations.sort((a, b) => a.version - b.version);
  const seen = new Set<number>();
  for (const m of migrations) {
    if (seen.has(m.version)) throw new Error(`Two migrations share number ${m.version} in ${dir}`);
    seen.add(m.version);
  }
  return migrations;
}

/** Applies each pending migration once, in order, each in its own transaction. Returns the names applied. */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migration (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now())`);
  const done = new Map(
    (await db.query<{ version: number; checksum: string; name: string }>('SELECT version, name, checksum FROM schema_migration')).rows.map(
      (r) => [r.version, r],
    ),
  );
  const applied: string[] = [];
  for (const m of await readMigrations(dir)) {
    const prior = done.get(m.version);
    if (prior) {
      if (prior.checksum !== m.checksum) {
        throw new Error(`Migration ${m.name} was changed after being applied (${prior.name}); add a new migration instead.`);
      }
      continue;
    }
    await db.transaction(async (tx) => {
      // a migration may rebuild an index over national data: not bounded by the server's statement timeout
      await tx.exec('SET LOCAL statement_timeout = 0');
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
    });
    applied.push(m.name);
  }
  return applied;
}
