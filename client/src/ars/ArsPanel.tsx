// The ARS planner: overlaps, white zones, coverage, CPTS sheets and the perimeter check (which also edits a CPTS's
// perimeter), one tab each, all « as of » the day of the date control.
import { useEffect } from 'react';
import { AreaSelect } from '../Area.js';
import { useLayerState, useMap, useMapClick } from '../MapView.js';
import { showPopup } from '../popup.js';
import { onTabKeys, tabIndexOf } from '../ui.js';
import { parseSel, useUrl } from '../url.js';
import { useSession } from '../session.js';
import { AsOfControl } from './AsOf.js';
import { Coverage } from './Coverage.js';
import { CptsTab } from './CptsSheet.js';
import { Imports } from './Imports.js';
import { Overlaps } from './Overlaps.js';
import { PerimeterCheck } from './PerimeterCheck.js';
import { WhiteZones } from './WhiteZones.js';

export type ArsTab = 'overlaps' | 'white' | 'coverage' | 'cpts' | 'perimeter' | 'imports';

const TABS: { id: ArsTab; label: string }[] = [
  { id: 'cpts', label: 'CPTS' },
  { id: 'overlaps', label: 'Chevauchements' },
  { id: 'white', label: 'Zones blanches' },
  { id: 'coverage', label: 'Couverture' },
  { id: 'perimeter', label: 'Vérifier un périmètre' },
  { id: 'imports', label: 'Imports' },
];

/** Tabs shown only to the accounts that may use them: imports for admins and ARS users. */
const importsAllowed = (role: string | undefined) => role === 'admin' || role === 'ars';

export function ArsPanel() {
  const [url, setUrl] = useUrl();
  const { user } = useSession();
  const tabs = TABS.filter((x) => x.id !== 'imports' || importsAllowed(user?.role));
  const t = url.get('tab') as ArsTab | null;
  const tab: ArsTab = tabs.some((x) => x.id === t) ? t! : 'cpts';
  const ctl = useMap();
  const { visible, setVisible } = useLayerState();

  // white zones are drawn while their tab is open (the user may switch them off again)
  useEffect(() => {
    if (tab === 'white' && !visible.whiteZones) setVisible('whiteZones', true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tab]);

  // outside the perimeter check (which takes clicks itself), a click on an overlap selects the pair,
  // a click on a CPTS opens its sheet, anything else gets a popup
  useMapClick((ll, pick, all) => {
    if (!ctl) return;
    const overlap = all.find((p) => p.layer === 'overlaps');
    if (tab === 'overlaps' && overlap) {
      setUrl({ sel: `paire:${String(overlap.properties.cptsA)}|${String(overlap.properties.cptsB)}` });
      return;
    }
    const cpts = all.find((p) => p.layer === 'cpts');
    if (tab === 'cpts' && cpts && pick?.layer !== 'pharmacies' && pick?.layer !== 'structures') {
      setUrl({ sel: `cpts:${String(cpts.properties.id)}` });
      return;
    }
    showPopup(ctl, ll, pick, all);
  });

  const sel = parseSel(url.get('sel'));
  return (
    <div className="journey" data-testid="journey-ars-panel">
      <h1>Planificateur ARS</h1>
      <AsOfControl />
      <div className="tabs" role="tablist" aria-label="Vues du planificateur" onKeyDown={onTabKeys}>
        {tabs.map((x) => (
          <button
            key={x.id}
            type="button"
            role="tab"
            aria-selected={tab === x.id}
            tabIndex={tabIndexOf(tab === x.id)}
            onClick={() => setUrl({ tab: x.id, sel: null, pc: null, edit: null, base: null, diff: null })}
            data-testid={`tab-${x.id}`}
          >
            {x.label}
          </button>
        ))}
      </div>
      {tab !== 'perimeter' && tab !== 'imports' && !(tab === 'cpts' && sel?.kind === 'cpts') && <AreaSelect />}
      {tab === 'overlaps' && <Overlaps />}
      {tab === 'white' && <WhiteZones />}
      {tab === 'coverage' && <Coverage />}
      {tab === 'cpts' && <CptsTab />}
      {tab === 'perimeter' && <PerimeterCheck />}
      {tab === 'imports' && <Imports />}
    </div>
  );
}
