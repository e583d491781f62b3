// Pharmacy recruitment in the URPS view (issue 9): the steps recorded for the pharmacy chosen (state, date, note,
// author; the membership recorded with « adhérente », a withdrawal), and for a URPS user of its région (or an
// admin) the form that records a call. Shown only to the users the server gives the pharmacy's recruitment to.
import { useId, useState, type FormEvent } from 'react';
import { ApiError, getRecruitment, recordRecruitment, useApi, type PharmacyRow, type RecruitmentInput, type RecruitmentStep } from '../api.js';
import { fmtDate } from '../format.js';
import { useSession } from '../session.js';
import { Async } from '../ui.js';
import {
  ADHESION_CIBLE_LIBELLES,
  RECRUTEMENT_ETAT_ADHERENTE,
  RECRUTEMENT_ETAT_LIBELLES,
  RECRUTEMENT_ETATS,
  type AdhesionCible,
  type RecrutementEtat,
} from '../../../server/src/domain/vocabulary.js';

export const etatLabel = (e: RecrutementEtat) => RECRUTEMENT_ETAT_LIBELLES[e];

/** Today in the browser's time zone, AAAA-MM-JJ. */
const today = () => new Date().toLocaleDateString('sv-SE');

interface Target {
  key: string;
  cible: AdhesionCible;
  id: string;
  label: string;
}

const keyOf = (cible: AdhesionCible, id: string) => `${cible}:${id}`;

/** What the pharmacy could join: the CPTS of its commune and the nearest structure it can join. */
function targets(p: PharmacyRow): Target[] {
  const out: Target[] = p.cpts.map((c) => ({ key: keyOf('cpts', c.id), cible: 'cpts', id: c.id, label: `CPTS : ${c.nom}` }));
  const s = p.mspCspLaPlusProche;
  if (s) out.push({ key: keyOf('structure', s.finess), cible: 'structure', id: s.finess, label: `${s.type.toUpperCase()} : ${s.nom}` });
  return out;
}

function StepLine({ s }: { s: RecruitmentStep }) {
  return (
    <li data-testid="recruitment-step" data-etat={s.etat}>
      <strong>{etatLabel(s.etat)}</strong> le {fmtDate(s.date)} <span className="muted">par {s.auteur}</span>
      {s.adhesion && <> — adhésion à {s.adhesion.nom ?? s.adhesion.id} depuis le {fmtDate(s.adhesion.date)}</>}
      {s.retrait && (
        <>
          {' '}
          — fin de l’adhésion à {s.retrait.nom ?? s.retrait.id}
          {s.retrait.depuis && <> (depuis le {fmtDate(s.retrait.depuis)})</>}
        </>
      )}
      {s.note && <p className="recruitment-note">{s.note}</p>}
    </li>
  );
}

export function RecruitmentSection({ p, onRecorded }: { p: PharmacyRow; onRecorded: () => void }) {
  const { user, canWrite } = useSession();
  const history = useApi(p.recrutement ? `recrutement:${p.finess}` : null, (s) => getRecruitment(p.finess, s));
  if (!p.recrutement) return null;
  const canRecord = !!user && (user.role === 'urps' || user.role === 'admin') && canWrite(p.commune.region);
  return (
    <section className="recruitment" data-testid="recruitment" aria-labelledby={`recr-${p.finess}`}>
      <h4 id={`recr-${p.finess}`}>
        Recrutement : <span data-testid="recruitment-state">{etatLabel(p.recrutement.etat)}</span>
      </h4>
      <p className="muted">États et notes visibles des seuls comptes URPS et ARS de la région.</p>
      {canRecord && (
        <RecordForm
          p={p}
          onDone={() => {
            history.reload();
            onRecorded();
          }}
        />
      )}
      <Async state={history} what="de l’historique du recrutement">
        {(h) =>
          h.etapes.length === 0 ? (
            <p className="muted">Aucune étape enregistrée.</p>
          ) : (
            <ol className="plain" data-testid="recruitment-history" aria-label="Historique du recrutement, le plus récent d’abord">
              {h.etapes.map((s) => (
                <StepLine key={s.id} s={s} />
              ))}
            </ol>
          )
        }
      </Async>
    </section>
  );
}

function RecordForm({ p, onDone }: { p: PharmacyRow; onDone: () => void }) {
  const id = useId();
  const choices = targets(p);
  const [etat, setEtat] = useState<RecrutementEtat>(p.recrutement?.etat === 'a-contacter' ? 'contactee' : (p.recrutement?.etat ?? 'contactee'));
  const [date, setDate] = useState(today);
  const [note, setNote] = useState('');
  const [target, setTarget] = useState(choices[0]?.key ?? '');
  const [otherCpts, setOtherCpts] = useState('');
  const [withdraw, setWithdraw] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const adherente = etat === RECRUTEMENT_ETAT_ADHERENTE;
  const joined = (): RecruitmentInput['adhesion'] => {
    if (!adherente) return undefined;
    if (target === 'autre') return { cible: 'cpts', id: otherCpts.trim() };
    const t = choices.find((c) => c.key === target);
    return t && { cible: t.cible, id: t.id };
  };
  const ended = (): RecruitmentInput['retrait'] => {
    const a = p.adhesions.find((x) => keyOf(x.cible, x.id) === withdraw);
    return a && { cible: a.cible, id: a.id };
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      // today's date is left to the server (its day, whatever the browser's time zone)
      await recordRecruitment(p.finess, { etat, date: date === today() ? undefined : date, note: note.trim() || undefined, adhesion: joined(), retrait: ended() });
      setNote('');
      setWithdraw('');
      setDone(`Étape « ${etatLabel(etat)} » enregistrée.`);
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="recruitment-form" onSubmit={(e) => void submit(e)} aria-label="Enregistrer un appel" data-testid="recruitment-form">
      <label htmlFor={`${id}-etat`}>État</label>
      <select id={`${id}-etat`} value={etat} onChange={(e) => setEtat(e.target.value as RecrutementEtat)} data-testid="recruitment-etat">
        {RECRUTEMENT_ETATS.map((s) => (
          <option key={s} value={s}>
            {etatLabel(s)}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-date`}>Date</label>
      <input id={`${id}-date`} type="date" value={date} max={today()} required onChange={(e) => setDate(e.target.value)} data-testid="recruitment-date" />
      {adherente && (
        <>
          <label htmlFor={`${id}-cible`}>Adhésion à</label>
          <select id={`${id}-cible`} value={target} onChange={(e) => setTarget(e.target.value)} data-testid="recruitment-target">
            {choices.map((c) => (
              <option key={c.key} value={c.key}>
                {c.label}
              </option>
            ))}
            <option value="autre">autre {ADHESION_CIBLE_LIBELLES.cpts} (identifiant)</option>
          </select>
          {target === 'autre' && (
            <>
              <label htmlFor={`${id}-autre`}>Identifiant de la CPTS</label>
              <input id={`${id}-autre`} value={otherCpts} required onChange={(e) => setOtherCpts(e.target.value)} />
            </>
          )}
        </>
      )}
      {p.adhesions.length > 0 && (
        <>
          <label htmlFor={`${id}-retrait`}>Fin d’une adhésion</label>
          <select id={`${id}-retrait`} value={withdraw} onChange={(e) => setWithdraw(e.target.value)} data-testid="recruitment-withdraw">
            <option value="">aucune</option>
            {p.adhesions.map((a) => (
              <option key={keyOf(a.cible, a.id)} value={keyOf(a.cible, a.id)}>
                {a.nom ?? a.id}
              </option>
            ))}
          </select>
        </>
      )}
      <label htmlFor={`${id}-note`}>Note</label>
      <textarea id={`${id}-note`} value={note} maxLength={2000} rows={3} onChange={(e) => setNote(e.target.value)} data-testid="recruitment-note" />
      <button type="submit" disabled={busy} data-testid="recruitment-submit">
        Enregistrer
      </button>
      {error && (
        <p className="state error" role="alert">
          {error}
        </p>
      )}
      <p role="status" className="muted">
        {done}
      </p>
    </form>
  );
}
