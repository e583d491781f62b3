// The conciliation of the selected overlapping pair: its current decision and history for everyone; for an ARS user
// of the région of the disputed communes (or an admin), a form to record a decision with a note, and the arbitration:
// each disputed commune to A or B, a summary to confirm, then both perimeters rewritten at once by the server.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { OverlapArbitrateResponse, OverlapDecideResponse, OverlapDecision, OverlapDecisionsResponse } from '../../../server/src/api/contract/conciliation.js';
import { DECISION_LIBELLES, DECISIONS_POSEES } from '../../../server/src/domain/vocabulary.js';
import { ApiError, getHistory, getJson, sendJson, useApi, type OverlapPair } from '../api.js';
import { useAsOf } from '../as-of.js';
import { fmtInt, plural } from '../format.js';
import { useSession } from '../session.js';
import { Async } from '../ui.js';

const pairPath = (p: OverlapPair) => `/api/overlaps/${encodeURIComponent(p.a.id)}/${encodeURIComponent(p.b.id)}`;
const fmtDay = (d: string | null) => (d ? new Date(`${d}T12:00:00`).toLocaleDateString('fr-FR') : '');
const today = () => new Date().toLocaleDateString('sv-SE');
const message = (e: unknown) => (e instanceof ApiError ? e.message : 'Enregistrement impossible pour le moment.');

function DecisionLine({ d }: { d: OverlapDecision }) {
  return (
    <>
      <strong className={`decision decision-${d.decision}`}>{d.libelle}</strong>
      {d.date && <> le {fmtDay(d.date)}</>}
      {d.auteur && <span className="muted"> — {d.auteur}</span>}
      {d.note && (
        <p className="decision-note" data-testid="decision-note">
          {d.note}
        </p>
      )}
    </>
  );
}

/** `onChange` after a write: the matrix reloads (an arbitrated pair leaves it); `notice` says what was done. */
export function Conciliation({ pair, onChange }: { pair: OverlapPair; onChange: (notice: string) => void }) {
  const { user, canWrite } = useSession();
  const [tick, setTick] = useState(0);
  // as of the map's day: the decision in force then and the decisions taken by then; decided on today only
  const date = useAsOf();
  const state = useApi(`decisions:${pair.a.id}|${pair.b.id}:${tick}:${user?.id ?? ''}:${date ?? ''}`, (s) =>
    getJson<OverlapDecisionsResponse>(`${pairPath(pair)}/decisions`, { date }, s),
  );
  const done = (notice: string) => {
    setTick((t) => t + 1);
    onChange(notice);
  };
  return (
    <section aria-labelledby="conciliation-title" data-testid="conciliation">
      <h4 id="conciliation-title">Conciliation</h4>
      <Async state={state} what="des décisions">
        {(d) => (
          <>
            <div data-testid="decision-current">
              {date ? `Décision au ${fmtDay(date)}` : 'Décision'} : <DecisionLine d={d.actuelle} />
            </div>
            {d.historique.length > 1 && (
              <details>
                <summary>Historique ({d.historique.length} décisions)</summary>
                <ol className="plain" data-testid="decision-history">
                  {d.historique.map((h, i) => (
                    <li key={i}>
                      <DecisionLine d={h} />
                    </li>
                  ))}
                </ol>
              </details>
            )}
            {date ? (
              user && (
                <p className="muted" data-testid="decision-dated">
                  Carte à une date passée : revenez à aujourd’hui pour enregistrer une décision.
                </p>
              )
            ) : user && d.regions.length > 0 && d.regions.every(canWrite) ? (
              <>
                <DecisionForm pair={pair} onDone={done} />
                <Arbitration pair={pair} onDone={done} />
              </>
            ) : (
              user?.role === 'ars' && (
                <p className="muted">
                  Les décisions sur cette paire reviennent à l’ARS de la région {d.regions.join(' et ')}
                  {d.regions.length > 1 ? ' (communes de deux régions : un administrateur)' : ''}.
                </p>
              )
            )}
          </>
        )}
      </Async>
    </section>
  );
}

function DecisionForm({ pair, onDone }: { pair: OverlapPair; onDone: (notice: string) => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    setBusy(true);
    setError(undefined);
    try {
      const note = String(f.get('note') ?? '').trim();
      const r = await sendJson<OverlapDecideResponse>('POST', `${pairPath(pair)}/decisions`, {
        decision: f.get('decision'),
        date: f.get('date') || undefined,
        ...(note ? { note } : {}),
      });
      form.reset();
      onDone(`Décision enregistrée : ${r.decision.libelle}.`);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="decision-form" onSubmit={(e) => void submit(e)} aria-label="Enregistrer une décision" data-testid="decision-form">
      <label>
        Décision
        <select name="decision" defaultValue="en-conciliation" required>
          {DECISIONS_POSEES.map((d) => (
            <option key={d} value={d}>
              {DECISION_LIBELLES[d]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Date de la décision
        <input type="date" name="date" max={today()} defaultValue={today()} />
      </label>
      <label className="span-all">
        Note (visible des comptes ARS et administrateurs seulement)
        <textarea name="note" maxLength={4000} />
      </label>
      {error && (
        <p className="state error span-all" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Enregistrement…' : 'Enregistrer la décision'}
      </button>
    </form>
  );
}

function Arbitration({ pair, onDone }: { pair: OverlapPair; onDone: (notice: string) => void }) {
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [note, setNote] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // the perimeters' versions the arbitration is prepared on, read when it opens: if either changes before the
  // confirmation, the server answers 409 (without them, only the disputed communes are checked)
  const heads = useRef<Promise<Record<string, number> | undefined>>(undefined);
  useEffect(() => {
    if (!open) return;
    const head = (id: string) => getHistory(id).then((h) => [id, Math.max(...h.versions.map((v) => v.numero))] as const);
    heads.current = Promise.all([head(pair.a.id), head(pair.b.id)]).then(Object.fromEntries, () => undefined);
  }, [open, pair.a.id, pair.b.id]);
  const complete = pair.communes.every((c) => choice[c.code]);
  const losing = (side: OverlapPair['a']) => pair.communes.filter((c) => choice[c.code] && choice[c.code] !== side.id);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const versionsAttendues = await heads.current;
      const r = await sendJson<OverlapArbitrateResponse>('POST', `${pairPath(pair)}/arbitrage`, {
        attributions: choice,
        ...(note.trim() ? { note } : {}),
        ...(versionsAttendues ? { versionsAttendues } : {}),
      });
      onDone(`Arbitrage enregistré : ${r.perimetres.map((p) => `${p.id} compte désormais ${plural(p.nbCommunes, 'commune', 'communes')}`).join(' ; ')}.`);
    } catch (err) {
      setError(message(err));
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)} data-testid="arbitration-open">
        Arbitrer : attribuer chaque commune partagée
      </button>
    );
  }
  return (
    <form className="arbitration" aria-label="Arbitrage" data-testid="arbitration" onSubmit={(e) => (e.preventDefault(), setConfirming(true))}>
      <p className="muted">Chaque commune partagée va à l’une des deux CPTS ; l’autre la perd. Les deux périmètres sont réécrits ensemble.</p>
      {pair.communes.map((c) => (
        <fieldset key={c.code} data-testid="arbitration-commune">
          <legend>
            {c.nom} ({c.code}), {fmtInt(c.population)} hab.
          </legend>
          {([pair.a, pair.b] as const).map((side, i) => (
            <label key={side.id} className="radio">
              <input
                type="radio"
                name={`commune-${c.code}`}
                value={side.id}
                required
                checked={choice[c.code] === side.id}
                onChange={() => (setChoice({ ...choice, [c.code]: side.id }), setConfirming(false))}
              />
              {i === 0 ? 'A' : 'B'} : {side.nom}
            </label>
          ))}
        </fieldset>
      ))}
      <label>
        Note de l’arbitrage (visible des comptes ARS et administrateurs seulement)
        <textarea value={note} onChange={(e) => setNote(e.target.value)} maxLength={4000} />
      </label>
      {error && (
        <p className="state error" role="alert">
          {error}
        </p>
      )}
      {confirming && complete ? (
        <div className="detail" role="group" aria-labelledby="arbitration-summary" data-testid="arbitration-confirm">
          <p id="arbitration-summary">
            {[pair.a, pair.b]
              .map((side) => {
                const lost = losing(side);
                return lost.length ? `${side.nom} perd ${lost.map((c) => c.nom).join(', ')}` : `${side.nom} garde toutes ses communes`;
              })
              .join(' ; ')}
            .
          </p>
          <div className="actions">
            <button type="button" onClick={() => void confirm()} disabled={busy} autoFocus>
              {busy ? 'Arbitrage…' : 'Confirmer l’arbitrage'}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Revenir
            </button>
          </div>
        </div>
      ) : (
        <div className="actions">
          <button type="submit">Vérifier l’arbitrage</button>
          <button type="button" className="secondary" onClick={() => setOpen(false)}>
            Annuler
          </button>
        </div>
      )}
    </form>
  );
}
