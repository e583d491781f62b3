// The département / région filter shared by the journeys (`dep=` and `reg=` in the URL). The lists come from
// /api/coverage, so only the areas present in the database are offered.
import { getCoverage, useApi, type AreaFilter } from './api.js';
import { useUrl } from './url.js';

export function useArea(): AreaFilter {
  const [url] = useUrl();
  const departement = url.get('dep') ?? undefined;
  const region = url.get('reg') ?? undefined;
  return { ...(departement ? { departement } : {}), ...(region ? { region } : {}) };
}

export const areaKey = (a: AreaFilter) => `${a.departement ?? ''}|${a.region ?? ''}`;

export function AreaSelect() {
  const [url, setUrl] = useUrl();
  const areas = useApi('areas', (s) => getCoverage({}, s));
  const dep = url.get('dep') ?? '';
  const reg = url.get('reg') ?? '';
  const deps = areas.data?.departements ?? [];
  const regs = areas.data?.regions ?? [];
  return (
    <div className="filters" data-testid="area-filter">
      <label>
        Région
        <select value={reg} onChange={(e) => setUrl({ reg: e.target.value, dep: null, sel: null })} data-testid="filter-region">
          <option value="">Toutes</option>
          {regs.map((r) => (
            <option key={r.code} value={r.code}>
              {r.nom} ({r.code})
            </option>
          ))}
        </select>
      </label>
      <label>
        Département
        <select value={dep} onChange={(e) => setUrl({ dep: e.target.value, sel: null })} data-testid="filter-departement">
          <option value="">Tous</option>
          {deps.map((d) => (
            <option key={d.code} value={d.code}>
              {d.code} — {d.nom}
            </option>
          ))}
        </select>
      </label>
      {areas.error && <p className="state error">{areas.error.message}</p>}
    </div>
  );
}
