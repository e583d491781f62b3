// Layer switcher and legend in one box: each layer's checkbox sits above the key of what it draws, and the box
// says how sure the perimeters on screen are and where the data comes from.
import { useEffect, useState, type ReactNode } from 'react';
import type { DataSource } from './api.js';
import { fmtDate } from './format.js';
import { fileNames } from './ui.js';
import {
  BANDS,
  DENSITY_CLASSES,
  DENSITY_SECRET,
  LEGEND_OPEN_MIN_WIDTH,
  LAYER_GROUPS,
  NO_DATA,
  P,
  PHARMACY_STATUSES,
  POPULATION_CLASSES,
  STATUSES,
  STRUCTURE_TYPES,
  type LayerGroup,
  type PharmacyMark,
  type TileLayer,
} from './map.js';
import { useLayerState, useMap, useTileLayers } from './map-state.js';
import { PERIMETRE_LIBELLES } from '../../server/src/domain/vocabulary.js';

interface OnScreen {
  approx: number;
  illustr: number;
}

/** How many CPTS drawn in the current view have an approximate or illustrative perimeter. */
function useOnScreen(): OnScreen | null {
  const ctl = useMap();
  const [s, setS] = useState<OnScreen | null>(null);
  useEffect(() => {
    if (!ctl) return;
    const update = () => {
      const ids = new Map(ctl.renderedProperties('cpts-fill').map((p) => [String(p[P.cptsId]), String(p[P.cptsPerimeter] ?? '')]));
      const per = [...ids.values()];
      const next = { approx: per.filter((x) => x === 'approximatif').length, illustr: per.filter((x) => x === 'illustratif').length };
      setS((old) => (old && old.approx === next.approx && old.illustr === next.illustr ? old : next));
    };
    ctl.map.on('idle', update);
    return () => {
      ctl.map.off('idle', update);
    };
  }, [ctl]);
  return s;
}

type SwKind = 'fill' | 'dot' | 'hatch-red' | 'hatch-white';
const Swatch = ({ color = '', kind = 'fill' }: { color?: string; kind?: SwKind }) => (
  <span className={`sw sw-${kind}`} aria-hidden="true" style={kind.startsWith('hatch') ? undefined : { background: color }} />
);

/** A line drawn as on the map: MapLibre's dash lengths are in line widths. */
const LineSwatch = ({ dash, width }: { dash: number[]; width: number }) => (
  <svg className="sw-svg" width="26" height="10" aria-hidden="true" data-dash={dash.join(',')} data-width={width}>
    <line x1="0" y1="5" x2="26" y2="5" stroke="#333" strokeWidth={width} strokeDasharray={dash[1] ? dash.map((d) => d * width).join(' ') : undefined} />
  </svg>
);

/** A pharmacy as on the map: solid dot, hollow ring, or dot in a heavy black ring. */
const MarkSwatch = ({ color, mark }: { color: string; mark: PharmacyMark }) => (
  <svg className="sw-svg" width="14" height="14" aria-hidden="true" data-mark={mark}>
    <circle
      cx="7"
      cy="7"
      r="5"
      fill={mark === 'ring' ? '#fff' : color}
      stroke={mark === 'ring' ? color : mark === 'bullseye' ? '#111' : '#fff'}
      strokeWidth={mark === 'dot' ? 1 : 2.2}
    />
  </svg>
);

const Keys = ({ items, cols = 1, testId }: { items: { key: string; sw: ReactNode; label: ReactNode }[]; cols?: 1 | 2; testId?: string }) => (
  <ul className={`classes cols-${cols}`} data-testid={testId}>
    {items.map((i) => (
      <li key={i.key}>
        {i.sw}
        <span>{i.label}</span>
      </li>
    ))}
  </ul>
);

const GROUP_TILE: Record<LayerGroup, TileLayer> = {
  communes: 'communes',
  whiteZones: 'communes',
  cpts: 'cpts',
  overlaps: 'overlaps',
  structures: 'structures',
  pharmacies: 'pharmacies',
};

const KIND_LABEL: Record<string, string> = {
  communes: 'communes',
  finess: 'FINESS',
  cpts: 'CPTS',
  gp: 'généralistes',
  zoning: 'zonage',
  memberships: 'adhésions',
};

export function Legend() {
  const { visible, shading, setVisible, setShading } = useLayerState();
  const onScreen = useOnScreen();
  const tileLayers = useTileLayers();
  const ctl = useMap();
  const [open, setOpen] = useState(() => window.innerWidth > LEGEND_OPEN_MIN_WIDTH);
  // a narrow map (small screen, wide panel) gets its legend folded; the user may unfold it
  useEffect(() => {
    const el = ctl?.map.getContainer();
    if (!el) return;
    let wasNarrow = el.offsetWidth < 760;
    const ro = new ResizeObserver(() => {
      const narrow = el.offsetWidth < 760;
      if (narrow !== wasNarrow) setOpen(!narrow);
      wasNarrow = narrow;
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [ctl]);

  const keysOf = (g: LayerGroup): ReactNode => {
    switch (g) {
      case 'communes':
        return (
          <>
            <div className="seg" role="radiogroup" aria-label="Couleur des communes">
              {(
                [
                  ['density', 'Généralistes'],
                  ['population', 'Population'],
                  ['none', 'Aucune'],
                ] as const
              ).map(([v, label]) => (
                <label key={v}>
                  <input type="radio" name="fond" value={v} checked={shading === v} onChange={() => setShading(v)} data-testid={`shading-${v}`} />
                  {label}
                </label>
              ))}
            </div>
            {shading !== 'none' && (
              <>
                <p className="note">{shading === 'density' ? 'Généralistes pour 10 000 habitants :' : 'Habitants (INSEE) :'}</p>
                <Keys
                  cols={2}
                  items={[
                    ...(shading === 'density' ? DENSITY_CLASSES : POPULATION_CLASSES).map((c) => ({ key: c.label, sw: <Swatch color={c.color} />, label: c.label })),
                    ...(shading === 'density' ? [{ key: 's', sw: <Swatch color={DENSITY_SECRET.color} />, label: DENSITY_SECRET.label }] : []),
                    { key: 'n', sw: <Swatch color={NO_DATA.color} />, label: NO_DATA.label },
                  ]}
                />
              </>
            )}
          </>
        );
      case 'cpts':
        return (
          <>
            <Keys cols={2} items={BANDS.map((b) => ({ key: b.id, sw: <Swatch color={b.color} />, label: b.label }))} />
            <Keys
              cols={2}
              items={STATUSES.map((s) => ({ key: s.id, sw: <LineSwatch dash={s.dash} width={s.width} />, label: s.label }))}
              testId="legend-cpts-statuses"
            />
            {onScreen && (onScreen.approx > 0 || onScreen.illustr > 0) && (
              <p className="warn" data-testid="legend-perimeter-note">
                {onScreen.approx > 0 && <>CPTS à l’écran ({onScreen.approx}) : {PERIMETRE_LIBELLES.approximatif}. </>}
                {onScreen.illustr > 0 && <>CPTS à l’écran ({onScreen.illustr}) : {PERIMETRE_LIBELLES.illustratif}.</>}
              </p>
            )}
          </>
        );
      case 'overlaps':
        return <Keys items={[{ key: 'o', sw: <Swatch kind="hatch-red" />, label: 'communes partagées par plusieurs CPTS' }]} />;
      case 'whiteZones':
        return <Keys items={[{ key: 'w', sw: <Swatch kind="hatch-white" />, label: 'commune couverte par aucune CPTS' }]} />;
      case 'structures':
        return (
          <Keys
            cols={2}
            items={STRUCTURE_TYPES.filter((t) => t.id !== 'autre').map((t) => ({ key: t.id, sw: <Swatch kind="dot" color={t.color} />, label: t.label }))}
            testId="legend-structures"
          />
        );
      case 'pharmacies':
        return (
          <>
            <Keys
              items={PHARMACY_STATUSES.filter((s) => s.id !== 'commune-inconnue').map((s) => ({ key: s.id, sw: <MarkSwatch color={s.color} mark={s.mark} />, label: s.label }))}
              testId="legend-pharmacies"
            />
            <p className="note">Masquées à l’échelle de la France : zoomez sur une région pour les voir.</p>
          </>
        );
    }
  };

  const shownSources = new Map<string, DataSource>();
  for (const g of LAYER_GROUPS) {
    if (!visible[g.id]) continue;
    for (const s of tileLayers.find((t) => t.id === GROUP_TILE[g.id])?.sources ?? []) shownSources.set(s.type + s.fichier, s);
  }

  return (
    <aside className="legend" aria-label="Calques et légende" data-testid="legend">
      <button type="button" className="legend-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? '▾ Calques et légende' : '▸ Calques et légende'}
      </button>
      {open && (
        <div className="legend-body">
          {LAYER_GROUPS.map((g) => (
            <section key={g.id} className="legend-group">
              <label className="check">
                <input type="checkbox" checked={visible[g.id]} onChange={() => setVisible(g.id, !visible[g.id])} data-testid={`layer-${g.id}`} />
                {g.label}
              </label>
              {visible[g.id] && keysOf(g.id)}
            </section>
          ))}
          {shownSources.size > 0 && (
            <details className="legend-sources">
              <summary>Sources des données affichées</summary>
              <ul>
                {[...shownSources.values()].map((s) => (
                  <li key={s.type + s.fichier}>
                    {KIND_LABEL[s.type] ?? s.type} : {fileNames(s.fichier)} (import du {fmtDate(s.importeLe)})
                  </li>
                ))}
              </ul>
            </details>
          )}
          <Keys
            cols={2}
            items={[
              { key: 'hl', sw: <Swatch color="#ffd84d" />, label: 'communes choisies' },
              { key: 'ring', sw: <span className="sw sw-ring" aria-hidden="true" />, label: 'élément choisi' },
            ]}
          />
        </div>
      )}
    </aside>
  );
}
