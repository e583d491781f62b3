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
// Search (/api/search)

export interface SearchResult {
  kind: 'commune' | 'cpts' | 'structure' | 'pharmacie';
  id: string;
  label: string;
  detail?: string;
  lon?: number;
  lat?: number;
  bbox?: [number, number, number, number];
}

export async function searchAll(q: string, signal?: AbortSignal): Promise<SearchResult[]> {
  const r = await getJson<{ results: SearchResult[] }>('/api/search', { q }, signal);
  return r.results;
}

