// Overlap matrix: every pair of CPTS sharing communes, as a sortable table. A row selects the pair: the map
// fits both CPTS and highlights the shared communes.
import { useEffect, useState } from 'react';
import { apiUrl, getOverlaps, useApi, type OverlapPair } from '../api.js';
import { areaKey, BassinFilter, useArea, useBassin } from '../Area.js';
import { fmtDec, fmtInt, plural } from '../format.js';
import { cptsCommuneOutlines, frame } from '../frame.js';
import { pointInside } from '../geometry.js';
import { PAIR_STYLE } from '../map.js';
import { useMap } from '../MapView.js';
import { refreshMap } from '../refresh-map.js';
import { DECISION_LIBELLES, DECISIONS, PERIMETRE_LIBELLES, type Decision } from '../../../server/src/domain/vocabulary.js';
import { Conciliation } from './Conciliation.js';
import { Async, Empty, Sources, SortTable, type Column } from '../ui.js';
import { parseSel, useUrl } from '../url.js';

const pairKey = (p: OverlapPair) => `${p.a.id}|${p.b.id}`;

const Side = ({ s }: { s: OverlapPair['a'] }) => (
  <>
    {s.nom}
    {s.perimetre !== 'officiel' && (
      <span className="badge-warn" title={PERIMETRE_LIBELLES[s.perimetre]}>
        {s.perimetre}
      </span>
    )}
  </>
);

const COLUMNS: Column<OverlapPair>[] = [
  { key: 'a', label: `CPTS A (${PAIR_STYLE.a.name})`, value: (p) => p.a.nom, render: (p) => <Side s={p.a} /> },
  { key: 'b', label: `CPTS B (${PAIR_STYLE.b.name})`, value: (p) => p.b.nom, render: (p) => <Side s={p.b} /> },
  // short labels and unbreakable « 14,2 % »: the six columns fit the panel (the paragraph above spells them out)
  {
    key: 'n',
    label: 'Comm.',
    value: (p) => p.nbCommunes,
    numeric: true,
    render: (p) => (
      <>
        {fmtInt(p.nbCommunes)}
        {p.nbCommunesPartageesSansDecoupage > 0 && (
          <span className="badge-warn" title={p.communes.find((c) => c.libelle)?.libelle ?? undefined} data-testid="shared-without-split">
            entière{p.nbCommunesPartageesSansDecoupage > 1 ? 's' : ''}
          </span>
        )}
      </>
    ),
  },
  { key: 'pop', label: 'Hab.', value: (p) => p.population, numeric: true, render: (p) => fmtInt(p.population) },
  {
    key: 'pa',
    label: '% A',
    value: (p) => p.a.partEnLitigePct,
    numeric: true,
    render: (p) => (p.a.partEnLitigePct === null ? '—' : `${fmtDec(p.a.partEnLitigePct)}\u00a0%`),
  },
  {
    key: 'pb',
    label: '% B',
    value: (p) => p.b.partEnLitigePct,
    numeric: true,
    render: (p) => (p.b.partEnLitigePct === null ? '—' : `${fmtDec(p.b.partEnLitigePct)}\u00a0%`),
  },
  {
    key: 'decision',
    label: 'Décision',
    value: (p) => DECISIONS.indexOf(p.decision.decision),
    render: (p) => (
      <span className={`decision decision-${p.decision.decision}`} data-testid="overlap-decision">
        {p.decision.libelle}
      </span>
    ),
  },
];

export function Overlaps() {
  const area = useArea();
  const bassinVie = useBassin();
  const [url, setUrl] = useUrl();
  const ctl = useMap();
  const [decision, setDecision] = useState<Decision | ''>('');
  const [notice, setNotice] = useState<string>();
  const query = { ...area, bassinVie, decision: decision || undefined };
  const state = useApi(`overlaps:${areaKey(area)}:${bassinVie ?? ''}:${decision}`, (s) => getOverlaps(query, s));
  const sel = parseSel(url.get('sel'));
  const selected = sel?.kind === 'paire' ? state.data?.paires.find((p) => pairKey(p) === sel.id) : undefined;

  useEffect(() => {
    if (!ctl || !selected) return;
    const ac = new AbortController();
    ctl.highlightCommunes(selected.communes.map((c) => c.code));
    ctl.highlightPair(selected.a.id, selected.b.id);
    cptsCommuneOutlines([selected.a, selected.b], ac.signal).then(([a = [], b = []]) => {
      frame(ctl, [...a, ...b].map((f) => f.geometry), [], ac.signal);
      if (ac.signal.aborted) return;
      // each letter in the part of its CPTS the other does not share: the two stand apart
      const shared = new Set(selected.communes.map((c) => c.code));
      const [at, bt] = [pointInside(a, shared), pointInside(b, shared)];
      if (at && bt) ctl.labelPair({ a: { nom: selected.a.nom, ...at }, b: { nom: selected.b.nom, ...bt } });
    }, () => {});
    return () => {
      ac.abort();
      ctl.highlightCommunes([]);
      ctl.highlightPair(null, null);
      ctl.labelPair(null);
    };
  }, [ctl, selected]);

  return (
    <div className="overlaps">
    <BassinFilter>
      <label>
        Décision
        <select value={decision} onChange={(e) => setDecision(e.target.value as Decision | '')} data-testid="decision-filter">
          <option value="">toutes</option>
          {DECISIONS.map((d) => (
            <option key={d} value={d}>
              {DECISION_LIBELLES[d]}
            </option>
          ))}
        </select>
      </label>
    </BassinFilter>
    {notice && (
      <p className="state ok" role="status" data-testid="conciliation-notice">
        {notice}
      </p>
    )}
    <Async state={state} what="des chevauchements">
      {(d) => (
        <>
          {d.nombre === 0 ? (
            <Empty>Aucune paire de CPTS ne partage de commune sur ce territoire : rien à arbitrer.</Empty>
          ) : (
            <p data-testid="overlaps-count" data-count={d.nombre}>
              <strong>{fmtInt(d.nombre)}</strong> paire{d.nombre > 1 ? 's' : ''} de CPTS partage{d.nombre > 1 ? 'nt' : ''} au moins une commune.
            </p>
          )}
          {d.nombre > 0 && (
            <>
              <p className="muted">
                Communes et habitants partagés par la paire ; % A, % B : part de la population de chaque CPTS dans ces communes. Cliquez sur une
                ligne (ou sur une zone hachurée de la carte) pour cadrer la paire.
              </p>
              <SortTable
                rows={d.paires}
                columns={COLUMNS}
                rowKey={pairKey}
                initialSort={{ key: 'pop', desc: true }}
                selected={selected ? pairKey(selected) : null}
                onSelect={(p) => setUrl({ sel: `paire:${pairKey(p)}` })}
                testId="overlaps-table"
                rowTestId="overlap-row"
              />
            </>
          )}
          {selected && (
            <section className="detail" data-testid="overlap-detail">
              <h3>
                {selected.a.nom} × {selected.b.nom}
              </h3>
              <ul className="classes" data-testid="pair-key">
                {(['a', 'b'] as const).map((k) => (
                  <li key={k}>
                    <span className={`sw sw-line pair-${k}`} aria-hidden="true" />
                    {k.toUpperCase()} : {selected[k].nom}, {PAIR_STYLE[k].name} sur la carte
                  </li>
                ))}
              </ul>
              <p>
                {plural(selected.nbCommunes, 'commune partagée', 'communes partagées')}, {fmtInt(selected.population)} habitants, {fmtDec(selected.superficieKm2)} km².
              </p>
              {(selected.a.perimetre !== 'officiel' || selected.b.perimetre !== 'officiel') && (
                <p className="warn">Au moins un des deux périmètres n’est pas officiel : chevauchement à confirmer avec les périmètres de l’ARS.</p>
              )}
              <ul className="plain">
                {selected.communes.map((c) => (
                  <li key={c.code}>
                    {c.nom} ({c.code}) — {fmtInt(c.population)} hab.
                    {c.libelle && (
                      <span className="badge-warn" data-testid="commune-shared-label">
                        {c.libelle}
                      </span>
                    )}
                  </li>
                ))}
              </ul>
              <p className="muted" data-testid="overlap-attribution">
                Sources des périmètres : {[...new Set([selected.a.attribution, selected.b.attribution])].join(' ; ')}
              </p>
              <Conciliation
                pair={selected}
                onChange={(n) => {
                  setNotice(n);
                  state.reload();
                  refreshMap(ctl);
                }}
              />
              <div className="actions">
                <button type="button" className="secondary" onClick={() => setUrl({ tab: 'cpts', sel: `cpts:${selected.a.id}` })}>
                  Fiche de {selected.a.nom}
                </button>
                <button type="button" className="secondary" onClick={() => setUrl({ tab: 'cpts', sel: `cpts:${selected.b.id}` })}>
                  Fiche de {selected.b.nom}
                </button>
              </div>
            </section>
          )}
          <div className="actions">
            <a className="button secondary" href={apiUrl('/api/overlaps.csv', query)} download data-testid="overlaps-csv">
              Télécharger le tableau (CSV)
            </a>
          </div>
          <Sources sources={d.sources} />
        </>
      )}
    </Async>
    </div>
  );
}
