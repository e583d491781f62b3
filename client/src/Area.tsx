// The département / région filter shared by the journeys (`dep=` and `reg=` in the URL). The lists come from
// /api/coverage, so only the areas present in the database are offered.
import { useEffect, useState, type ReactNode } from 'react';
import { getCoverage, useApi, type AreaFilter } from './api.js';
import { asOfDate } from './as-of.js';
import { useUrl } from './url.js';

/** An INSEE code of a commune or of a bassin de vie (its main commune's). */
export const INSEE_CODE = /^(\d{5}|2[AB]\d{3})$/;

/** The bassin de vie filter (`bassinVie=` in the URL), when well formed. */
export function useBassin(): string | undefined {
  const [url] = useUrl();
  const v = url.get('bassinVie')?.trim().toUpperCase();
  return v && INSEE_CODE.test(v) ? v : undefined;
}

/** The bassin de vie filter of the ARS lists (overlaps, white zones). */
/** The bassin de vie filter, with the journey's own filters (children) beside it on its row. */
export function BassinFilter({ children }: { children?: ReactNode }) {
  const [url, setUrl] = useUrl();
  return (
    <div className="filters">
      <CodeFilter
        label="Bassin de vie (code INSEE)"
        value={url.get('bassinVie') ?? ''}
        placeholder="ex. 44109"
        testId="filter-bassin"
        re={INSEE_CODE}
        onSet={(v) => setUrl({ bassinVie: v, sel: null })}
      />
      {children}
    </div>
  );
}


/** The area filter, and the day the ARS planner looks at (absent: today). */
export function useArea(): AreaFilter {
  const [url] = useUrl();
  const departement = url.get('dep') ?? undefined;
  const region = url.get('reg') ?? undefined;
  const date = asOfDate(url);
  return { ...(departement ? { departement } : {}), ...(region ? { region } : {}), ...(date ? { date } : {}) };
}

export const areaKey = (a: AreaFilter) => `${a.departement ?? ''}|${a.region ?? ''}|${a.date ?? ''}`;

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

/** A code typed by the user, applied on Enter or when leaving the field, if well formed. */
export function CodeFilter(p: { label: string; value: string; placeholder: string; testId: string; re: RegExp; onSet: (v: string | null) => void }) {
  const [v, setV] = useState(p.value);
  useEffect(() => setV(p.value), [p.value]);
  const apply = () => {
    const t = v.trim().toUpperCase();
    if (t === p.value) return;
    if (!t) p.onSet(null);
    else if (p.re.test(t)) p.onSet(t);
  };
  const bad = v.trim() !== '' && !p.re.test(v.trim().toUpperCase());
  return (
    <label>
      {p.label}
      <input
        type="search"
        value={v}
        onChange={(e) => setV(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && apply()}
        onBlur={apply}
        placeholder={p.placeholder}
        aria-invalid={bad}
        data-testid={p.testId}
      />
      {bad && <span className="warn">Code mal formé</span>}
    </label>
  );
}
