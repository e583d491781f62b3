// Editing a CPTS's perimeter (or drawing a new CPTS's) in « Vérifier un périmètre »: `edit=<id>` or `edit=nouvelle`
// in the URL. The live check of the perimeter check is compared with the saved version (population, size band,
// overlaps created or removed, contiguity, white zones covered or left, communes outside the région), and saved as a
// new version with its effective date and comment. Only ARS users of the CPTS's région and admins get here, at today's
// date; a conflicting save keeps the edit and offers to compare it with the new version or to take that one.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import {
  ApiError,
  checkPerimeter,
  createCpts,
  getCoverage,
  getCpts,
  getHistory,
  saveVersion,
  useApi,
  type CptsSheet,
  type PerimeterCheck,
  type Version,
} from '../api.js';
import { today, useAsOf } from '../as-of.js';
import { fmtDate, fmtInt } from '../format.js';
import { useMap } from '../MapView.js';
import { useSession } from '../session.js';
import { ErrorBox, Loading } from '../ui.js';
import { useUrl } from '../url.js';
import type { CptsEtape } from '../../../server/src/domain/vocabulary.js';
import { DiffKey, EtapeField } from './CptsHistory.js';
import { refreshMap } from '../refresh-map.js';
import { canEditCpts, leaveNotice } from './register.js';

/** The check without the CPTS being edited among the overlaps: its saved perimeter is what the edit replaces. */
export const withoutCpts = (r: PerimeterCheck, id: string | undefined): PerimeterCheck =>
  id ? { ...r, chevauchements: r.chevauchements.filter((o) => o.id !== id) } : r;

export interface Edit {
  /** The CPTS edited; undefined for a new one. */
  id?: string;
  sheet?: CptsSheet;
  current?: Version;
  /** The check of the saved perimeter, the point of comparison. */
  base?: PerimeterCheck;
  /** The départements of the région the perimeter belongs to (its communes outside it are named). */
  regionDeps?: string[];
  region: string | null;
  error?: ApiError;
  /** Reloads the saved version (after a conflict). */
  reload: () => void;
}

/** The CPTS edited (`edit=` in the URL) when the signed-in user may edit it today, else null. */
export function useEdit(): Edit | null {
  const [url] = useUrl();
  const { user } = useSession();
  const date = useAsOf();
  const [tick, setTick] = useState(0);
  const creator = user?.role === 'ars' || user?.role === 'admin';
  const raw = url.get('edit');
  // nothing is asked for a reader who may not edit (the history is not public)
  const id = raw && raw !== 'nouvelle' && creator && !date ? raw : undefined;
  const sheet = useApi(id ? `edit-sheet:${id}:${tick}` : null, (s) => getCpts(id!, undefined, s));
  const history = useApi(id ? `edit-history:${id}:${tick}` : null, (s) => getHistory(id!, s));
  const saved = sheet.data?.communes.map((c) => c.code);
  const base = useApi(saved ? `edit-base:${id}:${tick}` : null, (s) => checkPerimeter({ communes: saved! }, s).then((r) => withoutCpts(r, id)));
  const region = user?.region ?? sheet.data?.regions[0] ?? null;
  const deps = useApi(region ? `region-deps:${region}` : null, (s) => getCoverage({ region: region! }, s));
  if (!raw || date || !creator || (id && sheet.data && !canEditCpts(user, sheet.data.regions))) return null;
  return {
    id,
    sheet: sheet.data,
    current: history.data?.versions.find((v) => v.enVigueur),
    base: base.data,
    regionDeps: deps.data?.departements.map((d) => d.code),
    region,
    error: sheet.error ?? history.error ?? base.error,
    reload: () => setTick((t) => t + 1),
  };
}

/** Above the perimeter form: what is being edited, and the way out. */
export function EditHeader({ edit }: { edit: Edit }) {
  const [, setUrl] = useUrl();
  const back = () => setUrl(edit.id ? { tab: 'cpts', sel: `cpts:${edit.id}`, edit: null, pc: null } : { tab: 'cpts', edit: null, pc: null });
  return (
    <div className="edit-head" data-testid="edit-head">
      <h2>{edit.id ? `Modifier le périmètre : ${edit.sheet?.nom ?? edit.id}` : 'Créer une CPTS'}</h2>
      {edit.current && (
        <p className="muted">
          Version {edit.current.numero} en vigueur depuis le {fmtDate(edit.current.valideDu)} ({fmtInt(edit.current.nbCommunes)} communes). Le
          bilan compare votre modification à cette version.
        </p>
      )}
      {edit.error && <ErrorBox error={edit.error} />}
      <button type="button" className="link no-print" onClick={back} data-testid="edit-cancel">
        {edit.id ? 'Abandonner la modification et revenir à la fiche' : 'Abandonner la création'}
      </button>
    </div>
  );
}

interface Changes {
  added: PerimeterCheck['communes'];
  removed: CptsSheet['communes'];
  overlapsCreated: PerimeterCheck['chevauchements'];
  overlapsRemoved: PerimeterCheck['chevauchements'];
  whiteCovered: PerimeterCheck['communes'];
  whiteLeft: CptsSheet['communes'];
  outside: PerimeterCheck['communes'];
}

function changesOf(edit: Edit, r: PerimeterCheck): Changes {
  const saved = new Set(edit.sheet?.communes.map((c) => c.code) ?? []);
  const now = new Set(r.communes.map((c) => c.code));
  const before = new Set(edit.base?.chevauchements.map((o) => o.id) ?? []);
  const after = new Set(r.chevauchements.map((o) => o.id));
  const added = r.communes.filter((c) => !saved.has(c.code));
  const removed = (edit.sheet?.communes ?? []).filter((c) => !now.has(c.code));
  return {
    added,
    removed,
    overlapsCreated: r.chevauchements.filter((o) => !before.has(o.id)),
    overlapsRemoved: (edit.base?.chevauchements ?? []).filter((o) => !after.has(o.id)),
    whiteCovered: added.filter((c) => c.zoneBlanche),
    // a commune left that no other CPTS holds becomes a white zone
    whiteLeft: removed.filter((c) => c.autresCpts.length === 0),
    outside: edit.regionDeps ? r.communes.filter((c) => !edit.regionDeps!.includes(c.departement)) : [],
  };
}

const signed = (n: number) => (n > 0 ? `+${fmtInt(n)}` : n < 0 ? `−${fmtInt(-n)}` : 'inchangé');
const names = (xs: { nom: string }[]) => xs.map((x) => x.nom).join(', ');
const parts = (r: PerimeterCheck) => (r.contigu ? 'd’un seul tenant' : `${fmtInt(r.parties.length)} parties séparées`);

/** Between the perimeter form and the check: the change against the saved version, and saving it. */
export function EditBox({ edit, result, loading, replaceCodes }: { edit: Edit; result: PerimeterCheck | null; loading: boolean; replaceCodes: (codes: string[]) => void }) {
  const ctl = useMap();
  const ch = result ? changesOf(edit, result) : null;
  const addedKey = ch?.added.map((c) => c.code).join(',');
  const removedKey = ch?.removed.map((c) => c.code).join(',');
  useEffect(() => {
    if (!ctl || !edit.id) return;
    ctl.setDiff({ added: addedKey ? addedKey.split(',') : [], removed: removedKey ? removedKey.split(',') : [] });
  }, [ctl, edit.id, addedKey, removedKey]);
  useEffect(() => () => ctl?.setDiff(null), [ctl]);

  if (edit.id && (!edit.sheet || !edit.base || !edit.current)) return edit.error ? null : <Loading what="de la version enregistrée" />;
  return (
    <section className={`edit-box${loading ? ' reloading' : ''}`} aria-labelledby="edit-changes-title" data-testid="edit-box">
      <h3 id="edit-changes-title">{edit.id ? `Changements par rapport à la version ${edit.current!.numero}` : 'Bilan de la nouvelle CPTS'}</h3>
      {!result || !ch ? (
        <p className="muted">Choisissez des communes : le bilan s’affiche ici.</p>
      ) : (
        <Comparison edit={edit} r={result} ch={ch} />
      )}
      {edit.id ? (
        <SaveForm edit={edit} result={result} changed={!!ch && (ch.added.length > 0 || ch.removed.length > 0)} replaceCodes={replaceCodes} />
      ) : (
        <CreateForm result={result} />
      )}
    </section>
  );
}

function Row({ label, before, after, testId }: { label: string; before?: ReactNode; after: ReactNode; testId?: string }) {
  return (
    <tr data-testid={testId}>
      <th scope="row">{label}</th>
      {before !== undefined && <td>{before}</td>}
      <td>{after}</td>
    </tr>
  );
}

function Comparison({ edit, r, ch }: { edit: Edit; r: PerimeterCheck; ch: Changes }) {
  const b = edit.base;
  const bandChanged = !!b && b.bande !== r.bande;
  return (
    <>
      <table className="compare" data-testid="edit-compare">
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Indicateur</span>
            </th>
            {b && <th scope="col">Version {edit.current!.numero}</th>}
            <th scope="col">{b ? 'Votre modification' : 'Nouvelle CPTS'}</th>
          </tr>
        </thead>
        <tbody>
          <Row
            label="Communes"
            before={b && fmtInt(b.nbCommunes)}
            after={
              <>
                {fmtInt(r.nbCommunes)}
                {b && ` (+${fmtInt(ch.added.length)}, −${fmtInt(ch.removed.length)})`}
              </>
            }
          />
          <Row
            label="Habitants"
            before={b && fmtInt(b.population)}
            after={
              <span data-testid="edit-population">
                {fmtInt(r.population)}
                {b && ` (${signed(r.population - b.population)})`}
              </span>
            }
          />
          <Row
            label="Taille ACI"
            testId="edit-band"
            before={b?.bande}
            after={bandChanged ? <strong data-testid="edit-band-change">{r.bande} : change de taille</strong> : r.bande}
          />
          <Row label="Contiguïté" before={b && parts(b)} after={parts(r)} />
        </tbody>
      </table>
      <ul className="edit-changes" data-testid="edit-changes">
        {ch.added.length > 0 && b && <li>Ajoutées : {names(ch.added)}.</li>}
        {ch.removed.length > 0 && <li>Retirées : {names(ch.removed)}.</li>}
        <li data-testid="edit-overlaps">
          Chevauchements créés : {ch.overlapsCreated.length ? names(ch.overlapsCreated) : 'aucun'}
          {b && ` ; supprimés : ${ch.overlapsRemoved.length ? names(ch.overlapsRemoved) : 'aucun'}`}.
        </li>
        <li data-testid="edit-white">
          Zones blanches couvertes : {ch.whiteCovered.length ? `${names(ch.whiteCovered)} (${fmtInt(sum(ch.whiteCovered))} hab.)` : 'aucune'}
          {b && ` ; laissées hors CPTS : ${ch.whiteLeft.length ? `${names(ch.whiteLeft)} (${fmtInt(sum(ch.whiteLeft))} hab.)` : 'aucune'}`}.
        </li>
        {ch.outside.length > 0 && (
          <li className="warn" data-testid="edit-outside">
            Hors de la région {edit.region} : {names(ch.outside)}. L’enregistrement sera refusé pour ces communes, sauf par un administrateur.
          </li>
        )}
      </ul>
      {b && <DiffKey />}
    </>
  );
}

const sum = (xs: { population: number | null }[]) => xs.reduce((s, x) => s + (x.population ?? 0), 0);

/** Effective date and comment, shared by saving a version and creating a CPTS. */
function NoteFields({ min, valideDu, setValideDu, commentaire, setCommentaire }: { min?: string; valideDu: string; setValideDu: (v: string) => void; commentaire: string; setCommentaire: (v: string) => void }) {
  return (
    <>
      <label className="field">
        Date d’effet
        <input type="date" required min={min} max={today()} value={valideDu} onChange={(e) => setValideDu(e.target.value)} data-testid="save-date" />
      </label>
      <label className="field wide">
        Commentaire (délibération, courrier, réunion…)
        <textarea value={commentaire} maxLength={2000} onChange={(e) => setCommentaire(e.target.value)} data-testid="save-comment" />
      </label>
    </>
  );
}

function SaveForm({ edit, result, changed, replaceCodes }: { edit: Edit; result: PerimeterCheck | null; changed: boolean; replaceCodes: (codes: string[]) => void }) {
  const [, setUrl] = useUrl();
  const ctl = useMap();
  const [valideDu, setValideDu] = useState(today());
  const [commentaire, setCommentaire] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const id = edit.id!;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!result) return;
    setBusy(true);
    setError(null);
    try {
      const w = await saveVersion(id, { communes: result.communes.map((c) => c.code), valideDu, commentaire, versionAttendue: edit.current!.numero });
      leaveNotice(`Version ${w.version.numero} enregistrée : ${fmtInt(w.version.nbCommunes)} communes, ${fmtInt(w.version.population)} habitants, taille ${w.version.bande}.`);
      refreshMap(ctl);
      setUrl({ tab: 'cpts', sel: `cpts:${id}`, edit: null, pc: null, diff: `${edit.current!.numero}-${w.version.numero}` });
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError('L’enregistrement a échoué.', 0));
      setBusy(false);
    }
  };
  const takeTheirs = () =>
    getCpts(id).then(
      (s) => {
        replaceCodes(s.communes.map((c) => c.code));
        setError(null);
        edit.reload();
      },
      (e: unknown) => setError(e instanceof ApiError ? e : new ApiError('Rechargement impossible.', 0)),
    );
  return (
    <form className="save-form" onSubmit={(e) => void submit(e)} aria-label="Enregistrer une nouvelle version" data-testid="save-form">
      <NoteFields min={edit.current!.valideDu} valideDu={valideDu} setValideDu={setValideDu} commentaire={commentaire} setCommentaire={setCommentaire} />
      {error?.status === 409 ? (
        <div className="state error" role="alert" data-testid="save-conflict">
          <p>
            <strong>Votre version n’a pas été enregistrée.</strong> {error.message}
          </p>
          <p>Votre modification est conservée sur la carte et dans la liste. Que voulez-vous faire ?</p>
          <div className="actions">
            <button
              type="button"
              className="primary"
              onClick={() => {
                setError(null);
                edit.reload();
              }}
              data-testid="conflict-keep-mine"
            >
              Garder ma modification (la comparer à la nouvelle version)
            </button>
            <button type="button" className="secondary" onClick={() => void takeTheirs()} data-testid="conflict-take-theirs">
              Charger la version enregistrée entre-temps
            </button>
          </div>
        </div>
      ) : (
        error && <ErrorBox error={error} />
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !changed || !result?.nbCommunes} data-testid="save-version">
          Enregistrer une nouvelle version
        </button>
        {!changed && result && <span className="muted">Aucun changement par rapport à la version {edit.current!.numero}.</span>}
      </div>
    </form>
  );
}

function CreateForm({ result }: { result: PerimeterCheck | null }) {
  const [, setUrl] = useUrl();
  const ctl = useMap();
  const [nom, setNom] = useState('');
  const [etape, setEtape] = useState<CptsEtape>('pre-projet');
  const [valideDu, setValideDu] = useState(today());
  const [commentaire, setCommentaire] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!result) return;
    setBusy(true);
    setError(null);
    try {
      const w = await createCpts({ nom, etape, valideDu, commentaire, communes: result.communes.map((c) => c.code) });
      leaveNotice(`CPTS « ${w.cpts.nom} » créée : version 1, ${fmtInt(w.version.nbCommunes)} communes, taille ${w.version.bande}.`);
      refreshMap(ctl);
      setUrl({ tab: 'cpts', sel: `cpts:${w.cpts.id}`, edit: null, pc: null });
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError('La création a échoué.', 0));
      setBusy(false);
    }
  };
  return (
    <form className="save-form" onSubmit={(e) => void submit(e)} aria-label="Créer la CPTS" data-testid="create-form">
      <label className="field wide">
        Nom de la CPTS
        <input required minLength={2} maxLength={200} value={nom} onChange={(e) => setNom(e.target.value)} data-testid="create-name" />
      </label>
      <EtapeField value={etape} onChange={setEtape} />
      <NoteFields valideDu={valideDu} setValideDu={setValideDu} commentaire={commentaire} setCommentaire={setCommentaire} />
      {error && <ErrorBox error={error} />}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !result?.nbCommunes} data-testid="create-save">
          Créer la CPTS
        </button>
      </div>
    </form>
  );
}
