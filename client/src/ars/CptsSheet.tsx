// CPTS list and the sheet of one CPTS (printable on A4 with a picture of the map), as of the planner's day; for ARS
// users of its région and admins, its register (versions, steps) and the way into editing it or creating one.
import { useEffect, useRef, useState } from 'react';
import { getCpts, getCptsCommunes, listCpts, useApi, type CptsSheet as Sheet, type CptsSummary } from '../api.js';
import { areaKey, useArea } from '../Area.js';
import { fmtDate, fmtDec, fmtInt, plural } from '../format.js';
import { bboxOf } from '../geometry.js';
import { STRUCTURE_TYPES } from '../map.js';
import { useLayerState } from '../map-state.js';
import { useMap } from '../MapView.js';
import { printWithMap, sheetPicture } from '../print.js';
import { useSession } from '../session.js';
import { Async, Empty, Sources, SortTable, type Column } from '../ui.js';
import { parseSel, useUrl } from '../url.js';
import { useAsOf } from '../as-of.js';
import { CptsRegister } from './CptsHistory.js';
import { canEditCpts, takeNotice } from './register.js';

const euros = (n: number | null) => (n === null ? 'non indiqué par la source' : `${fmtInt(n)} €`);

const LIST_COLUMNS: Column<CptsSummary>[] = [
  {
    key: 'nom',
    label: 'CPTS',
    value: (c) => c.nom,
    render: (c) => (
      <>
        {c.nom}
        {c.perimetreNonOfficiel && <span className="badge-warn">{c.perimetre}</span>}
      </>
    ),
  },
  { key: 'statut', label: 'Statut', value: (c) => c.statutLibelle },
  { key: 'pop', label: 'Habitants', value: (c) => c.population, numeric: true, render: (c) => fmtInt(c.population) },
  { key: 'bande', label: 'Taille', value: (c) => c.bande, render: (c) => (c.avertissementSeuil ? `${c.bande} ⚠` : c.bande) },
  { key: 'ov', label: 'Chev.', value: (c) => c.nbCptsEnChevauchement, numeric: true, render: (c) => fmtInt(c.nbCptsEnChevauchement) },
];

export function CptsTab() {
  const [url] = useUrl();
  const sel = parseSel(url.get('sel'));
  return sel?.kind === 'cpts' ? <CptsSheetView id={sel.id} /> : <CptsList />;
}

function CptsList() {
  const area = useArea();
  const [, setUrl] = useUrl();
  const state = useApi(`cpts:${areaKey(area)}`, (s) => listCpts(area, s));
  const { user } = useSession();
  const creates = !area.date && (user?.role === 'ars' || user?.role === 'admin');
  return (
    <>
    {creates && (
      <div className="actions">
        <button type="button" className="primary" onClick={() => setUrl({ tab: 'perimeter', edit: 'nouvelle', pc: null, sel: null })} data-testid="cpts-create">
          Créer une CPTS
        </button>
      </div>
    )}
    <Async state={state} what="des CPTS">
      {(d) =>
        d.nombre === 0 ? (
          <Empty>Aucune CPTS enregistrée sur ce territoire.</Empty>
        ) : (
          <>
            <p data-testid="cpts-count" data-count={d.nombre}>
              <strong>{fmtInt(d.nombre)}</strong> CPTS. Choisissez-en une (ici ou sur la carte) pour ouvrir sa fiche.
            </p>
            <SortTable
              rows={d.cpts}
              columns={LIST_COLUMNS}
              rowKey={(c) => c.id}
              initialSort={{ key: 'nom' }}
              onSelect={(c) => setUrl({ sel: `cpts:${c.id}` })}
              testId="cpts-table"
              rowTestId="cpts-row"
            />
            <p className="muted">⚠ : population à moins de 5 % d’un seuil de taille ACI.</p>
            <Sources sources={d.sources} />
          </>
        )
      }
    </Async>
    </>
  );
}

function CptsSheetView({ id }: { id: string }) {
  const ctl = useMap();
  const [url, setUrl] = useUrl();
  const date = useAsOf();
  const state = useApi(`cpts-sheet:${id}:${date ?? ''}`, (s) => getCpts(id, date, s));
  const { user } = useSession();
  // the outcome of the save that led here, until the next write or another day
  const [notice, setNotice] = useState(() => {
    const text = takeNotice();
    return text ? { text, date } : null;
  });
  // a revert changes the communes: the map's highlight follows
  const [writes, setWrites] = useState(0);
  const written = () => {
    setNotice(null);
    state.reload();
    setWrites((n) => n + 1);
  };
  const [snapshot, setSnapshot] = useState<string | null>(null);
  const extent = useRef<[number, number, number, number] | undefined>(undefined);
  // the layers on screen when the picture is taken (read by the effect, which must not rerun when they change)
  const { visible } = useLayerState();
  const visibleRef = useRef(visible);
  useEffect(() => {
    visibleRef.current = visible;
  });
  // an open diff of two versions frames the map itself, on the change and the perimeter (CptsHistory); closed, it
  // leaves the map to the CPTS again
  const diff = url.get('diff');
  const diffOpen = useRef(diff !== null);
  useEffect(() => {
    if (diffOpen.current && diff === null && extent.current) ctl?.fitBounds(extent.current, 11);
    diffOpen.current = diff !== null;
  }, [ctl, diff]);

  // highlight the CPTS and its communes, and frame them
  useEffect(() => {
    if (!ctl) return;
    const ac = new AbortController();
    let cancelPicture = () => {};
    setSnapshot(null);
    ctl.highlightCpts([id]);
    getCptsCommunes(id, ac.signal).then(
      (fc) => {
        // today's members; a past day's come from the sheet of that day (below)
        if (!date) ctl.highlightCommunes(fc.features.map((f) => String(f.properties?.code)));
        const b = bboxOf(fc.features.map((f) => f.geometry));
        extent.current = b;
        if (!b) return;
        if (!diffOpen.current) ctl.fitBounds(b, 11);
        cancelPicture = sheetPicture(ctl, visibleRef.current, setSnapshot);
      },
      () => {},
    );
    return () => {
      ac.abort();
      cancelPicture();
      ctl.highlightCpts([]);
      ctl.highlightCommunes([]);
    };
  }, [ctl, id, writes, date]);
  const datedMembers = date ? state.data?.communes.map((m) => m.code).join(',') : undefined;
  useEffect(() => {
    if (ctl && datedMembers !== undefined) ctl.highlightCommunes(datedMembers ? datedMembers.split(',') : []);
  }, [ctl, datedMembers]);

  // the picture taken when the sheet was framed, or one taken now (the map was not drawn yet)
  const print = () => (snapshot ? window.print() : printWithMap(ctl, extent.current, setSnapshot));

  return (
    <>
      <div className="actions no-print">
        <button type="button" className="link" onClick={() => setUrl({ sel: null })}>
          ← Toutes les CPTS
        </button>
        {state.data && (
          <button type="button" className="primary" onClick={print} data-testid="print-sheet">
            Imprimer la fiche
          </button>
        )}
        {state.data && !date && canEditCpts(user, state.data.regions) && (
          <button
            type="button"
            className="secondary"
            onClick={() => setUrl({ tab: 'perimeter', edit: id, base: null, diff: null, sel: null, pc: state.data!.communes.map((m) => m.code).join(',') })}
            data-testid="cpts-edit"
          >
            Modifier le périmètre
          </button>
        )}
      </div>
      {notice && notice.date === date && (
        <p className="state ok" role="status" data-testid="cpts-notice">
          {notice.text}
        </p>
      )}
      <Async state={state} what="de la fiche">
      {(c) => (
        <article className="sheet" data-testid="cpts-sheet">
          <p className="print-only print-head">Fiche CPTS — imprimée le {new Date().toLocaleDateString('fr-FR')}</p>
          <h2>{c.nom}</h2>
          <p className="muted">
            {c.statutLibelle} · {c.finess ? `FINESS ${c.finess}` : `identifiant ${c.id}`}
            {c.siege && ` · siège : ${c.siege.nom ?? c.siege.code}`}
            {c.dateOuverture && ` · ouverte le ${fmtDate(c.dateOuverture)}`}
          </p>
          {c.perimetreNonOfficiel && (
            <p className="warn" data-testid="perimeter-warning">
              {c.perimetreLibelle}. Les chiffres ci-dessous dépendent de ce périmètre.
            </p>
          )}
          {snapshot && <img className="print-map print-only" src={snapshot} alt={`Carte du périmètre de ${c.nom}`} data-testid="cpts-print-map" />}
          <Figures c={c} />
          {c.avertissementSeuil && (
            <p className="warn" data-testid="threshold-warning">
              {c.avertissementSeuil.message}
            </p>
          )}
          {canEditCpts(user, c.regions) && <CptsRegister c={c} editable={!date} onWritten={written} />}
          <section>
            <h3>Enveloppe ACI (taille {c.taille})</h3>
            <p>
              Financement total : <strong>{euros(c.aci.financementTotalEur)}</strong>
              {c.aci.aideFonctionnementAnnuelleEur.min !== null &&
                ` ; aide annuelle au fonctionnement de ${fmtInt(c.aci.aideFonctionnementAnnuelleEur.min)} à ${fmtInt(c.aci.aideFonctionnementAnnuelleEur.max)} € selon la population.`}
            </p>
            <ul className="notes">
              {c.aci.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
              <li>Source : {c.aci.source}</li>
            </ul>
          </section>
          {c.chevauchements.length > 0 && (
            <section>
              <h3>Chevauchements</h3>
              <ul className="plain">
                {c.chevauchements.map((p) => {
                  const other = p.a.id === c.id ? p.b : p.a;
                  return (
                    <li key={other.id}>
                      <button type="button" className="link" onClick={() => setUrl({ sel: `cpts:${other.id}` })}>
                        {other.nom}
                      </button>{' '}
                      : {plural(p.nbCommunes, 'commune partagée', 'communes partagées')}, {fmtInt(p.population)} hab. (
                      {p.communes.map((x) => (x.libelle ? `${x.nom} — ${x.libelle}` : x.nom)).join(', ')})
                    </li>
                  );
                })}
              </ul>
            </section>
          )}
          <section>
            <h3>Communes membres ({fmtInt(c.nbCommunes)})</h3>
            <SortTable
              rows={c.communes}
              columns={[
                { key: 'nom', label: 'Commune', value: (m) => m.nom, render: (m) => `${m.nom} (${m.code})` },
                { key: 'pop', label: 'Habitants', value: (m) => m.population, numeric: true, render: (m) => fmtInt(m.population) },
                { key: 'zone', label: 'Zonage', value: (m) => (m.zone ?? '') },
                {
                  key: 'autres',
                  label: 'Autres CPTS',
                  value: (m) => m.autresCpts.length,
                  numeric: true,
                  render: (m) => (m.autresCpts.length ? fmtInt(m.autresCpts.length) : ''),
                },
              ]}
              rowKey={(m) => m.code}
              initialSort={{ key: 'pop', desc: true }}
              testId="cpts-communes"
              rowTestId="cpts-commune-row"
            />
          </section>
          <section>
            <h3>Structures d’exercice coordonné ({fmtInt(c.structuresListe.length)})</h3>
            {c.structuresListe.length === 0 ? (
              <p className="muted">Aucune MSP, centre de santé médical ou ESP ouvert enregistré dans ces communes.</p>
            ) : (
              <ul className="plain" data-testid="cpts-structures">
                {c.structuresListe.map((s) => (
                  <li key={s.finess}>
                    {s.nom} — {STRUCTURE_TYPES.find((t) => t.id === s.type)?.label ?? s.type}
                    {s.communeNom && `, ${s.communeNom}`}
                  </li>
                ))}
              </ul>
            )}
          </section>
          {c.autresCentresListe.length > 0 && (
            <section>
              <h3>Autres centres de santé ({fmtInt(c.autresCentresListe.length)}), que l’officine ne peut pas rejoindre</h3>
              <ul className="plain" data-testid="cpts-other-centres">
                {c.autresCentresListe.map((s) => (
                  <li key={s.finess}>
                    {s.nom} — {s.sousTypeLibelle}
                    {s.communeNom && `, ${s.communeNom}`}
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section>
            <h3>Bassins de vie couverts ({fmtInt(c.bassinsVie.length)})</h3>
            {c.bassinsVie.length === 0 ? (
              <p className="muted">Bassins de vie non importés.</p>
            ) : (
              <ul className="plain" data-testid="cpts-bassins">
                {c.bassinsVie.map((b) => (
                  <li key={b.code}>
                    {b.nom} ({b.code}) : {fmtInt(b.nbCommunes)} commune{b.nbCommunes > 1 ? 's' : ''} membre{b.nbCommunes > 1 ? 's' : ''}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section>
            <h3>
              Officines ({fmtInt(c.pharmacies.dansLePerimetre)} dans le périmètre, {fmtInt(c.pharmacies.adherentes)} adhérente
              {c.pharmacies.adherentes > 1 ? 's' : ''})
            </h3>
            <ul className="plain cols" data-testid="cpts-pharmacies">
              {c.pharmaciesListe.map((p) => (
                <li key={p.finess}>
                  {p.nom}
                  {p.communeNom && `, ${p.communeNom}`}
                  {p.adherente && <strong> — adhérente</strong>}
                </li>
              ))}
            </ul>
          </section>
          {c.notes.length > 0 && (
            <ul className="notes">
              {c.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
          <p className="muted" data-testid="cpts-attribution">
            Source du périmètre : {c.attribution}
          </p>
          <Sources sources={c.sources} />
        </article>
      )}
      </Async>
    </>
  );
}

function Figures({ c }: { c: Sheet }) {
  const gp = c.offreMg;
  return (
    <div className="figures" data-testid="cpts-figures">
      <div className="figure">
        <span className="v" data-testid="cpts-population">
          {fmtInt(c.population)}
        </span>
        <span className="k">habitants{c.populationAnnee ? ` (INSEE ${c.populationAnnee})` : ''}</span>
      </div>
      <div className="figure">
        <span className="v" data-testid="cpts-band">
          {c.bande}
        </span>
        <span className="k">
          taille ACI ({fmtInt(c.populationMin)}
          {c.populationMaxExclue ? ` à ${fmtInt(c.populationMaxExclue)}` : ' et plus'} hab.)
        </span>
      </div>
      <div className="figure">
        <span className="v">{fmtInt(c.nbCommunes)}</span>
        <span className="k">communes, {fmtDec(c.superficieKm2)} km²</span>
      </div>
      <div className="figure">
        <span className="v">{gp.densitePour10000 === null ? (gp.nbGeneralistes ?? '—') : fmtDec(gp.densitePour10000)}</span>
        <span className="k">
          {gp.densitePour10000 === null ? 'généralistes' : 'généralistes pour 10 000 hab.'}
          {gp.estProxy ? ' (indicateur approché)' : ''}
        </span>
      </div>
      <div className="figure">
        <span className="v">{fmtInt(c.structures.total)}</span>
        <span className="k" data-testid="cpts-structure-counts">
          structures à rejoindre : MSP {c.structures.msp}, centres de santé médicaux {c.structures.csp}, ESP{' '}
          {c.structures.esp ?? c.structures.espLibelle}
          {c.structures.autresCentres > 0 && ` ; autres centres de santé (listés à part) ${c.structures.autresCentres}`}
        </span>
      </div>
      <div className="figure">
        <span className="v">{fmtInt(c.nbCptsEnChevauchement)}</span>
        <span className="k">CPTS en chevauchement</span>
      </div>
      {gp.notes.length > 0 && (
        <ul className="notes span-all">
          {gp.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
