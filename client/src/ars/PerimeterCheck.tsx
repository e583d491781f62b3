// « Vérifier un périmètre »: communes picked on the map, pasted INSEE codes or a GeoJSON polygon are sent to
// POST /api/perimeter/check; the answer is drawn on the map (members by separate part, overlaps hatched). Signed in
// as ARS or admin, the same tab edits a CPTS's perimeter or creates a CPTS (PerimeterEdit.tsx).
import { useEffect, useRef, useState } from 'react';
import { ApiError, checkPerimeter, getCoverage, perimeterGeojson, search, useApi, type PerimeterCheck as Result, type PerimeterInput } from '../api.js';
import { download } from '../csv.js';
import { fmtDec, fmtInt, plural } from '../format.js';
import { bboxOf, pointInside } from '../geometry.js';
import { PERIMETER_COLOR, P, whileTilesSettle, type MapController, type PartAnchor } from '../map.js';
import { CLICK_PRIORITY, useMap, useMapClick } from '../MapView.js';
import { printWithMap } from '../print.js';
import { ErrorBox, Loading, Sources } from '../ui.js';
import { useUrl } from '../url.js';
import { perimeterCsv, readCodes, whyNotFound, type PastedCodes } from './perimeter-io.js';
import { EditBox, EditHeader, useEdit, withoutCpts } from './PerimeterEdit.js';

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

type Bbox = [number, number, number, number];

/**
 * The extent of communes: those in the loaded tiles, plus the extent the search gives for (up to `ask` of) the
 * others, so that every separate part of a pasted perimeter counts, not only the part near the current view.
 */
async function extentOf(ctl: MapController, codes: string[], ask = 10): Promise<Bbox | undefined> {
  const loaded = ctl.map.getSource('communes')
    ? whileTilesSettle(() =>
        ctl.map.querySourceFeatures('communes', {
          sourceLayer: 'communes',
          filter: ['in', ['to-string', ['get', P.communeCode]], ['literal', codes]],
        }),
      )
    : [];
  const found = new Set(loaded.map((f) => String(f.properties?.[P.communeCode])));
  const missing = codes.filter((c) => !found.has(c)).slice(0, ask);
  const boxes = await Promise.all(
    missing.map((c) =>
      search(c).then(
        (h) => h.find((x) => x.type === 'commune' && x.id === c)?.emprise ?? null,
        () => null,
      ),
    ),
  );
  return bboxOf([
    ...loaded.map((f) => f.geometry),
    ...boxes.flatMap((x): GeoJSON.Geometry[] => (x ? [{ type: 'MultiPoint', coordinates: [[x[0], x[1]], [x[2], x[3]]] }] : [])),
  ]);
}

/** Where to number each separate part: inside it, from its communes in the loaded tiles. */
async function partAnchors(ctl: MapController, r: Result): Promise<PartAnchor[]> {
  if (r.contigu) return [];
  const anchors = await Promise.all(
    r.parties.map(async (p) => {
      const loaded = ctl.loadedCommunes(p.communes);
      if (loaded.length) return { numero: p.numero, ...pointInside(loaded)! };
      // a part outside them: the middle of one of its communes' extent, which the search gives
      const b = await extentOf(ctl, p.communes, 1);
      return b && { numero: p.numero, lng: (b[0] + b[2]) / 2, lat: (b[1] + b[3]) / 2 };
    }),
  );
  return anchors.filter((a) => a !== undefined);
}

/** An uploaded contour is kept for the tab's life (a reload included), as the URL keeps the codes. */
const STORED = 'cpts-territoires:perimetre-contour';
type Contour = { geom: Polygonal; name: string; threshold: number };

function storedContour(): Contour | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(STORED) ?? 'null') as Contour | null;
    return v && typeof v.name === 'string' && typeof polygonsOf(v.geom) !== 'string' && typeof v.threshold === 'number' ? v : null;
  } catch {
    return null;
  }
}

function storeContour(c: Contour | null): void {
  try {
    if (c) sessionStorage.setItem(STORED, JSON.stringify(c));
    else sessionStorage.removeItem(STORED);
  } catch {
    // storage full or disabled: the contour is simply not kept across a reload
  }
}

export function PerimeterCheck() {
  const ctl = useMap();
  const [url, setUrl] = useUrl();
  const codes = (url.get('pc') ?? '').split(',').filter(Boolean);
  const [contour, setContour] = useState<Contour | null>(() => (codes.length ? null : storedContour()));
  const geometry = contour;
  const threshold = contour?.threshold ?? 0.5;
  const setGeometry = (c: Contour | null) => {
    storeContour(c);
    setContour(c);
  };
  const setThreshold = (t: number) => contour && setGeometry({ ...contour, threshold: t });
  const [pasted, setPasted] = useState('');
  const [notice, setNotice] = useState<PastedCodes | null>(null);
  const [snapshot, setSnapshot] = useState<string | null>(null);
  const areas = useApi('areas', (sig) => getCoverage({}, sig));
  const loadedDeps = (areas.data?.departements ?? []).map((d) => d.code);
  const [fileError, setFileError] = useState('');
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  const fitNext = useRef(codes.length > 0 || contour !== null);
  const fileInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!geometry && fileInput.current) fileInput.current.value = '';
  }, [geometry]);

  const edit = useEdit();
  const editId = edit?.id;
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
  }, CLICK_PRIORITY.mode);

  // the shading fades while the tab is open: the proposal must stand out
  useEffect(() => {
    ctl?.setChecking(true);
    return () => ctl?.setChecking(false);
  }, [ctl]);

  // check whenever the input changes
  const key = `${geometry ? `g:${geometry.name}:${threshold}` : `c:${codes.join(',')}`}|${editId ?? ''}`;
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
          setResult(withoutCpts(r, editId));
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

  // draw the answer, its separate parts numbered; frame it when it came from a paste, a file or a link
  useEffect(() => {
    if (!ctl) return;
    if (!result) {
      ctl.setPerimeter(geometry ? { codes: [], overlaps: [], drawn: geometry.geom } : null);
      return;
    }
    const draw = (parts: PartAnchor[]) =>
      ctl.setPerimeter({ codes: result.communes.map((c) => c.code), overlaps: result.chevauchements.flatMap((o) => o.communes), drawn: geometry?.geom ?? null, parts });
    draw([]);
    let live = true;
    const fit = fitNext.current;
    fitNext.current = false;
    void (async () => {
      const whole = geometry ? bboxOf([geometry.geom]) : await extentOf(ctl, result.communes.map((c) => c.code));
      if (!live) return;
      if (fit && whole) ctl.fitBounds(whole, 11);
      extent.current = whole;
      const anchors = await partAnchors(ctl, result);
      if (live) draw(anchors);
    })();
    return () => {
      live = false;
    };
  }, [ctl, result, geometry]);
  useEffect(() => () => ctl?.setPerimeter(null), [ctl]);
  const extent = useRef<Bbox | undefined>(undefined);

  const [exportError, setExportError] = useState('');
  const exportGeojson = async () => {
    setExportError('');
    const input: PerimeterInput = geometry ? { geometrie: geometry.geom, seuil: threshold } : { communes: codes };
    try {
      const fc = await perimeterGeojson(input);
      if (geometry) fc.features.push({ type: 'Feature', properties: { contour: geometry.name }, geometry: geometry.geom });
      download('perimetre.geojson', 'application/geo+json', JSON.stringify(fc));
    } catch (e) {
      setExportError(e instanceof ApiError ? e.message : 'L’export GeoJSON a échoué.');
    }
  };

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
    setGeometry({ geom: g, name: f.name, threshold });
  };

  const r = result;
  return (
    <div className="perimeter">
      {edit && <EditHeader edit={edit} />}
      {/* the change and its saving first: the map and the form below are how the user makes it */}
      {edit && <EditBox edit={edit} result={r} loading={loading} replaceCodes={(next) => setCodes(next, true)} />}
      <form
        className="perimeter-form no-print"
        data-testid="perimeter-form"
        onSubmit={(e) => {
          e.preventDefault();
          const read = readCodes(pasted, codes);
          if (read.codes.length) setCodes([...codes, ...read.codes], true);
          setNotice(read.repeated.length || read.fourDigits.length ? read : null);
          setPasted('');
        }}
      >
        <p>
          <strong>Cliquez sur la carte</strong> pour ajouter ou retirer une commune, ou :
        </p>
        <label htmlFor="pc-paste">Collez des codes INSEE (séparés par des espaces, virgules ou retours à la ligne)</label>
        <textarea id="pc-paste" value={pasted} onChange={(e) => setPasted(e.target.value)} placeholder="44109 44190 44020" data-testid="perimeter-codes" />
        <div className="actions">
          <button type="submit" className="primary" disabled={!readCodes(pasted).codes.length && !readCodes(pasted).fourDigits.length} data-testid="perimeter-add-codes">
            Ajouter {readCodes(pasted).codes.length ? plural(readCodes(pasted).codes.length, 'code', 'codes') : 'les codes'}
          </button>
          <button
            type="button"
            className="secondary"
            disabled={!codes.length && !geometry}
            onClick={() => {
              setNotice(null);
              setCodes([]);
            }}
            data-testid="perimeter-clear"
          >
            Tout effacer
          </button>
        </div>
        {notice && <PasteNotice notice={notice} add={(more) => setCodes([...codes, ...more.filter((c) => !codes.includes(c))], true)} />}
        <label htmlFor="pc-file">…ou chargez un contour GeoJSON (Polygon ou MultiPolygon, WGS84)</label>
        {/* the browser's own file button speaks the browser's language: a French button stands in for it */}
        <div className="file-pick">
          <input
            id="pc-file"
            ref={fileInput}
            type="file"
            className="visually-hidden"
            accept=".geojson,.json,application/geo+json,application/json"
            onChange={(e) => void onFile(e.target.files?.[0])}
            data-testid="perimeter-file"
          />
          <button type="button" className="secondary" onClick={() => fileInput.current?.click()} aria-describedby="pc-file-name">
            Choisir un fichier…
          </button>
          <span id="pc-file-name" className="muted">
            {geometry ? geometry.name : 'aucun fichier choisi'}
          </span>
        </div>
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
          <p className="print-only print-head">Projet de périmètre de CPTS — imprimé le {new Date().toLocaleDateString('fr-FR')}</p>
          <h3>
            {geometry ? `Contour « ${geometry.name} »` : 'Périmètre proposé'} : {fmtInt(r.nbCommunes)} commune{r.nbCommunes > 1 ? 's' : ''}
          </h3>
          <div className="actions no-print" data-testid="perimeter-exports">
            <button type="button" className="secondary" onClick={() => download('perimetre.csv', 'text/csv;charset=utf-8', perimeterCsv(r))} data-testid="export-csv">
              Exporter en CSV
            </button>
            <button type="button" className="secondary" onClick={() => void exportGeojson()} data-testid="export-geojson">
              Exporter en GeoJSON
            </button>
            <button type="button" className="secondary" onClick={() => printWithMap(ctl, extent.current, setSnapshot)} data-testid="print-perimeter">
              Imprimer la fiche
            </button>
          </div>
          {exportError && <p className="state error">{exportError}</p>}
          {snapshot && <img className="print-map print-only" src={snapshot} alt="Carte du périmètre proposé" data-testid="perimeter-print-map" />}
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
          <p className="muted map-key" data-testid="perimeter-key">
            <span className="sw" style={{ background: PERIMETER_COLOR }} aria-hidden="true" /> sur la carte : les communes du périmètre
            {!r.contigu && ', chaque partie séparée numérotée (1, 2…)'} ; <span className="sw sw-redline" aria-hidden="true" /> contour rouge :
            commune déjà dans une CPTS ; fond de carte estompé pendant la vérification.
          </p>
          {(warnings(r).length > 0 || r.communesIntrouvables.length > 0) && (
            <ul className="warn-list" data-testid="perimeter-warnings">
              <NotFound r={r} loaded={loadedDeps} />
              {warnings(r).map((a) => (
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
                    <span className="part-marker inline" data-n={p.numero} aria-hidden="true" />
                    Partie {p.numero} : {plural(p.nbCommunes, 'commune', 'communes')}, {fmtInt(p.population)} hab.
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
                  {o.perimetre !== 'officiel' && <span className="badge-warn">{o.perimetre}</span>} : {plural(o.nbCommunes, 'commune', 'communes')},{' '}
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

/** The server's warnings, less the one about codes not found: <NotFound> says more precisely why. */
const warnings = (r: Result) => r.avertissements.filter((a) => !(r.communesIntrouvables.length && /introuvable/.test(a)));

/** Codes not found, by reason: outside the data loaded here, or no such commune. */
function NotFound({ r, loaded }: { r: Result; loaded: string[] }) {
  if (!r.communesIntrouvables.length) return null;
  const why = whyNotFound(r.communesIntrouvables, loaded);
  return (
    <>
      {why.outside.length > 0 && (
        <li data-testid="codes-outside">
          Hors des données chargées : {why.outside.join(', ')} (départements présents : {loaded.join(', ') || 'aucun'}). Ces communes existent
          peut-être, mais leur département n’est pas dans la base.
        </li>
      )}
      {why.unknown.length > 0 && (
        <li data-testid="codes-unknown">
          Aucune commune, actuelle ou ancienne, ne porte le code {why.unknown.join(', ')} : vérifiez sa saisie.
        </li>
      )}
    </>
  );
}

/** What was set aside from a paste: codes given twice, and 4-digit numbers (a lost leading zero, most likely). */
function PasteNotice({ notice, add }: { notice: PastedCodes; add: (codes: string[]) => void }) {
  const padded = notice.fourDigits.map((c) => `0${c}`);
  return (
    <ul className="warn-list" data-testid="perimeter-paste-notice" role="status">
      {notice.repeated.length > 0 && (
        <li data-testid="codes-repeated">
          Déjà dans la liste, comptés une seule fois : {notice.repeated.join(', ')}.
        </li>
      )}
      {notice.fourDigits.length > 0 && (
        <li data-testid="codes-four-digits">
          Non ajoutés, car de 4 chiffres : {notice.fourDigits.join(', ')}. Un code INSEE en a 5 ; un tableur a sans doute supprimé le zéro
          initial.{' '}
          <button type="button" className="link" onClick={() => add(padded)} data-testid="add-padded">
            Ajouter {padded.join(', ')}
          </button>
        </li>
      )}
    </ul>
  );
}
