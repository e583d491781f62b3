// The view lives in the URL hash, as search parameters: `#j=ars&tab=overlaps&m=9/47.2/-1.55&sel=cpts:123`.
// A copied link reopens the same journey, tab, map view, selection and filters.
import { useCallback, useEffect, useState } from 'react';

export type Journey = 'ars' | 'urps' | 'pharmacien';
export const JOURNEYS: readonly Journey[] = ['ars', 'urps', 'pharmacien'];

function read(): URLSearchParams {
  return new URLSearchParams(window.location.hash.replace(/^#/, ''));
}

/** Search-parameter syntax, but `/ , : |` left readable (they are safe in a fragment). */
const readable = (p: URLSearchParams) => p.toString().replace(/%2F|%2C|%3A|%7C/gi, (m) => decodeURIComponent(m));

function write(p: URLSearchParams, replace: boolean): void {
  const hash = readable(p);
  const url = `${window.location.pathname}${window.location.search}${hash ? `#${hash}` : ''}`;
  if (url === `${window.location.pathname}${window.location.search}${window.location.hash}`) return;
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.dispatchEvent(new Event('app:hash'));
}

export type Patch = Record<string, string | number | null | undefined>;

/** Sets (or, with null/undefined/'', removes) parameters. Map moves replace the history entry; the rest push one. */
export function patchUrl(patch: Patch, replace = false): void {
  const p = read();
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === '') p.delete(k);
    else p.set(k, String(v));
  }
  write(p, replace);
}

/** The URL parameters, re-rendered on every change (back/forward included). */
export function useUrl(): [URLSearchParams, (patch: Patch, replace?: boolean) => void] {
  const [params, setParams] = useState(read);
  useEffect(() => {
    const on = () => setParams(read());
    window.addEventListener('hashchange', on);
    window.addEventListener('popstate', on);
    window.addEventListener('app:hash', on);
    return () => {
      window.removeEventListener('hashchange', on);
      window.removeEventListener('popstate', on);
      window.removeEventListener('app:hash', on);
    };
  }, []);
  const set = useCallback((patch: Patch, replace = false) => patchUrl(patch, replace), []);
  return [params, set];
}

export interface MapViewState {
  zoom: number;
  lat: number;
  lon: number;
}

/** `m=zoom/lat/lon`, as on openstreetmap.org. */
export function parseMapView(v: string | null): MapViewState | undefined {
  if (!v) return undefined;
  const [z, lat, lon] = v.split('/').map(Number);
  if ([z, lat, lon].some((x) => x === undefined || !Number.isFinite(x))) return undefined;
  return { zoom: z!, lat: lat!, lon: lon! };
}

/** The map view the URL holds now (`m=`), whatever the last render saw. */
export const currentUrlView = (): string | null => read().get('m');

export function formatMapView(v: MapViewState): string {
  return `${v.zoom.toFixed(2)}/${v.lat.toFixed(4)}/${v.lon.toFixed(4)}`;
}

/**
 * A selected item: `kind:id`, e.g. `cpts:440056653`, `commune:44109`, `pharmacie:440000123`, `point:-1.55,47.21`,
 * `paire:idA|idB` (two overlapping CPTS).
 */
export type SelKind = 'cpts' | 'commune' | 'structure' | 'pharmacie' | 'point' | 'paire';
export interface Selection {
  kind: SelKind;
  id: string;
}

export function parseSel(v: string | null): Selection | undefined {
  const m = v?.match(/^(cpts|commune|structure|pharmacie|point|paire):(.+)$/);
  return m ? { kind: m[1] as SelKind, id: m[2]! } : undefined;
}

export const formatSel = (s: Selection | undefined) => (s ? `${s.kind}:${s.id}` : null);
