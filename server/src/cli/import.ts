// npm run import -- <kind> <file…> [--option value …]
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openDb } from '../db/open.js';
import { DataDirInUseError } from '../db/lock.js';
import { DbUnavailableError, type Db } from '../db/port.js';
import { ImportError, formatIssue } from '../import/errors.js';
import { runImport } from '../import/index.js';
import { handOff, TOKEN_VARIABLE } from './handoff.js';
import { readCli } from './options.js';
import { terminalProgress } from './progress.js';

async function main(): Promise<number> {
  const request = readCli(process.argv.slice(2));
  if ('help' in request) {
    (request.exitCode ? process.stderr : process.stdout).write((request.error ? `${request.error}\n` : '') + request.help + '\n');
    return request.exitCode;
  }
  const { kind, files, options } = request;
  const config = loadConfig();
  let db: Db;
  try {
    db = await openDb(config);
  } catch (e) {
    if (!(e instanceof DataDirInUseError)) throw e;
    // the folder is a running server's: hand it the file, given a token to act with
    const token = process.env[TOKEN_VARIABLE];
    if (!token) throw new DataDirInUseError(`${e.message} Or set ${TOKEN_VARIABLE} to an admin's API token to hand the file to that server.`);
    const job = await handOff(config.dataDir, token, kind, files, options, (line) => process.stdout.write(`${line}\n`));
    const counts = Object.entries(job.resultat?.compteurs ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
    process.stdout.write(`Imported ${kind} from ${job.fichier} through the running server: ${job.apercu.lignes ?? 0} rows, ${counts} (import #${job.resultat?.importId})\n`);
    return 0;
  }
  try {
    await migrate(db);
    const progress = terminalProgress();
    const t0 = Date.now();
    const report = await runImport(db, kind, files, options, progress);
    progress.done();
    const counts = Object.entries(report.counts).map(([k, v]) => `${k}=${v}`).join(' ');
    process.stdout.write(`Imported ${report.kind} from ${report.file}: ${report.rows} rows, ${counts} (${((Date.now() - t0) / 1000).toFixed(1)} s, import #${report.importId})\n`);
    if (report.warnings.length) {
      process.stdout.write(`${report.warnings.length} warning(s):\n`);
      for (const w of report.warnings.slice(0, 50)) process.stdout.write(`  - ${w}\n`);
      if (report.warnings.length > 50) process.stdout.write(`  … and ${report.warnings.length - 50} more (see import_log.report)\n`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ImportError) {
      process.stderr.write(`\nImport refused, the database is unchanged. ${e.issues.length} problem(s):\n`);
      for (const i of e.issues.slice(0, 100)) process.stderr.write(`  - ${formatIssue(i)}\n`);
      if (e.issues.length > 100) process.stderr.write(`  … and ${e.issues.length - 100} more\n`);
      process.exit(1);
    }
    process.stderr.write(`Error: ${e instanceof Error && (e instanceof DbUnavailableError || e.name === 'ConfigError') ? e.message : e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
