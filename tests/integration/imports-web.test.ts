// Web imports over HTTP: the dry run changes nothing and previews exactly what the confirmation applies; a refused
// file lists its problems with line and field and applies nothing; an ARS user imports CPTS of their région only;
// a preview whose data changed meanwhile is not applied.
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IMPORT_MAX_BYTES, type ImportWeb } from '../../server/src/api/contract/imports.js';
import { importsIdle } from '../../server/src/api/imports.js';
import type { Db } from '../../server/src/db/port.js';
import { runImport } from '../../server/src/import/index.js';
import { createAccounts, signIn, type Caller } from '../helpers/auth.js';
import { describeEachBackend } from '../helpers/db.js';
import { startServer, type TestServer } from '../helpers/http.js';

const fx = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));

/** The rows a CPTS import writes, and the audit trail's length. */
async function content(db: Db): Promise<unknown> {
  const q = async (sql: string) => (await db.query(sql)).rows;
  return {
    cpts: await q('SELECT id, nom, statut, perimetre, source FROM cpts ORDER BY id'),
    members: await q('SELECT cpts_id, commune_code, source FROM cpts_commune ORDER BY 1, 2'),
    imports: await q('SELECT count(*)::int AS n FROM import_log'),
  };
}

async function upload(srv: TestServer, who: Caller, query: string, bytes: Buffer | string): Promise<{ status: number; body: any }> {
  const r = await srv.fetch(`/api/imports?${query}`, { method: 'POST', headers: { ...who.headers, 'content-type': 'application/octet-stream' }, body: typeof bytes === 'string' ? bytes : new Uint8Array(bytes) });
  return { status: r.status, body: await r.json() };
}

describeEachBackend('web imports', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;
  let admin: Caller;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await runImport(db, 'communes', [fx('cpts/communes-sables-olonne-2018.geojson')]);
    await createAccounts(db);
    srv = await startServer(db);
    admin = await signIn(srv, 'admin');
  });
  afterAll(async () => {
    await importsIdle();
    await srv?.close();
    await dispose?.();
  });

  const csv = async () => readFile(fx('cpts/plain-semicolon.csv'));

  async function confirm(who: Caller, id: number): Promise<ImportWeb> {
    const r = await srv.fetch(`/api/imports/${id}/confirmation`, { method: 'POST', headers: who.headers });
    expect(r.status).toBe(202);
    await importsIdle();
    const done = await srv.fetch(`/api/imports/${id}`, { headers: who.headers });
    expect(done.status).toBe(200);
    return (await done.json()) as ImportWeb;
  }

  it('a dry run changes nothing; the confirmation applies exactly the preview, audited', async () => {
    const before = await content(db);
    const { status, body } = await upload(srv, admin, 'nature=cpts&fichier=cpts.csv&perimetre=illustratif', await csv());
    expect(status).toBe(201);
    const p = body as ImportWeb;
    expect(p.etat).toBe('apercu');
    expect(p.apercu.applicable).toBe(true);
    expect(p.apercu.problemes).toEqual([]);
    const cpts = p.apercu.tables.find((t) => t.table === 'cpts')!;
    const members = p.apercu.tables.find((t) => t.table === 'cpts_commune')!;
    expect(cpts.exemples.ajouts).toEqual(['illustratif-bocage', 'illustratif-olonne']);
    expect(members.ajouts).toBeGreaterThan(0);
    expect(await content(db)).toEqual(before);

    const done = await confirm(admin, p.id);
    expect(done.etat).toBe('applique');
    expect(done.resultat?.importId).toBeGreaterThan(0);
    const ids = (await db.query<{ id: string }>('SELECT id FROM cpts ORDER BY id')).rows.map((r) => r.id);
    expect(ids).toEqual(cpts.exemples.ajouts);
    const keys = (await db.query<{ k: string }>(`SELECT cpts_id || ' / ' || commune_code AS k FROM cpts_commune ORDER BY 1`)).rows.map((r) => r.k);
    expect(keys).toEqual(members.exemples.ajouts);
    const audit = await db.query<{ action: string; apres: any }>(`SELECT action, apres FROM audit WHERE cible_type = 'import' AND cible_id = $1 ORDER BY id`, [String(p.id)]);
    expect(audit.rows.map((a) => a.action)).toEqual(['import.apercu', 'import.application']);
    expect(audit.rows[1]!.apres.changements.cpts.ajouts).toBe(2);

    // the same file again: a preview of no change; applied once, it cannot be confirmed twice
    const again = (await upload(srv, admin, 'nature=cpts&fichier=cpts.csv&perimetre=illustratif', await csv())).body as ImportWeb;
    expect(again.apercu.tables.every((t) => t.ajouts + t.modifications + t.suppressions === 0)).toBe(true);
    expect((await srv.fetch(`/api/imports/${p.id}/confirmation`, { method: 'POST', headers: admin.headers })).status).toBe(409);
  });

  it('a refused file lists every problem with line and field, and nothing can be applied', async () => {
    const before = await content(db);
    const { status, body } = await upload(srv, admin, 'nature=cpts&fichier=mauvais.csv', await readFile(fx('cpts/invalid-unknown-insee.csv')));
    expect(status).toBe(201);
    const p = body as ImportWeb;
    expect(p.apercu.applicable).toBe(false);
    expect(p.apercu.problemes.length).toBeGreaterThanOrEqual(2);
    for (const pb of p.apercu.problemes) {
      expect(pb.fichier).toBe('mauvais.csv');
      expect(pb.ligne).toBeGreaterThan(1);
      expect(pb.champ).toBe('code_insee');
    }
    const r = await srv.fetch(`/api/imports/${p.id}/confirmation`, { method: 'POST', headers: admin.headers });
    expect(r.status).toBe(409);
    expect(((await r.json()) as { erreur: string }).erreur).toMatch(/problèmes/);
    expect(await content(db)).toEqual(before);
  });

  it('an ARS user imports CPTS files of their own région only, and no other kind', async () => {
    const ars93 = await signIn(srv, 'ars-93');
    const file = Buffer.from('id;nom;statut;code_insee\nars-essai;CPTS essai ARS;projet;85214\n');
    const out = await upload(srv, ars93, 'nature=cpts&fichier=ars.csv', file);
    expect(out.status).toBe(403);
    expect(out.body.erreur).toMatch(/85214 .*région 52/);
    expect((await upload(srv, await signIn(srv, 'ars-52'), 'nature=gp&fichier=gp.csv', 'code;n\n85214;3\n')).status).toBe(403);

    const ars52 = await signIn(srv, 'ars-52');
    const own = await upload(srv, ars52, 'nature=cpts&fichier=ars.csv', file);
    expect(own.status).toBe(201);
    // another région's ARS user can neither read nor confirm it
    expect((await srv.fetch(`/api/imports/${own.body.id}`, { headers: ars93.headers })).status).toBe(403);
    expect((await confirm(ars52, own.body.id)).etat).toBe('applique');
  });

  it('a preview whose data changed meanwhile is not applied', async () => {
    const file = (statut: string) => Buffer.from(`id;nom;statut;code_insee\nconcurrente;CPTS concurrente;${statut};85250\n`);
    const first = (await upload(srv, admin, 'nature=cpts&fichier=a.csv', file('projet'))).body as ImportWeb;
    const second = (await upload(srv, admin, 'nature=cpts&fichier=b.csv', file('pré-projet'))).body as ImportWeb;
    expect((await confirm(admin, second.id)).etat).toBe('applique');
    const after = await content(db);
    const stale = await confirm(admin, first.id);
    expect(stale.etat).toBe('echec');
    expect(stale.resultat?.erreur).toMatch(/ont changé depuis l’aperçu/);
    expect(await content(db)).toEqual(after);
  });

  it('a caller without the right is answered before the file is read: a body announced large, never sent whole', async () => {
    // were the body read first, no answer would come before the socket's end, which this client never sends
    const answer = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          `${srv.url}/api/imports?nature=cpts&fichier=gros.csv`,
          { method: 'POST', headers: { ...headers, 'content-type': 'text/csv', 'content-length': String(IMPORT_MAX_BYTES) } },
          (res) => {
            resolve(res.statusCode!);
            req.destroy();
          },
        );
        req.on('error', reject);
        req.write('id;nom;communes\n');
      });
    expect(await answer({})).toBe(401);
    expect(await answer((await signIn(srv, 'urps-52')).headers)).toBe(403);
  });

  it('refuses a JSON body, an empty file and an unknown kind with a 4xx in French', async () => {
    const json = await srv.fetch('/api/imports?nature=cpts&fichier=x.csv', { method: 'POST', headers: { ...admin.headers, 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    expect((await upload(srv, admin, 'nature=cpts&fichier=x.csv', '')).status).toBe(400);
    expect((await upload(srv, admin, 'nature=autre&fichier=x.csv', 'a')).body.erreur).toMatch(/nature doit valoir/);
  });
});
