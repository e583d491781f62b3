// The application shell: header (home, journeys, search), the journey panel and the map.
import { lazy, Suspense, useEffect, useState } from 'react';
import { Account } from './Account.js';
import { embeddedBoot, fetchBoot, type Boot } from './boot.js';
import { Home, JOURNEY_INFO } from './Home.js';
import { CLICK_PRIORITY, MapLayout, useMap, useMapClick } from './MapView.js';
import { SearchBox, type SearchPick } from './SearchBox.js';
import { JOURNEYS, parseSel, patchUrl, useUrl, type Journey } from './url.js';
import { showInfoPopup, showPopup } from './popup.js';
import { SessionProvider } from './session.js';

// each journey's panel is loaded when opened: the home view's scripts are run before the map is created
const ArsPanel = lazy(() => import('./ars/ArsPanel.js').then((m) => ({ default: m.ArsPanel })));
const UrpsPanel = lazy(() => import('./urps/UrpsPanel.js').then((m) => ({ default: m.UrpsPanel })));
const PharmacistPanel = lazy(() => import('./pharmacien/PharmacistPanel.js').then((m) => ({ default: m.PharmacistPanel })));

export function App() {
  // the page's own boot data: the map is created in the first render's effects
  const [boot, setBoot] = useState<Boot | undefined>(embeddedBoot);
  useEffect(() => {
    if (!boot) void fetchBoot().then(setBoot);
    // eslint-disable-next-line react-hooks/exhaustive-deps
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
        <Suspense fallback={<p className="state">Chargement du parcours…</p>}>
          {journey === 'ars' && <ArsPanel />}
          {journey === 'urps' && <UrpsPanel />}
          {journey === 'pharmacien' && <PharmacistPanel />}
        </Suspense>
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
      {/* the hash holds the app's state: the skip link moves the focus instead of following an anchor */}
      <a
        className="skip-link"
        href="#contenu"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('contenu')?.focus();
        }}
        data-testid="skip-link"
      >
        Aller au contenu
      </a>
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
  }, CLICK_PRIORITY.popup);
  // a structure or a commune found by the search: marked on the map
  useEffect(() => {
    if (!ctl || (sel?.kind !== 'structure' && sel?.kind !== 'commune')) return;
    if (sel.kind === 'structure') ctl.highlightStructures([sel.id]);
    else ctl.highlightCommunes([sel.id]);
    return () => (sel.kind === 'structure' ? ctl.highlightStructures([]) : ctl.highlightCommunes([]));
  }, [ctl, sel?.kind, sel?.id]);
  return null;
}
