// URPS pharmaciens: pharmacies by coordinated-care status, filtered, counted, exported as CSV; the list and the
// map stay in step (a row flies the map to the pharmacy, a point on the map selects its row).
import { useEffect, useRef, useState } from 'react';
import {
  listCpts,
  listPharmacies,
  pharmaciesCsvUrl,
  pharmacyChanges,
  pharmacyChangesCsvUrl,
  useApi,
  type AreaFilter,
  type PharmacyFilters,
  type PharmacyRow,
  type PharmacyStatus,
  type ZoningFilter,
} from '../api.js';
import { AreaSelect, areaKey, CodeFilter, INSEE_CODE, useArea } from '../Area.js';
import { fmtInt, fmtKm } from '../format.js';
import { bboxOf } from '../geometry.js';
import { P, PHARMACY_STATUSES } from '../map.js';
import { useMap, useMapClick } from '../MapView.js';
import { showPopup } from '../popup.js';
import { refreshMap } from '../refresh-map.js';
import { Async, Empty, Sources } from '../ui.js';
import {
  fullAddress,
  PHARMACY_STATUSES as PHARMACY_STATUS_CODES,
  RECRUTEMENT_ETATS,
  ZONING_FILTER_LIBELLES,
  ZONING_FILTERS,
  zoneLibelle,
  type RecrutementEtat,
} from '../../../server/src/domain/vocabulary.js';
import { useSession } from '../session.js';
import { parseSel, useUrl } from '../url.js';
import { etatLabel, RecruitmentSection } from './Recruitment.js';

const PAGE = 1000;
const STATUS_IDS: readonly PharmacyStatus[] = PHARMACY_STATUS_CODES;
const ZONINGS = ZONING_FILTERS.map((id) => ({ id, label: ZONING_FILTER_LIBELLES[id] }));
const statusLabel = (s: string) => PHARMACY_STATUSES.find((x) => x.id === s)?.label ?? s;
const statusColor = (s: string) => PHARMACY_STATUSES.find((x) => x.id === s)?.color ?? '#999';

/** The statuses chosen (URL `statut`, comma-separated), in the list's order. */
const parseStatuses = (v: string | null): PharmacyStatus[] => {
  const asked = new Set((v ?? '').split(','));
  return STATUS_IDS.filter((s) => asked.has(s));
};

/** The recruitment states chosen (URL `recrutement`), in the vocabulary's order. */
const parseEtats = (v: string | null): RecrutementEtat[] => {
  const asked = new Set((v ?? '').split(','));
  return RECRUTEMENT_ETATS.filter((s) => asked.has(s));
};

/** Code filters typed by the user: kept only when well formed (the server would refuse them). */
const CODE_FILTERS = [
  { key: 'commune', label: 'Commune (code INSEE)', re: INSEE_CODE, placeholder: 'ex. 44109', testId: 'filter-commune' },
  { key: 'epci', label: 'EPCI (SIREN)', re: /^\d{9}$/, placeholder: 'ex. 244400404', testId: 'filter-epci' },
  { key: 'bassinVie', label: 'Bassin de vie (code INSEE)', re: INSEE_CODE, placeholder: 'ex. 44109', testId: 'filter-bassin' },
] as const;

function useFilters(): PharmacyFilters {
  const [url] = useUrl();
  const area = useArea();
  const { user } = useSession();
  const f: PharmacyFilters = { ...area };
  const etats = parseEtats(url.get('recrutement'));
  if (user && etats.length) f.recrutement = etats.join(',');
  const cpts = url.get('cpts');
  const statuses = parseStatuses(url.get('statut'));
  const zoning = url.get('zonage') as ZoningFilter | null;
  const q = url.get('q');
  if (cpts) f.cpts = cpts;
  if (statuses.length) f.statut = statuses.join(',');
  if (zoning && ZONINGS.some((z) => z.id === zoning)) f.zonage = zoning;
  if (q && q.trim().length >= 2) f.q = q.trim();
  if (url.get('probable') === '1') f.adhesionProbable = true;
  for (const c of CODE_FILTERS) {
    const v = url.get(c.key)?.trim().toUpperCase();
    if (v && c.re.test(v)) f[c.key] = v;
  }
  if (url.get('tri') === 'nom') f.tri = 'nom';
  return f;
}

export function UrpsPanel() {
  const [url, setUrl] = useUrl();
  const ctl = useMap();
  const area = useArea();
  const f = useFilters();
  const [offset, setOffset] = useState(0);
  const { user } = useSession();
  const fKey = JSON.stringify(f);
  useEffect(() => setOffset(0), [fKey]);
  // who is signed in changes the answer (the recruitment of their région): part of the key
  const state = useApi(user === undefined ? null : `pharmacies:${fKey}:${offset}:${user?.id ?? ''}`, (s) => listPharmacies({ ...f, limit: PAGE, offset }, s));
  const cptsList = useApi(`cpts:${areaKey(area)}`, (s) => listCpts(area, s));
  const sel = parseSel(url.get('sel'));
  const selId = sel?.kind === 'pharmacie' ? sel.id : null;
  const rows = state.data?.officines;
  const selected = rows?.find((r) => r.finess === selId);
  const [q, setQ] = useState(url.get('q') ?? '');

  // the map shows the pharmacies of the list, and rings the selected one
  useEffect(() => {
    if (!ctl || !rows) return;
    ctl.setPharmacyFilter(rows.map((r) => r.finess));
  }, [ctl, rows]);
  useEffect(() => () => ctl?.setPharmacyFilter(null), [ctl]);
  // a new filter frames its pharmacies (a row or map selection does not)
  const framed = useRef('');
  useEffect(() => {
    if (!ctl || !rows || framed.current === fKey) return;
    framed.current = fKey;
    if (fKey === '{}') return;
    const b = bboxOf([{ type: 'MultiPoint', coordinates: rows.flatMap((r) => (r.position ? [[r.position.lon, r.position.lat]] : [])) }]);
    if (b) ctl.fitBounds([b[0] - 0.01, b[1] - 0.01, b[2] + 0.01, b[3] + 0.01], 12);
  }, [ctl, rows, fKey]);
  useEffect(() => {
    if (!ctl) return;
    ctl.highlightPharmacies(selId ? [selId] : []);
    return () => ctl.highlightPharmacies([]);
  }, [ctl, selId]);

  // a row chosen in the list: fly there; a point chosen on the map: bring its row into view
  const fromMap = useRef(false);
  useEffect(() => {
    if (!selected) return;
    if (fromMap.current) {
      fromMap.current = false;
      const row = document.querySelector<HTMLElement>(`[data-testid="pharmacy-row"][data-key="${selected.finess}"]`);
      if (row) revealRow(row);
    } else if (ctl && selected.position) ctl.flyAround(selected.position.lon, selected.position.lat);
  }, [ctl, selected]);

  useMapClick((ll, pick, all) => {
    if (pick?.layer === 'pharmacies') {
      fromMap.current = true;
      setUrl({ sel: `pharmacie:${String(pick.properties[P.pharmacyId])}` });
    } else if (ctl) showPopup(ctl, ll, pick, all);
  });

  const setFilter = (k: string, v: string | null) => setUrl({ [k]: v, sel: null });
  const statuses = parseStatuses(url.get('statut'));
  const etats = parseEtats(url.get('recrutement'));

  return (
    <div className="journey" data-testid="journey-urps-panel">
      <h1>URPS pharmaciens</h1>
      <p className="muted">Officines selon leur participation à l’exercice coordonné.</p>
      <AreaSelect />
      <div className="filters">
        <label>
          CPTS
          <select value={f.cpts ?? ''} onChange={(e) => setFilter('cpts', e.target.value || null)} data-testid="filter-cpts">
            <option value="">Toutes</option>
            {cptsList.data?.cpts.map((c) => (
              <option key={c.id} value={c.id}>
                {c.nom}
              </option>
            ))}
          </select>
        </label>
        <label>
          Zonage médecins (ARS)
          <select value={f.zonage ?? ''} onChange={(e) => setFilter('zonage', e.target.value || null)} data-testid="filter-zoning">
            <option value="">Tous</option>
            {ZONINGS.map((z) => (
              <option key={z.id} value={z.id}>
                {z.label}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="status-choice" data-testid="filter-status">
          <legend>Statuts (un ou plusieurs)</legend>
          {STATUS_IDS.map((s) => (
            <label key={s} className="inline">
              <input
                type="checkbox"
                value={s}
                checked={statuses.includes(s)}
                onChange={() => setFilter('statut', toggle(statuses, s).join(',') || null)}
                data-testid={`filter-status-${s}`}
              />
              {statusLabel(s)}
            </label>
          ))}
        </fieldset>
        {user && (
          <fieldset className="status-choice" data-testid="filter-recruitment">
            <legend>Recrutement (réservé à votre région)</legend>
            {RECRUTEMENT_ETATS.map((s) => (
              <label key={s} className="inline">
                <input
                  type="checkbox"
                  value={s}
                  checked={etats.includes(s)}
                  onChange={() => setFilter('recrutement', RECRUTEMENT_ETATS.filter((x) => (x === s) !== etats.includes(x)).join(',') || null)}
                  data-testid={`filter-recruitment-${s}`}
                />
                {etatLabel(s)}
              </label>
            ))}
          </fieldset>
        )}
        <label>
          Nom de l’officine
          <input
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && setFilter('q', q.trim() || null)}
            onBlur={() => q.trim() !== (f.q ?? '') && setFilter('q', q.trim().length >= 2 ? q.trim() : null)}
            placeholder="2 lettres au moins, Entrée"
            data-testid="filter-name"
          />
        </label>
        {CODE_FILTERS.map((c) => (
          <CodeFilter key={c.key} label={c.label} value={url.get(c.key) ?? ''} placeholder={c.placeholder} testId={c.testId} re={c.re}
            onSet={(v) => setFilter(c.key, v)} />
        ))}
        <label className="inline">
          <input
            type="checkbox"
            checked={f.adhesionProbable === true}
            onChange={(e) => setFilter('probable', e.target.checked ? '1' : null)}
            data-testid="filter-probable"
          />
          Seulement « adhésion probable »
        </label>
        <label>
          Trier par
          <select value={f.tri ?? 'commune'} onChange={(e) => setFilter('tri', e.target.value === 'nom' ? 'nom' : null)} data-testid="sort">
            <option value="commune">commune, puis nom</option>
            <option value="nom">nom de l’officine</option>
          </select>
        </label>
      </div>

      <Async state={state} what="des officines">
        {(d) => (
          <>
            <ul className="counts" data-testid="pharmacy-counts" aria-label="Nombre d’officines par statut">
              {STATUS_IDS.filter((s) => s !== 'commune-inconnue' || d.parStatut[s] > 0).map((s) => (
                <li key={s} data-testid={`count-${s}`} data-count={d.parStatut[s]}>
                  <span className="sw sw-dot" style={{ background: statusColor(s) }} aria-hidden="true" />
                  <button
                    type="button"
                    className="link"
                    aria-pressed={statuses.includes(s)}
                    onClick={() => setFilter('statut', toggle(statuses, s).join(',') || null)}
                    title={statuses.includes(s) ? 'Retirer ce statut du filtre' : 'Ajouter ce statut au filtre'}
                  >
                    {statusLabel(s)} : <strong>{fmtInt(d.parStatut[s])}</strong>
                  </button>
                </li>
              ))}
            </ul>
            <div className="actions">
              <span data-testid="pharmacy-total" data-count={d.total}>
                <strong>{fmtInt(d.total)}</strong> officine{d.total > 1 ? 's' : ''}
              </span>
              <a className="button secondary" href={pharmaciesCsvUrl(f)} download data-testid="pharmacies-csv">
                Exporter en CSV
              </a>
            </div>
            <p className="muted">{d.avertissement}</p>
            {d.total === 0 ? (
              <Empty>Aucune officine ne correspond à ces filtres.</Empty>
            ) : (
              <PharmacyTable rows={d.officines} selected={selId} onSelect={(r) => setUrl({ sel: `pharmacie:${r.finess}` })} />
            )}
            {d.total > PAGE && (
              <div className="actions pager">
                <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                  ← Précédentes
                </button>
                <span>
                  {fmtInt(offset + 1)}–{fmtInt(offset + d.officines.length)} sur {fmtInt(d.total)} (la carte montre cette page)
                </span>
                <button type="button" className="secondary" disabled={offset + PAGE >= d.total} onClick={() => setOffset(offset + PAGE)}>
                  Suivantes →
                </button>
              </div>
            )}
            {selId && !selected && <p className="muted">L’officine choisie n’est pas dans cette liste (filtres ou page).</p>}
            {selected && (
              <PharmacyDetail
                p={selected}
                onRecorded={() => {
                  state.reload();
                  refreshMap(ctl);
                }}
              />
            )}
            <Sources sources={d.sources} />
          </>
        )}
      </Async>
      <PharmacyChanges area={area} />
    </div>
  );
}

const toggle = (xs: PharmacyStatus[], x: PharmacyStatus) => (xs.includes(x) ? xs.filter((y) => y !== x) : STATUS_IDS.filter((y) => y === x || xs.includes(y)));

/** « Nouvelles officines » and « officines fermées » since the previous FINESS stock, in the area chosen. */
function PharmacyChanges({ area }: { area: AreaFilter }) {
  const state = useApi(`finess-changes:${areaKey(area)}`, (s) => pharmacyChanges(area, s));
  return (
    <section data-testid="pharmacy-changes">
      <h2>Depuis le stock FINESS précédent</h2>
      <Async state={state} what="des changements FINESS">
        {(d) =>
          !d.stockPrecedent ? (
            <p className="muted" data-testid="changes-none">
              Un seul stock FINESS chargé{d.stock ? ` (${d.stock.date})` : ''} : les ouvertures et fermetures seront connues au prochain stock importé.
            </p>
          ) : (
            <>
              <p className="muted">
                Stock du {d.stock?.date} comparé à celui du {d.stockPrecedent.date}.{' '}
                <a href={pharmacyChangesCsvUrl(area)} download data-testid="changes-csv">
                  Exporter en CSV
                </a>
              </p>
              {(['ouverture', 'fermeture'] as const).map((k) => {
                const rows = d.changements.filter((c) => c.changement === k);
                return (
                  <div key={k} data-testid={k === 'ouverture' ? 'changes-opened' : 'changes-closed'} data-count={rows.length}>
                    <h3>
                      {k === 'ouverture' ? 'Nouvelles officines' : 'Officines fermées'} : {fmtInt(rows.length)}
                    </h3>
                    {rows.length === 0 ? (
                      <p className="muted">Aucune.</p>
                    ) : (
                      <ul className="plain">
                        {rows.map((c) => (
                          <li key={c.finess} data-testid="change-row" data-key={c.finess}>
                            {c.nom ?? c.finess} — {c.commune.nom ?? c.commune.code ?? 'commune inconnue'} <span className="muted">FINESS {c.finess}</span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </div>
                );
              })}
            </>
          )
        }
      </Async>
    </section>
  );
}

function PharmacyTable({ rows, selected, onSelect }: { rows: PharmacyRow[]; selected: string | null; onSelect: (r: PharmacyRow) => void }) {
  // plain table (not SortTable): the server's order (commune, name) is kept and 1,000 rows stay light
  const recruitment = rows.some((r) => r.recrutement);
  return (
    <div className="table-wrap">
      <table data-testid="pharmacies-table">
        <thead>
          <tr>
            <th>Officine</th>
            <th>Commune</th>
            <th>Statut</th>
            <th className="num" title="Structure la plus proche que l’officine peut rejoindre (MSP, ESP, centre de santé médical)">Distance structure</th>
            {recruitment && <th>Recrutement</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={r.finess}
              data-testid="pharmacy-row"
              data-key={r.finess}
              className={r.finess === selected ? 'selected' : 'selectable'}
              aria-selected={r.finess === selected}
              tabIndex={0}
              onClick={() => onSelect(r)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  onSelect(r);
                }
              }}
            >
              <td>{r.nom}</td>
              <td>{r.commune.nom ?? r.commune.code}</td>
              <td>
                <span className="sw sw-dot" style={{ background: statusColor(r.statut) }} aria-hidden="true" />
                {PHARMACY_STATUSES.find((x) => x.id === r.statut)?.short ?? r.statut}
                {r.adhesionProbable && <span className="badge-warn" title="MSP ou centre de santé tout proche : adhésion à vérifier">probable ?</span>}
              </td>
              <td className="num">{r.mspCspLaPlusProche ? fmtKm(r.mspCspLaPlusProche.distanceM) : '—'}</td>
              {recruitment && <td data-testid="pharmacy-recruitment">{r.recrutement ? etatLabel(r.recrutement.etat) : '—'}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PharmacyDetail({ p, onRecorded }: { p: PharmacyRow; onRecorded: () => void }) {
  const [, setUrl] = useUrl();
  return (
    <section className="detail" data-testid="pharmacy-detail">
      <h3>{p.nom}</h3>
      <p className="muted">
        FINESS {p.finess} · {fullAddress(p.adresse, p.codePostal, p.commune.nom)}
        {p.telephone && <> · tél. {p.telephone}</>}
      </p>
      <dl className="kv">
        <dt>Statut</dt>
        <dd>{statusLabel(p.statut)}</dd>
        <dt>Adhésions</dt>
        <dd>
          {p.adhesions.length
            ? p.adhesions.map((a) => `${a.nom ?? a.id} (${a.type.toUpperCase()}${a.fermee ? ', structure fermée depuis l’adhésion' : ''})`).join(', ')
            : 'aucune connue'}
        </dd>
        <dt>CPTS de la commune</dt>
        <dd>{p.cpts.length ? p.cpts.map((c) => c.nom + (c.perimetre !== 'officiel' ? ` (${c.perimetre})` : '')).join(', ') : 'aucune'}</dd>
        <dt>Structure la plus proche (MSP, ESP, centre médical)</dt>
        <dd>{p.mspCspLaPlusProche ? `${p.mspCspLaPlusProche.nom} (${p.mspCspLaPlusProche.type.toUpperCase()}), ${fmtKm(p.mspCspLaPlusProche.distanceM)}` : '—'}</dd>
        <dt>Zonage</dt>
        <dd>{p.zonage ? zoneLibelle(p.zonage) : 'non renseigné'}</dd>
        <dt>Généralistes (commune)</dt>
        <dd>
          {p.generalistes.nombre ?? 'aucune donnée'}
          {p.generalistes.densitePour10000 !== null && ` — ${p.generalistes.densitePour10000.toLocaleString('fr-FR')} pour 10 000 hab.`}
          {p.generalistes.proxy && ' (indicateur approché)'}
        </dd>
      </dl>
      <button type="button" className="secondary" onClick={() => setUrl({ j: 'pharmacien', sel: `pharmacie:${p.finess}` })}>
        Vue « Pharmacien » de cette officine
      </button>
      <RecruitmentSection key={p.finess} p={p} onRecorded={onRecorded} />
    </section>
  );
}

/** Scrolls the list (not the panel with the filters above it) just enough to show the row below the sticky header. */
function revealRow(row: HTMLElement): void {
  const wrap = row.closest<HTMLElement>('.table-wrap');
  if (!wrap || wrap.scrollHeight <= wrap.clientHeight) return row.scrollIntoView({ block: 'nearest' });
  const w = wrap.getBoundingClientRect();
  const r = row.getBoundingClientRect();
  const top = wrap.querySelector('thead th')?.getBoundingClientRect().bottom ?? w.top; // the sticky cells
  if (r.top < top) wrap.scrollTop -= Math.ceil(top - r.top);
  else if (r.bottom > w.bottom) wrap.scrollTop += Math.ceil(r.bottom - w.bottom);
}
