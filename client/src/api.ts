// Typed fetch helpers for the server API (see /api/openapi.json). Errors come back as French sentences.
import { useEffect, useState } from 'react';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

/** `/api/x?a=1` without the empty parameters. */
export function apiUrl(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function request<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError('Le serveur ne répond pas. Vérifiez votre connexion ou que le serveur est lancé (npm start).', 0);
  }
  const type = res.headers.get('content-type') ?? '';
  const body: unknown = type.includes('json') ? await res.json().catch(() => undefined) : undefined;
  if (!res.ok) {
    const msg = (body as { error?: unknown } | undefined)?.error;
    if (typeof msg === 'string') throw new ApiError(msg, res.status, (body as { details?: unknown }).details);
    if (res.status === 404) throw new ApiError('Cette fonction n’est pas encore disponible sur le serveur (404).', 404);
    throw new ApiError(`Le serveur a répondu par une erreur (${res.status}). Réessayez dans un instant.`, res.status);
  }
  if (body === undefined) throw new ApiError('Réponse du serveur illisible (JSON attendu).', res.status);
  return body as T;
}

export const getJson = <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>(apiUrl(path, query), { signal });

export const postJson = <T>(path: string, payload: unknown, signal?: AbortSignal) =>
  request<T>(path, { method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json' }, signal });

export interface Loadable<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
}

/**
 * Fetches when `key` changes (null: nothing to fetch). The previous answer stays visible while the next loads.
 */
export function useApi<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>): Loadable<T> & { reload: () => void } {
  const [state, setState] = useState<Loadable<T>>({ loading: key !== null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (key === null) {
      setState({ loading: false });
      return;
    }
    const ac = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    load(ac.signal).then(
      (data) => !ac.signal.aborted && setState({ data, loading: false }),
      (e: unknown) => {
        if (ac.signal.aborted) return;
        const error = e instanceof ApiError ? e : new ApiError('Erreur inattendue : ' + String((e as Error)?.message ?? e), 0);
        setState({ error, loading: false });
      },
    );
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

// ---------------------------------------------------------------------------------------------------------------
// Shared shapes

export interface DataSource {
  kind: string;
  file: string;
  importedAt: string;
}

export interface AppConfig {
  basemapStyleUrl: string | null;
}

export const getConfig = (signal?: AbortSignal) => getJson<AppConfig>('/api/config', undefined, signal);

// ---------------------------------------------------------------------------------------------------------------
// Vector tile layers (/tiles/layers.json): one TileJSON per layer, tile URLs versioned by the data

export interface TileLayerInfo {
  id: 'communes' | 'cpts' | 'overlaps' | 'structures' | 'pharmacies';
  description: string;
  tiles: string[];
  minzoom: number;
  maxzoom: number;
  bounds?: [number, number, number, number];
  promoteId?: string;
  attributes: { name: string; type: string; description: string; values?: string[] }[];
  sources: DataSource[];
}

export interface TileLayers {
  version: string;
  layers: TileLayerInfo[];
}

export const getTileLayers = (signal?: AbortSignal) => getJson<TileLayers>('/tiles/layers.json', undefined, signal);

// ---------------------------------------------------------------------------------------------------------------
// Search (/api/search)

export type HitType = 'commune' | 'cpts' | 'structure' | 'pharmacie';

export interface SearchHit {
  type: HitType;
  id: string;
  label: string;
  sublabel: string;
  point: { lon: number; lat: number } | null;
  /** [west, south, east, north] for communes and CPTS. */
  bbox: [number, number, number, number] | null;
}

export const search = (q: string, signal?: AbortSignal) =>
  getJson<{ q: string; hits: SearchHit[]; sources: DataSource[] }>('/api/search', { q, limit: 15 }, signal).then((r) => r.hits);

// ---------------------------------------------------------------------------------------------------------------
// CPTS (/api/cpts, /api/cpts/{id}, /api/cpts/{id}/communes.geojson)

export interface AciFunding {
  taille: number;
  financementTotalEur: number | null;
  aideFonctionnementAnnuelleEur: { min: number | null; max: number | null };
  notes: string[];
  source: string;
}

export interface BandInfo {
  bande: 'T1' | 'T2' | 'T3' | 'T4';
  taille: number;
  populationMin: number;
  populationMaxExclue: number | null;
  avertissementSeuil: { seuil: number; ecart: number; ecartPct: number; message: string } | null;
  aci: AciFunding;
}

export type MaskedCount = number | '< 6' | null;

export interface CptsSummary extends BandInfo {
  id: string;
  nom: string;
  finess: string | null;
  statut: string;
  statutLibelle: string;
  perimetre: 'officiel' | 'approximatif' | 'illustratif';
  perimetreLibelle: string;
  perimetreNonOfficiel: boolean;
  siege: { code: string; nom: string | null } | null;
  dateOuverture: string | null;
  dateMaj: string | null;
  source: string;
  departements: string[];
  regions: string[];
  population: number;
  populationAnnee: number | null;
  nbCommunes: number;
  nbCommunesPartielles: number;
  superficieKm2: number;
  structures: { msp: number; csp: number; esp: number; siegeCpts: number; autre: number; total: number };
  pharmacies: { dansLePerimetre: number; adherentes: number };
  offreMg: { nbGeneralistes: MaskedCount; densitePour10000: number | null; estProxy: boolean | null; sources: string[]; notes: string[] };
  nbCptsEnChevauchement: number;
  notes: string[];
}

export interface CptsSheet extends CptsSummary {
  communes: {
    code: string;
    nom: string;
    departement: string;
    population: number | null;
    partSurface: number;
    superficieKm2: number;
    zone: string | null;
    autresCpts: string[];
  }[];
  structuresListe: { finess: string; type: string; nom: string; commune: string | null; communeNom: string | null }[];
  pharmaciesListe: { finess: string; nom: string; commune: string | null; communeNom: string | null; adherente: boolean }[];
  chevauchements: OverlapPair[];
  sources: DataSource[];
}

export interface AreaFilter {
  departement?: string;
  region?: string;
}

export const listCpts = (f: AreaFilter, signal?: AbortSignal) =>
  getJson<{ nombre: number; cpts: CptsSummary[]; sources: DataSource[] }>('/api/cpts', { ...f }, signal);

export const getCpts = (id: string, signal?: AbortSignal) => getJson<CptsSheet>(`/api/cpts/${encodeURIComponent(id)}`, undefined, signal);

export const getCptsCommunes = (id: string, signal?: AbortSignal) =>
  getJson<GeoJSON.FeatureCollection>(`/api/cpts/${encodeURIComponent(id)}/communes.geojson`, undefined, signal);

// ---------------------------------------------------------------------------------------------------------------
// Overlaps (/api/overlaps)

export interface OverlapSide {
  id: string;
  nom: string;
  statut: string;
  perimetre: string;
  population: number;
  partEnLitigePct: number | null;
}

export interface OverlapPair {
  a: OverlapSide;
  b: OverlapSide;
  nbCommunes: number;
  communes: { code: string; nom: string; population: number | null }[];
  population: number;
  superficieKm2: number;
}

export const getOverlaps = (f: AreaFilter, signal?: AbortSignal) =>
  getJson<{ nombre: number; paires: OverlapPair[]; sources: DataSource[] }>('/api/overlaps', { ...f }, signal);

// ---------------------------------------------------------------------------------------------------------------
// Coverage and white zones (/api/coverage, /api/white-zones)

export interface CoverageFigures {
  nbCommunes: number;
  nbCommunesCouvertes: number;
  nbCommunesMultiCpts: number;
  nbCommunesCouvertesHorsOfficiel: number;
  nbCommunesSansPopulation: number;
  partCommunesPct: number | null;
  population: number;
  populationCouverte: number;
  populationMultiCpts: number;
  partPopulationPct: number | null;
}

export interface CoverageRow extends CoverageFigures {
  code: string;
  nom: string;
}

export const getCoverage = (f: AreaFilter, signal?: AbortSignal) =>
  getJson<{ departements: CoverageRow[]; regions: CoverageRow[]; total: CoverageFigures; notes: string[]; sources: DataSource[] }>(
    '/api/coverage',
    { ...f },
    signal,
  );

export interface WhiteZone {
  code: string;
  nom: string;
  departement: string;
  region: string;
  population: number | null;
  offreMg: { nbGeneralistes: MaskedCount; densitePour10000: number | null; estProxy: boolean | null; source: string | null; annee: number | null };
  zonage: { zone: string; libelle: string; date: string | null; source: string } | null;
  cptsLaPlusProche: { id: string; nom: string; statut: string; perimetre: string; distanceKm: number } | null;
  cptsLimitrophes: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Perimeter check (POST /api/perimeter/check)

export interface PerimeterCheck extends BandInfo {
  mode: 'communes' | 'geometrie';
  population: number;
  nbCommunes: number;
  superficieKm2: number;
  communes: { code: string; nom: string; departement: string; population: number | null; part: number; zoneBlanche: boolean }[];
  communesIntrouvables: string[];
  codesConvertis: { code: string; codeActuel: string }[];
  communesSousLeSeuil: { code: string; nom: string; part: number }[];
  seuil: number | null;
  chevauchements: {
    id: string;
    nom: string;
    statut: string;
    perimetre: string;
    nbCommunes: number;
    communes: string[];
    population: number;
    partDeLaCptsPct: number | null;
  }[];
  contigu: boolean;
  parties: { numero: number; nbCommunes: number; communes: string[]; population: number }[];
  zonesBlanches: { nbCommunes: number; population: number; communes: string[] };
  avertissements: string[];
  sources: DataSource[];
}

export type PerimeterInput = { communes: string[] } | { geometry: GeoJSON.Polygon | GeoJSON.MultiPolygon; threshold?: number };

export const checkPerimeter = (input: PerimeterInput, signal?: AbortSignal) => postJson<PerimeterCheck>('/api/perimeter/check', input, signal);

// ---------------------------------------------------------------------------------------------------------------
// Pharmacies (/api/pharmacies, /api/pharmacies.csv)

export type PharmacyStatus = 'membre' | 'couverte-sans-adhesion' | 'zone-blanche' | 'commune-inconnue';
export type ZoningFilter = 'ZIP' | 'ZAC' | 'ZIP_ZAC' | 'none';

export interface PharmacyFilters {
  departement?: string;
  region?: string;
  cpts?: string;
  status?: PharmacyStatus;
  zoning?: ZoningFilter;
  q?: string;
}

export interface PharmacyRow {
  finess: string;
  nom: string;
  adresse: string | null;
  codePostal: string | null;
  commune: { code: string; nom: string | null; departement: string | null; region: string | null };
  position: { lon: number; lat: number } | null;
  statut: PharmacyStatus;
  cpts: { id: string; nom: string; statut: string; perimetre: string }[];
  adhesions: { cible: 'structure' | 'cpts'; id: string; nom: string | null; type: string; dateAdhesion: string | null }[];
  mspCspLaPlusProche: { finess: string; nom: string; type: 'msp' | 'csp'; distanceM: number } | null;
  adhesionProbable: boolean;
  zonage: string | null;
  enZipZac: boolean | null;
  generalistes: { nombre: MaskedCount; densitePour10000: number | null; proxy: boolean | null };
}

export interface PharmacyPage {
  total: number;
  limit: number;
  offset: number;
  near: number;
  counts: Record<PharmacyStatus, number>;
  avertissement: string;
  rows: PharmacyRow[];
  sources: DataSource[];
}

export const listPharmacies = (f: PharmacyFilters & { limit?: number; offset?: number }, signal?: AbortSignal) =>
  getJson<PharmacyPage>('/api/pharmacies', { ...f }, signal);

/** The CSV of the same filters (a plain link: the browser downloads it). */
export const pharmaciesCsvUrl = (f: PharmacyFilters) => apiUrl('/api/pharmacies.csv', { ...f });

// ---------------------------------------------------------------------------------------------------------------
// Nearby (/api/nearby) and guide (/api/guide)

export type NearbyTarget = { finess: string } | { commune: string } | { lon: number; lat: number };

export interface NearSite {
  finess: string;
  nom: string;
  adresse: string | null;
  commune: { code: string | null; nom: string | null };
  position: { lon: number; lat: number };
  distanceM: number;
}

export interface Mission {
  id: string;
  titre: string;
  description: string;
  structures: string[];
  zonagesEligibles: string[] | null;
  conditions: string[];
  remunerations: { libelle: string; montant: number; unite: string; precision: string | null }[];
  source: { document: string; date: string };
  eligibleIci?: 'oui' | 'non' | 'inconnu' | string;
  explication?: string;
}

export interface Contact {
  id: string;
  nom: string;
  role: string;
  pour: string[];
  regional: boolean;
  url: string | null;
  email: string | null;
  source: { document: string; date: string };
}

export interface Nearby {
  k: number;
  origine: { type: 'officine' | 'point' | 'commune'; position: { lon: number; lat: number } | null; explication: string };
  commune: {
    code: string;
    nom: string;
    population: number | null;
    departement: { code: string; nom: string };
    region: { code: string; nom: string };
  };
  cpts: { id: string; nom: string; statut: string; perimetre: string; perimetreLibelle: string }[];
  zonage: { zone: string; source: string; date: string | null } | null;
  plusProches: Record<'msp' | 'csp' | 'esp', NearSite[]>;
  pharmacie: {
    finess: string;
    nom: string;
    adresse: string | null;
    codePostal: string | null;
    statut: PharmacyStatus;
    adhesions: PharmacyRow['adhesions'];
  } | null;
  missions: Mission[];
  contacts: Contact[];
  sources: DataSource[];
}

export const getNearby = (t: NearbyTarget, signal?: AbortSignal) => getJson<Nearby>('/api/nearby', { ...t, k: 3 }, signal);

export interface GuideStructure {
  id: string;
  sigle: string;
  nom: string;
  source: string;
  [rubrique: string]: string | string[] | undefined;
}

export interface Guide {
  titre: string;
  introduction: string;
  sources: Record<string, { document: string; date: string }>;
  rubriques: { id: string; libelle: string }[];
  structures: GuideStructure[];
  missions: Mission[];
}

export const getGuide = (signal?: AbortSignal) => getJson<Guide>('/api/guide', undefined, signal);
