// Web imports (admins; ARS users for CPTS files of their région): choose the kind and the file, see the preview
// (rows added, changed and removed per table, every problem with line and field), confirm, follow the progress,
// read the result. Nothing is written before « Appliquer ». Below, the past imports (all for an admin, the région's
// for an ARS user), newest first: one can be opened again, and an interrupted one confirmed again.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Body } from '../../../server/src/api/contract/endpoint.js';
import type { ImportWeb, importList } from '../../../server/src/api/contract/imports.js';
import { ARS_IMPORT_NATURES, CPTS_STATUT_LIBELLES, IMPORT_NATURE_LIBELLES, IMPORT_NATURES, PERIMETRE_LIBELLES, type ImportNature } from '../../../server/src/domain/vocabulary.js';
import { ApiError, getJson, sendFile, sendJson, useApi } from '../api.js';
import { fmtInt, plural } from '../format.js';
import { useSession } from '../session.js';
import { ErrorBox } from '../ui.js';

/** How often the status of an import being applied is read (ms). */
const POLL_MS = 400;
/** Past imports per page of the list. */
const PER_PAGE = 20;

type ImportList = Body<typeof importList>;

export function Imports() {
  const { user } = useSession();
  const natures = user?.role === 'admin' ? IMPORT_NATURES : ARS_IMPORT_NATURES;
  const [nature, setNature] = useState<ImportNature>('cpts');
  const [job, setJob] = useState<ImportWeb>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  // while it is applied, its status is read again until it ends
  useEffect(() => {
    if (job?.etat !== 'en-cours') return;
    const t = setTimeout(() => void getJson<ImportWeb>(`/api/imports/${job.id}`).then(setJob, (e: unknown) => setError(asApiError(e))), POLL_MS);
    return () => clearTimeout(t);
  }, [job]);

  if (!user || (user.role !== 'admin' && user.role !== 'ars')) {
    return <p className="state empty">Les imports sont réservés aux administrateurs et, pour les périmètres de CPTS de leur région, aux comptes ARS.</p>;
  }

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const file = f.get('fichier');
    if (!(file instanceof File) || file.size === 0) return setError(new ApiError('Choisissez un fichier non vide.', 400));
    const query = { nature, fichier: file.name, statut: str(f.get('statut')), perimetre: str(f.get('perimetre')), source: str(f.get('source')) };
    await run(() => sendFile<ImportWeb>('/api/imports', query, file));
  };

  const run = async (fn: () => Promise<ImportWeb>) => {
    setBusy(true);
    setError(undefined);
    try {
      setJob(await fn());
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const reset = () => {
    setJob(undefined);
    setError(undefined);
    form.current?.reset();
  };

  return (
    <section className="imports" data-testid="imports">
      <h2>Importer un fichier</h2>
      <p className="muted">
        Les mêmes contrôles que la ligne de commande (<code>npm run import</code>). Un aperçu montre d’abord ce qui serait ajouté, modifié et supprimé ;
        rien n’est écrit avant « Appliquer l’import ».
      </p>
      <form ref={form} className="import-form" onSubmit={(e) => void submit(e)} aria-label="Fichier à importer">
        <label>
          Nature
          <select name="nature" value={nature} onChange={(e) => setNature(e.target.value as ImportNature)} disabled={!!job} data-testid="import-nature">
            {natures.map((n) => (
              <option key={n} value={n}>
                {IMPORT_NATURE_LIBELLES[n]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Fichier (CSV, GeoJSON, éventuellement .gz)
          <input name="fichier" type="file" required disabled={!!job} data-testid="import-file" />
        </label>
        {nature === 'cpts' && (
          <>
            <label>
              Statut quand le fichier n’en donne pas
              <select name="statut" defaultValue="" disabled={!!job}>
                <option value="">(donné par le fichier)</option>
                {Object.entries(CPTS_STATUT_LIBELLES).map(([k, l]) => (
                  <option key={k} value={k}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Périmètre
              <select name="perimetre" defaultValue="" disabled={!!job} data-testid="import-perimetre">
                <option value="">(d’après le fichier ; officiel par défaut)</option>
                {Object.entries(PERIMETRE_LIBELLES).map(([k, l]) => (
                  <option key={k} value={k}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
        <label>
          Source (facultatif ; par défaut le nom du fichier)
          <input name="source" maxLength={500} disabled={!!job} />
        </label>
        {!job && (
          <button type="submit" className="primary" disabled={busy} data-testid="import-preview">
            {busy ? 'Analyse du fichier…' : 'Voir l’aperçu'}
          </button>
        )}
      </form>
      {error && <ErrorBox error={error} />}
      {job && <Job job={job} busy={busy} confirm={() => void run(() => sendJson<ImportWeb>('POST', `/api/imports/${job.id}/confirmation`))} reset={reset} />}
      <History current={job} open={(id) => void run(() => getJson<ImportWeb>(`/api/imports/${id}`))} />
    </section>
  );
}

const dateTime = (iso: string | null) => (iso ? new Date(iso).toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'short' }) : '—');

/** The past imports, newest first, a page at a time; read again when the import shown changes state. */
function History({ current, open }: { current?: ImportWeb; open: (id: number) => void }) {
  const [page, setPage] = useState(1);
  const list = useApi<ImportList>(`imports:${page}:${current?.id ?? ''}:${current?.etat ?? ''}`, (signal) =>
    getJson<ImportList>('/api/imports', { page, parPage: PER_PAGE }, signal),
  );
  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / list.data.parPage)) : 1;
  return (
    <section className="imports-history" aria-labelledby="imports-history-title" data-testid="imports-history">
      <h3 id="imports-history-title">Imports précédents</h3>
      {list.error && <ErrorBox error={list.error} />}
      {list.data && list.data.total === 0 && <p className="state empty">Aucun import pour le moment.</p>}
      {list.data && list.data.total > 0 && (
        <>
          <table data-testid="imports-list">
            <caption>
              {fmtInt(list.data.total)} import(s), le plus récent d’abord
            </caption>
            <thead>
              <tr>
                <th scope="col">Téléversé le</th>
                <th scope="col">Fichier</th>
                <th scope="col">État</th>
                <th scope="col">
                  <abbr title="Lignes ajoutées">Aj.</abbr>
                </th>
                <th scope="col">
                  <abbr title="Lignes modifiées">Mod.</abbr>
                </th>
                <th scope="col">
                  <abbr title="Lignes supprimées">Sup.</abbr>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.imports.map((i) => (
                <tr key={i.id} data-testid="imports-list-row">
                  <td>{dateTime(i.creeLe)}</td>
                  <td>
                    <button type="button" className="link" onClick={() => open(i.id)} title="Ouvrir cet import" data-testid="imports-list-file">
                      {i.fichier}
                    </button>
                    <br />
                    <small className="muted">
                      {i.natureLibelle}, par {i.auteur}
                    </small>
                  </td>
                  <td title={i.erreur ?? (i.termineLe ? `Terminé le ${dateTime(i.termineLe)}` : undefined)}>
                    <span data-testid="imports-list-state">{i.etatLibelle}</span>
                    {i.problemes > 0 && (
                      <>
                        <br />
                        <small>{plural(i.problemes, 'problème', 'problèmes')}</small>
                      </>
                    )}
                  </td>
                  <td className="num">{fmtInt(i.ajouts)}</td>
                  <td className="num">{fmtInt(i.modifications)}</td>
                  <td className="num">{fmtInt(i.suppressions)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {pages > 1 && (
            <p className="actions">
              <button type="button" className="secondary" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                Plus récents
              </button>{' '}
              Page {page} / {pages}{' '}
              <button type="button" className="secondary" disabled={page >= pages} onClick={() => setPage(page + 1)}>
                Plus anciens
              </button>
            </p>
          )}
        </>
      )}
    </section>
  );
}

const str = (v: FormDataEntryValue | null) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const asApiError = (e: unknown) => (e instanceof ApiError ? e : new ApiError('Import impossible pour le moment.', 0));

function Job({ job, busy, confirm, reset }: { job: ImportWeb; busy: boolean; confirm: () => void; reset: () => void }) {
  const a = job.apercu;
  const done = job.etat === 'applique' || job.etat === 'echec' || job.etat === 'expire';
  const again = job.etat === 'interrompu' && new Date(job.expireLe) > new Date();
  return (
    <div data-testid="import-job">
      <h3>
        {job.natureLibelle} : « {job.fichier} »
      </h3>
      <p role="status" data-testid="import-state">
        {job.etatLibelle}
        {a.lignes !== null && ` — ${plural(a.lignes, 'ligne lue', 'lignes lues')}`}
      </p>
      {a.applicable && <Changes job={job} />}
      {a.problemes.length > 0 && <Problems job={job} />}
      {a.avertissements.length > 0 && (
        <details>
          <summary>{plural(a.avertissements.length, 'avertissement', 'avertissements')}</summary>
          <ul className="warn-list">
            {a.avertissements.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </details>
      )}
      {job.etat === 'en-cours' && (
        <p>
          <progress value={job.progression?.fait ?? 0} max={job.progression?.total || 1} aria-label="Progression de l’import" />{' '}
          {job.progression ? `${job.progression.etape} : ${job.progression.fait} / ${job.progression.total}` : 'démarrage…'}
        </p>
      )}
      {job.etat === 'applique' && (
        <>
          <p className="state" data-testid="import-result">
            Import appliqué (journal n° {job.resultat?.importId}) : les changements ci-dessus sont enregistrés.
          </p>
          <details>
            <summary>Compteurs de l’importeur (comme la ligne de commande)</summary>
            <p className="keys">
              {Object.entries(job.resultat?.compteurs ?? {})
                .map(([k, v]) => `${k} ${fmtInt(v)}`)
                .join(' · ')}
            </p>
          </details>
        </>
      )}
      {(job.etat === 'echec' || job.etat === 'interrompu') && (
        <p className="state error" role="alert" data-testid="import-result">
          {job.resultat?.erreur}
        </p>
      )}
      <div className="actions">
        {job.etat === 'apercu' && a.applicable && (
          <button type="button" className="primary" onClick={confirm} disabled={busy} data-testid="import-confirm">
            Appliquer l’import
          </button>
        )}
        {again && (
          <button type="button" className="primary" onClick={confirm} disabled={busy} data-testid="import-confirm">
            Relancer l’import
          </button>
        )}
        {job.etat !== 'en-cours' && (
          <button type="button" className="secondary" onClick={reset} data-testid="import-reset">
            {done ? 'Importer un autre fichier' : 'Abandonner'}
          </button>
        )}
      </div>
    </div>
  );
}

function Changes({ job }: { job: ImportWeb }) {
  const none = job.apercu.tables.every((t) => t.ajouts + t.modifications + t.suppressions === 0);
  if (none) return <p className="state empty">Ce fichier ne change rien : les données sont déjà celles qu’il contient.</p>;
  return (
    <>
      <table data-testid="import-changes">
        <caption>{job.etat === 'applique' ? 'Changements appliqués' : 'Changements qui seraient appliqués'}</caption>
        <thead>
          <tr>
            <th scope="col">Données</th>
            <th scope="col">Ajouts</th>
            <th scope="col">Modifications</th>
            <th scope="col">Suppressions</th>
          </tr>
        </thead>
        <tbody>
          {job.apercu.tables.map((t) => (
            <tr key={t.table}>
              <th scope="row">{t.libelle}</th>
              <td className="num">{fmtInt(t.ajouts)}</td>
              <td className="num">{fmtInt(t.modifications)}</td>
              <td className="num">{fmtInt(t.suppressions)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {job.apercu.tables.map((t) =>
        (['ajouts', 'modifications', 'suppressions'] as const)
          .filter((k) => t.exemples[k].length > 0)
          .map((k) => (
            <details key={`${t.table}-${k}`}>
              <summary>
                {t.libelle} — {k} ({fmtInt(t[k])})
              </summary>
              <p className="keys">
                {t.exemples[k].join(' · ')}
                {t[k] > t.exemples[k].length && ' …'}
              </p>
            </details>
          )),
      )}
    </>
  );
}

function Problems({ job }: { job: ImportWeb }) {
  const p = job.apercu.problemes;
  return (
    <>
      <p className="state error" role="alert">
        Fichier refusé : {plural(p.length, 'problème', 'problèmes')}. Rien ne sera importé ; corrigez le fichier puis téléversez-le à nouveau.
      </p>
      <table data-testid="import-problems">
        <caption>Problèmes du fichier</caption>
        <thead>
          <tr>
            <th scope="col">Fichier</th>
            <th scope="col">Ligne</th>
            <th scope="col">Champ</th>
            <th scope="col">Problème</th>
          </tr>
        </thead>
        <tbody>
          {p.map((x, i) => (
            <tr key={i}>
              <td>{x.fichier}</td>
              <td className="num">{x.ligne ?? '—'}</td>
              <td>{x.champ ?? '—'}</td>
              <td>{x.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
