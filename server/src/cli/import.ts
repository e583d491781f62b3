// npm run import -- <kind> <file…> [--option value …]
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openDb } from '../db/open.js';
import { DbUnavailableError } from '../db/port.js';
import { ImportError, formatIssue } from '../import/errors.js';
import { IMPORT_KINDS, camel, isImportKind, runImport } from '../import/index.js';
import { parseCli } from './args.js';
import { terminalProgress } from './progress.js';

const USAGE = `Usage: npm run import -- <kind> <file…> [--option value …]
Kinds: ${IMPORT_KINDS.join(', ')}
Examples:
  npm run import -- communes ../shared/geodata-sources/communes-2018/
  npm run import -- finess ../shared/geodata-sources/finess/etalab-cs1100507-stock-20210108-rebuilt.csv.gz
  npm run import -- cpts ../shared/geodata-sources/cpts/cpts-perimeters-approx.csv --perimetre approximatif
  npm run import -- cpts perimetres.geojson --threshold 0.5 --status projet
  npm run import -- gp ../shared/geodata-sources/gp/PS_communes_sirene_2019-03_national.csv --year 2019
  npm run import -- zoning zonage.csv --source "ARS Pays de la Loire, arrêté du …" --date 2024-03-01
  npm run import -- memberships adhesions.csv
The database is DATABASE_URL (PostGIS) or, without it, the embedded one in DATA_DIR (default ./data);
a folder in use by a running server is refused: stop the server first.`;

async function main(): Promise<number> {
  const { positionals, values } = parseCli(process.argv.slice(2));
  const [kind, ...files] = positionals;
  if (!kind || values.help || !isImportKind(kind)) {
    process.stderr.write((kind && !values.help ? `Unknown kind "${kind}".\n` : '') + USAGE + '\n');
    return values.help ? 0 : 2;
  }
  const options = Object.fromEntries(Object.entries(values).map(([k, v]) => [camel(k), v]));
  const config = loadConfig();
  const db = await openDb(config);
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
