// Pharmacy recruitment by the URPS (issue 9, item 4; migration 080): each step (a call, an answer, a membership, a
// withdrawal) is appended to recrutement_officine inside the caller's audited transaction, never rewritten; the
// current state is the latest step. « adhérente » writes the membership into adhesion_pharmacie in the same
// transaction, so the pharmacy's status (« membre »), the tiles and the counts follow; a withdrawal removes it
// from there, the step keeping which membership it was and since when.
import type { Queryable } from '../db/port.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import { joinableSql } from '../domain/rules-sql.js';
import {
  ADHESION_SOURCE_RECRUTEMENT,
  RECRUTEMENT_ETAT_ADHERENTE,
  RECRUTEMENT_ETAT_LIBELLES,
  type AdhesionCible,
  type RecrutementEtat,
} from '../domain/vocabulary.js';

/** Who writes (an auth Actor fits). */
export interface Author {
  utilisateur: number | null;
  auteur: string;
}

export interface MembershipRef {
  cible: AdhesionCible;
  id: string;
}

export interface StepInput {
  etat: RecrutementEtat;
  /** AAAA-MM-JJ; today when absent. */
  date?: string | undefined;
  note?: string | null | undefined;
  /** With « adhérente » (and only then): what the pharmacy joins, and from when (the step's date when absent). */
  adhesion?: (MembershipRef & { date?: string | undefined }) | undefined;
  /** A membership of the pharmacy to end with this step. */
  retrait?: MembershipRef | undefined;
}

export interface Step {
  id: number;
  etat: RecrutementEtat;
  date: string;
  note: string | null;
  auteur: string;
  enregistreLe: string;
  adhesion: (MembershipRef & { nom: string | null; date: string }) | null;
  retrait: (MembershipRef & { nom: string | null; depuis: string | null }) | null;
}

interface StepRow {
  id: number;
  etat: RecrutementEtat;
  date_etat: string;
  note: string | null;
  auteur: string;
  enregistre_le: Date;
  adhesion_cible: AdhesionCible | null;
  adhesion_id: string | null;
  adhesion_nom: string | null;
  adhesion_date: string | null;
  retrait_cible: AdhesionCible | null;
  retrait_id: string | null;
  retrait_nom: string | null;
  retrait_depuis: string | null;
}

/** The name of a membership's target (a CPTS or a structure), in SQL. */
const targetName = (cible: string, id: string) =>
  `(CASE ${cible} WHEN 'cpts' THEN (SELECT k.nom FROM cpts k WHERE k.id = ${id}) ELSE (SELECT s.nom FROM structure s WHERE s.finess = ${id}) END)`;

const STEP_SQL = `
  SELECT r.id, r.etat, r.date_etat::text AS date_etat, r.note, coalesce(u.nom, r.auteur) AS auteur, r.enregistre_le,
         r.adhesion_cible, r.adhesion_id, ${targetName('r.adhesion_cible', 'r.adhesion_id')} AS adhesion_nom, r.adhesion_date::text AS adhesion_date,
         r.retrait_cible, r.retrait_id, ${targetName('r.retrait_cible', 'r.retrait_id')} AS retrait_nom, r.retrait_depuis::text AS retrait_depuis
    FROM recrutement_officine r
    LEFT JOIN utilisateur u ON u.id = r.utilisateur`;

const toStep = (r: StepRow): Step => ({
  id: r.id,
  etat: r.etat,
  date: r.date_etat,
  note: r.note,
  auteur: r.auteur,
  enregistreLe: r.enregistre_le.toISOString(),
  adhesion: r.adhesion_cible && r.adhesion_id ? { cible: r.adhesion_cible, id: r.adhesion_id, nom: r.adhesion_nom, date: r.adhesion_date! } : null,
  retrait: r.retrait_cible && r.retrait_id ? { cible: r.retrait_cible, id: r.retrait_id, nom: r.retrait_nom, depuis: r.retrait_depuis } : null,
});

export interface PharmacyRef {
  finess: string;
  nom: string;
  region: string | null;
}

/** The pharmacy and the région of its commune (null: commune unknown); 404 for an unknown FINESS number. */
export async function pharmacyRef(db: Queryable, finess: string, lock = false): Promise<PharmacyRef> {
  const r = await db.query<PharmacyRef>(
    `SELECT p.finess, p.nom, c.region FROM pharmacie p LEFT JOIN commune c ON c.code = p.commune_code WHERE p.finess = $1${lock ? ' FOR UPDATE OF p' : ''}`,
    [finess],
  );
  if (!r.rows[0]) throw new NotFoundError(`Officine FINESS « ${finess} » introuvable`);
  return r.rows[0];
}

/** Every step of a pharmacy, the newest first. */
export async function recruitmentHistory(db: Queryable, finess: string): Promise<Step[]> {
  const r = await db.query<StepRow>(`${STEP_SQL} WHERE r.pharmacie_finess = $1 ORDER BY r.id DESC`, [finess]);
  return r.rows.map(toStep);
}

/** The pharmacy's memberships (CPTS or structure), with their start dates. */
async function memberships(tx: Queryable, finess: string): Promise<(MembershipRef & { date: string | null })[]> {
  const r = await tx.query<MembershipRef & { date: string | null }>(
    `SELECT CASE WHEN cpts_id IS NULL THEN 'structure' ELSE 'cpts' END AS cible, coalesce(cpts_id, structure_finess) AS id, date_adhesion::text AS date
       FROM adhesion_pharmacie WHERE pharmacie_finess = $1 ORDER BY 2`,
    [finess],
  );
  return r.rows;
}

/** A step's date: today when absent, never in the future nor before the current step (the history reads in order). */
async function checkDate(tx: Queryable, finess: string, date: string | undefined): Promise<string> {
  const r = await tx.query<{ today: string; last: string | null }>(
    `SELECT current_date::text AS today,
            (SELECT date_etat::text FROM recrutement_officine WHERE pharmacie_finess = $1 ORDER BY id DESC LIMIT 1) AS last`,
    [finess],
  );
  const { today, last } = r.rows[0]!;
  const d = date ?? today;
  if (d > today) throw new InvalidInputError(`date : le ${d} est dans le futur (aujourd’hui : ${today})`);
  if (last && d < last) throw new InvalidInputError(`date : le ${d} précède l’étape enregistrée du ${last} ; l’historique se lit dans l’ordre`);
  return d;
}

/** The target of a membership exists and can be joined (a CPTS, or an MSP, ESP or medical centre de santé). */
async function checkTarget(tx: Queryable, t: MembershipRef): Promise<void> {
  const sql =
    t.cible === 'cpts'
      ? 'SELECT 1 FROM cpts WHERE id = $1'
      : `SELECT 1 FROM structure s WHERE s.finess = $1 AND ${joinableSql('s')}`;
  if ((await tx.query(sql, [t.id])).rows.length === 0) {
    throw new InvalidInputError(
      t.cible === 'cpts'
        ? `adhesion.id : CPTS « ${t.id} » introuvable`
        : `adhesion.id : « ${t.id} » n’est le FINESS d’aucune MSP, ESP ou centre de santé médical ou polyvalent connu`,
    );
  }
}

const column = (c: AdhesionCible) => (c === 'cpts' ? 'cpts_id' : 'structure_finess');

export interface Recorded {
  pharmacie: PharmacyRef;
  step: Step;
  /** The audit's before and after: the current step and the memberships. */
  avant: { etat: RecrutementEtat | null; adhesions: MembershipRef[] };
  apres: { etat: RecrutementEtat; adhesions: MembershipRef[] };
}

/**
 * Appends a step in the caller's transaction (the pharmacy's row locked, so two steps at once apply one after the
 * other); « adhérente » adds the membership (kept as it is if the pharmacy already has it), a withdrawal removes it.
 */
export async function recordStep(tx: Queryable, author: Author, finess: string, input: StepInput): Promise<Recorded> {
  const pharmacie = await pharmacyRef(tx, finess, true);
  const date = await checkDate(tx, finess, input.date);
  const before = await memberships(tx, finess);
  const current = await tx.query<{ etat: RecrutementEtat }>('SELECT etat FROM recrutement_courant WHERE pharmacie_finess = $1', [finess]);
  if ((input.etat === RECRUTEMENT_ETAT_ADHERENTE) !== !!input.adhesion) {
    throw new InvalidInputError(`adhesion : à donner avec l’état « ${RECRUTEMENT_ETAT_LIBELLES.adherente} », et seulement avec lui (CPTS ou structure rejointe)`);
  }
  let ended: { depuis: string | null } | null = null;
  if (input.retrait) {
    const { cible, id } = input.retrait;
    const found = before.find((m) => m.cible === cible && m.id === id);
    if (!found) throw new InvalidInputError(`retrait : l’officine n’a pas d’adhésion à ${cible === 'cpts' ? 'la CPTS' : 'la structure'} « ${id} »`);
    await tx.query(`DELETE FROM adhesion_pharmacie WHERE pharmacie_finess = $1 AND ${column(cible)} = $2`, [finess, id]);
    ended = { depuis: found.date };
  }
  const joined = input.adhesion && { ...input.adhesion, date: input.adhesion.date ?? date };
  if (joined) {
    await checkTarget(tx, joined);
    await tx.query(
      `INSERT INTO adhesion_pharmacie (pharmacie_finess, ${column(joined.cible)}, date_adhesion, source) VALUES ($1, $2, $3, $4)
       ON CONFLICT (pharmacie_finess, ${column(joined.cible)}) WHERE ${column(joined.cible)} IS NOT NULL DO NOTHING`,
      [finess, joined.id, joined.date, ADHESION_SOURCE_RECRUTEMENT],
    );
  }
  const r = await tx.query<{ id: number }>(
    `INSERT INTO recrutement_officine (pharmacie_finess, etat, date_etat, note, utilisateur, auteur,
       adhesion_cible, adhesion_id, adhesion_date, retrait_cible, retrait_id, retrait_depuis)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
    [finess, input.etat, date, input.note?.trim() || null, author.utilisateur, author.auteur,
      joined?.cible ?? null, joined?.id ?? null, joined?.date ?? null, input.retrait?.cible ?? null, input.retrait?.id ?? null, ended?.depuis ?? null],
  );
  const step = (await tx.query<StepRow>(`${STEP_SQL} WHERE r.id = $1`, [r.rows[0]!.id])).rows.map(toStep)[0]!;
  const refs = (ms: MembershipRef[]) => ms.map(({ cible, id }) => ({ cible, id }));
  return {
    pharmacie,
    step,
    avant: { etat: current.rows[0]?.etat ?? null, adhesions: refs(before) },
    apres: { etat: input.etat, adhesions: refs(await memberships(tx, finess)) },
  };
}

/** A pharmacy's current step as the pharmacy list shows it to the users who read its recruitment. */
export interface CurrentStep {
  etat: RecrutementEtat;
  date: string | null;
  /** The latest note recorded (a later step without note keeps it). */
  note: string | null;
  auteur: string | null;
}

/** The current step of every pharmacy with one, in a région (null: everywhere, for an admin). */
export async function currentSteps(db: Queryable, region: string | null): Promise<Map<string, CurrentStep>> {
  const r = await db.query<CurrentStep & { finess: string }>(
    `SELECT rc.pharmacie_finess AS finess, rc.etat, rc.date_etat::text AS date, coalesce(u.nom, rc.auteur) AS auteur,
            (SELECT n.note FROM recrutement_officine n WHERE n.pharmacie_finess = rc.pharmacie_finess AND n.note IS NOT NULL ORDER BY n.id DESC LIMIT 1) AS note
       FROM recrutement_courant rc
       JOIN pharmacie p ON p.finess = rc.pharmacie_finess
       LEFT JOIN commune c ON c.code = p.commune_code
       LEFT JOIN utilisateur u ON u.id = rc.utilisateur
      WHERE $1::text IS NULL OR c.region = $1`,
    [region],
  );
  return new Map(r.rows.map(({ finess, ...step }) => [finess, step]));
}
