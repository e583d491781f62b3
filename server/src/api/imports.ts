// Web imports: upload → dry run (preview kept with the file, by its sha256, until it expires) → confirmation, which
// applies the same file in one audited transaction, in the background, only if it still makes the previewed change.
//
// The work runs in the background lane (server/src/db/lane.ts): no statement timeout kills it. On the embedded
// database its transaction holds the one connection while it runs (readers wait); the CPTS, membership and
// structure files ARS and URPS keep take well under a second, a national FINESS stock tens of seconds.
//
// Everything about an import is in the database (migrations 110, 111), so that any server process answers a poll:
// its state, and while it is applied its progress and a lease that the applying process renews with it (on a
// connection of its own, outside the apply's transaction). An apply whose lease ran out — its process stopped — is
// « interrompu »: nothing of it was applied (one transaction, rolled back with the process), and it can be
// confirmed again; only the holder of the latest claim (`jeton`) can finish it.
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { Router, type Request } from 'express';
import { audited, type Actor } from '../auth/audit.js';
import { runInLane } from '../db/lane.js';
import type { Db, Queryable } from '../db/port.js';
import {
  ARS_IMPORT_NATURES,
  IMPORT_ETAT_LIBELLES,
  IMPORT_ETATS_CONFIRMABLES,
  IMPORT_NATURE_LIBELLES,
  IMPORT_TABLE_LIBELLES,
  type ImportEtat,
} from '../domain/vocabulary.js';
import { authorize, signedIn } from '../http/auth.js';
import { HttpError } from '../http/errors.js';
import { dryRun, importWithChange, type DryRunResult, type ImportChange } from '../import/dry-run.js';
import { ImportError } from '../import/errors.js';
import type { ImportKind } from '../import/log.js';
import * as api from './contract/imports.js';
import type { Input, JsonOk } from './contract/endpoint.js';
import type { AppDeps } from './deps.js';
import { serve } from './serve.js';

/** How long a preview can be confirmed. */
const PREVIEW_HOURS = 24;
/**
 * Files from this size up are previewed on a throwaway copy of the embedded database (Db.scratch) when it has
 * one: a national stock's dry run would hold its one connection for tens of seconds, while copying the folder
 * holds it a second or two. Smaller files (the CPTS files of an ARS) are previewed in place, in well under a second.
 */
const SCRATCH_MIN_BYTES = 1024 * 1024;
/** Keys of changed rows kept per kind of change in a preview. */
const EXAMPLES = 200;
/** The lease of an apply (s) when the configuration gives none (IMPORT_LEASE_S). */
const DEFAULT_LEASE_S = 60;
/** Imports per page of the list by default. */
const PAGE = 20;
/** This server process, as an apply's `processus` names it. */
const PROCESS = `${hostname()}:${process.pid}`;

type Progression = NonNullable<api.ImportWeb['progression']>;

interface Row {
  id: number;
  nature: ImportKind;
  fichier: string;
  sha256: string;
  taille: number;
  contenu: Uint8Array | null;
  options: Record<string, string>;
  auteur: string;
  region: string | null;
  cree_le: Date;
  expire_le: Date;
  etat: ImportEtat;
  apercu: api.ImportWeb['apercu'];
  empreinte: string | null;
  resultat: api.ImportWeb['resultat'];
  progression: Progression | null;
  commence_le: Date | null;
  termine_le: Date | null;
  processus: string | null;
  jeton: string | null;
}

/** The applies this process started (awaited by tests and at shutdown; their state is in the database). */
const running = new Set<Promise<void>>();

/** Resolves once every apply started by this process has ended (tests, shutdown). */
export async function importsIdle(): Promise<void> {
  while (running.size) await Promise.all([...running]);
}

/** The query's French option names, as the importers (and the command line) name them. */
export const IMPORT_OPTION_NAMES: Readonly<Record<keyof typeof api.IMPORT_OPTION_PARAMS, string>> = {
  statut: 'status',
  perimetre: 'perimetre',
  source: 'source',
  seuil: 'threshold',
  force: 'force',
  annee: 'year',
  date: 'date',
  encodage: 'encoding',
  format: 'format',
  nonOfficiel: 'unofficial',
  millesime: 'vintage',
};

type UploadQuery = Input<typeof api.importUpload>['query'];

function importerOptions(query: UploadQuery): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [fr, name] of Object.entries(IMPORT_OPTION_NAMES)) {
    const v = query[fr as keyof typeof IMPORT_OPTION_NAMES];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Runs `fn` on the bytes written to a private temporary file of that name (importers read paths; the name gives the format). */
async function withFile<T>(name: string, bytes: Uint8Array, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cpts-import-web-'));
  try {
    const path = join(dir, name);
    await writeFile(path, bytes, { mode: 0o600 });
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function uploaded(req: Request): Buffer {
  if (!Buffer.isBuffer(req.body)) {
    throw new HttpError(415, 'Envoyez le fichier lui-même comme corps de la requête (Content-Type application/octet-stream, text/csv…), pas en JSON');
  }
  if (req.body.length === 0) throw new HttpError(400, 'Le fichier est vide');
  return req.body;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function apercu(d: DryRunResult): api.ImportWeb['apercu'] {
  return {
    applicable: d.problems.length === 0,
    lignes: d.report?.rows ?? null,
    tables: d.change.tables.map((t) => ({
      table: t.table,
      libelle: IMPORT_TABLE_LIBELLES[t.table] ?? t.table,
      ajouts: t.added.length,
      modifications: t.changed.length,
      suppressions: t.removed.length,
      exemples: { ajouts: t.added.slice(0, EXAMPLES), modifications: t.changed.slice(0, EXAMPLES), suppressions: t.removed.slice(0, EXAMPLES) },
    })),
    problemes: d.problems.map((p) => ({ fichier: p.file, ligne: p.line ?? null, champ: p.field ?? null, message: p.message })),
    avertissements: d.report?.warnings ?? [],
  };
}

/** What a change does, in numbers: the audit trail's summary of an import. */
const summary = (a: api.ImportWeb['apercu']) => Object.fromEntries(a.tables.map((t) => [t.table, { ajouts: t.ajouts, modifications: t.modifications, suppressions: t.suppressions }]));

/** The communes a CPTS file touches outside `region`: those it adds or removes, and those of the CPTS it changes. */
async function communesOutside(db: Queryable, change: ImportChange, region: string): Promise<string[]> {
  const members = change.tables.find((t) => t.table === 'cpts_commune');
  const cpts = change.tables.find((t) => t.table === 'cpts');
  const codes = [...(members?.added ?? []), ...(members?.changed ?? []), ...(members?.removed ?? [])].map((k) => k.split(' / ')[1]!);
  const ids = [...(cpts?.changed ?? []), ...(cpts?.removed ?? [])];
  const r = await db.query<{ code: string; nom: string; region: string }>(
    `SELECT code, nom, region FROM commune
      WHERE (code = ANY($1::text[]) OR code IN (SELECT commune_code FROM cpts_commune WHERE cpts_id = ANY($2::text[])))
        AND region <> $3
      ORDER BY code`,
    [codes, ids, region],
  );
  return r.rows.map((c) => `${c.code} ${c.nom} (région ${c.region})`);
}

/** The state as it stands: an apply whose lease ran out is interrupted (its process stopped). */
const ETAT = `CASE WHEN etat = 'en-cours' AND bail < now() THEN 'interrompu' ELSE etat END`;

const SELECT = `SELECT id, nature, fichier, sha256, taille, options, auteur, region, cree_le, expire_le, ${ETAT} AS etat, apercu, empreinte,
  resultat, progression, commence_le, termine_le, processus, jeton FROM import_web`;

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

/** Why nothing of an import was applied, when its apply was interrupted. */
function interrupted(r: Pick<Row, 'processus' | 'expire_le'>): string {
  const again = new Date(r.expire_le) > new Date() ? 'Confirmez-le à nouveau pour le relancer.' : 'L’aperçu a expiré : téléversez le fichier à nouveau.';
  return (
    `Application interrompue : le processus du serveur qui l’appliquait (${r.processus ?? 'inconnu'}) s’est arrêté avant la fin. ` +
    `Rien n’a été appliqué : un import s’applique en une seule transaction, annulée avec le processus. ${again}`
  );
}

async function find(db: Queryable, id: number, withContent = false): Promise<Row | undefined> {
  const r = await db.query<Row>(`${SELECT.replace(' FROM', withContent ? ', contenu FROM' : ' FROM')} WHERE id = $1`, [id]);
  return r.rows[0];
}

const toJson = (r: Row): api.ImportWeb => ({
  id: r.id,
  nature: r.nature,
  natureLibelle: IMPORT_NATURE_LIBELLES[r.nature],
  fichier: r.fichier,
  sha256: r.sha256,
  taille: r.taille,
  auteur: r.auteur,
  region: r.region,
  creeLe: new Date(r.cree_le).toISOString(),
  expireLe: new Date(r.expire_le).toISOString(),
  etat: r.etat,
  etatLibelle: IMPORT_ETAT_LIBELLES[r.etat],
  apercu: r.apercu,
  progression: r.etat === 'en-cours' ? r.progression : null,
  commenceLe: iso(r.commence_le),
  termineLe: iso(r.termine_le),
  resultat: r.etat === 'interrompu' ? { erreur: interrupted(r) } : r.resultat,
});

/** The régions an import concerns, for the access rule: its uploader's, or none an ARS user has (an admin's upload). */
async function regionOfImport(db: Queryable, id: number): Promise<string[]> {
  const r = await find(db, id);
  return r ? [r.region ?? 'toutes les régions'] : [];
}

interface Preview {
  bytes: Buffer;
  dry: DryRunResult;
}

/** The dry run of an upload; for an ARS user, refused unless it is a CPTS file of their région's communes. */
async function previewUpload(db: Db, query: UploadQuery, req: Request): Promise<{ preview: Preview; regions: string[] }> {
  const { actor } = signedIn(req);
  if (actor.role !== 'admin' && !ARS_IMPORT_NATURES.includes(query.nature)) {
    throw new HttpError(403, `Accès refusé : un compte ARS n’importe que des fichiers ${ARS_IMPORT_NATURES.join(', ')}`);
  }
  const bytes = uploaded(req);
  const run = (on: Db) => withFile(query.fichier, bytes, (path) => dryRun(on, query.nature, [path], importerOptions(query)));
  const dry = await runInLane('background', () => (db.scratch && bytes.length >= SCRATCH_MIN_BYTES ? db.scratch(run) : run(db)));
  const preview = { bytes, dry };
  if (actor.role === 'admin') return { preview, regions: [] };
  const outside = await communesOutside(db, dry.change, actor.region!);
  if (outside.length) {
    throw new HttpError(403, `Accès refusé : ce fichier touche ${outside.length} commune(s) hors de votre région ${actor.region} : ${outside.slice(0, 20).join(', ')}`, {
      communes: outside,
    });
  }
  return { preview, regions: [actor.region!] };
}

async function storePreview(db: Db, actor: Actor, query: UploadQuery, p: Preview): Promise<Row> {
  const a = apercu(p.dry);
  const id = await audited(db, actor, async (tx, log) => {
    await tx.query(`UPDATE import_web SET etat = 'interrompu', progression = NULL WHERE etat = 'en-cours' AND bail < now()`);
    await tx.query(`UPDATE import_web SET etat = 'expire', contenu = NULL WHERE etat IN ('apercu', 'interrompu') AND expire_le < now()`);
    const r = await tx.query<{ id: number }>(
      `INSERT INTO import_web (nature, fichier, sha256, taille, contenu, options, utilisateur, auteur, region, expire_le, etat, apercu, empreinte)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(hours => $10), 'apercu', $11, $12) RETURNING id`,
      [query.nature, query.fichier, sha256(p.bytes), p.bytes.length, p.bytes, JSON.stringify(importerOptions(query)), actor.utilisateur, actor.auteur,
        actor.region, PREVIEW_HOURS, JSON.stringify(a), a.applicable ? p.dry.change.fingerprint : null],
    );
    const id = r.rows[0]!.id;
    await log({ action: 'import.apercu', cibleType: 'import', cibleId: id, region: actor.region, apres: { nature: query.nature, fichier: query.fichier, applicable: a.applicable, changements: summary(a) } });
    return id;
  });
  return (await find(db, id))!;
}

/**
 * Marks a preview (or an interrupted apply) as being applied by this process, once: the one confirmation that
 * wins gets the claim's `jeton` and a lease of `leaseS` seconds.
 */
async function claim(db: Db, id: number, leaseS: number): Promise<Row> {
  const r = await db.query<{ id: number }>(
    `UPDATE import_web SET etat = 'en-cours', jeton = $2, processus = $3, bail = now() + make_interval(secs => $4), commence_le = now(),
            progression = NULL, resultat = NULL
      WHERE id = $1 AND (etat = ANY($5::text[]) OR (etat = 'en-cours' AND bail < now()))
        AND empreinte IS NOT NULL AND contenu IS NOT NULL AND expire_le > now()
      RETURNING id`,
    [id, randomUUID(), PROCESS, leaseS, IMPORT_ETATS_CONFIRMABLES],
  );
  const row = await find(db, id, true);
  if (!row) throw new HttpError(404, `Aucun import web ${id}`);
  if (r.rowCount) return row;
  const why = !IMPORT_ETATS_CONFIRMABLES.includes(row.etat)
    ? `il est dans l’état « ${IMPORT_ETAT_LIBELLES[row.etat]} »`
    : row.empreinte === null
      ? 'le fichier a des problèmes'
      : 'l’aperçu a expiré';
  throw new HttpError(409, `Cet import ne peut pas être appliqué : ${why}. Téléversez le fichier à nouveau pour un nouvel aperçu.`);
}

/** Ends the apply of the claim `jeton`; false when another claim took it over meanwhile (this one's lease ran out). */
async function finish(tx: Queryable, row: Row, etat: ImportEtat, resultat: object): Promise<boolean> {
  const r = await tx.query(
    `UPDATE import_web SET etat = $3, resultat = $4, contenu = NULL, termine_le = now(), progression = NULL, bail = NULL
      WHERE id = $1 AND jeton = $2 AND etat = 'en-cours'`,
    [row.id, row.jeton, etat, JSON.stringify(resultat)],
  );
  return r.rowCount > 0;
}

/**
 * The progress of an apply, written to its row with a renewed lease: at once, then every second (or a third of
 * the lease) while it runs. On a connection of its own (PostGIS's pool), never awaited by the apply: on the
 * embedded database, one connection, the writes wait for the apply's transaction to end, one at a time.
 */
class Lease {
  private latest: Progression | null = null;
  private writing?: Promise<void>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly row: Row,
    private readonly leaseS: number,
    private readonly log: AppDeps['log'],
  ) {
    this.timer = setInterval(() => this.beat(), Math.min(1000, (leaseS * 1000) / 3));
    this.timer.unref();
  }

  progress(p: Progression): void {
    const first = this.latest === null;
    this.latest = p;
    if (first) this.beat();
  }

  private beat(): void {
    if (this.writing) return;
    this.writing = runInLane('background', () =>
      this.db.query(
        `UPDATE import_web SET progression = $3, bail = now() + make_interval(secs => $4) WHERE id = $1 AND jeton = $2 AND etat = 'en-cours'`,
        [this.row.id, this.row.jeton, this.latest && JSON.stringify(this.latest), this.leaseS],
      ),
    ).then(
      () => (this.writing = undefined),
      (e: unknown) => {
        this.writing = undefined;
        this.log.warn({ err: e, importWeb: this.row.id }, 'web import: progress not recorded');
      },
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.writing;
  }
}

const TAKEN_OVER = 'Cette application a été reprise par une autre confirmation après une interruption : rien n’a été appliqué par celle-ci.';

const STALE = 'Les données ont changé depuis l’aperçu : rien n’a été appliqué. Téléversez le fichier à nouveau pour un nouvel aperçu.';

/** Applies a claimed preview in one audited transaction: the same file, the same change, or nothing. */
async function apply(db: Db, actor: Actor, row: Row, leaseS: number, log: AppDeps['log']): Promise<void> {
  const bytes = row.contenu!;
  const lease = new Lease(db, row, leaseS, log);
  const onProgress = (etape: string, fait: number, total: number) => lease.progress({ etape, fait, total });
  try {
    if (sha256(bytes) !== row.sha256) throw new HttpError(409, 'Le fichier conservé ne correspond plus à son empreinte : rien n’a été appliqué.');
    await withFile(row.fichier, bytes, (path) =>
      audited(db, actor, async (tx, log) => {
        const { report, change } = await importWithChange(tx, db.backend, row.nature, [path], row.options, onProgress);
        if (change.fingerprint !== row.empreinte) throw new HttpError(409, STALE);
        await log({
          action: 'import.application',
          cibleType: 'import',
          cibleId: row.id,
          region: row.region,
          avant: { nature: row.nature, fichier: row.fichier, sha256: row.sha256 },
          apres: { importId: report.importId, changements: summary(row.apercu) },
        });
        if (!(await finish(tx, row, 'applique', { importId: report.importId, compteurs: report.counts }))) throw new HttpError(409, TAKEN_OVER);
      }),
    );
  } catch (e) {
    const erreur = e instanceof HttpError ? e.message : e instanceof ImportError ? `${STALE} (${e.issues.length} problème(s) au second passage)` : 'Échec de l’application : rien n’a été appliqué.';
    await lease.stop();
    if (erreur !== TAKEN_OVER) await finish(db, row, 'echec', { erreur });
    if (!(e instanceof HttpError) && !(e instanceof ImportError)) throw e;
  } finally {
    await lease.stop();
  }
}

interface SummaryRow {
  id: number;
  nature: ImportKind;
  fichier: string;
  taille: number;
  auteur: string;
  region: string | null;
  cree_le: Date;
  commence_le: Date | null;
  termine_le: Date | null;
  expire_le: Date;
  etat: ImportEtat;
  lignes: number | null;
  ajouts: number;
  modifications: number;
  suppressions: number;
  problemes: number;
  erreur: string | null;
  processus: string | null;
}

const changed = (k: string) => `(SELECT coalesce(sum((t->>'${k}')::int), 0)::int FROM jsonb_array_elements(apercu->'tables') t) AS ${k}`;

/** A page of imports, newest first: all, or one région's. */
async function listImports(db: Queryable, region: string | undefined, page: number, parPage: number): Promise<JsonOk<typeof api.importList>> {
  const where = region === undefined ? 'TRUE' : 'region = $1';
  const params = region === undefined ? [] : [region];
  const total = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM import_web WHERE ${where}`, params)).rows[0]!.n;
  const r = await db.query<SummaryRow>(
    `SELECT id, nature, fichier, taille, auteur, region, cree_le, commence_le, termine_le, expire_le, ${ETAT} AS etat,
            (apercu->>'lignes')::int AS lignes, ${changed('ajouts')}, ${changed('modifications')}, ${changed('suppressions')},
            jsonb_array_length(apercu->'problemes') AS problemes, resultat->>'erreur' AS erreur, processus
       FROM import_web WHERE ${where}
      ORDER BY cree_le DESC, id DESC LIMIT ${parPage} OFFSET ${(page - 1) * parPage}`,
    params,
  );
  return {
    total,
    page,
    parPage,
    imports: r.rows.map((x) => ({
      id: x.id,
      nature: x.nature,
      natureLibelle: IMPORT_NATURE_LIBELLES[x.nature],
      fichier: x.fichier,
      taille: x.taille,
      auteur: x.auteur,
      region: x.region,
      creeLe: new Date(x.cree_le).toISOString(),
      commenceLe: iso(x.commence_le),
      termineLe: iso(x.termine_le),
      etat: x.etat,
      etatLibelle: IMPORT_ETAT_LIBELLES[x.etat],
      lignes: x.lignes,
      ajouts: x.ajouts,
      modifications: x.modifications,
      suppressions: x.suppressions,
      problemes: x.problemes,
      erreur: x.etat === 'interrompu' ? interrupted(x) : x.erreur,
    })),
  };
}

export function importRoutes(deps: AppDeps): Router {
  const { db, log } = deps;
  const leaseS = deps.config.importLeaseS ?? DEFAULT_LEASE_S;
  const r = Router();
  const previews = new WeakMap<Request, Preview>();

  // the file is the body: read raw (a JSON body was parsed already, and is refused with 415), and only once the
  // caller may upload at all, so that nobody without the right makes the server read up to IMPORT_MAX_BYTES
  const raw = express.raw({ type: (req) => !/json/i.test(req.headers['content-type'] ?? ''), limit: api.IMPORT_MAX_BYTES });
  r.use((req, res, next) => {
    if (req.method !== 'POST' || req.path !== api.importUpload.path) return next();
    authorize(req, api.importUpload.access).then(() => raw(req, res, next), next);
  });
  serve(
    r,
    api.importUpload,
    async ({ query }, res, req) => {
      const row = await storePreview(db, signedIn(req).actor, query, previews.get(req)!);
      res.status(201);
      return toJson(row);
    },
    {
      regionOf: async ({ query }, req) => {
        const { preview, regions } = await previewUpload(db, query, req);
        previews.set(req, preview);
        return regions;
      },
    },
  );

  const regionOf = ({ params }: { params: { id: number } }) => regionOfImport(db, params.id);

  serve(r, api.importGet, async ({ params }) => {
    const row = await find(db, params.id);
    if (!row) throw new HttpError(404, `Aucun import web ${params.id}`);
    return toJson(row);
  }, { regionOf });

  serve(r, api.importConfirm, async ({ params }, res, req) => {
    const row = await claim(db, params.id, leaseS);
    const job = runInLane('background', () => apply(db, signedIn(req).actor, row, leaseS, log)).catch((e: unknown) => log.error({ err: e, importWeb: row.id }, 'web import failed'));
    running.add(job);
    void job.finally(() => running.delete(job));
    res.status(202);
    return toJson(row);
  }, { regionOf });

  // an ARS user lists their région's imports: naming another is refused (region: 'own'), naming none means theirs
  serve(r, api.importList, async ({ query }, _res, req) => {
    const { actor } = signedIn(req);
    const region = actor.role === 'admin' ? query.region : actor.region!;
    return listImports(db, region, query.page ?? 1, query.parPage ?? PAGE);
  }, { regionOf: ({ query }) => (query.region ? [query.region] : []) });

  return r;
}
