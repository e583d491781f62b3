// The application shell: header (home, journeys, search), the journey panel and the map.
import { useEffect, useState } from 'react';
import { Account } from './Account.js';
import { ApiError, getConfig, getTileLayers, type TileLayerInfo } from './api.js';
import { Home, JOURNEY_INFO } from './Home.js';
import { MapLayout, useMap, useMapClick } from './MapView.js';
import { SearchBox, type SearchPick } from './SearchBox.js';
import { JOURNEYS, parseSel, patchUrl, useUrl, type Journey } from './url.js';
import { ArsPanel } from './ars/ArsPanel.js';
import { UrpsPanel } from './urps/UrpsPanel.js';
import { PharmacistPanel } from './pharmacien/PharmacistPanel.js';
import { showInfoPopup, showPopup } from './popup.js';
import { SessionProvider } from './session.js';

export function App() {
  const [boot, setBoot] = useState<{ basemap: string | null; layers: TileLayerInfo[]; error?: string }>();
  useEffect(() => {
    // the map works without the config (no basemap); without the layer list it falls back to the default tile URLs
    void Promise.allSettled([getConfig(), getTileLayers()]).then(([c, l]) =>
      setBoot({
        basemap: c.status === 'fulfilled' ? c.value.styleFondDeCarte : null,
        layers: l.status === 'fulfilled' ? l.value.couches : [],
        error: l.status === 'rejected' ? (l.reason instanceof ApiError ? l.reason.message : 'La description des couches est indisponible.') : undefined,
      }),
    );
  }, []);
  const [url] = useUrl();
  const j = url.get('j') as Journey | null;
  const journey = j && JOURNEYS.includes(j) ? j : null;

  useEffect(() => {
    document.title = journey ? `${JOURNEY_INFO[journey].title} — CPTS territoires` : 'CPTS territoires';
  }, [journey]);

  if (!boot) return <div className="boot">Chargement de la carte…</div>;
  return (
    <SessionProvider>
      <MapLayout basemapStyleUrl={boot.basemap} tileLayers={boot.layers} header={<Header journey={journey} />}>
        {boot.error && <p className="state error">Carte : {boot.error}</p>}
        <DefaultClick />
        {journey === null && <Home open={(x) => patchUrl({ j: x, tab: null, sel: null })} />}
        {journey === 'ars' && <ArsPanel />}
        {journey === 'urps' && <UrpsPanel />}
        {journey === 'pharmacien' && <PharmacistPanel />}
      </MapLayout>
    </SessionProvider>
  );
}

function Header({ journey }: { journey: Journey | null }) {
  const ctl = useMap();
  const onPick = (p: SearchPick) => {
    openSearchPick(p);
    if (ctl && p.type === 'structure' && p.point) showInfoPopup(ctl, { lng: p.point.lon, lat: p.point.lat }, p.libelle, p.sousLibelle);
  };
  return (
    <header className="top">
      <a className="brand" href="#" onClick={() => patchUrl({ j: null, tab: null, sel: null })} data-testid="home-link">
        CPTS territoires
      </a>
      <nav aria-label="Parcours">
        {JOURNEYS.map((x) => (
          <a
            key={x}
            href={`#j=${x}`}
            className="nav-link"
            aria-current={journey === x ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              patchUrl({ j: x, tab: null, sel: null });
            }}
            data-testid={`nav-${x}`}
          >
            <span className="long">{JOURNEY_INFO[x].title}</span>
            <span className="short">{JOURNEY_INFO[x].short}</span>
          </a>
        ))}
      </nav>
      <SearchBox onPick={onPick} />
      <Account />
    </header>
  );
}

/** Where a search result leads, depending on the journey the user is in (the search box has framed it already). */
function openSearchPick(p: SearchPick): void {
  const cur = new URLSearchParams(window.location.hash.slice(1)).get('j');
  if (p.type === 'cpts') patchUrl({ j: 'ars', tab: 'cpts', sel: `cpts:${p.id}` });
  else if (p.type === 'pharmacie') patchUrl({ j: cur === 'urps' ? 'urps' : 'pharmacien', tab: null, sel: `pharmacie:${p.id}` });
  else if (p.type === 'commune') {
    patchUrl(cur === 'ars' ? { sel: `commune:${p.id}` } : { j: 'pharmacien', tab: null, sel: `commune:${p.id}` });
  } else patchUrl({ sel: `structure:${p.id}` });
}

/** Outside a journey-specific mode, a click on the map opens a popup describing what is under the cursor. */
function DefaultClick() {
  const ctl = useMap();
  const [url] = useUrl();
  const sel = parseSel(url.get('sel'));
  useMapClick((ll, pick, all) => {
    if (!ctl) return;
    showPopup(ctl, ll, pick, all);
  });
  // a structure or a commune found by the search: marked on the map
  useEffect(() => {
    if (!ctl || (sel?.kind !== 'structure' && sel?.kind !== 'commune')) return;
    if (sel.kind === 'structure') ctl.highlightStructures([sel.id]);
    else ctl.highlightCommunes([sel.id]);
    return () => (sel.kind === 'structure' ? ctl.highlightStructures([]) : ctl.highlightCommunes([]));
  }, [ctl, sel?.kind, sel?.id]);
  return null;
}
