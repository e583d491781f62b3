// Web imports over HTTP: the dry run changes nothing and previews exactly what the confirmation applies; a refused
// file lists its problems with line and field and applies nothing; an ARS user imports CPTS of their région only;
// a preview whose data changed meanwhile is not applied.
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IMPORT_MAX_BYTES, type ImportResume, type ImportWeb } from '../../server/src/api/contract/imports.js';
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

  it('an apply whose lease ran out (its process stopped) is « interrompu », applied nothing, and can be confirmed again', async () => {
    const file = Buffer.from('id;nom;statut;code_insee\ninterrompue;CPTS interrompue;projet;85298\n');
    const p = (await upload(srv, admin, 'nature=cpts&fichier=interrompu.csv', file)).body as ImportWeb;
    const before = await content(db);
    // what a server process killed mid-apply leaves: the row claimed, its last progress, a lease no one renews
    await db.query(
      `UPDATE import_web SET etat = 'en-cours', jeton = 'mort', processus = 'ailleurs:1', commence_le = now() - interval '2 minutes',
              progression = '{"etape":"insert","fait":1,"total":4}', bail = now() - interval '1 second' WHERE id = $1`,
      [p.id],
    );
    const got = (await (await srv.fetch(`/api/imports/${p.id}`, { headers: admin.headers })).json()) as ImportWeb;
    expect(got.etat).toBe('interrompu');
    expect(got.progression).toBeNull();
    expect(got.resultat?.erreur).toMatch(/ailleurs:1.*Rien n’a été appliqué.*une seule transaction.*Confirmez-le à nouveau/);
    const listed = (await (await srv.fetch('/api/imports', { headers: admin.headers })).json()) as { imports: ImportResume[] };
    expect(listed.imports.find((i) => i.id === p.id)).toMatchObject({ etat: 'interrompu', erreur: got.resultat?.erreur });
    expect(await content(db)).toEqual(before);

    const done = await confirm(admin, p.id);
    expect(done.etat).toBe('applique');
    expect(done.commenceLe).not.toBeNull();
    expect((await db.query(`SELECT 1 FROM cpts WHERE id = 'interrompue'`)).rowCount).toBe(1);
    // the stopped process's claim can no longer finish it
    const row = (await db.query<{ jeton: string | null; bail: Date | null }>('SELECT jeton, bail FROM import_web WHERE id = $1', [p.id])).rows[0]!;
    expect(row.jeton).not.toBe('mort');
    expect(row.bail).toBeNull();
  });

  it('an apply in progress shows the progress its process recorded, and cannot be confirmed twice', async () => {
    const p = (await upload(srv, admin, 'nature=cpts&fichier=suivi.csv', Buffer.from('id;nom;statut;code_insee\nsuivie;CPTS suivie;projet;85112\n'))).body as ImportWeb;
    // as another server process applying it would have left it: claimed, its progress and a lease still running
    await db.query(
      `UPDATE import_web SET etat = 'en-cours', jeton = 'autre', processus = 'ailleurs:2', commence_le = now(),
              progression = '{"etape":"insert","fait":2,"total":4}', bail = now() + interval '1 hour' WHERE id = $1`,
      [p.id],
    );
    const got = (await (await srv.fetch(`/api/imports/${p.id}`, { headers: admin.headers })).json()) as ImportWeb;
    expect(got.etat).toBe('en-cours');
    expect(got.progression).toEqual({ etape: 'insert', fait: 2, total: 4 });
    const again = await srv.fetch(`/api/imports/${p.id}/confirmation`, { method: 'POST', headers: admin.headers });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { erreur: string }).erreur).toMatch(/Application en cours/);
    await db.query(`UPDATE import_web SET etat = 'expire', contenu = NULL, bail = NULL WHERE id = $1`, [p.id]);
  });

  it('lists the imports newest first, a page at a time: all for an admin, their région’s for an ARS user', async () => {
    const all = await srv.fetch('/api/imports?parPage=2', { headers: admin.headers });
    expect(all.status).toBe(200);
    const page1 = (await all.json()) as { total: number; page: number; parPage: number; imports: ImportResume[] };
    const total = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM import_web')).rows[0]!.n;
    expect(page1).toMatchObject({ total, page: 1, parPage: 2 });
    expect(page1.imports).toHaveLength(2);
    const page2 = (await (await srv.fetch('/api/imports?parPage=2&page=2', { headers: admin.headers })).json()) as typeof page1;
    const ids = [...page1.imports, ...page2.imports].map((i) => i.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);

    const first = (await (await srv.fetch(`/api/imports?parPage=100`, { headers: admin.headers })).json()) as typeof page1;
    const refused = first.imports.find((i) => i.fichier === 'mauvais.csv')!;
    expect(refused).toMatchObject({ nature: 'cpts', natureLibelle: 'Périmètres de CPTS', auteur: 'admin', etat: 'apercu', etatLibelle: 'Aperçu (rien n’est encore appliqué)' });
    expect(refused.problemes).toBeGreaterThanOrEqual(2);
    expect(first.imports.find((i) => i.fichier === 'cpts.csv' && i.etat === 'applique')!.ajouts).toBeGreaterThan(2);

    const ars52 = await signIn(srv, 'ars-52');
    const own = (await (await srv.fetch('/api/imports', { headers: ars52.headers })).json()) as typeof page1;
    expect(own.total).toBeGreaterThan(0);
    expect(own.imports.every((i) => i.region === '52')).toBe(true);
    expect((await srv.fetch('/api/imports?region=93', { headers: ars52.headers })).status).toBe(403);
    const ars93 = (await (await srv.fetch('/api/imports', { headers: (await signIn(srv, 'ars-93')).headers })).json()) as typeof page1;
    expect(ars93.total).toBe(0);
    expect((await srv.fetch('/api/imports', { headers: (await signIn(srv, 'urps-52')).headers })).status).toBe(403);
    expect((await srv.fetch('/api/imports?parPage=500', { headers: admin.headers })).status).toBe(400);
  });

  it('refuses a JSON body, an empty file and an unknown kind with a 4xx in French', async () => {
    const json = await srv.fetch('/api/imports?nature=cpts&fichier=x.csv', { method: 'POST', headers: { ...admin.headers, 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    expect((await upload(srv, admin, 'nature=cpts&fichier=x.csv', '')).status).toBe(400);
    expect((await upload(srv, admin, 'nature=autre&fichier=x.csv', 'a')).body.erreur).toMatch(/nature doit valoir/);
  });
});
