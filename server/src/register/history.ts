// Reading the history of a CPTS (migration 060): its perimeter versions and dated steps, and the difference
// between two versions (communes added and removed, population and ACI band before and after).
import type { Queryable } from '../db/port.js';
import { bandOf, type BandCode } from '../domain/bands.js';
import { NotFoundError } from '../domain/errors.js';
import { CPTS_ETAPE_LIBELLES, ETAPE_STATUT, VERSION_ORIGINE_LIBELLES, type CptsEtape, type CptsStatut, type VersionOrigine } from '../domain/vocabulary.js';

export interface VersionRow {
  numero: number;
  valideDu: string;
  commentaire: string | null;
  auteur: string;
  origine: VersionOrigine;
  origineLibelle: string;
  retourA: number | null;
  creeLe: string;
  nbCommunes: number;
  population: number;
  bande: BandCode;
  enVigueur: boolean;
}

export interface EtapeRow {
  id: number;
  etape: CptsEtape;
  etapeLibelle: string;
  le: string;
  statut: CptsStatut;
  commentaire: string | null;
  auteur: string;
  creeLe: string;
}

async function cptsName(db: Queryable, id: string): Promise<string> {
  const r = await db.query<{ nom: string }>('SELECT nom FROM cpts WHERE id = $1', [id]);
  if (!r.rows[0]) throw new NotFoundError(`CPTS ${id} introuvable`);
  return r.rows[0].nom;
}

/** Versions, newest first, with their population (INSEE, units summed) and band; the steps, latest first. */
export async function cptsHistory(db: Queryable, id: string): Promise<{ id: string; nom: string; versions: VersionRow[]; etapes: EtapeRow[] }> {
  const nom = await cptsName(db, id);
  const v = await db.query<{ numero: number; valide_du: string; commentaire: string | null; auteur: string; origine: VersionOrigine; retour_a: number | null; cree_le: Date; nb: number; population: number }>(
    `SELECT v.numero, v.valide_du::text AS valide_du, v.commentaire, v.auteur, v.origine, v.retour_a, v.cree_le,
            count(vc.commune_code)::int AS nb, coalesce(sum(c.population), 0)::int AS population
       FROM cpts_version v
       LEFT JOIN cpts_version_commune vc ON vc.cpts_id = v.cpts_id AND vc.numero = v.numero
       LEFT JOIN commune c ON c.code = vc.commune_code
      WHERE v.cpts_id = $1 GROUP BY v.cpts_id, v.numero ORDER BY v.numero DESC`,
    [id],
  );
  const e = await db.query<{ id: number; etape: CptsEtape; le: string; commentaire: string | null; auteur: string; cree_le: Date }>(
    `SELECT id, etape, le::text AS le, commentaire, auteur, cree_le FROM cpts_etape WHERE cpts_id = $1 ORDER BY le DESC, id DESC`,
    [id],
  );
  return {
    id,
    nom,
    versions: v.rows.map((x, i) => ({
      numero: x.numero,
      valideDu: x.valide_du,
      commentaire: x.commentaire,
      auteur: x.auteur,
      origine: x.origine,
      origineLibelle: VERSION_ORIGINE_LIBELLES[x.origine],
      retourA: x.retour_a,
      creeLe: x.cree_le.toISOString(),
      nbCommunes: x.nb,
      population: x.population,
      bande: bandOf(x.population).code,
      enVigueur: i === 0,
    })),
    etapes: e.rows.map(etapeRow),
  };
}

export const etapeRow = (x: { id: number; etape: CptsEtape; le: string; commentaire: string | null; auteur: string; cree_le: Date }): EtapeRow => ({
  id: x.id,
  etape: x.etape,
  etapeLibelle: CPTS_ETAPE_LIBELLES[x.etape],
  le: x.le,
  statut: ETAPE_STATUT[x.etape],
  commentaire: x.commentaire,
  auteur: x.auteur,
  creeLe: x.cree_le.toISOString(),
});

export interface DiffCommune {
  code: string;
  nom: string;
  departement: string;
  population: number | null;
}

interface DiffSide {
  numero: number;
  valideDu: string;
  nbCommunes: number;
  population: number;
  bande: BandCode;
}

export interface VersionDiff {
  id: string;
  nom: string;
  de: DiffSide;
  a: DiffSide;
  ajoutees: DiffCommune[];
  retirees: DiffCommune[];
  ecartPopulation: number;
  changementBande: boolean;
}

/** What changed from version `de` to version `a` (either order). */
export async function diffVersions(db: Queryable, id: string, de: number, a: number): Promise<VersionDiff> {
  const nom = await cptsName(db, id);
  const r = await db.query<{ numero: number; valide_du: string; units: DiffCommune[] | null }>(
    `SELECT v.numero, v.valide_du::text AS valide_du,
            (SELECT json_agg(json_build_object('code', c.code, 'nom', c.nom, 'departement', c.departement, 'population', c.population)
                             ORDER BY c.code COLLATE "C")
               FROM cpts_version_commune vc JOIN commune c ON c.code = vc.commune_code
              WHERE vc.cpts_id = v.cpts_id AND vc.numero = v.numero) AS units
       FROM cpts_version v WHERE v.cpts_id = $1 AND v.numero = ANY($2::int[])`,
    [id, [de, a]],
  );
  const side = (n: number) => {
    const x = r.rows.find((y) => y.numero === n);
    if (!x) throw new NotFoundError(`La CPTS ${id} n’a pas de version ${n}`);
    const units = x.units ?? [];
    const population = units.reduce((s, u) => s + (u.population ?? 0), 0);
    return { side: { numero: n, valideDu: x.valide_du, nbCommunes: units.length, population, bande: bandOf(population).code }, units };
  };
  const from = side(de);
  const to = side(a);
  const codes = (us: DiffCommune[]) => new Set(us.map((u) => u.code));
  const before = codes(from.units);
  const after = codes(to.units);
  return {
    id,
    nom,
    de: from.side,
    a: to.side,
    ajoutees: to.units.filter((u) => !before.has(u.code)),
    retirees: from.units.filter((u) => !after.has(u.code)),
    ecartPopulation: to.side.population - from.side.population,
    changementBande: to.side.bande !== from.side.bande,
  };
}
