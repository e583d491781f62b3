// A popup describing what is under a click, built from the tile properties (plain DOM, text only).
import { Popup } from 'maplibre-gl';
import { fmtDec, fmtInt, plural } from './format.js';
import { BANDS, P, PHARMACY_STATUSES, STATUSES, STRUCTURE_TYPES, type MapController, type Pick } from './map.js';
import { patchUrl } from './url.js';
import { PROBABLE_MEMBERSHIP_RADIUS_M, SECRET_MIN } from '../../server/src/domain/rules.js';
import { DECISION_LIBELLES, PERIMETRE_LIBELLES, zoneLibelle, type Decision, type Perimetre } from '../../server/src/domain/vocabulary.js';

let current: Popup | null = null;

export function closePopup(): void {
  current?.remove();
  current = null;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function action(label: string, go: () => void): HTMLButtonElement {
  const b = el('button', label, 'popup-action');
  b.type = 'button';
  b.addEventListener('click', () => {
    closePopup();
    go();
  });
  return b;
}

const str = (v: unknown) => (v === null || v === undefined || v === '' ? undefined : String(v));
const num = (v: unknown) => (typeof v === 'number' ? v : v === null || v === undefined || v === '' ? undefined : Number(v));


/** The lines of a popup for one picked feature. */
function describe(p: Pick): HTMLElement {
  const box = el('div', undefined, 'popup-item');
  const pr = p.properties;
  if (p.layer === 'cpts') {
    box.append(el('strong', str(pr.nom) ?? 'CPTS'));
    const band = BANDS.find((b) => b.id === pr[P.cptsBand]);
    const status = STATUSES.find((s) => s.id === pr[P.cptsStatus]);
    box.append(el('div', ['CPTS', status?.label, band?.label].filter(Boolean).join(' · ')));
    if (num(pr.population) !== undefined) box.append(el('div', `${fmtInt(num(pr.population))} habitants`));
    const per = str(pr[P.cptsPerimeter]);
    if (per && per !== 'officiel') box.append(el('div', PERIMETRE_LIBELLES[per as Perimetre] ?? per, 'warn'));
    if (str(pr.source)) box.append(el('div', `Source du périmètre : ${str(pr.source)}`, 'muted'));
    const id = str(pr[P.cptsId]);
    if (id) box.append(action('Voir la fiche de la CPTS', () => patchUrl({ j: 'ars', tab: 'cpts', sel: `cpts:${id}` })));
  } else if (p.layer === 'communes') {
    box.append(el('strong', `${str(pr[P.communeName]) ?? 'Commune'} (${str(pr[P.communeCode]) ?? '?'})`));
    if (num(pr[P.population]) !== undefined) box.append(el('div', `${fmtInt(num(pr[P.population]))} habitants`));
    if (num(pr[P.density]) !== undefined) box.append(el('div', `${fmtDec(num(pr[P.density]))} généralistes pour 10 000 habitants`));
    else if (pr[P.densitySecret] === true) box.append(el('div', `Moins de ${SECRET_MIN} généralistes : densité non publiée`));
    if (str(pr[P.zone])) box.append(el('div', `Zonage ARS : ${zoneLibelle(String(pr[P.zone]))}`));
    if (str(pr.bassinVie)) box.append(el('div', `Bassin de vie : ${str(pr.bassinVie)}`));
    if (str(pr.zoneEmploi)) box.append(el('div', `Zone d’emploi : ${str(pr.zoneEmploi)}`));
    if (pr[P.white] === true) box.append(el('div', 'Couverte par aucune CPTS', 'warn'));
    const code = str(pr[P.communeCode]);
    if (code) box.append(action('Ce que l’exercice coordonné offre ici', () => patchUrl({ j: 'pharmacien', sel: `commune:${code}` })));
  } else if (p.layer === 'overlaps') {
    box.append(el('strong', 'Chevauchement de CPTS'));
    if (str(pr.nomA)) box.append(el('div', `${str(pr.nomA)} et ${str(pr.nomB)}`));
    if (num(pr.nbCommunesPartagees) !== undefined) {
      box.append(el('div', `${plural(num(pr.nbCommunesPartagees)!, 'commune partagée', 'communes partagées')}, ${fmtInt(num(pr.populationPartagee))} habitants`));
    }
    const decision = DECISION_LIBELLES[str(pr.decision) as Decision];
    if (decision) box.append(el('div', `Décision : ${decision}`));
    const id = str(pr.id);
    box.append(action('Voir la matrice des chevauchements', () => patchUrl({ j: 'ars', tab: 'overlaps', ...(id ? { sel: `paire:${id}` } : {}) })));
  } else if (p.layer === 'structures') {
    const t = STRUCTURE_TYPES.find((x) => x.id === pr[P.structureType]);
    box.append(el('strong', str(pr.nom) ?? 'Structure'));
    box.append(el('div', t?.label ?? str(pr[P.structureType]) ?? ''));
    const id = str(pr[P.structureId]);
    if (id) box.append(el('div', `FINESS ${id}`, 'muted'));
  } else if (p.layer === 'pharmacies') {
    box.append(el('strong', str(pr.nom) ?? 'Officine'));
    const status = PHARMACY_STATUSES.find((x) => x.id === pr[P.pharmacyStatus]);
    if (status) box.append(el('div', `Officine : ${status.label}`));
    if (pr.procheStructure === true) box.append(el('div', `MSP, ESP ou centre de santé médical à moins de ${PROBABLE_MEMBERSHIP_RADIUS_M} m`));
    const id = str(pr[P.pharmacyId]);
    if (id) {
      box.append(el('div', `FINESS ${id}`, 'muted'));
      box.append(action('Voir pour cette officine', () => patchUrl({ j: 'pharmacien', sel: `pharmacie:${id}` })));
    }
  }
  return box;
}

/** One popup for the click: the most specific feature first, then the CPTS and the commune under it (three at most). */
export function showPopup(ctl: MapController, ll: { lng: number; lat: number }, pick: Pick | undefined, all: Pick[]): void {
  closePopup();
  if (!pick) return;
  // the nearest feature of each kind (the pick box may touch several communes at low zoom)
  const seen = new Set<string>();
  const items = all.filter((p) => (seen.has(p.layer) ? false : (seen.add(p.layer), true)));
  const content = el('div', undefined, 'popup');
  for (const p of items.slice(0, 3)) content.append(describe(p));
  current = new Popup({ maxWidth: '320px', focusAfterOpen: true, closeButton: true })
    .setLngLat(ll)
    .setDOMContent(content)
    .addTo(ctl.map);
  current.getElement().setAttribute('data-testid', 'map-popup');
}

/** A popup with a title and a line, e.g. for a search result. */
export function showInfoPopup(ctl: MapController, ll: { lng: number; lat: number }, title: string, line?: string): void {
  closePopup();
  const content = el('div', undefined, 'popup');
  const box = el('div', undefined, 'popup-item');
  box.append(el('strong', title));
  if (line) box.append(el('div', line));
  content.append(box);
  current = new Popup({ maxWidth: '320px', closeButton: true }).setLngLat(ll).setDOMContent(content).addTo(ctl.map);
  current.getElement().setAttribute('data-testid', 'map-popup');
}
