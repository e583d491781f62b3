// The register part of a CPTS sheet, for the ARS users of its région and admins: the versions of its perimeter
// (a diff between two of them on the map and as CSV, « Rétablir cette version »), and its dated steps.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import {
  addEtape,
  ApiError,
  getHistory,
  getVersionDiff,
  perimeterGeojson,
  revertVersion,
  useApi,
  versionDiffCsvUrl,
  type CptsSheet,
  type Version,
  type VersionDiff,
  type VersionHistory,
} from '../api.js';
import { today } from '../as-of.js';
import { fmtDate, fmtInt } from '../format.js';
import { cptsOutlines, frame } from '../frame.js';
import { DIFF_STYLE } from '../map.js';
import { useMap } from '../MapView.js';
import { Async, ErrorBox } from '../ui.js';
import { useUrl } from '../url.js';
import { CPTS_ETAPE_LIBELLES, CPTS_ETAPES, CPTS_STATUT_LIBELLES, type CptsEtape } from '../../../server/src/domain/vocabulary.js';
import { refreshMap } from '../refresh-map.js';

const signed = (n: number) => (n > 0 ? `+${fmtInt(n)}` : n < 0 ? `−${fmtInt(-n)}` : '0');

/** `diff=1-3` in the URL: the two versions compared. */
function parseDiff(v: string | null): [number, number] | undefined {
  const m = v?.match(/^(\d+)-(\d+)$/);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function CptsRegister({ c, editable, onWritten }: { c: CptsSheet; editable: boolean; onWritten: () => void }) {
  const history = useApi(`history:${c.id}`, (s) => getHistory(c.id, s));
  const written = () => {
    history.reload();
    onWritten();
  };
  return (
    <Async state={history} what="de l’historique">
      {(h) => (
        <>
          <Versions c={c} h={h} editable={editable} onWritten={written} />
          <Steps id={c.id} h={h} editable={editable} onWritten={written} />
        </>
      )}
    </Async>
  );
}

function Versions({ c, h, editable, onWritten }: { c: CptsSheet; h: VersionHistory; editable: boolean; onWritten: () => void }) {
  const [url, setUrl] = useUrl();
  const current = h.versions.find((v) => v.enVigueur) ?? h.versions[0];
  const diff = parseDiff(url.get('diff'));
  const [reverting, setReverting] = useState<Version | null>(null);
  return (
    <section data-testid="cpts-history" aria-labelledby="history-title">
      <h3 id="history-title">Historique du périmètre ({fmtInt(h.versions.length)} version{h.versions.length > 1 ? 's' : ''})</h3>
      <div className="table-wrap">
        <table data-testid="versions-table">
          <thead>
            <tr>
              <th className="num">N°</th>
              <th>Date d’effet</th>
              <th>Auteur</th>
              <th>Commentaire</th>
              <th className="num">Communes</th>
              <th className="num">Habitants</th>
              <th>Taille</th>
              {editable && (
                <th>
                  <span className="visually-hidden">Action</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {h.versions.map((v) => (
              <tr key={v.numero} data-testid="version-row" data-numero={v.numero}>
                <td className="num">
                  {v.numero}
                  {v.enVigueur && <span className="badge">en vigueur</span>}
                </td>
                <td>{fmtDate(v.valideDu)}</td>
                <td>{v.auteur}</td>
                <td>{v.commentaire || v.origineLibelle}</td>
                <td className="num">{fmtInt(v.nbCommunes)}</td>
                <td className="num">{fmtInt(v.population)}</td>
                <td>{v.bande}</td>
                {editable && (
                  <td>
                    {/* named by aria-label: a visually hidden span here would widen the page past its scrolling table */}
                    {!v.enVigueur && (
                      <button type="button" className="link" onClick={() => setReverting(v)} aria-label={`Rétablir cette version (${v.numero})`} data-testid="revert-version">
                        Rétablir cette version
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {h.versions.length > 1 && <DiffPicker h={h} value={diff} onPick={(d) => setUrl({ diff: `${d[0]}-${d[1]}` }, true)} />}
      {diff && <DiffView id={c.id} de={diff[0]} a={diff[1]} close={() => setUrl({ diff: null }, true)} />}
      {reverting && current && (
        <RevertDialog
          id={c.id}
          version={reverting}
          current={current}
          close={(done) => {
            setReverting(null);
            if (done) onWritten();
          }}
        />
      )}
    </section>
  );
}

function DiffPicker({ h, value, onPick }: { h: VersionHistory; value?: [number, number]; onPick: (d: [number, number]) => void }) {
  const nums = h.versions.map((v) => v.numero).sort((x, y) => x - y);
  const [de, setDe] = useState(value?.[0] ?? nums[nums.length - 2]!);
  const [a, setA] = useState(value?.[1] ?? nums[nums.length - 1]!);
  const options = nums.map((n) => (
    <option key={n} value={n}>
      version {n}
    </option>
  ));
  return (
    <form
      className="diff-picker"
      onSubmit={(e) => {
        e.preventDefault();
        onPick([de, a]);
      }}
      data-testid="diff-picker"
    >
      <label>
        Comparer la{' '}
        <select value={de} onChange={(e) => setDe(Number(e.target.value))} data-testid="diff-from">
          {options}
        </select>
      </label>
      <label>
        à la{' '}
        <select value={a} onChange={(e) => setA(Number(e.target.value))} data-testid="diff-to">
          {options}
        </select>
      </label>
      <button type="submit" className="secondary" disabled={de === a} data-testid="diff-show">
        Voir la différence
      </button>
    </form>
  );
}

function DiffView({ id, de, a, close }: { id: string; de: number; a: number; close: () => void }) {
  const ctl = useMap();
  const state = useApi(`diff:${id}:${de}:${a}`, (s) => getVersionDiff(id, de, a, s));
  const d = state.data;
  useEffect(() => {
    if (!ctl || !d) return;
    const changed = [...d.ajoutees, ...d.retirees].map((x) => x.code);
    ctl.setDiff({ added: d.ajoutees.map((x) => x.code), removed: d.retirees.map((x) => x.code) });
    // framed on the change: the communes added and removed (the removed ones lie outside the perimeter), and the
    // perimeter they change
    const ac = new AbortController();
    const outlines = changed.length ? perimeterGeojson({ communes: changed }, ac.signal).then((fc) => fc.features.map((f) => f.geometry)) : [];
    Promise.all([cptsOutlines([d], ac.signal), outlines]).then(([perimeter, them]) => frame(ctl, [...perimeter, ...them], [], ac.signal), () => {});
    return () => {
      ac.abort();
      ctl.setDiff(null);
    };
  }, [ctl, d]);
  return (
    <Async state={state} what="de la différence">
      {(d) => (
        <section className="detail" data-testid="version-diff" aria-labelledby="diff-title">
          <h3 id="diff-title">
            De la version {d.de.numero} ({fmtDate(d.de.valideDu)}) à la version {d.a.numero} ({fmtDate(d.a.valideDu)})
          </h3>
          <DiffSummary d={d} />
          <DiffKey />
          <ChangedCommunes title="Communes ajoutées" sign={DIFF_STYLE.added.sign} rows={d.ajoutees} testId="diff-added" />
          <ChangedCommunes title="Communes retirées" sign={DIFF_STYLE.removed.sign} rows={d.retirees} testId="diff-removed" />
          <div className="actions">
            <a className="button secondary" href={versionDiffCsvUrl(id, d.de.numero, d.a.numero)} download data-testid="diff-csv">
              Télécharger la différence (CSV)
            </a>
            <button type="button" className="link" onClick={close}>
              Fermer la comparaison
            </button>
          </div>
        </section>
      )}
    </Async>
  );
}

function DiffSummary({ d }: { d: VersionDiff }) {
  return (
    <dl className="kv" data-testid="diff-summary">
      <dt>Communes</dt>
      <dd>
        {fmtInt(d.de.nbCommunes)} → {fmtInt(d.a.nbCommunes)} ({DIFF_STYLE.added.sign}
        {fmtInt(d.ajoutees.length)}, {DIFF_STYLE.removed.sign}
        {fmtInt(d.retirees.length)})
      </dd>
      <dt>Habitants</dt>
      <dd>
        {fmtInt(d.de.population)} → {fmtInt(d.a.population)} ({signed(d.ecartPopulation)})
      </dd>
      <dt>Taille ACI</dt>
      <dd data-testid="diff-band">
        {d.changementBande ? (
          <strong>
            {d.de.bande} → {d.a.bande} : changement de taille
          </strong>
        ) : (
          `${d.a.bande}, inchangée`
        )}
      </dd>
    </dl>
  );
}

/** How the map tells added from removed communes (colour, pattern and sign). */
export function DiffKey() {
  return (
    <ul className="classes" data-testid="diff-key">
      <li>
        <span className="sw sw-added" aria-hidden="true" /> ajoutée : {DIFF_STYLE.added.name}
      </li>
      <li>
        <span className="sw sw-removed" aria-hidden="true" /> retirée : {DIFF_STYLE.removed.name}
      </li>
    </ul>
  );
}

function ChangedCommunes({ title, sign, rows, testId }: { title: string; sign: string; rows: VersionDiff['ajoutees']; testId: string }) {
  if (!rows.length) return <p className="muted">{title} : aucune.</p>;
  return (
    <>
      <h4>
        {title} ({fmtInt(rows.length)})
      </h4>
      <ul className="plain changed" data-testid={testId}>
        {rows.map((x) => (
          <li key={x.code}>
            <span aria-hidden="true">{sign} </span>
            {x.nom} ({x.code}) — {fmtInt(x.population)} hab.
          </li>
        ))}
      </ul>
    </>
  );
}

/** The modal that confirms a revert: it writes a new version identical to the one chosen. */
function RevertDialog({ id, version, current, close }: { id: string; version: Version; current: Version; close: (done: boolean) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [valideDu, setValideDu] = useState(today());
  const [commentaire, setCommentaire] = useState(`Retour à la version ${version.numero}`);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const ctl = useMap();
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await revertVersion(id, version.numero, { valideDu, commentaire, versionAttendue: current.numero });
      refreshMap(ctl);
      close(true);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError('Le retour en arrière a échoué.', 0));
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="revert-title" onClose={() => close(false)} data-testid="revert-dialog">
      <form onSubmit={(e) => void submit(e)}>
        <h2 id="revert-title">Rétablir la version {version.numero} ?</h2>
        <p>
          Une nouvelle version {current.numero + 1} sera écrite, identique à la version {version.numero} du {fmtDate(version.valideDu)} :{' '}
          {fmtInt(version.nbCommunes)} communes, {fmtInt(version.population)} habitants, taille {version.bande}
          {version.bande !== current.bande && ` (aujourd’hui ${current.bande})`}. La version {current.numero} reste dans l’historique.
        </p>
        <label className="field">
          Date d’effet
          <input type="date" required min={current.valideDu} max={today()} value={valideDu} onChange={(e) => setValideDu(e.target.value)} />
        </label>
        <label className="field">
          Commentaire
          <input value={commentaire} maxLength={2000} onChange={(e) => setCommentaire(e.target.value)} />
        </label>
        {error && <ErrorBox error={error} />}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy} data-testid="revert-confirm">
            Rétablir la version {version.numero}
          </button>
          <button type="button" className="secondary" onClick={() => close(false)}>
            Annuler
          </button>
        </div>
      </form>
    </dialog>
  );
}

function Steps({ id, h, editable, onWritten }: { id: string; h: VersionHistory; editable: boolean; onWritten: () => void }) {
  return (
    <section data-testid="cpts-steps" aria-labelledby="steps-title">
      <h3 id="steps-title">Étapes de la CPTS</h3>
      {h.etapes.length === 0 ? (
        <p className="muted">Aucune étape datée enregistrée.</p>
      ) : (
        <ol className="steps" data-testid="steps-list">
          {h.etapes.map((e) => (
            <li key={e.id}>
              <strong>{fmtDate(e.le)}</strong> — {e.etapeLibelle} <span className="muted">(statut : {CPTS_STATUT_LIBELLES[e.statut]}, par {e.auteur})</span>
              {e.commentaire && ` : ${e.commentaire}`}
            </li>
          ))}
        </ol>
      )}
      {editable && <StepForm id={id} onWritten={onWritten} />}
    </section>
  );
}

/** The choice of a step of a CPTS's life (a dated step, or the first step of a new CPTS). */
export function EtapeField({ value, onChange }: { value: CptsEtape; onChange: (e: CptsEtape) => void }) {
  return (
    <label className="field">
      Étape
      <select value={value} onChange={(e) => onChange(e.target.value as CptsEtape)}>
        {CPTS_ETAPES.map((x) => (
          <option key={x} value={x}>
            {CPTS_ETAPE_LIBELLES[x]}
          </option>
        ))}
      </select>
    </label>
  );
}

function StepForm({ id, onWritten }: { id: string; onWritten: () => void }) {
  const [etape, setEtape] = useState<CptsEtape>('lettre-intention');
  const [le, setLe] = useState(today());
  const [commentaire, setCommentaire] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState('');
  const ctl = useMap();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await addEtape(id, { etape, le, ...(commentaire ? { commentaire } : {}) });
      setDone(`Étape « ${r.etape.etapeLibelle} » du ${fmtDate(r.etape.le)} ajoutée ; statut de la CPTS : ${CPTS_STATUT_LIBELLES[r.statut]}.`);
      setCommentaire('');
      refreshMap(ctl);
      onWritten();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError('L’ajout de l’étape a échoué.', 0));
    }
  };
  return (
    <form className="step-form" onSubmit={(e) => void submit(e)} aria-label="Ajouter une étape" data-testid="step-form">
      <EtapeField value={etape} onChange={setEtape} />
      <label className="field">
        Le
        <input type="date" required value={le} onChange={(e) => setLe(e.target.value)} />
      </label>
      <label className="field wide">
        Commentaire (facultatif)
        <input value={commentaire} maxLength={2000} onChange={(e) => setCommentaire(e.target.value)} />
      </label>
      <button type="submit" className="secondary">
        Ajouter l’étape
      </button>
      {error && <ErrorBox error={error} />}
      {done && (
        <p className="state ok" role="status">
          {done}
        </p>
      )}
    </form>
  );
}
