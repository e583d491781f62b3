// Layer switcher and legend in one box: it explains exactly what is drawn, including how sure the perimeters are.
import { useEffect, useState } from 'react';
import {
  BANDS,
  DENSITY_CLASSES,
  LAYER_GROUPS,
  P,
  DENSITY_SECRET,
  NO_DATA,
  PHARMACY_STATUSES,
  POPULATION_CLASSES,
  STATUSES,
  STRUCTURE_TYPES,
  type LayerGroup,
} from './map.js';
import { ALL_GROUPS, useLayerState, useMap } from './MapView.js';
import { useUrl } from './url.js';

interface OnScreen {
  cpts: number;
  approx: number;
  illustr: number;
  overlaps: number;
  white: number;
}

function useOnScreen(): OnScreen | null {
  const ctl = useMap();
  const [s, setS] = useState<OnScreen | null>(null);
  useEffect(() => {
    if (!ctl) return;
    const update = () => {
      const cpts = ctl.renderedProperties('cpts-fill');
      const ids = new Map(cpts.map((p) => [String(p[P.cptsId]), String(p[P.cptsPerimeter] ?? '')]));
      const per = [...ids.values()];
      const white = new Set(ctl.renderedProperties('white-zones').map((p) => String(p[P.communeCode])));
      setS({
        cpts: ids.size,
        approx: per.filter((x) => x === 'approximatif').length,
        illustr: per.filter((x) => x === 'illustratif').length,
        overlaps: ctl.renderedProperties('overlaps-fill').length,
        white: white.size,
      });
    };
    ctl.map.on('idle', update);
    return () => {
      ctl.map.off('idle', update);
    };
  }, [ctl]);
  return s;
}

const Swatch = ({ color, kind = 'fill', dash }: { color: string; kind?: 'fill' | 'dot' | 'line' | 'hatch-red' | 'hatch-white'; dash?: number[] }) => (
  <span
    className={`sw sw-${kind}`}
    aria-hidden="true"
    style={
      kind === 'line'
        ? { borderTopColor: color, borderTopStyle: dash && dash[1] ? (dash[0]! > 1 ? 'dashed' : 'dotted') : 'solid' }
        : kind.startsWith('hatch')
          ? undefined
          : { background: color }
    }
  />
);

export function Legend() {
  const [url, setUrl] = useUrl();
  const { visible, shading } = useLayerState();
  const onScreen = useOnScreen();
  const [open, setOpen] = useState(() => window.innerWidth > 900);

  const toggle = (g: LayerGroup) => {
    const off = new Set((url.get('off') ?? '').split(',').filter(Boolean));
    if (off.has(g)) off.delete(g);
    else off.add(g);
    setUrl({ off: ALL_GROUPS.filter((x) => off.has(x)).join(',') }, true);
  };

  return (
    <aside className="legend" aria-label="Calques et légende" data-testid="legend">
      <button type="button" className="legend-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Masquer la légende' : 'Calques et légende'}
      </button>
      {open && (
        <div className="legend-body">
          <fieldset>
            <legend>Fond des communes</legend>
            {(
              [
                ['density', 'Densité de généralistes'],
                ['population', 'Population'],
                ['none', 'Aucun'],
              ] as const
            ).map(([v, label]) => (
              <label key={v} className="radio">
                <input type="radio" name="fond" value={v} checked={shading === v} onChange={() => setUrl({ fond: v === 'density' ? null : v }, true)} />
                {label}
              </label>
            ))}
          </fieldset>
          {shading !== 'none' && visible.communes && (
            <ul className="classes">
              {(shading === 'density' ? DENSITY_CLASSES : POPULATION_CLASSES).map((c) => (
                <li key={c.label}>
                  <Swatch color={c.color} />
                  {c.label}
                </li>
              ))}
              {shading === 'density' && (
                <li>
                  <Swatch color={DENSITY_SECRET.color} />
                  {DENSITY_SECRET.label}
                </li>
              )}
              <li>
                <Swatch color={NO_DATA.color} />
                {NO_DATA.label}
              </li>
              {shading === 'density' && (
                <li className="note">
                  Généralistes pour 10 000 habitants, par commune ; la source peut être une approximation (cabinets recensés), voir les
                  sources.
                </li>
              )}
            </ul>
          )}

          <fieldset>
            <legend>Calques</legend>
            {LAYER_GROUPS.map((g) => (
              <label key={g.id} className="check">
                <input type="checkbox" checked={visible[g.id]} onChange={() => toggle(g.id)} data-testid={`layer-${g.id}`} />
                {g.label}
              </label>
            ))}
          </fieldset>

          {visible.cpts && (
            <section>
              <h3>CPTS — taille (population)</h3>
              <ul className="classes">
                {BANDS.map((b) => (
                  <li key={b.id}>
                    <Swatch color={b.color} />
                    {b.label}
                  </li>
                ))}
              </ul>
              <h3>CPTS — statut (contour)</h3>
              <ul className="classes">
                {STATUSES.map((s) => (
                  <li key={s.id}>
                    <Swatch kind="line" color="#444" dash={s.dash} />
                    {s.label}
                  </li>
                ))}
              </ul>
              {onScreen && (onScreen.approx > 0 || onScreen.illustr > 0) && (
                <p className="warn" data-testid="legend-perimeter-note">
                  {onScreen.approx > 0 && (
                    <>
                      {onScreen.approx} CPTS visible{onScreen.approx > 1 ? 's' : ''} : périmètre <strong>approximatif</strong> (reconstitué, non
                      officiel).{' '}
                    </>
                  )}
                  {onScreen.illustr > 0 && (
                    <>
                      {onScreen.illustr} CPTS visible{onScreen.illustr > 1 ? 's' : ''} : périmètre <strong>illustratif</strong> (exemple fictif).
                    </>
                  )}
                </p>
              )}
            </section>
          )}
          {visible.overlaps && (
            <ul className="classes">
              <li>
                <Swatch kind="hatch-red" color="" />
                Communes couvertes par plusieurs CPTS
              </li>
            </ul>
          )}
          {visible.whiteZones && (
            <ul className="classes">
              <li>
                <Swatch kind="hatch-white" color="" />
                Commune couverte par aucune CPTS
              </li>
            </ul>
          )}
          {visible.structures && (
            <section>
              <h3>Structures d’exercice coordonné</h3>
              <ul className="classes">
                {STRUCTURE_TYPES.filter((t) => t.id !== 'autre').map((t) => (
                  <li key={t.id}>
                    <Swatch kind="dot" color={t.color} />
                    {t.label}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {visible.pharmacies && (
            <section>
              <h3>Officines</h3>
              <ul className="classes">
                {PHARMACY_STATUSES.map((s) => (
                  <li key={s.id}>
                    <Swatch kind="dot" color={s.color} />
                    {s.label}
                  </li>
                ))}
              </ul>
            </section>
          )}
          <p className="note">Les noms s’affichent en cliquant sur la carte (carte hors ligne, sans fond externe).</p>
        </div>
      )}
    </aside>
  );
}
