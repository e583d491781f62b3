// npm run user -- <command> [options]: accounts from the server's command line (the first admin above all).
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CLI_ACTOR } from '../auth/audit.js';
import { setOidcRole } from '../auth/oidc-roles.js';
import { createUser, listUsers, updateUser } from '../auth/users.js';
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openDb } from '../db/open.js';
import type { Db } from '../db/port.js';
import { DomainError } from '../domain/errors.js';
import { PASSWORD_MAX, PASSWORD_MIN } from '../domain/roles.js';
import { readUserCli, type UserCommand } from './user-options.js';

/** The first line of standard input; on a terminal, typed without being shown. */
function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) return Promise.resolve(readFileSync(0, 'utf8').split(/\r?\n/)[0] ?? '');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  process.stderr.write(prompt);
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  return new Promise((resolve, reject) => {
    rl.once('line', (line) => {
      rl.close();
      process.stderr.write('\n');
      resolve(line);
    });
    rl.once('close', () => reject(new Error('no password typed')));
  });
}

async function newPassword(): Promise<string> {
  const p = await readPassword('New password: ');
  if (p.length < PASSWORD_MIN || p.length > PASSWORD_MAX) throw new DomainError(`the password must have ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
  return p;
}

async function accountId(db: Db, login: string): Promise<number> {
  const id = (await listUsers(db)).find((u) => u.identifiant === login.toLowerCase())?.id;
  if (!id) throw new DomainError(`no account "${login}"`);
  return id;
}

/** `password` is read before the database opens (the embedded one takes over standard input). */
async function run(db: Db, c: UserCommand, password: string): Promise<string> {
  switch (c.command) {
    case 'list':
      return (await listUsers(db))
        .map((u) => `${String(u.id).padStart(4)}  ${u.identifiant.padEnd(24)} ${u.role.padEnd(6)} ${(u.region ?? '').padEnd(4)} ${u.actif ? 'active  ' : 'inactive'} ${u.nom}`)
        .join('\n');
    case 'add': {
      const motDePasse = password;
      const u = await createUser(db, CLI_ACTOR, { identifiant: c.login, nom: c.name, role: c.role, region: c.region, motDePasse });
      return `Created account #${u.id} ${u.identifiant} (${u.role}${u.region ? `, région ${u.region}` : ''})`;
    }
    case 'password':
      await updateUser(db, CLI_ACTOR, await accountId(db, c.login), { motDePasse: password });
      return `Password of ${c.login} changed; its sessions were closed`;
    case 'deactivate':
    case 'activate': {
      // the last active admin is refused in the same transaction (ConflictError: one line, « Error: C’est le dernier… »)
      const actif = c.command === 'activate';
      await updateUser(db, CLI_ACTOR, await accountId(db, c.login), { actif });
      return actif ? `Account ${c.login} activated` : `Account ${c.login} deactivated; its sessions were closed`;
    }
    case 'oidc-role':
      await setOidcRole(db, CLI_ACTOR, c.by, c.value, { role: c.role, region: c.region });
      return `Single sign-on: ${c.by} ${c.value} → ${c.role}${c.region ? ` (région ${c.region})` : ''}`;
  }
}

async function main(): Promise<number> {
  const request = readUserCli(process.argv.slice(2));
  if ('help' in request) {
    (request.exitCode ? process.stderr : process.stdout).write((request.error ? `${request.error}\n` : '') + request.help + '\n');
    return request.exitCode;
  }
  const password = request.command === 'add' || request.command === 'password' ? await newPassword() : '';
  const db = await openDb(loadConfig());
  try {
    await migrate(db);
    process.stdout.write((await run(db, request, password)) + '\n');
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
