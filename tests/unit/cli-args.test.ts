import { describe, expect, it } from 'vitest';
import { parseCli } from '../../server/src/cli/args.js';
import { camel, runImport } from '../../server/src/import/index.js';
import { ImportError } from '../../server/src/import/errors.js';
import type { Db } from '../../server/src/db/port.js';

describe('import CLI arguments', () => {
  it('reads "--name value", "--name=value" and bare flags', () => {
    expect(parseCli(['cpts', 'a.csv', '--perimetre', 'approximatif', '--threshold=0.3', '--help'])).toEqual({
      positionals: ['cpts', 'a.csv'],
      values: { perimetre: 'approximatif', threshold: '0.3', help: true },
    });
  });
  it('keeps files given after options', () => {
    expect(parseCli(['gp', '--year', '2019', 'gp.csv']).positionals).toEqual(['gp', 'gp.csv']);
  });
  it('maps kebab-case flags to option names', () => {
    expect(camel('code-column')).toBe('codeColumn');
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
