// Search box over communes, CPTS, structures and pharmacies (/api/search), as an accessible combobox:
// ↑/↓ move, Enter opens, Escape closes.
import { useEffect, useId, useRef, useState } from 'react';
import { searchAll, type SearchResult, ApiError } from './api.js';
import { useMap } from './MapView.js';

export interface SearchPick {
  kind: SearchResult['kind'];
  id: string;
}

const KIND_LABEL: Record<SearchResult['kind'], string> = {
  commune: 'Commune',
  cpts: 'CPTS',
  structure: 'Structure',
  pharmacie: 'Officine',
};

export function SearchBox({ onPick }: { onPick: (p: SearchPick) => void }) {
  const ctl = useMap();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<SearchResult[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [status, setStatus] = useState<'idle' | 'loading' | 'error' | 'done'>('idle');
  const [error, setError] = useState('');
  const id = useId();
  const input = useRef<HTMLInputElement>(null);

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
      searchAll(term, ac.signal).then(
        (r) => {
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
  }, [q]);

  const choose = (r: SearchResult) => {
    setOpen(false);
    setQ(r.label);
    if (ctl) {
      if (r.bbox) ctl.fitBounds(r.bbox, r.kind === 'commune' ? 12 : 11);
      else if (r.lon !== undefined && r.lat !== undefined) ctl.flyTo(r.lon, r.lat, 13);
    }
    onPick({ kind: r.kind, id: r.id });
  };

  const showList = open && q.trim().length >= 2 && status !== 'idle';
  return (
    <div className="search" role="search">
      <label htmlFor={`${id}-input`} className="visually-hidden">
        Rechercher une commune, une CPTS, une structure ou une officine
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
        placeholder="Commune, CPTS, officine, n° FINESS…"
        autoComplete="off"
        value={q}
        data-testid="search-input"
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
        <ul id={`${id}-list`} role="listbox" className="search-list" data-testid="search-results" aria-label="Résultats">
          {status === 'loading' && results.length === 0 && <li className="search-state">Recherche…</li>}
          {status === 'error' && <li className="search-state error">{error}</li>}
          {status === 'done' && results.length === 0 && <li className="search-state">Aucun résultat pour « {q.trim()} ».</li>}
          {results.map((r, i) => (
            <li
              key={`${r.kind}:${r.id}`}
              id={`${id}-opt-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              data-testid="search-result"
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => setActive(i)}
              onClick={() => choose(r)}
            >
              <span className={`tag tag-${r.kind}`}>{KIND_LABEL[r.kind]}</span>
              <span className="search-label">{r.label}</span>
              {r.detail && <span className="search-detail">{r.detail}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
