/** `--name value`, `--name=value`, or a bare `--flag` (true); everything else is positional. */
export function parseCli(argv: string[]): { positionals: string[]; values: Record<string, string | boolean> } {
  const positionals: string[] = [];
  const values: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) values[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) values[a.slice(2)] = argv[++i]!;
    else values[a.slice(2)] = true;
  }
  return { positionals, values };
}
