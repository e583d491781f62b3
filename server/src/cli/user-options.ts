// The accounts CLI's arguments (node:util parseArgs): `npm run user -- <command> [options]`.
import { parseArgs } from 'node:util';
import { REGION_RE, ROLES, type Role } from '../domain/roles.js';

export type UserCommand =
  | { command: 'add'; login: string; name: string; role: Role; region: string | null }
  | { command: 'password'; login: string }
  | { command: 'deactivate' | 'activate'; login: string }
  | { command: 'list' }
  | { command: 'oidc-role'; by: 'email' | 'domaine' | 'siret'; value: string; role: Role; region: string | null };

export type UserCli = UserCommand | { help: string; exitCode: 0 | 2; error?: string };

export const USER_USAGE = `Usage: npm run user -- <command> [options]
Commands:
  add --login <login> --name <name> --role urps|ars|admin [--region <code>]
                      create an account; the password is read from standard input (typed unseen on a terminal,
                      or piped: printf '%s\\n' "$PASSWORD" | npm run user -- add …), 12 characters at least
  password --login <login>
                      set a new password (read the same way); the account's open sessions are closed
  deactivate --login <login>
                      deactivate an account (its open sessions are closed); refused for the last active admin
  activate --login <login>
                      reactivate an account
  list                the accounts
  oidc-role --by email|domaine|siret --value <value> --role urps|ars|admin [--region <code>]
                      single sign-on: the role (and région) of identities with this e-mail, e-mail domain or SIRET
ARS and URPS accounts need --region (COG code of the région, e.g. 93); admins have none.
Example (the first admin):  npm run user -- add --login admin --name "Administratrice" --role admin
The database is DATABASE_URL (PostGIS) or, without it, the embedded one in DATA_DIR (default ./data).
Every change is written to the audit trail (author: cli).`;

const fail = (error: string): UserCli => ({ help: USER_USAGE, exitCode: 2, error });

function roleAndRegion(values: Record<string, unknown>): { role: Role; region: string | null } | string {
  const role = values.role as string | undefined;
  if (!role || !(ROLES as readonly string[]).includes(role)) return `--role must be one of ${ROLES.join(', ')}`;
  const region = (values.region as string | undefined) ?? null;
  if (region !== null && !REGION_RE.test(region)) return '--region must be a COG région code (e.g. 93)';
  if ((role === 'admin') !== (region === null)) return role === 'admin' ? 'an admin has no --region' : `a ${role} account needs --region`;
  return { role: role as Role, region };
}

export function readUserCli(argv: string[]): UserCli {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') return { help: USER_USAGE, exitCode: command ? 0 : 2 };
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: rest,
      options: {
        login: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string' },
        region: { type: 'string' },
        by: { type: 'string' },
        value: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (e) {
    return fail((e as Error).message);
  }
  switch (command) {
    case 'list':
      return { command };
    case 'password':
    case 'deactivate':
    case 'activate':
      return typeof values.login === 'string' ? { command, login: values.login } : fail('--login is required');
    case 'add': {
      if (typeof values.login !== 'string' || typeof values.name !== 'string') return fail('--login and --name are required');
      const rr = roleAndRegion(values);
      return typeof rr === 'string' ? fail(rr) : { command, login: values.login, name: values.name, ...rr };
    }
    case 'oidc-role': {
      const by = values.by as string | undefined;
      if (by !== 'email' && by !== 'domaine' && by !== 'siret') return fail('--by must be email, domaine or siret');
      if (typeof values.value !== 'string' || !values.value) return fail('--value is required');
      const rr = roleAndRegion(values);
      return typeof rr === 'string' ? fail(rr) : { command, by, value: values.value.toLowerCase(), ...rr };
    }
    default:
      return fail(`Unknown command "${command}".`);
  }
}
