// Small shared pieces: loading/error/empty states, data sources, a sortable table.
import { useMemo, useState, type ReactNode } from 'react';
import type { ApiError, DataSource } from './api.js';
import { fmtDate } from './format.js';

/**
 * Keyboard for a tablist (WAI-ARIA tabs pattern): ← → move to and open the previous / next tab, Home and End the
 * first and last; only the open tab is in the Tab order (tabIndex from `tabIndexOf`).
 */
export function onTabKeys(e: React.KeyboardEvent<HTMLElement>): void {
  const tabs = [...e.currentTarget.querySelectorAll<HTMLElement>('[role="tab"]')];
  const i = tabs.indexOf(document.activeElement as HTMLElement);
  if (i < 0) return;
  const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
  if (next === undefined) return;
  e.preventDefault();
  const t = tabs[(next + tabs.length) % tabs.length]!;
  t.focus();
  t.click();
}

export const tabIndexOf = (selected: boolean) => (selected ? 0 : -1);

export function Loading({ what }: { what: string }) {
  return (
    <p className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Chargement {what}…
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: ApiError; retry?: () => void }) {
  return (
    <div className="state error" role="alert">
      <p>{error.message}</p>
      {retry && (error.status === 0 || error.status >= 500) && (
        <button type="button" onClick={retry}>
          Réessayer
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

/** Loading / error / content, in that order; content keeps showing while a reload runs. */
export function Async<T>({
  state,
  what,
  children,
}: {
  state: { data?: T; error?: ApiError; loading: boolean; reload?: () => void };
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (state.error) return <ErrorBox error={state.error} retry={state.reload} />;
  if (state.data === undefined) return state.loading ? <Loading what={what} /> : null;
  return (
    <div className={state.loading ? 'reloading' : undefined} aria-busy={state.loading}>
      {children(state.data)}
    </div>
  );
}

const KIND_LABEL: Record<string, string> = {
  communes: 'communes',
  finess: 'FINESS',
  cpts: 'CPTS',
  gp: 'médecins généralistes',
  zoning: 'zonage',
  memberships: 'adhésions',
};

/** The importer names a set of files « first … last (N files) »: said in French here. */
export const fileNames = (f: string) => f.replace(/\((\d+) files?\)/, (_m, n: string) => `(${n} fichiers)`);

export function Sources({ sources }: { sources?: DataSource[] }) {
  if (!sources?.length) return null;
  return (
    <p className="sources">
      Sources :{' '}
      {sources.map((s, i) => (
        <span key={s.type + s.fichier}>
          {i > 0 && ' · '}
          {KIND_LABEL[s.type] ?? s.type} — {fileNames(s.fichier)} (importé le {fmtDate(s.importeLe)})
        </span>
      ))}
    </p>
  );
}

export interface Column<T> {
  key: string;
  label: string;
  value: (row: T) => string | number | null | undefined;
  render?: (row: T) => ReactNode;
  numeric?: boolean;
}

/** A table sortable by clicking (or Enter/Space on) a column header; rows may be selectable. */
export function SortTable<T>({
  rows,
  columns,
  rowKey,
  initialSort,
  selected,
  onSelect,
  testId,
  caption,
  rowTestId = 'row',
}: {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  initialSort?: { key: string; desc?: boolean };
  selected?: string | null;
  onSelect?: (row: T) => void;
  testId: string;
  caption?: string;
  rowTestId?: string;
}) {
  const [sort, setSort] = useState(initialSort ?? { key: columns[0]!.key, desc: false });
  const sorted = useMemo(() => {
    const col = columns.find((c) => c.key === sort.key) ?? columns[0]!;
    const out = [...rows];
    out.sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'fr');
      return sort.desc ? -c : c;
    });
    return out;
  }, [rows, columns, sort]);
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => {
              const active = c.key === sort.key;
              return (
                <th key={c.key} className={c.numeric ? 'num' : undefined} aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                  <button
                    type="button"
                    className="sort"
                    onClick={() => setSort({ key: c.key, desc: active ? !sort.desc : !!c.numeric })}
                    title={`Trier par ${c.label.toLowerCase()}`}
                  >
                    {c.label}
                    <span aria-hidden="true">{active ? (sort.desc ? ' ▼' : ' ▲') : ''}</span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => {
            const k = rowKey(r);
            const isSel = selected === k;
            return (
              <tr
                key={k}
                data-testid={rowTestId}
                data-key={k}
                className={isSel ? 'selected' : onSelect ? 'selectable' : undefined}
                aria-selected={onSelect ? isSel : undefined}
                tabIndex={onSelect ? 0 : undefined}
                onClick={onSelect ? () => onSelect(r) : undefined}
                onKeyDown={
                  onSelect
                    ? (e) => {
                        if (e.key === 'Enter' || e.key === ' ') {
                          e.preventDefault();
                          onSelect(r);
                        }
                      }
                    : undefined
                }
              >
                {columns.map((c) => (
                  <td key={c.key} className={c.numeric ? 'num' : undefined}>
                    {c.render ? c.render(r) : (c.value(r) ?? '—')}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
