import { describe, expect, it } from 'vitest';
import { kindUsage, readCli, usage } from '../../server/src/cli/options.js';
import type { Db } from '../../server/src/db/port.js';
import { ImportError } from '../../server/src/import/errors.js';
import { camel, IMPORT_KINDS, runImport } from '../../server/src/import/index.js';

describe('import CLI arguments (node:util parseArgs, from each kind’s options)', () => {
  it('reads "--name value", "--name=value" and files before or after options', () => {
    expect(readCli(['cpts', 'a.csv', '--perimetre', 'approximatif', '--threshold=0.3'])).toEqual({
      kind: 'cpts',
      files: ['a.csv'],
      options: { perimetre: 'approximatif', threshold: '0.3' },
    });
    expect(readCli(['gp', '--year', '2019', 'gp.csv'])).toMatchObject({ files: ['gp.csv'], options: { year: '2019' } });
  });

  it('a flag takes no value: "gp --proxy file.csv" imports file.csv; --no-proxy negates', () => {
    expect(readCli(['gp', '--proxy', 'file.csv'])).toEqual({ kind: 'gp', files: ['file.csv'], options: { proxy: true } });
    expect(readCli(['gp', 'file.csv', '--no-proxy'])).toEqual({ kind: 'gp', files: ['file.csv'], options: { proxy: false } });
    expect(readCli(['finess', '--force', 'stock.csv.gz'])).toEqual({ kind: 'finess', files: ['stock.csv.gz'], options: { force: true } });
  });

  it('maps kebab-case flags to option names', () => {
    expect(readCli(['cpts', 'a.csv', '--code-column', 'insee'])).toMatchObject({ options: { codeColumn: 'insee' } });
    expect(camel('code-column')).toBe('codeColumn');
  });

  it('refuses an option the kind does not have, or one without its value, with the kind’s help', () => {
    const r = readCli(['gp', 'x.csv', '--colour', 'blue']);
    expect(r).toMatchObject({ exitCode: 2, error: expect.stringContaining("'--colour'") });
    expect('help' in r && r.help).toContain('--count-column <column>');
    expect(readCli(['cpts', 'x.csv', '--status'])).toMatchObject({ exitCode: 2, error: expect.stringContaining('--status') });
    expect(readCli(['nothing'])).toMatchObject({ exitCode: 2, error: 'Unknown kind "nothing".' });
  });

  it('help: every kind listed; a kind’s options with their help', () => {
    expect(readCli([])).toMatchObject({ exitCode: 2 });
    expect(readCli(['--help'])).toMatchObject({ exitCode: 0 });
    for (const k of IMPORT_KINDS) expect(usage()).toContain(`  ${k} `);
    expect(usage()).toContain('etalab-cs1100507-stock-20210108-reconstructed.csv.gz');
    expect(readCli(['zoning', '--help'])).toEqual({ help: kindUsage('zoning'), exitCode: 0 });
    expect(kindUsage('zoning')).toMatch(/--unofficial\s+the file is not an official publication/);
  });

  it('refuses an unknown or malformed option before touching the database, naming the flag', async () => {
    const db = {} as Db; // never reached: options are checked first
    const err = await runImport(db, 'gp', ['x.csv'], { colour: 'blue' }).catch((e) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect(err.message).toContain('--colour');
    const bad = await runImport(db, 'cpts', ['x.csv'], { threshold: '2' }).catch((e) => e);
    expect(bad.issues[0].field).toBe('--threshold');
  });
});
