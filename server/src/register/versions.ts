// Writing CPTS perimeters as versions (issue 9, item 2; migrations 060-061). Every writer of a perimeter goes
// through writeVersion inside its caller's transaction: the API (a save, a revert, a new CPTS), the CPTS importer,
// and an overlap arbitration (two CPTS in one transaction). A version is appended, never overwritten; the newest
// is the one in force today, so cpts_commune and cpts.geom (what the undated analyses and the tiles read) are set to it.
import type { Queryable } from '../db/port.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import { statutOnSql } from '../domain/rules-sql.js';
import { effectiveDateProblem, today } from '../domain/versions.js';
import { ETAPE_STATUT, type CptsEtape, type CptsStatut, type VersionOrigine } from '../domain/vocabulary.js';

/** Who writes (an auth Actor fits): the user's id and login, or 'cli'. */
export interface Author {
  utilisateur: number | null;
  auteur: string;
}

export interface VersionInput {
  cptsId: string;
  /** Member units as INSEE codes (a commune split into arrondissements stands for all of them). */
  communes: readonly string[];
  /** Effective date, AAAA-MM-JJ; today when absent. */
  valideDu?: string | undefined;
  commentaire?: string | null | undefined;
  /** The version the change was made on; null: no check (an import, which reports conflicts itself). */
  versionAttendue: number | null;
}

export interface VersionOptions {
  origine?: VersionOrigine;
  retourA?: number;
  importId?: number;
  /** Attribution stored with the member rows; « registre (login) » by default. */
  source?: string;
  /** Share of each unit's area (GeoJSON imports); 1 when absent. */
  parts?: ReadonlyMap<string, number>;
  /** Keep cpts.geom as the caller set it (an imported polygon) instead of the union of the units' outlines. */
  keepGeometry?: boolean;
}

export interface VersionHead {
  numero: number;
  valideDu: string;
  auteur: string;
  creeLe: Date;
}

export interface WrittenVersion {
  cpts: { id: string; nom: string; statut: CptsStatut };
  numero: number;
  valideDu: string;
  communes: string[];
  /** The version replaced (null for the first) and its units: the audit's « before ». */
  avant: { numero: number; communes: string[] } | null;
}

const frDateTime = (d: Date) =>
  d.toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' }).replace(' ', ' à ');

/** The newest version of a CPTS (the one in force today), after recording the perimeter it had before versions. */
export async function headVersion(tx: Queryable, cptsId: string): Promise<VersionHead | null> {
  await tx.query('SELECT cpts_version_initiale($1)', [cptsId]);
  const r = await tx.query<{ numero: number; valide_du: string; auteur: string; cree_le: Date }>(
    `SELECT numero, valide_du::text AS valide_du, auteur, cree_le FROM cpts_version WHERE cpts_id = $1 ORDER BY numero DESC LIMIT 1`,
    [cptsId],
  );
  const v = r.rows[0];
  return v ? { numero: v.numero, valideDu: v.valide_du, auteur: v.auteur, creeLe: v.cree_le } : null;
}

/** The refusal of a save made on a version that is no longer the newest: who saved meanwhile, and when. */
export function staleVersionError(cptsId: string, attendue: number, head: VersionHead): ConflictError {
  return new ConflictError(
    `Conflit : la CPTS ${cptsId} a été modifiée entre-temps. La version ${head.numero} a été enregistrée par ${head.auteur} le ` +
      `${frDateTime(head.creeLe)} (effet au ${head.valideDu}), alors que votre modification partait de la version ${attendue}. ` +
      'Rien n’a été enregistré : rechargez le périmètre actuel, reportez-y votre modification, puis enregistrez à nouveau.',
    { versionAttendue: attendue, versionActuelle: head.numero, auteur: head.auteur, enregistreeLe: head.creeLe.toISOString(), valideDu: head.valideDu },
  );
}

/** INSEE codes to member units: each must be a commune of the database; a split commune stands for its arrondissements. */
export async function memberUnits(tx: Queryable, codes: readonly string[]): Promise<string[]> {
  const r = await tx.query<{ code: string; unit: string | null }>(
    `SELECT q.code, coalesce(a.code, c.code) AS unit
       FROM unnest($1::text[]) AS q(code)
       LEFT JOIN commune c ON c.code = q.code
       LEFT JOIN commune a ON a.parent = c.code`,
    [[...new Set(codes)]],
  );
  const unknown = r.rows.filter((x) => x.unit === null).map((x) => x.code);
  if (unknown.length) {
    throw new InvalidInputError(
      `Commune(s) inconnue(s) : ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ` et ${unknown.length - 20} autre(s)` : ''} ` +
        '(codes INSEE du COG en vigueur ; POST /api/perimeter/check convertit les anciens codes)',
      { communesIntrouvables: unknown },
    );
  }
  return [...new Set(r.rows.map((x) => x.unit!))].sort();
}

/** Appends a version of a CPTS's perimeter and makes it today's. Runs in the caller's transaction (audit included). */
export async function writeVersion(tx: Queryable, actor: Author, input: VersionInput, opts: VersionOptions = {}): Promise<WrittenVersion> {
  const k = await tx.query<{ id: string; nom: string; statut: CptsStatut }>('SELECT id, nom, statut FROM cpts WHERE id = $1 FOR UPDATE', [input.cptsId]);
  const cpts = k.rows[0];
  if (!cpts) throw new NotFoundError(`CPTS ${input.cptsId} introuvable`);
  const head = await headVersion(tx, cpts.id);
  if (input.versionAttendue !== null && (head?.numero ?? 0) !== input.versionAttendue) {
    if (!head) throw new ConflictError(`La CPTS ${cpts.id} n’a encore aucune version : versionAttendue ${input.versionAttendue} ne peut pas être la sienne`);
    throw staleVersionError(cpts.id, input.versionAttendue, head);
  }
  const valideDu = input.valideDu ?? today();
  const problem = effectiveDateProblem(valideDu, head?.valideDu ?? null);
  if (problem) throw new InvalidInputError(`valideDu : ${problem}`);
  const units = await memberUnits(tx, input.communes);
  const avant = head ? { numero: head.numero, communes: await versionUnits(tx, cpts.id, head.numero) } : null;
  await setTodaysPerimeter(tx, cpts.id, units, opts.source ?? `registre (${actor.auteur})`, opts);
  const numero = (head?.numero ?? 0) + 1;
  await tx.query(
    `INSERT INTO cpts_version (cpts_id, numero, valide_du, commentaire, auteur, utilisateur, origine, retour_a, import_id, geom, geom_3857)
     SELECT id, $2, $3, $4, $5, $6, $7, $8, $9, geom, geom_3857 FROM cpts WHERE id = $1`,
    [cpts.id, numero, valideDu, input.commentaire || null, actor.auteur, actor.utilisateur, opts.origine ?? 'edition', opts.retourA ?? null, opts.importId ?? null],
  );
  await tx.query(
    `INSERT INTO cpts_version_commune (cpts_id, numero, commune_code, part_surface, source)
     SELECT $1, $2, commune_code, part_surface, source FROM cpts_commune WHERE cpts_id = $1`,
    [cpts.id, numero],
  );
  return { cpts, numero, valideDu, communes: units, avant };
}

/** The member units of a version. */
export async function versionUnits(tx: Queryable, cptsId: string, numero: number): Promise<string[]> {
  const r = await tx.query<{ code: string }>(
    'SELECT commune_code AS code FROM cpts_version_commune WHERE cpts_id = $1 AND numero = $2 ORDER BY commune_code COLLATE "C"',
    [cptsId, numero],
  );
  return r.rows.map((x) => x.code);
}

/** cpts_commune and cpts.geom of the version in force today. */
async function setTodaysPerimeter(tx: Queryable, id: string, units: string[], source: string, opts: VersionOptions): Promise<void> {
  await tx.query('DELETE FROM cpts_commune WHERE cpts_id = $1', [id]);
  await tx.query(
    `INSERT INTO cpts_commune (cpts_id, commune_code, part_surface, source)
     SELECT $1, u.code, LEAST(1, coalesce(p.value::float8, 1)), $3
       FROM unnest($2::text[]) AS u(code) LEFT JOIN jsonb_each_text($4::jsonb) p ON p.key = u.code`,
    [id, units, source, JSON.stringify(Object.fromEntries(opts.parts ?? []))],
  );
  await tx.query('UPDATE cpts SET date_maj = current_date WHERE id = $1', [id]);
  if (!opts.keepGeometry) await unionGeometry(tx, [id]);
}

/**
 * A CPTS's geometry: the union of its units' outlines, an arrondissement without outline standing for its
 * commune's (so a CPTS of Marseille arrondissements is drawn as Marseille until arrondissement outlines exist).
 * The union is safe_union (migration 010); as a last guard, a CPTS whose units have outlines but whose union is
 * empty is an error rather than a perimeter that draws nothing.
 */
export async function unionGeometry(tx: Queryable, ids: string[]): Promise<void> {
  await tx.query(
    `UPDATE cpts SET geom = u.geom, geom_3857 = ST_Transform(u.geom, 3857)
     FROM (SELECT k.id AS cpts_id, safe_union(array_agg(c.geom) FILTER (WHERE c.geom IS NOT NULL)) AS geom
             FROM cpts k
             LEFT JOIN (SELECT DISTINCT cc.cpts_id, CASE WHEN m.geom IS NULL AND m.parent IS NOT NULL THEN m.parent ELSE m.code END AS code
                          FROM cpts_commune cc JOIN commune m ON m.code = cc.commune_code WHERE cc.cpts_id = ANY($1::text[])) d ON d.cpts_id = k.id
             LEFT JOIN commune c ON c.code = d.code
            WHERE k.id = ANY($1::text[])
            GROUP BY k.id) u
     WHERE cpts.id = u.cpts_id`,
    [ids],
  );
  const empty = await tx.query<{ id: string }>(
    `SELECT k.id FROM cpts k WHERE k.id = ANY($1::text[]) AND (k.geom IS NULL OR ST_IsEmpty(k.geom))
        AND EXISTS (SELECT 1 FROM cpts_commune cc JOIN commune c ON c.code = cc.commune_code
                     LEFT JOIN commune p ON p.code = c.parent
                    WHERE cc.cpts_id = k.id AND coalesce(c.geom, p.geom) IS NOT NULL)`,
    [ids],
  );
  if (empty.rows.length) throw new Error(`CPTS perimeter: the union of the outlines of ${empty.rows.map((r) => r.id).join(', ')} came back empty`);
}

export interface NewCpts {
  id: string;
  nom: string;
  finess?: string | undefined;
  perimetre?: string | undefined;
  etape?: CptsEtape | undefined;
}

/** Creates a CPTS, its first dated step and the version 1 of its perimeter. */
export async function createCpts(tx: Queryable, actor: Author, c: NewCpts, v: Omit<VersionInput, 'cptsId' | 'versionAttendue'>): Promise<WrittenVersion> {
  const taken = await tx.query<{ id: string }>('SELECT id FROM cpts WHERE id = $1 OR ($2::text IS NOT NULL AND finess = $2)', [c.id, c.finess ?? null]);
  if (taken.rows.length) throw new ConflictError(`Une CPTS existe déjà avec cet identifiant ou ce numéro FINESS : ${taken.rows[0]!.id}`);
  const etape = c.etape ?? 'pre-projet';
  await tx.query(
    `INSERT INTO cpts (id, nom, finess, statut, perimetre, date_maj, source) VALUES ($1, $2, $3, $4, $5, current_date, $6)`,
    [c.id, c.nom, c.finess ?? null, ETAPE_STATUT[etape], c.perimetre ?? 'officiel', `Registre des CPTS (${actor.auteur})`],
  );
  const written = await writeVersion(tx, actor, { ...v, cptsId: c.id, versionAttendue: null });
  await addEtape(tx, actor, { cptsId: c.id, etape, le: written.valideDu, commentaire: v.commentaire ?? null });
  return { ...written, cpts: { ...written.cpts, statut: ETAPE_STATUT[etape] } };
}

export interface EtapeInput {
  cptsId: string;
  etape: CptsEtape;
  le: string;
  commentaire?: string | null | undefined;
}

/** Records a dated step; the status of the maps becomes that of the latest step in force today. */
export async function addEtape(tx: Queryable, actor: Author, e: EtapeInput): Promise<{ id: number; statut: CptsStatut; creeLe: Date }> {
  const t = today();
  if (e.le > t) throw new InvalidInputError(`le : la date ${e.le} est dans le futur (aujourd’hui : ${t}) : enregistrez l’étape le jour où elle a lieu`);
  const r = await tx.query<{ id: number; cree_le: Date }>(
    `INSERT INTO cpts_etape (cpts_id, etape, le, commentaire, auteur, utilisateur)
     SELECT id, $2, $3, $4, $5, $6 FROM cpts WHERE id = $1 RETURNING id, cree_le`,
    [e.cptsId, e.etape, e.le, e.commentaire || null, actor.auteur, actor.utilisateur],
  );
  if (!r.rows[0]) throw new NotFoundError(`CPTS ${e.cptsId} introuvable`);
  const s = await tx.query<{ statut: CptsStatut }>(`UPDATE cpts k SET statut = ${statutOnSql('k', t)} WHERE id = $1 RETURNING statut`, [e.cptsId]);
  return { id: r.rows[0].id, statut: s.rows[0]!.statut, creeLe: r.rows[0].cree_le };
}
