// Typed fetch helpers for the server API (see /api/openapi.json). Errors come back as French sentences.
import { useEffect, useState } from 'react';
import type { CoverageResponse, CoverageRow, WhiteZone, WhiteZonesMeta } from '../../server/src/api/contract/coverage.js';
import type { CptsListResponse, CptsSheetResponse, CptsSummary } from '../../server/src/api/contract/cpts.js';
import type { DataSource, ErrorBody } from '../../server/src/api/contract/endpoint.js';
import type { FinessChangesResponse } from '../../server/src/api/contract/finess.js';
import type { GuideResponse } from '../../server/src/api/contract/guide.js';
import type { NearbyResponse } from '../../server/src/api/contract/nearby.js';
import type { OverlapPair, OverlapsResponse } from '../../server/src/api/contract/overlaps.js';
import type { PerimeterCheckResponse, PerimeterInput } from '../../server/src/api/contract/perimeter.js';
import type { PharmacyPage, PharmacyRow } from '../../server/src/api/contract/pharmacies.js';
import type { RecruitmentHistory, RecruitmentInput, RecruitmentStep } from '../../server/src/api/contract/recrutement.js';
import type { SearchHit, SearchResponse } from '../../server/src/api/contract/search.js';
import type { AppConfig } from '../../server/src/api/contract/system.js';
import type { TileJson, TileLayersResponse } from '../../server/src/api/contract/tiles.js';
import type { VersionDiffResponse, VersionHistory, VersionWritten } from '../../server/src/api/contract/versions.js';
import type { CptsEtape, CptsStatut, Decision, HitType, PharmacyStatus, ZoningFilter } from '../../server/src/domain/vocabulary.js';

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
    throw new ApiError('Le serveur ne répond pas. Vérifiez votre connexion, puis réessayez ; si cela persiste, prévenez l’administrateur du service.', 0);
  }
  if (res.status === 204 && res.ok) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  const body: unknown = type.includes('json') ? await res.json().catch(() => undefined) : undefined;
  if (!res.ok) {
    const msg = (body as Partial<ErrorBody> | undefined)?.erreur;
    if (typeof msg === 'string') throw new ApiError(msg, res.status, (body as ErrorBody).details);
    if (res.status === 404) throw new ApiError('Cette fonction n’est pas encore disponible sur le serveur (404).', 404);
    throw new ApiError(`Le serveur a répondu par une erreur (${res.status}). Réessayez dans un instant.`, res.status);
  }
  if (body === undefined) throw new ApiError('Réponse du serveur illisible (JSON attendu).', res.status);
  return body as T;
}

export const getJson = <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>(apiUrl(path, query), { signal });

export const postJson = <T>(path: string, payload: unknown, signal?: AbortSignal) =>
  request<T>(path, { method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json' }, signal });

/** The signed-in session's CSRF token (set by session.tsx), sent with every write. */
let csrfToken: string | null = null;
export const setCsrfToken = (t: string | null) => void (csrfToken = t);

/** A write as the signed-in user: the session cookie goes by itself, the CSRF token in its header. */
export const sendJson = <T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, payload?: unknown) =>
  request<T>(path, {
    method,
    ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}) },
  });

/** A file sent as the raw body of a write (web imports), with the CSRF token. */
export const sendFile = <T>(path: string, query: Query, file: Blob) =>
  request<T>(apiUrl(path, query), {
    method: 'POST',
    body: file,
    headers: { 'content-type': 'application/octet-stream', ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}) },
  });

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
// Shared shapes: the server declares each endpoint once (server/src/api/contract/), its answers' types are inferred
// from the schemas; `import type` is erased at build time, so no server code enters the bundle.

/** An area filter of the territory endpoints, and the day they answer « as of » (today when absent). */
export interface AreaFilter {
  departement?: string;
  region?: string;
  date?: string;
}

/** The filters of /api/pharmacies and its CSV (query parameters). */
export interface PharmacyFilters extends AreaFilter {
  cpts?: string;
  /** One or several statuses, comma-separated. */
  statut?: string;
  zonage?: ZoningFilter;
  q?: string;
  adhesionProbable?: boolean;
  commune?: string;
  epci?: string;
  bassinVie?: string;
  tri?: 'commune' | 'nom';
  /** Recruitment states, comma-separated (signed-in URPS and ARS users only). */
  recrutement?: string;
}

export type { AppConfig, CoverageRow, CptsSummary, DataSource, HitType, OverlapPair, PharmacyRow, PharmacyStatus, SearchHit, WhiteZone, WhiteZonesMeta, ZoningFilter };

export const getConfig = (signal?: AbortSignal) => getJson<AppConfig>('/api/config', undefined, signal);

// ---------------------------------------------------------------------------------------------------------------
// Vector tile layers (/tiles/layers.json): one TileJSON per layer, tile URLs versioned by the data

export type TileLayerInfo = TileJson;
export type TileLayers = TileLayersResponse;

export const getTileLayers = (signal?: AbortSignal) => getJson<TileLayers>('/tiles/layers.json', undefined, signal);

// ---------------------------------------------------------------------------------------------------------------
// Search (/api/search)

export const search = (q: string, signal?: AbortSignal) => getJson<SearchResponse>('/api/search', { q, limit: 15 }, signal).then((r) => r.resultats);

// ---------------------------------------------------------------------------------------------------------------
// CPTS (/api/cpts, /api/cpts/{id}, /api/cpts/{id}/communes.geojson)

export type CptsSheet = CptsSheetResponse;

export const listCpts = (f: AreaFilter, signal?: AbortSignal) => getJson<CptsListResponse>('/api/cpts', { ...f }, signal);

const cptsPath = (id: string) => `/api/cpts/${encodeURIComponent(id)}`;

export const getCpts = (id: string, date?: string, signal?: AbortSignal) => getJson<CptsSheet>(cptsPath(id), { date }, signal);

export const getCptsCommunes = (id: string, signal?: AbortSignal) =>
  getJson<GeoJSON.FeatureCollection>(`${cptsPath(id)}/communes.geojson`, undefined, signal);

// ---------------------------------------------------------------------------------------------------------------
// Perimeter versions and dated steps of a CPTS (/api/cpts/{id}/versions…, /api/cpts/{id}/etapes): ARS users and admins

export type { VersionHistory, VersionWritten };
export type VersionDiff = VersionDiffResponse;
export type Version = VersionHistory['versions'][number];
export type Etape = VersionHistory['etapes'][number];

/** What a new version says besides its communes: effective date (today by default) and why. */
export interface VersionNote {
  valideDu?: string;
  commentaire?: string;
}

export const getHistory = (id: string, signal?: AbortSignal) => getJson<VersionHistory>(`${cptsPath(id)}/versions`, undefined, signal);

export const getVersionDiff = (id: string, de: number, a: number, signal?: AbortSignal) =>
  getJson<VersionDiff>(`${cptsPath(id)}/versions/diff`, { de, a }, signal);

export const versionDiffCsvUrl = (id: string, de: number, a: number) => apiUrl(`${cptsPath(id)}/versions/diff.csv`, { de, a });

/** A new version of the perimeter, made on version `versionAttendue` (409 if another was saved since). */
export const saveVersion = (id: string, body: VersionNote & { communes: string[]; versionAttendue: number }) =>
  sendJson<VersionWritten>('POST', `${cptsPath(id)}/versions`, body);

/** A new version identical to version `numero`. */
export const revertVersion = (id: string, numero: number, body: VersionNote & { versionAttendue: number }) =>
  sendJson<VersionWritten>('POST', `${cptsPath(id)}/versions/${numero}/retour`, body);

export const createCpts = (body: VersionNote & { nom: string; communes: string[]; etape?: CptsEtape }) => sendJson<VersionWritten>('POST', '/api/cpts', body);

export const addEtape = (id: string, body: { etape: CptsEtape; le: string; commentaire?: string }) =>
  sendJson<{ etape: Etape; statut: CptsStatut }>('POST', `${cptsPath(id)}/etapes`, body);

// ---------------------------------------------------------------------------------------------------------------
// Overlaps (/api/overlaps)

export const getOverlaps = (f: AreaFilter & { bassinVie?: string; decision?: Decision }, signal?: AbortSignal) =>
  getJson<OverlapsResponse>('/api/overlaps', { ...f }, signal);

// ---------------------------------------------------------------------------------------------------------------
// Coverage and white zones (/api/coverage, /api/white-zones)

/** The figures of a coverage row without its code and name (the total of the area asked for). */
export type CoverageFigures = CoverageResponse['total'];

export const getCoverage = (f: AreaFilter, signal?: AbortSignal) => getJson<CoverageResponse>('/api/coverage', { ...f }, signal);


// ---------------------------------------------------------------------------------------------------------------
// Perimeter check (POST /api/perimeter/check)

export type PerimeterCheck = PerimeterCheckResponse;

/** The request body as the client sends it (the server validates it and applies the default threshold). */
export type { PerimeterInput };

export const checkPerimeter = (input: PerimeterInput, signal?: AbortSignal) => postJson<PerimeterCheck>('/api/perimeter/check', input, signal);

/** The member communes of a proposed perimeter with their outlines, for the GeoJSON export. */
export const perimeterGeojson = (input: PerimeterInput, signal?: AbortSignal) =>
  postJson<GeoJSON.FeatureCollection>('/api/perimeter/communes.geojson', input, signal);

// ---------------------------------------------------------------------------------------------------------------
// Pharmacies (/api/pharmacies, /api/pharmacies.csv)

export const listPharmacies = (f: PharmacyFilters & { limit?: number; offset?: number }, signal?: AbortSignal) =>
  getJson<PharmacyPage>('/api/pharmacies', { ...f }, signal);

/** The CSV of the same filters (a plain link: the browser downloads it). */
export const pharmaciesCsvUrl = (f: PharmacyFilters) => apiUrl('/api/pharmacies.csv', { ...f });

// ---------------------------------------------------------------------------------------------------------------
// Pharmacy recruitment (/api/pharmacies/{finess}/recrutement): URPS and ARS users of the région

export type { RecruitmentHistory, RecruitmentInput, RecruitmentStep };

const recruitmentPath = (finess: string) => `/api/pharmacies/${encodeURIComponent(finess)}/recrutement`;

export const getRecruitment = (finess: string, signal?: AbortSignal) => getJson<RecruitmentHistory>(recruitmentPath(finess), undefined, signal);

export const recordRecruitment = (finess: string, input: RecruitmentInput) => sendJson<RecruitmentStep>('POST', recruitmentPath(finess), input);

// ---------------------------------------------------------------------------------------------------------------
// FINESS changes between stocks (/api/finess/changes)

export type FinessChanges = FinessChangesResponse;

/** New and closed pharmacies since the previous stock, in an area. */
export const pharmacyChanges = (f: AreaFilter, signal?: AbortSignal) =>
  getJson<FinessChanges>('/api/finess/changes', { ...f, etablissements: 'officines', changement: 'ouverture,fermeture' }, signal);

export const pharmacyChangesCsvUrl = (f: AreaFilter) =>
  apiUrl('/api/finess/changes.csv', { ...f, etablissements: 'officines', changement: 'ouverture,fermeture' });

// ---------------------------------------------------------------------------------------------------------------
// Nearby (/api/nearby) and guide (/api/guide)

/** Exactly one way to say where. */
export type NearbyTarget = { finess: string } | { lon: number; lat: number } | { commune: string };
export type Nearby = NearbyResponse;

export const getNearby = (t: NearbyTarget, signal?: AbortSignal) => getJson<Nearby>('/api/nearby', { ...t, k: 3 }, signal);

/** A structure of the guide, also read by rubrique id (each rubrique names a field of every structure). */
export type GuideStructure = GuideResponse['structures'][number] & { [rubrique: string]: string | string[] | undefined };

export type Guide = Omit<GuideResponse, 'structures'> & { structures: GuideStructure[] };

export const getGuide = (signal?: AbortSignal) => getJson<Guide>('/api/guide', undefined, signal);
