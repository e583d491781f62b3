// The pharmacist: find my pharmacy or my commune (or click the map) → the CPTS covering it, the nearest
// structures, what joining unlocks here, whom to contact; and the guide comparing ESP, MSP, CSP and CPTS.
import { useEffect } from 'react';
import { getNearby, useApi, type Nearby, type NearbyTarget } from '../api.js';
import { fmtInt, fmtKm } from '../format.js';
import { frame, cptsOutlines } from '../frame.js';
import { P, PHARMACY_STATUSES, STRUCTURE_TYPES } from '../map.js';
import { useMap, useMapClick } from '../MapView.js';
import { SearchBox } from '../SearchBox.js';
import { Async, onTabKeys, Sources, tabIndexOf } from '../ui.js';
import { parseSel, useUrl, type Selection } from '../url.js';
import { CPTS_STATUT_LIBELLES, fullAddress } from '../../../server/src/domain/vocabulary.js';
import { Guide } from './Guide.js';

function targetOf(sel: Selection | undefined): NearbyTarget | null {
  if (sel?.kind === 'pharmacie') return { finess: sel.id };
  if (sel?.kind === 'commune') return { commune: sel.id };
  if (sel?.kind === 'point') {
    const [lon, lat] = sel.id.split(',').map(Number);
    if (Number.isFinite(lon) && Number.isFinite(lat)) return { lon: lon!, lat: lat! };
  }
  return null;
}

export function PharmacistPanel() {
  const [url, setUrl] = useUrl();
  const tab = url.get('tab') === 'guide' ? 'guide' : 'ici';
  const sel = parseSel(url.get('sel'));
  const target = targetOf(sel);

  // a click on a pharmacy asks about it; anywhere else, about that point
  useMapClick((ll, pick) => {
    if (pick?.layer === 'pharmacies') setUrl({ tab: null, sel: `pharmacie:${String(pick.properties[P.pharmacyId])}` });
    else setUrl({ tab: null, sel: `point:${ll.lng.toFixed(5)},${ll.lat.toFixed(5)}` });
  });

  useEffect(() => {
    document.querySelector('.layout')?.classList.toggle('wide-panel', tab === 'guide');
    return () => document.querySelector('.layout')?.classList.remove('wide-panel');
  }, [tab]);

  return (
    <div className="journey" data-testid="journey-pharmacien-panel">
      <h1>Pharmacien</h1>
      <div className="tabs" role="tablist" aria-label="Vues du pharmacien" onKeyDown={onTabKeys}>
        <button type="button" role="tab" aria-selected={tab === 'ici'} tabIndex={tabIndexOf(tab === 'ici')} onClick={() => setUrl({ tab: null })} data-testid="tab-ici">
          Mon officine, ma commune
        </button>
        <button type="button" role="tab" aria-selected={tab === 'guide'} tabIndex={tabIndexOf(tab === 'guide')} onClick={() => setUrl({ tab: 'guide' })} data-testid="tab-guide">
          ESP, MSP, CSP ou CPTS ?
        </button>
      </div>
      {tab === 'guide' ? (
        <Guide />
      ) : (
        <>
          <div className="local-search">
            <p>
              <strong>Cherchez votre officine</strong> (nom ou n° FINESS) <strong>ou votre commune</strong>, ou cliquez sur la carte.
            </p>
            <SearchBox
              types={['pharmacie', 'commune']}
              placeholder="Officine, n° FINESS ou commune…"
              testId="pharmacist-search"
              onPick={(p) => setUrl({ sel: `${p.type}:${p.id}` })}
            />
          </div>
          {target ? <NearbyView target={target} /> : <p className="state empty">Rien de choisi pour l’instant.</p>}
        </>
      )}
    </div>
  );
}

function NearbyView({ target }: { target: NearbyTarget }) {
  const ctl = useMap();
  const [, setUrl] = useUrl();
  const key = JSON.stringify(target);
  const state = useApi(`nearby:${key}`, (s) => getNearby(target, s));
  const d = state.data;

  // the origin point, the CPTS and the nearest sites on the map
  useEffect(() => {
    if (!ctl || !d) return;
    const sites = [...d.plusProches.msp, ...d.plusProches.csp, ...d.plusProches.esp];
    ctl.setPoint(d.origine.position ? { lng: d.origine.position.lon, lat: d.origine.position.lat } : null);
    ctl.highlightCpts(d.cpts.map((c) => c.id));
    ctl.highlightStructures(sites.map((s) => s.finess));
    ctl.highlightPharmacies(d.pharmacie ? [d.pharmacie.finess] : []);
    // the point asked about, every structure the panel lists and the CPTS covering it, all in view
    const ac = new AbortController();
    const pts = [d.origine.position, ...sites.map((s) => s.position)];
    frame(ctl, [], pts);
    cptsOutlines(d.cpts, ac.signal).then((g) => frame(ctl, g, pts, ac.signal), () => {});
    return () => {
      ac.abort();
      ctl.setPoint(null);
      ctl.highlightCpts([]);
      ctl.highlightStructures([]);
      ctl.highlightPharmacies([]);
    };
  }, [ctl, d]);

  return (
    <Async state={state} what="des informations">
      {(n) => <NearbyBody n={n} openCpts={(id) => setUrl({ j: 'ars', tab: 'cpts', sel: `cpts:${id}` })} />}
    </Async>
  );
}

const ELIGIBLE: Record<string, { label: string; cls: string }> = {
  oui: { label: 'accessible ici', cls: 'ok' },
  non: { label: 'pas dans cette zone', cls: 'no' },
  'zonage inconnu': { label: 'selon le zonage (inconnu)', cls: 'unknown' },
};

function NearbyBody({ n, openCpts }: { n: Nearby; openCpts: (id: string) => void }) {
  const ctl = useMap();
  const ph = n.pharmacie;
  return (
    <div data-testid="nearby">
      <section>
        {ph ? (
          <>
            <h2 data-testid="nearby-title">{ph.nom}</h2>
            <p className="muted">
              FINESS {ph.finess} · {fullAddress(ph.adresse, ph.codePostal, n.commune.nom)}
            </p>
            <p>
              Statut : <strong>{PHARMACY_STATUSES.find((s) => s.id === ph.statut)?.label ?? ph.statut}</strong>
              {ph.adhesions.length > 0 && <> — adhère à {ph.adhesions.map((a) => a.nom ?? a.id).join(', ')}</>}
            </p>
          </>
        ) : (
          <h2 data-testid="nearby-title">
            {n.commune.nom} ({n.commune.code})
          </h2>
        )}
        <p className="muted">
          {n.commune.nom}, {n.commune.departement.nom} ({n.commune.departement.code}), {fmtInt(n.commune.population)} habitants. {n.origine.explication}
        </p>
      </section>

      <section data-testid="nearby-cpts">
        <h3>CPTS du territoire</h3>
        {n.cpts.length === 0 ? (
          <p className="warn">Aucune CPTS ne couvre cette commune : un projet de CPTS reste à construire ici (voir « Qui contacter »).</p>
        ) : (
          <ul className="plain">
            {n.cpts.map((c) => (
              <li key={c.id}>
                <button type="button" className="link" onClick={() => openCpts(c.id)}>
                  {c.nom}
                </button>{' '}
                — {CPTS_STATUT_LIBELLES[c.statut]}
                {c.perimetre !== 'officiel' && <span className="badge-warn">{c.perimetreLibelle}</span>}
                {c.attribution && <span className="muted"> — source : {c.attribution}</span>}
              </li>
            ))}
          </ul>
        )}
        <p>
          Zonage médecins (ARS) :{' '}
          {n.zonage ? (
            <>
              <strong>{n.zonage.libelle}</strong> <span className="muted">— {n.zonage.source}</span>
            </>
          ) : (
            'non renseigné'
          )}
        </p>
      </section>

      <section data-testid="nearby-structures">
        <h3>Structures les plus proches</h3>
        {(['msp', 'csp', 'esp'] as const).map((t) => (
          <div key={t}>
            <h4>{STRUCTURE_TYPES.find((x) => x.id === t)?.label}</h4>
            {n.plusProches[t].length === 0 ? (
              <p className="muted">Aucune enregistrée.</p>
            ) : (
              <ul className="plain">
                {n.plusProches[t].map((s) => (
                  <li key={s.finess}>
                    <button type="button" className="link" onClick={() => ctl?.flyTo(s.position.lon, s.position.lat, 14)}>
                      {s.nom}
                    </button>{' '}
                    — {fmtKm(s.distanceM)}
                    {s.commune.nom && <span className="muted">, {s.commune.nom}</span>}
                  </li>
                ))}
              </ul>
            )}
          </div>
        ))}
        {n.autresCentres.length > 0 && (
          <div data-testid="nearby-other-centres">
            <h4>Autres centres de santé (que l’officine ne peut pas rejoindre)</h4>
            <ul className="plain">
              {n.autresCentres.map((s) => (
                <li key={s.finess}>
                  {s.nom} — {s.sousTypeLibelle}, {fmtKm(s.distanceM)}
                  {s.commune.nom && <span className="muted">, {s.commune.nom}</span>}
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>

      <section data-testid="nearby-missions">
        <h3>Ce que l’adhésion permet ici</h3>
        <ul className="missions">
          {n.missions.map((m) => {
            const e = ELIGIBLE[m.eligibleIci] ?? { label: m.eligibleIci, cls: 'unknown' };
            return (
              <li key={m.id}>
                <strong>{m.titre}</strong> <span className={`pill pill-${e.cls}`}>{e.label}</span>
                <p>{m.description}</p>
                {m.explication && <p className="muted">{m.explication}</p>}
                <ul className="plain">
                  {m.remunerations.map((r) => (
                    <li key={r.libelle}>{r.libelle}</li>
                  ))}
                </ul>
                <p className="muted">Structures : {m.structures.map((s) => s.toUpperCase()).join(', ')}.</p>
              </li>
            );
          })}
        </ul>
        {n.missions[0] && (
          <p className="sources">
            Source : {n.missions[0].source.document} ({n.missions[0].source.date}).
          </p>
        )}
      </section>

      <section data-testid="nearby-contacts">
        <h3>Qui contacter</h3>
        <ul className="contacts">
          {n.contacts.map((c) => (
            <li key={c.id} data-testid={c.categorie === 'cpts' ? 'contact-cpts' : 'contact'}>
              <strong>{c.nom}</strong>
              <p>{c.role}</p>
              {c.adresse && <p>Siège : {c.adresse}</p>}
              {c.telephone && <p>Téléphone : {c.telephone}</p>}
              {c.url && (
                <a href={c.url} target="_blank" rel="noopener noreferrer">
                  {c.url.replace(/^https?:\/\//, '').replace(/\/$/, '')}
                </a>
              )}
              {c.email && <a href={`mailto:${c.email}`}>{c.email}</a>}
              <p className="sources">
                Source : {c.source.document} ({c.source.date})
              </p>
            </li>
          ))}
        </ul>
      </section>
      <Sources sources={n.sources} />
    </div>
  );
}
