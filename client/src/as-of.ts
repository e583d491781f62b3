// « As of » a day (`date=` in the URL of the ARS planner): the analyses, the CPTS sheet and the CPTS tiles answer with
// the perimeters and statuses in force that day. Today, a day to come or a malformed value mean « today » (no
// parameter sent): a version never takes effect in the future (server/src/domain/versions.ts).
import { today } from '../../server/src/domain/versions.js';
import { useUrl } from './url.js';

export { today };

/** The day asked for when it is before today, else undefined (the present). */
export function asOfDate(url: URLSearchParams): string | undefined {
  const d = url.get('date');
  return url.get('j') === 'ars' && d && /^\d{4}-\d{2}-\d{2}$/.test(d) && d < today() ? d : undefined;
}

export function useAsOf(): string | undefined {
  const [url] = useUrl();
  return asOfDate(url);
}
