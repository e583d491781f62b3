// The register never loses its last active administrator (issue 9, accounts), on both backends: the API answers 409
// in French to deactivating or demoting it, the function the command line calls (npm run user -- deactivate) refuses
// it the same way, and two changes racing to remove the last two admins cannot both succeed (the check and the write
// are one transaction that locks the active admins).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../server/src/auth/audit.js';
import { createUser, LAST_ADMIN, updateUser } from '../../server/src/auth/users.js';
import type { Db } from '../../server/src/db/port.js';
import { ConflictError } from '../../server/src/domain/errors.js';
import { call, createAccounts, OWN, PASSWORD, signIn, type Account, type Caller } from '../helpers/auth.js';
import { describeEachBackend } from '../helpers/db.js';
import { startServer, type TestServer } from '../helpers/http.js';

describeEachBackend('the last active admin', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;
  let accounts: Record<string, Account>;
  let admin: Caller;

  const activeAdmins = async () =>
    (await db.query<{ identifiant: string }>(`SELECT identifiant FROM utilisateur WHERE role = 'admin' AND actif ORDER BY id`)).rows.map((r) => r.identifiant);
  const changes = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit WHERE action = 'utilisateur.modification'`)).rows[0]!.n;
  const newAdmin = async (login: string) =>
    (await createUser(db, CLI_ACTOR, { identifiant: login, nom: `Compte ${login}`, role: 'admin', motDePasse: PASSWORD })).id;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    accounts = await createAccounts(db); // one admin
    srv = await startServer(db);
    admin = await signIn(srv, 'admin');
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  it('the API refuses to deactivate or demote the only active admin: 409 in French, nothing written', async () => {
    const id = accounts.admin!.id;
    const before = await changes();
    for (const body of [{ actif: false }, { role: 'ars', region: OWN }, { role: 'urps', region: OWN, actif: false }]) {
      const r = await call(srv, 'PATCH', `/api/utilisateurs/${id}`, admin, body);
      expect(r.status, JSON.stringify(body)).toBe(409);
      expect(((await r.json()) as { erreur: string }).erreur).toBe(LAST_ADMIN);
    }
    expect(await activeAdmins()).toEqual(['admin']);
    expect(await changes()).toBe(before);
    // what does not remove an admin still works on it: a new name, « still admin », « still active »
    const ok = await call(srv, 'PATCH', `/api/utilisateurs/${id}`, admin, { nom: 'Administratrice', role: 'admin', actif: true });
    expect(ok.status).toBe(200);
    // and the other accounts are deactivated as before
    expect((await call(srv, 'PATCH', `/api/utilisateurs/${accounts['urps-52']!.id}`, admin, { actif: false })).status).toBe(200);
  });

  it('with a second active admin, one of them may go; then the other is the last one again', async () => {
    const second = await newAdmin('admin-2');
    const demote = await call(srv, 'PATCH', `/api/utilisateurs/${second}`, admin, { role: 'ars', region: OWN });
    expect(demote.status).toBe(200);
    expect(await activeAdmins()).toEqual(['admin']);
    // an inactive admin does not count: reactivating it makes two again
    const third = await newAdmin('admin-3');
    expect((await call(srv, 'PATCH', `/api/utilisateurs/${third}`, admin, { actif: false })).status).toBe(200);
    expect((await call(srv, 'PATCH', `/api/utilisateurs/${accounts.admin!.id}`, admin, { actif: false })).status).toBe(409);
    expect((await call(srv, 'PATCH', `/api/utilisateurs/${third}`, admin, { actif: true })).status).toBe(200);
    expect(await activeAdmins()).toEqual(['admin', 'admin-3']);
  });

  it('the command line (npm run user -- deactivate) meets the same refusal, as one French line', async () => {
    // admin-3 leaves through the command line, then the last one is refused there too
    await updateUser(db, CLI_ACTOR, (await db.query<{ id: number }>(`SELECT id FROM utilisateur WHERE identifiant = 'admin-3'`)).rows[0]!.id, { actif: false });
    const refused = updateUser(db, CLI_ACTOR, accounts.admin!.id, { actif: false });
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toThrow(/^C’est le dernier compte administrateur actif[^\n]*$/);
    expect(await activeAdmins()).toEqual(['admin']);
  });

  it('two changes racing to remove the last two admins: exactly one succeeds, one admin is left', async () => {
    const other = await newAdmin('admin-4');
    const race = () =>
      Promise.allSettled([updateUser(db, CLI_ACTOR, accounts.admin!.id, { actif: false }), updateUser(db, CLI_ACTOR, other, { role: 'ars', region: OWN })]);
    let results: PromiseSettledResult<unknown>[];
    if (db.backend === 'postgis') {
      // Both transactions are held at their UPDATE (a trigger waits on an advisory lock the test holds) until both are
      // waiting: without a lock taken with the check, both would have checked « two admins » by then and both pass.
      await db.exec(`CREATE FUNCTION pause_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_advisory_xact_lock_shared(424242); RETURN NEW; END $$;
        CREATE TRIGGER pause_for_test BEFORE UPDATE ON utilisateur FOR EACH ROW EXECUTE FUNCTION pause_for_test();`);
      let running!: Promise<PromiseSettledResult<unknown>[]>;
      let waiting = 0;
      await db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(424242)');
        running = race();
        for (let i = 0; i < 600; i++) {
          await tx.query('SELECT pg_stat_clear_snapshot()'); // the activity view is read once per transaction otherwise
          const w = await tx.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          waiting = w.rows[0]!.n;
          if (waiting >= 2) break;
          await new Promise((r) => setTimeout(r, 50));
        }
      });
      results = await running;
      expect(waiting).toBe(2); // both were under way at once
      await db.exec('DROP TRIGGER pause_for_test ON utilisateur; DROP FUNCTION pause_for_test();');
    } else {
      results = await race(); // one connection: the two transactions run one after the other
    }
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failure = results.find((r) => r.status === 'rejected');
    expect(failure?.reason).toBeInstanceOf(ConflictError);
    expect(await activeAdmins()).toHaveLength(1);
  });
});
