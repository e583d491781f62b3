// Communes in no CPTS, most populated first, with GP supply, zoning and the nearest CPTS; pages of 100.
import { useEffect, useState } from 'react';
import { apiUrl, getJson, useApi, type WhiteZone, type WhiteZonesMeta } from '../api.js';
import { areaKey, BassinFilter, useArea, useBassin } from '../Area.js';
import { fmtDec, fmtInt } from '../format.js';
import { cptsOutlines, frame } from '../frame.js';
import { useMap } from '../MapView.js';
import { Async, Empty, Sources, SortTable, type Column } from '../ui.js';
import { parseSel, useUrl } from '../url.js';

const PAGE = 100;

interface Page extends WhiteZonesMeta {
  rows: (WhiteZone & { geometry: GeoJSON.Geometry | null })[];
}

/** The GeoJSON variant carries the same rows plus each commune's outline (to frame a selected row). */
async function loadPage(area: { departement?: string; region?: string; bassinVie?: string }, offset: number, signal: AbortSignal): Promise<Page> {
  const fc = await getJson<GeoJSON.FeatureCollection<GeoJSON.Geometry | null, WhiteZone> & WhiteZonesMeta>(
    '/api/white-zones.geojson',
    { ...area, limit: PAGE, offset },
    signal,
  );
  return { ...fc, rows: fc.features.map((f) => ({ ...f.properties, geometry: f.geometry })) };
}

const gp = (w: WhiteZone) =>
  w.offreMg.nbGeneralistes === null ? '—' : w.offreMg.densitePour10000 !== null ? `${fmtDec(w.offreMg.densitePour10000)}` : String(w.offreMg.nbGeneralistes);

const COLUMNS: Column<Page['rows'][number]>[] = [
  { key: 'nom', label: 'Commune', value: (w) => w.nom, render: (w) => `${w.nom} (${w.code})` },
  { key: 'pop', label: 'Habitants', value: (w) => w.population, numeric: true, render: (w) => fmtInt(w.population) },
  { key: 'mg', label: 'Densité MG', value: (w) => w.offreMg.densitePour10000 ?? -1, numeric: true, render: gp },
  { key: 'zone', label: 'Zonage', value: (w) => w.zonage?.zone ?? '', render: (w) => w.zonage?.zone ?? '—' },
  {
    key: 'near',
    label: 'CPTS la plus proche',
    value: (w) => w.cptsLaPlusProche?.distanceKm ?? null,
    render: (w) => (w.cptsLaPlusProche ? `${w.cptsLaPlusProche.nom} (${fmtDec(w.cptsLaPlusProche.distanceKm)} km)` : '—'),
  },
];

export function WhiteZones() {
  const bassinVie = useBassin();
  const area = { ...useArea(), ...(bassinVie ? { bassinVie } : {}) };
  const [url, setUrl] = useUrl();
  const ctl = useMap();
  const [offset, setOffset] = useState(0);
  const key = `${areaKey(area)}:${bassinVie ?? ''}`;
  useEffect(() => setOffset(0), [key]);
  const state = useApi(`white:${key}:${offset}`, (s) => loadPage(area, offset, s));
  const sel = parseSel(url.get('sel'));
  const selected = sel?.kind === 'commune' ? state.data?.rows.find((w) => w.code === sel.id) : undefined;

  useEffect(() => {
    if (!ctl || !selected) return;
    ctl.highlightCommunes([selected.code]);
    const near = selected.cptsLaPlusProche ? [selected.cptsLaPlusProche] : [];
    ctl.highlightCpts(near.map((c) => c.id));
    // the commune and the nearest CPTS the row names, both in view
    const ac = new AbortController();
    const own = selected.geometry ? [selected.geometry] : [];
    frame(ctl, own, []);
    cptsOutlines(near, ac.signal).then((g) => frame(ctl, [...own, ...g], [], ac.signal), () => {});
    return () => {
      ac.abort();
      ctl.highlightCommunes([]);
      ctl.highlightCpts([]);
    };
  }, [ctl, selected]);

  return (
    <>
    <BassinFilter />
    <Async state={state} what="des communes hors CPTS">
      {(d) =>
        d.total === 0 ? (
          <Empty>Toutes les communes de ce territoire appartiennent à une CPTS.</Empty>
        ) : (
          <>
            <p data-testid="white-zones-count" data-count={d.total}>
              <strong>{fmtInt(d.total)}</strong> commune{d.total > 1 ? 's' : ''} hors de toute CPTS, soit <strong>{fmtInt(d.populationTotale)}</strong>{' '}
              habitants.
            </p>
            <p className="muted">
              Hachurées en orange sur la carte ; une ligne cadre la commune et entoure la CPTS la plus proche. Densité MG : généralistes pour 10 000
              habitants (« &lt; 6 » : effectif trop faible pour être publié).
            </p>
            <SortTable
              rows={d.rows}
              columns={COLUMNS}
              rowKey={(w) => w.code}
              initialSort={{ key: 'pop', desc: true }}
              selected={selected?.code ?? null}
              onSelect={(w) => setUrl({ sel: `commune:${w.code}` })}
              testId="white-zones-table"
              rowTestId="white-zone-row"
            />
            <div className="actions pager">
              <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                ← Précédentes
              </button>
              <span>
                {fmtInt(offset + 1)}–{fmtInt(offset + d.rows.length)} sur {fmtInt(d.total)}
              </span>
              <button type="button" className="secondary" disabled={offset + PAGE >= d.total} onClick={() => setOffset(offset + PAGE)}>
                Suivantes →
              </button>
            </div>
            {selected && (
              <section className="detail" data-testid="white-zone-detail">
                <h3>
                  {selected.nom} ({selected.code})
                </h3>
                <dl className="kv">
                  <dt>Habitants</dt>
                  <dd>{fmtInt(selected.population)}</dd>
                  <dt>Généralistes</dt>
                  <dd>
                    {selected.offreMg.nbGeneralistes ?? 'aucune donnée'}
                    {selected.offreMg.densitePour10000 !== null && ` (${fmtDec(selected.offreMg.densitePour10000)} pour 10 000 hab.)`}
                    {selected.offreMg.estProxy && ' — indicateur approché'}
                  </dd>
                  <dt>Zonage</dt>
                  <dd>{selected.zonage ? [selected.zonage.libelle, selected.zonage.source].filter(Boolean).join(' — ') : 'non renseigné'}</dd>
                  <dt>CPTS la plus proche</dt>
                  <dd>
                    {selected.cptsLaPlusProche ? (
                      <button type="button" className="link" onClick={() => setUrl({ tab: 'cpts', sel: `cpts:${selected.cptsLaPlusProche!.id}` })}>
                        {selected.cptsLaPlusProche.nom}
                      </button>
                    ) : (
                      'aucune'
                    )}
                    {selected.cptsLaPlusProche && ` à ${fmtDec(selected.cptsLaPlusProche.distanceKm)} km`}
                  </dd>
                </dl>
              </section>
            )}
            <div className="actions">
              <a className="button secondary" href={apiUrl('/api/white-zones.csv', { ...area })} download data-testid="white-zones-csv">
                Télécharger la liste complète (CSV)
              </a>
            </div>
            {/* the API's notes name its JSON keys: the panel says the same in its words */}
            <ul className="notes">
              <li>Communes membres d’aucune CPTS (d’après les communes membres enregistrées), de la plus peuplée à la moins peuplée.</li>
              <li>
                Densité MG arrondie au dixième ; un effectif de moins de 6 généralistes n’est pas publié (secret statistique) ; une commune absente
                de la source compte 0.
              </li>
              <li>CPTS la plus proche : distance à vol d’oiseau, en km au dixième, d’un point intérieur de la commune au périmètre de la CPTS.</li>
            </ul>
            <Sources sources={d.sources} />
          </>
        )
      }
    </Async>
    </>
  );
}
