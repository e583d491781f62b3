// « Carte au … »: the day the ARS planner looks at (`date=` in the URL), a banner in the panel and on the map
// when it is not today, and the CPTS tiles of that day.
import { useEffect } from 'react';
import { createPortal } from 'react-dom';
import { today, useAsOf } from '../as-of.js';
import { fmtDate } from '../format.js';
import { useMap } from '../MapView.js';
import { useUrl } from '../url.js';

export function AsOfControl() {
  const [, setUrl] = useUrl();
  const date = useAsOf();
  const ctl = useMap();
  const now = today();

  useEffect(() => {
    ctl?.setAsOf(date ?? null);
  }, [ctl, date]);
  useEffect(() => () => ctl?.setAsOf(null), [ctl]);

  const mapArea = ctl?.map.getContainer().parentElement;
  return (
    <>
      <div className="as-of no-print">
        <label htmlFor="as-of-date">Carte au</label>
        <input
          id="as-of-date"
          type="date"
          max={now}
          value={date ?? now}
          onChange={(e) => setUrl({ date: e.target.value && e.target.value < now ? e.target.value : null })}
          aria-describedby="as-of-help"
          data-testid="as-of-date"
        />
        {date && (
          <button type="button" className="link" onClick={() => setUrl({ date: null })} data-testid="as-of-today">
            Revenir à aujourd’hui
          </button>
        )}
        <span id="as-of-help" className="visually-hidden">
          Les chevauchements, la couverture, les zones blanches, les CPTS et la carte répondent à cette date.
        </span>
      </div>
      {date && (
        <p className="as-of-banner" role="status" data-testid="as-of-banner">
          <strong>Carte au {fmtDate(date)}</strong> : périmètres et statuts en vigueur ce jour-là. Les modifications se font sur la carte
          d’aujourd’hui.
        </p>
      )}
      {date &&
        mapArea &&
        createPortal(
          <p className="map-as-of" data-testid="map-as-of">
            Carte au {fmtDate(date)}
          </p>,
          mapArea,
        )}
    </>
  );
}
