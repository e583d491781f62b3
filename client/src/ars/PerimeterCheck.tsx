// « Vérifier un périmètre »: communes picked on the map, pasted INSEE codes or a GeoJSON polygon are sent to
// POST /api/perimeter/check; the answer is drawn on the map (members by separate part, overlaps hatched).
import { useEffect, useRef, useState } from 'react';
import { ApiError, checkPerimeter, search, type PerimeterCheck as Result, type PerimeterInput } from '../api.js';
import { fmtDec, fmtInt } from '../format.js';
import { bboxOf, PART_COLORS, P, type MapController } from '../map.js';
import { useMap, useMapClick } from '../MapView.js';
import { ErrorBox, Loading, Sources } from '../ui.js';
import { useUrl } from '../url.js';

type Polygonal = GeoJSON.Polygon | GeoJSON.MultiPolygon;

/** The polygons of a GeoJSON document as one MultiPolygon, or a French reason why there are none. */
export function polygonsOf(doc: unknown): Polygonal | string {
  const polys: GeoJSON.Position[][][] = [];
  const add = (g: GeoJSON.Geometry | null | undefined) => {
    if (!g) return;
    if (g.type === 'Polygon') polys.push(g.coordinates);
    else if (g.type === 'MultiPolygon') polys.push(...g.coordinates);
    else if (g.type === 'GeometryCollection') g.geometries.forEach(add);
  };
  const d = doc as GeoJSON.GeoJSON;
  if (!d || typeof d !== 'object' || !('type' in d)) return 'ce fichier n’est pas du GeoJSON';
  if (d.type === 'FeatureCollection') d.features.forEach((f) => add(f.geometry));
  else if (d.type === 'Feature') add(d.geometry);
  else add(d as GeoJSON.Geometry);
  if (polys.length === 0) return 'aucun polygone dans ce fichier (Polygon ou MultiPolygon attendu)';
  return polys.length === 1 ? { type: 'Polygon', coordinates: polys[0]! } : { type: 'MultiPolygon', coordinates: polys };
}

/**
 * Frames communes: those in the loaded tiles, plus the extent the search gives for (up to 10 of) the others, so
 * that every separate part of a pasted perimeter comes into view, not only the part near the current view.
 */
async function frameCommunes(ctl: MapController, codes: string[]): Promise<void> {
  const loaded = ctl.map.getSource('communes')
    ? ctl.map.querySourceFeatures('communes', {
        sourceLayer: 'communes',
        filter: ['in', ['to-string', ['get', P.communeCode]], ['literal', codes]],
      })
    : [];
  const found = new Set(loaded.map((f) => String(f.properties?.[P.communeCode])));
  const missing = codes.filter((c) => !found.has(c)).slice(0, 10);
  const boxes = await Promise.all(
    missing.map((c) =>
      search(c).then(
        (h) => h.find((x) => x.type === 'commune' && x.id === c)?.emprise ?? null,
        () => null,
      ),
    ),
  );
  const b = bboxOf([
    ...loaded.map((f) => f.geometry),
    ...boxes.flatMap((x): GeoJSON.Geometry[] => (x ? [{ type: 'MultiPoint', coordinates: [[x[0], x[1]], [x[2], x[3]]] }] : [])),
  ]);
  if (b) ctl.fitBounds(b, 11);
}

/** INSEE codes found in pasted text (any separator; 2A/2B accepted). */
export const codesIn = (text: string) => [...new Set(text.toUpperCase().match(/\b(\d{5}|2[AB]\d{3})\b/g) ?? [])];

export function PerimeterCheck() {
  const ctl = useMap();
  const [url, setUrl] = useUrl();
  const codes = (url.get('pc') ?? '').split(',').filter(Boolean);
  const [geometry, setGeometry] = useState<{ geom: Polygonal; name: string } | null>(null);
  const [threshold, setThreshold] = useState(0.5);
  const [pasted, setPasted] = useState('');
  const [fileError, setFileError] = useState('');
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  const fitNext = useRef(codes.length > 0);
  const fileInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!geometry && fileInput.current) fileInput.current.value = '';
  }, [geometry]);

  const setCodes = (next: string[], fit = false) => {
    fitNext.current = fit;
    setGeometry(null);
    setUrl({ pc: next.join(',') || null }, true);
  };

  // map clicks add or remove the commune under the cursor
  useMapClick((_ll, _pick, all) => {
    const c = all.find((p) => p.layer === 'communes');
    if (!c) return;
    const code = String(c.properties[P.communeCode]);
    const base = geometry && result ? result.communes.map((x) => x.code) : codes;
    setCodes(base.includes(code) ? base.filter((x) => x !== code) : [...base, code]);
  });

  // check whenever the input changes
  const key = geometry ? `g:${geometry.name}:${threshold}` : `c:${codes.join(',')}`;
  useEffect(() => {
    const input: PerimeterInput | null = geometry ? { geometrie: geometry.geom, seuil: threshold } : codes.length ? { communes: codes } : null;
    if (!input) {
      setResult(null);
      setError(null);
      return;
    }
    const ac = new AbortController();
    setLoading(true);
    const t = setTimeout(() => {
      checkPerimeter(input, ac.signal).then(
        (r) => {
          setResult(r);
          setError(null);
          setLoading(false);
        },
        (e: unknown) => {
          if (ac.signal.aborted) return;
          setError(e instanceof ApiError ? e : new ApiError('La vérification a échoué.', 0));
          setResult(null);
          setLoading(false);
        },
      );
    }, 250);
    return () => {
      clearTimeout(t);
      ac.abort();
    };
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps

  // draw the answer; frame it when it came from a paste, a file or a link
  useEffect(() => {
    if (!ctl) return;
    if (!result) {
      ctl.setPerimeter(geometry ? { parts: new Map(), overlaps: [], drawn: geometry.geom } : null);
      return;
    }
    const parts = new Map<string, number>();
    for (const p of result.parties) for (const c of p.communes) parts.set(c, p.numero);
    for (const c of result.communes) if (!parts.has(c.code)) parts.set(c.code, 1);
    ctl.setPerimeter({ parts, overlaps: result.chevauchements.flatMap((o) => o.communes), drawn: geometry?.geom ?? null });
    if (fitNext.current) {
      fitNext.current = false;
      if (geometry) {
        const b = bboxOf([geometry.geom]);
        if (b) ctl.fitBounds(b, 11);
      } else void frameCommunes(ctl, result.communes.map((c) => c.code));
    }
  }, [ctl, result, geometry]);
  useEffect(() => () => ctl?.setPerimeter(null), [ctl]);

  const onFile = async (f: File | undefined) => {
    setFileError('');
    if (!f) return;
    if (f.size > 1.8e6) {
      setFileError('Fichier trop volumineux (1,8 Mo au plus) : simplifiez le contour.');
      return;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(await f.text());
    } catch {
      setFileError('Ce fichier n’est pas du JSON lisible.');
      return;
    }
    const g = polygonsOf(doc);
    if (typeof g === 'string') {
      setFileError(`Fichier refusé : ${g}.`);
      return;
    }
    fitNext.current = true;
    setUrl({ pc: null }, true);
    setGeometry({ geom: g, name: f.name });
  };

  const r = result;
  return (
    <div className="perimeter">
      <form
        className="perimeter-form"
        data-testid="perimeter-form"
        onSubmit={(e) => {
          e.preventDefault();
          const found = codesIn(pasted);
          if (found.length) setCodes([...new Set([...codes, ...found])], true);
          setPasted('');
        }}
      >
        <p>
          <strong>Cliquez sur la carte</strong> pour ajouter ou retirer une commune, ou :
        </p>
        <label htmlFor="pc-paste">Collez des codes INSEE (séparés par des espaces, virgules ou retours à la ligne)</label>
        <textarea id="pc-paste" value={pasted} onChange={(e) => setPasted(e.target.value)} placeholder="44109 44190 44020" data-testid="perimeter-codes" />
        <div className="actions">
          <button type="submit" className="primary" disabled={!codesIn(pasted).length} data-testid="perimeter-add-codes">
            Ajouter {codesIn(pasted).length ? `${codesIn(pasted).length} code(s)` : 'les codes'}
          </button>
          <button type="button" className="secondary" disabled={!codes.length && !geometry} onClick={() => setCodes([])} data-testid="perimeter-clear">
            Tout effacer
          </button>
        </div>
        <label htmlFor="pc-file">…ou chargez un contour GeoJSON (Polygon ou MultiPolygon, WGS84)</label>
        <input id="pc-file" ref={fileInput} type="file" accept=".geojson,.json,application/geo+json,application/json" onChange={(e) => void onFile(e.target.files?.[0])} data-testid="perimeter-file" />
        {geometry && (
          <label className="inline">
            Une commune est retenue si le contour couvre au moins
            <select value={threshold} onChange={(e) => setThreshold(Number(e.target.value))} data-testid="perimeter-threshold">
              {[0.1, 0.25, 0.5, 0.75, 0.9].map((t) => (
                <option key={t} value={t}>
                  {fmtInt(t * 100)} %
                </option>
              ))}
            </select>
            de sa surface.
          </label>
        )}
        {fileError && <p className="state error">{fileError}</p>}
      </form>

      {loading && !r && <Loading what="de la vérification" />}
      {error && <ErrorBox error={error} />}
      {!r && !loading && !error && !geometry && <p className="state empty">Aucune commune choisie pour l’instant.</p>}
      {r && r.nbCommunes === 0 && (
        // nothing recognised (unknown codes, a contour over no commune): the reasons only, no figures for an empty perimeter
        <section className={loading ? 'reloading' : undefined} data-testid="perimeter-result">
          <h3>{geometry ? `Contour « ${geometry.name} »` : 'Périmètre proposé'} : aucune commune retenue</h3>
          <ul className="warn-list" data-testid="perimeter-warnings">
            {r.avertissements.map((a) => (
              <li key={a}>{a}</li>
            ))}
          </ul>
        </section>
      )}
      {r && r.nbCommunes > 0 && (
        <section className={loading ? 'reloading' : undefined} data-testid="perimeter-result">
          <h3>
            {geometry ? `Contour « ${geometry.name} »` : 'Périmètre proposé'} : {fmtInt(r.nbCommunes)} commune{r.nbCommunes > 1 ? 's' : ''}
          </h3>
          <div className="figures">
            <div className="figure">
              <span className="v" data-testid="perimeter-population">
                {fmtInt(r.population)}
              </span>
              <span className="k">habitants</span>
            </div>
            <div className="figure">
              <span className="v" data-testid="perimeter-band">
                {r.bande}
              </span>
              <span className="k">taille ACI</span>
            </div>
            <div className="figure">
              <span className="v">{fmtDec(r.superficieKm2)}</span>
              <span className="k">km²</span>
            </div>
            <div className="figure">
              <span className="v" data-testid="perimeter-parts">
                {r.contigu ? '1' : fmtInt(r.parties.length)}
              </span>
              <span className="k">{r.contigu ? 'seul tenant' : 'parties séparées'}</span>
            </div>
          </div>
          <p className="muted map-key">
            <span className="sw" style={{ background: PART_COLORS[0] }} aria-hidden="true" /> sur la carte : les communes du périmètre
            {!r.contigu && ' (une couleur par partie séparée)'} ; <span className="sw sw-redline" aria-hidden="true" /> contour rouge : commune déjà dans
            une CPTS.
          </p>
          {r.avertissements.length > 0 && (
            <ul className="warn-list" data-testid="perimeter-warnings">
              {r.avertissements.map((a) => (
                <li key={a}>{a}</li>
              ))}
            </ul>
          )}
          {r.avertissementSeuil && !r.avertissements.includes(r.avertissementSeuil.message) && <p className="warn">{r.avertissementSeuil.message}</p>}
          {!r.contigu && (
            <>
              <h3>Parties séparées</h3>
              <ul className="classes">
                {r.parties.map((p) => (
                  <li key={p.numero}>
                    <span className="sw" style={{ background: PART_COLORS[(p.numero - 1) % PART_COLORS.length] }} aria-hidden="true" />
                    Partie {p.numero} : {fmtInt(p.nbCommunes)} commune(s), {fmtInt(p.population)} hab.
                  </li>
                ))}
              </ul>
            </>
          )}
          <h3>Chevauchements avec des CPTS existantes</h3>
          {r.chevauchements.length === 0 ? (
            <p>Aucun : ce périmètre ne reprend aucune commune d’une CPTS existante.</p>
          ) : (
            <ul className="plain" data-testid="perimeter-overlaps">
              {r.chevauchements.map((o) => (
                <li key={o.id}>
                  <strong>{o.nom}</strong>
                  {o.perimetre !== 'officiel' && <span className="badge-warn">{o.perimetre}</span>} : {fmtInt(o.nbCommunes)} commune(s),{' '}
                  {fmtInt(o.population)} hab.{o.partDeLaCptsPct !== null && ` (${fmtDec(o.partDeLaCptsPct)} % de sa population)`}
                </li>
              ))}
            </ul>
          )}
          <p>
            Communes hors CPTS reprises : <strong>{fmtInt(r.zonesBlanches.nbCommunes)}</strong> ({fmtInt(r.zonesBlanches.population)} hab.).
          </p>
          <p>
            Enveloppe ACI de la taille {r.taille} :{' '}
            {r.aci.financementTotalEur === null ? 'montant non indiqué par la source' : `${fmtInt(r.aci.financementTotalEur)} € au total`}.
          </p>
          {r.communesIntrouvables.length > 0 && (
            <p className="warn">Codes introuvables : {r.communesIntrouvables.join(', ')}.</p>
          )}
          {r.codesConvertis.length > 0 && (
            <p className="muted">Anciens codes convertis : {r.codesConvertis.map((c) => `${c.code} → ${c.codeActuel}`).join(', ')}.</p>
          )}
          {r.communesSousLeSeuil.length > 0 && (
            <p className="muted">
              Touchées par le contour sans atteindre le seuil : {r.communesSousLeSeuil.map((c) => `${c.nom} (${fmtInt(c.part * 100)} %)`).join(', ')}.
            </p>
          )}
          <h3>Communes</h3>
          <table data-testid="perimeter-communes">
            <thead>
              <tr>
                <th>Commune</th>
                <th className="num">Habitants</th>
                <th>Situation</th>
                <th>
                  <span className="visually-hidden">Retirer</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {r.communes.map((c) => (
                <tr key={c.code} data-testid="perimeter-commune-row">
                  <td>
                    {c.nom} ({c.code})
                  </td>
                  <td className="num">{fmtInt(c.population)}</td>
                  <td>
                    {c.zoneBlanche ? 'hors CPTS' : 'déjà en CPTS'}
                    {r.mode === 'geometrie' && ` · ${fmtInt(c.part * 100)} % de sa surface`}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="link"
                      aria-label={`Retirer ${c.nom}`}
                      onClick={() => setCodes(r.communes.map((x) => x.code).filter((x) => x !== c.code))}
                    >
                      retirer
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Sources sources={r.sources} />
        </section>
      )}
    </div>
  );
}
