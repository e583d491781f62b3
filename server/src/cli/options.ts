// The import CLI's arguments, from each kind's option specification (server/src/import/index.ts), read by
// node:util parseArgs: flags take no value (`gp --proxy file.csv` imports file.csv), options take one.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { IMPORT_KINDS, IMPORTERS, camel, isImportKind, kebab, type KindSpec } from '../import/index.js';
import type { ImportKind } from '../import/log.js';

export type CliRequest =
  | { help: string; exitCode: 0 | 2; error?: string }
  | { kind: ImportKind; files: string[]; options: Record<string, unknown> };

const EXAMPLES = `Examples:
  npm run import -- communes ../shared/geodata-sources/communes-2018/
  npm run import -- finess ../shared/geodata-sources/finess/etalab-cs1100507-stock-20210108-reconstructed.csv.gz
  npm run import -- cpts ../shared/geodata-sources/cpts/paca-ars-2026-01/cpts-paca-communes.csv \\
      --source "ARS PACA, listing des CPTS, janvier 2026" --status "non renseigné"
  npm run import -- gp ../shared/geodata-sources/gp/PS_communes_sirene_2019-03_national.csv --year 2019
  npm run import -- zoning ../shared/geodata-sources/zonage/zonage-mg-par-commune.csv --unofficial \\
      --source "Zonage médecins généralistes (github.com/Alternantsauvage/ZonageMed)" --vintage "2022–2024 (estimé)"
  npm run import -- bassins ../shared/geodata-sources/insee-supracom-2024/
  npm run import -- structures esp.csv --source "URPS Pharmaciens Pays de la Loire, liste des ESP"
  npm run import -- memberships adhesions.csv`;

const FOOTER = `The database is DATABASE_URL (PostGIS) or, without it, the embedded one in DATA_DIR (default ./data);
a folder in use by a running server is refused: stop the server first.`;

export function usage(): string {
  const kinds = IMPORT_KINDS.map((k) => `  ${k.padEnd(13)}${(IMPORTERS[k] as KindSpec).summary}`).join('\n');
  return `Usage: npm run import -- <kind> <file…> [options]   (npm run import -- <kind> --help: its options)\nKinds:\n${kinds}\n${EXAMPLES}\n${FOOTER}`;
}

export function kindUsage(kind: ImportKind): string {
  const spec: KindSpec = IMPORTERS[kind];
  const lines = Object.entries(spec.options).map(([name, o]) => {
    const flag = o.type === 'boolean' ? `--${kebab(name)}` : `--${kebab(name)} ${o.value ?? '<value>'}`;
    return `  ${flag.padEnd(34)}${o.help}`;
  });
  return `Usage: npm run import -- ${kind} <file${spec.manyFiles ? '|folder…' : ''}> [options]\n${spec.summary}\nOptions:\n${lines.join('\n')}\n${FOOTER}`;
}

/** Reads `<kind> <file…> [options]`; a help text (and exit code) instead when asked for or when the arguments are wrong. */
export function readCli(argv: string[]): CliRequest {
  const [kind, ...rest] = argv;
  if (!kind || kind === '--help' || kind === '-h') return { help: usage(), exitCode: kind ? 0 : 2 };
  if (!isImportKind(kind)) return { help: usage(), exitCode: 2, error: `Unknown kind "${kind}".` };
  const spec: KindSpec = IMPORTERS[kind];
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(spec.options)) options[kebab(name)] = { type: o.type };
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, allowNegative: true, strict: true });
  } catch (e) {
    return { help: kindUsage(kind), exitCode: 2, error: (e as Error).message };
  }
  if (parsed.values.help) return { help: kindUsage(kind), exitCode: 0 };
  const values = Object.fromEntries(Object.entries(parsed.values).filter(([k]) => k !== 'help').map(([k, v]) => [camel(k), v]));
  return { kind, files: parsed.positionals, options: values };
}
