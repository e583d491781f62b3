// Search box over communes, CPTS, structures and pharmacies (/api/search), as an accessible combobox:
// ↑/↓ move, Enter opens, Escape closes.
import { useEffect, useId, useRef, useState } from 'react';
import { ApiError, search, type HitType, type SearchHit } from './api.js';
import { useMap } from './MapView.js';

export type SearchPick = SearchHit;

const KIND_LABEL: Record<HitType, string> = {
  commune: 'Commune',
  cpts: 'CPTS',
  structure: 'Structure',
  pharmacie: 'Officine',
};

export function SearchBox({
  onPick,
  types,
  placeholder = 'Commune, CPTS, officine, n° FINESS…',
  testId = 'search',
}: {
  onPick: (p: SearchPick) => void;
  /** Only these kinds of results (all by default). */
  types?: HitType[];
  placeholder?: string;
  testId?: string;
}) {
  const ctl = useMap();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<SearchHit[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [status, setStatus] = useState<'idle' | 'loading' | 'error' | 'done'>('idle');
  const [error, setError] = useState('');
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  // the kinds wanted, as a value (a new array each render must not start a new search)
  const typesKey = types?.join(',') ?? '';

  useEffect(() => {
    const term = q.trim();
    if (term.length < 2) {
      setResults([]);
      setStatus('idle');
      return;
    }
    const ac = new AbortController();
    const t = setTimeout(() => {
      setStatus('loading');
      search(term, ac.signal).then(
        (all) => {
          const r = typesKey ? all.filter((h) => typesKey.split(',').includes(h.type)) : all;
          setResults(r);
          setActive(r.length ? 0 : -1);
          setStatus('done');
        },
        (e: unknown) => {
          if (ac.signal.aborted) return;
          setError(e instanceof ApiError ? e.message : 'La recherche a échoué.');
          setStatus('error');
        },
      );
    }, 200);
    return () => {
      clearTimeout(t);
      ac.abort();
    };
  }, [q, typesKey]);

  const choose = (r: SearchHit) => {
    setOpen(false);
    setQ(r.libelle);
    if (ctl) {
      if (r.emprise) ctl.fitBounds(r.emprise, r.type === 'commune' ? 12 : 11);
      else if (r.point) ctl.flyTo(r.point.lon, r.point.lat, 13);
    }
    onPick(r);
  };

  const showList = open && q.trim().length >= 2 && status !== 'idle';
  return (
    <div className="search" role="search" aria-label={testId === 'search' ? 'Recherche générale' : `Recherche : ${placeholder.replace('…', '').toLowerCase()}`}>
      <label htmlFor={`${id}-input`} className="visually-hidden">
        {placeholder.replace('…', '')}
      </label>
      <input
        id={`${id}-input`}
        ref={input}
        type="search"
        role="combobox"
        aria-expanded={showList}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={showList && active >= 0 ? `${id}-opt-${active}` : undefined}
        placeholder={placeholder}
        autoComplete="off"
        value={q}
        data-testid={`${testId}-input`}
        onChange={(e) => {
          setQ(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            if (open) setOpen(false);
            else setQ('');
            e.preventDefault();
          } else if (e.key === 'ArrowDown') {
            setOpen(true);
            setActive((a) => Math.min(results.length - 1, a + 1));
            e.preventDefault();
          } else if (e.key === 'ArrowUp') {
            setActive((a) => Math.max(0, a - 1));
            e.preventDefault();
          } else if (e.key === 'Enter') {
            const r = results[active];
            if (showList && r) {
              choose(r);
              e.preventDefault();
            }
          }
        }}
      />
      {showList && (
        <ul id={`${id}-list`} role="listbox" className="search-list" data-testid={`${testId}-results`} aria-label="Résultats">
          {status === 'loading' && results.length === 0 && <li className="search-state">Recherche…</li>}
          {status === 'error' && <li className="search-state error">{error}</li>}
          {status === 'done' && results.length === 0 && <li className="search-state">Aucun résultat pour « {q.trim()} ».</li>}
          {results.map((r, i) => (
            <li
              key={`${r.type}:${r.id}`}
              id={`${id}-opt-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              data-testid={`${testId}-result`}
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => setActive(i)}
              onClick={() => choose(r)}
            >
              <span className="search-label">{r.libelle}</span>
              <span className={`search-detail tag-${r.type}`}>{r.sousLibelle || KIND_LABEL[r.type]}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
