// The accounts CLI's arguments (npm run user -- …), read by node:util parseArgs.
import { describe, expect, it } from 'vitest';
import { readUserCli } from '../../server/src/cli/user-options.js';

describe('accounts CLI arguments', () => {
  it('reads add, password, deactivate, activate, list and oidc-role', () => {
    expect(readUserCli(['add', '--login', 'admin', '--name', 'Administratrice', '--role', 'admin'])).toEqual({
      command: 'add',
      login: 'admin',
      name: 'Administratrice',
      role: 'admin',
      region: null,
    });
    expect(readUserCli(['add', '--login=a.martin', '--name', 'Agnès', '--role', 'ars', '--region', '93'])).toMatchObject({ role: 'ars', region: '93' });
    expect(readUserCli(['password', '--login', 'x'])).toEqual({ command: 'password', login: 'x' });
    expect(readUserCli(['list'])).toEqual({ command: 'list' });
    expect(readUserCli(['deactivate', '--login', 'x'])).toEqual({ command: 'deactivate', login: 'x' });
    expect(readUserCli(['activate', '--login', 'x'])).toEqual({ command: 'activate', login: 'x' });
    expect(readUserCli(['deactivate'])).toMatchObject({ exitCode: 2, error: '--login is required' });
    expect(readUserCli(['oidc-role', '--by', 'domaine', '--value', 'ARS.sante.fr', '--role', 'ars', '--region', '93'])).toEqual({
      command: 'oidc-role',
      by: 'domaine',
      value: 'ars.sante.fr',
      role: 'ars',
      region: '93',
    });
  });

  it('refuses, with the usage and exit code 2: a role without its région, an admin with one, an unknown role, option or command', () => {
    const cases: [string[], RegExp][] = [
      [['add', '--login', 'a', '--name', 'A', '--role', 'ars'], /needs --region/],
      [['add', '--login', 'a', '--name', 'A', '--role', 'admin', '--region', '93'], /admin has no --region/],
      [['add', '--login', 'a', '--name', 'A', '--role', 'chef'], /--role must be/],
      [['add', '--login', 'a', '--name', 'A', '--role', 'ars', '--region', 'PACA'], /COG région code/],
      [['add', '--name', 'A', '--role', 'admin'], /--login and --name/],
      [['add', '--login', 'a', '--password', 'x'], /password/],
      [['oidc-role', '--by', 'nom', '--value', 'x', '--role', 'ars', '--region', '93'], /--by must be/],
      [['supprimer'], /Unknown command/],
    ];
    for (const [args, error] of cases) expect(readUserCli(args), args.join(' ')).toMatchObject({ exitCode: 2, error: expect.stringMatching(error) });
    expect(readUserCli([])).toMatchObject({ exitCode: 2 });
    expect(readUserCli(['--help'])).toMatchObject({ exitCode: 0, help: expect.stringContaining('npm run user -- add') });
  });
});
