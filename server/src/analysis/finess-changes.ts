// What newer FINESS stocks changed (finess_changement, recorded by the FINESS importer): openings, closings,
// reopenings, moves over 50 m, renamings, category changes, with the establishment's name and commune. By default the
// changes of the newest stock, i.e. since the previous one (the URPS view: « nouvelles officines », « officines fermées »).
import { mapBatches } from '../db/cursor.js';
import type { Db, Queryable } from '../db/port.js';
import { FINESS_CHANGE_LABELS, type FinessChangeKind, type FinessChangeScope } from '../domain/vocabulary.js';

export interface ChangeFilter {
  departement?: string;
  region?: string;
  changements?: readonly FinessChangeKind[];
  etablissements?: FinessChangeScope;
  /** Changes of the stocks dated after this day (YYYY-MM-DD); default: those of the newest stock only. */
  depuis?: string;
}

export interface StockRef {
  date: string;
  fichier: string;
}

export interface FinessChange {
  dateStock: string;
  finess: string;
  etablissement: 'officine' | 'structure';
  nom: string | null;
  type: string | null;
  categorieCode: string | null;
  changement: FinessChangeKind;
  changementLibelle: string;
  avant: string | null;
  apres: string | null;
  distanceM: number | null;
  adresse: string | null;
  codePostal: string | null;
  telephone: string | null;
  commune: { code: string | null; nom: string | null; departement: string | null };
}

export interface FinessChanges {
  /** The newest stock, and the one before it (null when a single stock was loaded: no change is known). */
  stock: StockRef | null;
  stockPrecedent: StockRef | null;
  /** First day after which changes are counted (the previous stock's date by default). */
  depuis: string | null;
  parChangement: Record<FinessChangeKind, number>;
  changements: FinessChange[];
}

interface Row {
  date_stock: string;
  finess: string;
  officine: boolean;
  nom: string | null;
  type: string | null;
  categorie_code: string | null;
  changement: FinessChangeKind;
  avant: string | null;
  apres: string | null;
  distance_m: number | null;
  adresse: string | null;
  code_postal: string | null;
  telephone: string | null;
  commune_code: string | null;
  commune_nom: string | null;
  departement: string | null;
}

async function stocks(db: Queryable): Promise<StockRef[]> {
  const r = await db.query<StockRef>(
    `SELECT to_char(date_stock, 'YYYY-MM-DD') AS date, fichier FROM finess_stock ORDER BY date_stock DESC, import_id DESC LIMIT 2`,
  );
  return r.rows;
}

const CHANGES_SQL = `SELECT to_char(x.date_stock, 'YYYY-MM-DD') AS date_stock, x.finess, p.finess IS NOT NULL AS officine,
            coalesce(p.nom, s.nom) AS nom, CASE WHEN p.finess IS NOT NULL THEN 'officine' ELSE s.type END AS type,
            x.categorie_code, x.changement, x.avant, x.apres, round(x.distance_m::numeric, 1)::float8 AS distance_m,
            coalesce(p.adresse, s.adresse) AS adresse, coalesce(p.code_postal, s.code_postal) AS code_postal,
            coalesce(p.telephone, s.telephone) AS telephone, coalesce(p.commune_code, s.commune_code) AS commune_code,
            c.nom AS commune_nom, c.departement
       FROM finess_changement x
       LEFT JOIN pharmacie p ON p.finess = x.finess
       LEFT JOIN structure s ON s.finess = x.finess AND p.finess IS NULL
       LEFT JOIN commune c ON c.code = coalesce(p.commune_code, s.commune_code)
      WHERE x.date_stock > $1::date
        AND ($2::text IS NULL OR c.departement = $2) AND ($3::text IS NULL OR c.region = $3)
        AND ($4::text[] IS NULL OR x.changement = ANY($4::text[]))
        AND ($5 = 'tous' OR ($5 = 'officines') = (p.finess IS NOT NULL))
      ORDER BY x.date_stock DESC, x.changement COLLATE "C", c.nom_norm COLLATE "C" NULLS LAST, x.finess COLLATE "C"`;

/** The newest stock, the one before, and the parameters of CHANGES_SQL (none when no change is known). */
async function since(db: Queryable, f: ChangeFilter) {
  const [stock, previous] = await stocks(db);
  const depuis = f.depuis ?? previous?.date ?? null;
  const params =
    stock && depuis !== null
      ? [depuis, f.departement ?? null, f.region ?? null, f.changements?.length ? [...f.changements] : null, f.etablissements ?? 'tous']
      : undefined;
  return { stock: stock ?? null, stockPrecedent: previous ?? null, depuis, params };
}

/** The changes matching the filter, by date of stock (newest first), kind, commune name and FINESS. */
export async function finessChanges(db: Queryable, f: ChangeFilter = {}): Promise<FinessChanges> {
  const { params, ...stocks } = await since(db, f);
  const parChangement = Object.fromEntries(Object.keys(FINESS_CHANGE_LABELS).map((k) => [k, 0])) as Record<FinessChangeKind, number>;
  const rows = params ? (await db.query<Row>(CHANGES_SQL, params)).rows : [];
  for (const x of rows) parChangement[x.changement]++;
  return { ...stocks, parChangement, changements: rows.map(toChange) };
}

/** The same changes for an export: the newest stock, how many, and the changes a batch at a time from a cursor. */
export async function finessChangeBatches(db: Db, f: ChangeFilter = {}): Promise<{ stock: StockRef | null; nombre: number; batches: AsyncIterable<FinessChange[]> }> {
  const { stock, params } = await since(db, f);
  if (!params) return { stock, nombre: 0, batches: mapBatches<Row, FinessChange>([], toChange) };
  const nombre = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${CHANGES_SQL}) x`, params)).rows[0]!.n;
  return { stock, nombre, batches: mapBatches(db.cursor<Row>(CHANGES_SQL, params), toChange) };
}

const toChange = (x: Row): FinessChange => ({
  dateStock: x.date_stock,
  finess: x.finess,
  etablissement: x.officine ? 'officine' : 'structure',
  nom: x.nom,
  type: x.type,
  categorieCode: x.categorie_code,
  changement: x.changement,
  changementLibelle: FINESS_CHANGE_LABELS[x.changement],
  avant: x.avant,
  apres: x.apres,
  distanceM: x.distance_m,
  adresse: x.adresse,
  codePostal: x.code_postal,
  telephone: x.telephone,
  commune: { code: x.commune_code, nom: x.commune_nom, departement: x.departement },
});

export const CHANGES_CSV_HEADER = [
  'date du stock',
  'changement',
  'FINESS',
  'établissement',
  'nom',
  'type',
  'catégorie FINESS',
  'adresse',
  'code postal',
  'code commune',
  'commune',
  'département',
  'téléphone',
  'avant',
  'après',
  'distance (m)',
] as const;

/** Columns written as text in spreadsheets (leading zeros kept). */
export const CHANGES_CSV_CODE_COLUMNS: readonly string[] = ['FINESS', 'catégorie FINESS', 'code postal', 'code commune', 'département', 'téléphone'];

/** One CSV line per change, in the order of CHANGES_CSV_HEADER. Pure. */
export function changeCsvRow(c: FinessChange): unknown[] {
  return [
    c.dateStock,
    c.changementLibelle,
    c.finess,
    c.etablissement,
    c.nom,
    c.type,
    c.categorieCode,
    c.adresse,
    c.codePostal,
    c.commune.code,
    c.commune.nom,
    c.commune.departement,
    c.telephone,
    c.avant,
    c.apres,
    c.distanceM,
  ];
}
