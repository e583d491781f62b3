// Pure helpers of the pharmacist API: GP secrecy rule, probable membership, filters, CSV lines, header
// encoding, the "exactly one target" rule, mission eligibility by zoning, contacts per région, search codes,
// and the missions/contacts/guide data pinned to the facts they come from.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { csvRow, filterSql, gpFigures, type PharmacyRow } from '../../server/src/analysis/pharmacies.js';
import { isProbableMembership } from '../../server/src/domain/rules.js';
import { codeForm } from '../../server/src/analysis/search.js';
import { nearbyTarget } from '../../server/src/api/nearby.js';
import { csvFileName, csvHeader } from '../../server/src/api/pharmacies.js';
import { intParam, numParam, queryObject, textParam } from '../../server/src/api/contract/params.js';
import { asciiJson } from '../../server/src/api/send.js';
import { contactsData, contactsFor } from '../../server/src/domain/contacts.js';
import { evaluateMissions, missionsData } from '../../server/src/domain/missions.js';
import { structuresGuide } from '../../server/src/domain/structures-guide.js';
import { HttpError } from '../../server/src/http/errors.js';

describe('gpFigures', () => {
  it('hides counts under 6 and their density', () => {
    expect(gpFigures(5, 1000, true)).toEqual({ nombre: '< 6', densitePour10000: null, proxy: true });
    expect(gpFigures(0, 1000, false)).toEqual({ nombre: '< 6', densitePour10000: null, proxy: false });
  });
  it('gives the density per 10,000 inhabitants to one decimal from 6 on', () => {
    expect(gpFigures(6, 10000, true)).toEqual({ nombre: 6, densitePour10000: 6, proxy: true });
    expect(gpFigures(12, 9000, true).densitePour10000).toBe(13.3);
    expect(gpFigures(7, 3000, false).densitePour10000).toBe(23.3);
  });
  it('says nothing without data or population', () => {
    expect(gpFigures(null, 1000, null)).toEqual({ nombre: null, densitePour10000: null, proxy: null });
    expect(gpFigures(10, null, true)).toEqual({ nombre: 10, densitePour10000: null, proxy: true });
    expect(gpFigures(10, 0, true).densitePour10000).toBeNull();
  });
});

describe('isProbableMembership', () => {
  it('is a non-member within the threshold, the threshold included', () => {
    expect(isProbableMembership('couverte-sans-adhesion', 150, 150)).toBe(true);
    expect(isProbableMembership('zone-blanche', 150.1, 150)).toBe(false);
    expect(isProbableMembership('membre', 10, 150)).toBe(false);
    expect(isProbableMembership('zone-blanche', null, 150)).toBe(false);
  });
});

describe('filterSql', () => {
  it('binds every value as a parameter and never the status', () => {
    const { where, params } = filterSql({
      departement: '44', region: '52', commune: '44109', epci: '244400404', bassinVie: '44109', cpts: "X'; DROP", zoning: 'ZAC', q: 'évron',
      statuses: ['membre', 'zone-blanche'], probable: true,
    }, [], 200);
    expect(params).toEqual(['44', '52', '44109', '244400404', '44109', "X'; DROP", 'ZAC', 'évron', 200]);
    expect(where).not.toContain('DROP');
    expect(where).not.toContain('membre');
    expect(where).toMatch(/^WHERE /);
  });
  it('keeps open pharmacies only, unless asked, and numbers parameters after existing ones', () => {
    expect(filterSql({})).toEqual({ where: 'WHERE p.ferme_le IS NULL', params: [] });
    expect(filterSql({ inclureFermes: true })).toEqual({ where: '', params: [] });
    expect(filterSql({ departement: '44', inclureFermes: true }, ['x']).where).toBe('WHERE c.departement = $2');
    expect(filterSql({ zoning: 'ZIP_ZAC' }).params).toEqual([]);
    expect(filterSql({ zoning: 'hors-zip-zac' }).where).toContain('z.zone IS NULL');
  });
});

const row: PharmacyRow = {
  finess: '440000001',
  nom: 'Pharmacie "du Port"',
  adresse: '2 quai; Nantes',
  codePostal: '44000',
  telephone: '0240000000',
  fermeLe: null,
  commune: { code: '44109', nom: 'Nantes', departement: '44', region: '52' },
  position: { lon: -1.55, lat: 47.21 },
  statut: 'couverte-sans-adhesion',
  cpts: [
    { id: 'A', nom: 'CPTS A', statut: 'projet', perimetre: 'officiel' },
    { id: 'B', nom: 'CPTS B', statut: 'projet', perimetre: 'approximatif' },
  ],
  adhesions: [],
  mspCspLaPlusProche: { finess: '440000009', nom: 'MSP X', type: 'msp', distanceM: 120.4 },
  adhesionProbable: true,
  zonage: 'ZAC',
  enZipZac: true,
  generalistes: { nombre: '< 6', densitePour10000: null, proxy: true },
};

describe('CSV lines', () => {
  it('follow the header, join CPTS with |, write oui/non and French status labels', () => {
    const line = csvRow(row);
    const header = csvHeader(150);
    expect(line).toHaveLength(header.length);
    const at = (h: string) => line[header.indexOf(h)];
    expect(at('CPTS')).toBe('CPTS A|CPTS B');
    expect(at('statut')).toBe('couverte sans adhésion');
    expect(at('adhésion probable (structure à 150 m ou moins)')).toBe('oui');
    expect(at('distance structure (m)')).toBe(120.4);
    expect(at('type de structure')).toBe('MSP');
    expect(at('téléphone')).toBe('0240000000');
    expect(at('adresse complète')).toBe('2 quai; Nantes, 44000 Nantes');
    expect(at('fermée le')).toBe('');
    expect(at('médecins généralistes (commune)')).toBe('< 6');
    expect(at('densité MG pour 10 000 hab.')).toBe('');
    expect(at('MG : indicateur approché')).toBe('oui');
  });
  it('leave the nearest-site cells empty when there is none', () => {
    const line = csvRow({ ...row, mspCspLaPlusProche: null, adhesionProbable: false, generalistes: { nombre: null, densitePour10000: null, proxy: null } });
    const header = csvHeader(300);
    expect(line[header.indexOf('structure la plus proche')]).toBe('');
    expect(line[header.indexOf('distance structure (m)')]).toBe('');
    expect(line[header.indexOf('adhésion probable (structure à 300 m ou moins)')]).toBe('non');
    expect(line[header.indexOf('MG : indicateur approché')]).toBe('');
  });
  it('are named after the filters', () => {
    expect(csvFileName({})).toBe('officines.csv');
    expect(csvFileName({ departement: '44', statuses: ['zone-blanche'], zoning: 'ZIP_ZAC' })).toBe('officines-44-zone-blanche-ZIP_ZAC.csv');
    expect(csvFileName({ statuses: ['zone-blanche', 'couverte-sans-adhesion'], probable: true, bassinVie: '44109' })).toBe(
      'officines-bv-44109-zone-blanche-couverte-sans-adhesion-adhesion-probable.csv',
    );
    expect(csvFileName({ cpts: 'a/b "c"' })).toBe('officines-cpts-a_b_c_.csv');
  });
});

describe('asciiJson', () => {
  it('escapes non-ASCII so the value is a valid HTTP header, and parses back', () => {
    const v = [{ kind: 'finess', file: 'été – œuvre.csv', importedAt: '2024-01-01T00:00:00.000Z' }];
    const s = asciiJson(v);
    expect(s).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(s)).toEqual(v);
  });
});

describe('nearbyTarget', () => {
  it('takes exactly one of finess, lon+lat, commune', () => {
    expect(nearbyTarget({ finess: '440000001' })).toEqual({ finess: '440000001' });
    expect(nearbyTarget({ commune: '44109' })).toEqual({ commune: '44109' });
    expect(nearbyTarget({ lon: 0, lat: 0 })).toEqual({ lon: 0, lat: 0 });
  });
  it('refuses none, several, or a lone coordinate with a 400', () => {
    for (const p of [{}, { finess: '440000001', commune: '44109' }, { lon: 1 }, { lat: 1, commune: '44109' }, { finess: '1', lon: 1, lat: 2 }]) {
      const e = (() => {
        try {
          nearbyTarget(p);
        } catch (err) {
          return err;
        }
      })();
      expect(e, JSON.stringify(p)).toBeInstanceOf(HttpError);
      expect((e as HttpError).status).toBe(400);
    }
  });
});

describe('evaluateMissions', () => {
  const pc = (zone: 'ZIP' | 'ZAC' | 'ZV' | 'HZ' | null, zoningImported = true) =>
    evaluateMissions({ zone, zoningImported, communeNom: 'Évron' }).find((m) => m.id === 'pharmacien-correspondant')!;
  it('opens the pharmacien correspondant only in ZIP and ZAC, naming the zoning', () => {
    expect(pc('ZIP').eligibleIci).toBe('oui');
    expect(pc('ZIP').explication).toContain('zone d’intervention prioritaire (ZIP)');
    expect(pc('ZAC').eligibleIci).toBe('oui');
    expect(pc('ZV').eligibleIci).toBe('non');
    expect(pc('ZV').explication).toContain('Évron');
    expect(pc('HZ').eligibleIci).toBe('non');
  });
  it('says "zonage inconnu" without zoning, and why', () => {
    expect(pc(null, false).eligibleIci).toBe('zonage inconnu');
    expect(pc(null, false).explication).toMatch(/aucun zonage ARS n’a été importé/);
    expect(pc(null, true).explication).toMatch(/ne figure pas dans le zonage ARS importé/);
  });
  it('opens missions without a zoning condition everywhere, with their source', () => {
    for (const m of evaluateMissions({ zone: 'HZ', zoningImported: true, communeNom: 'X' }).filter((m) => m.id !== 'pharmacien-correspondant')) {
      expect(m.eligibleIci).toBe('oui');
      expect(m.source.document).toMatch(/Guide/);
    }
  });
});

describe('missions.json keeps the figures of the facts file', () => {
  const m = (id: string) => missionsData().missions.find((x) => x.id === id)!;
  const amounts = (id: string) => m(id).remunerations.map((r) => r.montant);
  it('pharmacien correspondant: 2 € (1–100 patients), 1 € beyond, 500 € a year cap; ZIP/ZAC only; ESP, MSP, CSP, CPTS', () => {
    expect(amounts('pharmacien-correspondant')).toEqual([2, 1, 500]);
    expect(m('pharmacien-correspondant').zonagesEligibles).toEqual(['ZIP', 'ZAC']);
    expect(m('pharmacien-correspondant').structures).toEqual(['esp', 'msp', 'csp', 'cpts']);
  });
  it('dispensation protocolisée: 25 € per patient for the team; MSP, CSP, CPTS; angina and cystitis', () => {
    expect(amounts('dispensation-protocolisee')).toEqual([25]);
    expect(m('dispensation-protocolisee').structures).toEqual(['msp', 'csp', 'cpts']);
    expect(m('dispensation-protocolisee').description).toMatch(/angine.*cystite/);
  });
  it('téléconsultation: 25 € per 5, 750 € a year cap, 1,225 € equipment the first year', () => {
    expect(amounts('teleconsultation-officine')).toEqual([25, 750, 1225]);
  });
  it('objectives remuneration: 820 € in 2022', () => {
    expect(m('remuneration-objectifs').remunerations).toEqual([expect.objectContaining({ montant: 820, annee: 2022 })]);
  });
});

describe('contactsFor', () => {
  const pdl = { region: { code: '52', nom: 'Pays de la Loire' }, departement: { code: '53', nom: 'Mayenne' } };
  const idf = { region: { code: '11', nom: 'Île-de-France' }, departement: { code: '75', nom: 'Paris' } };
  it('names the ARS and URPS of the région and the CPAM of the département', () => {
    const c = contactsFor(idf);
    expect(c.map((x) => x.id)).toEqual(['ars', 'urps-pharmaciens', 'cpam', 'avecsante']);
    expect(c[0]!.nom).toBe('Agence régionale de santé (ARS) Île-de-France — délégation départementale Paris (75)');
    expect(c[1]!.nom).toBe('URPS pharmaciens Île-de-France');
    expect(c[2]!.nom).toContain('Paris (75)');
    expect(c.find((x) => x.id === 'avecsante')!.pour).toEqual(['msp']);
  });
  it('adds the regional bodies of Pays de la Loire only there', () => {
    const ids = contactsFor(pdl).map((x) => x.id);
    expect(ids).toEqual(expect.arrayContaining(['inter-urps-pdl', 'apmsl']));
    expect(contactsFor(pdl).find((x) => x.id === 'inter-urps-pdl')!.email).toBe('cpts@interurps-pdl.org');
    expect(contactsFor(pdl).find((x) => x.id === 'apmsl')!.email).toBe('contact@apmsl.fr');
    expect(contactsData().contacts.every((c) => !c.nom.includes('{') || c.regions === null)).toBe(true);
  });
});

describe('structures guide', () => {
  it('loads the four structures with every rubrique filled', () => {
    const g = structuresGuide();
    expect(g.structures.map((s) => s.sigle)).toEqual(['ESP', 'MSP', 'CSP', 'CPTS']);
    expect(g.structures.find((s) => s.id === 'cpts')!.financements).toContain('287 500 €');
    expect(g.structures.find((s) => s.id === 'msp')!.nombre).toContain('2 251');
  });
});

describe('search helpers', () => {
  it('reads codes in upper case without spaces', () => {
    expect(codeForm(' 2a 004 ')).toBe('2A004');
    expect(codeForm('fixt-b')).toBe('FIXT-B');
  });
});

describe('query parameters', () => {
  const s = queryObject({ n: intParam('n', 1, 10).optional(), x: numParam('x', -180, 180).optional(), q: textParam('q').optional() });
  const err = (input: object) => {
    const r = s.safeParse(input);
    return r.success ? null : r.error.issues.map((i) => i.message).join(' ; ');
  };
  it('parses valid values', () => {
    expect(s.parse({ n: '3', x: '-1.575000000000002', q: '  ab ' })).toEqual({ n: 3, x: -1.575000000000002, q: 'ab' });
  });
  it('explains in French what is wrong', () => {
    expect(err({ n: '' })).toBe('n doit être un nombre entier');
    expect(err({ n: '11' })).toBe('n doit être au plus 10');
    expect(err({ x: '1e3' })).toMatch(/x doit être un nombre décimal/);
    expect(err({ x: '181' })).toMatch(/x doit être compris entre -180 et 180/);
    expect(err({ q: ['a', 'b'] })).toBe('q doit être donné une seule fois, comme texte');
    expect(err({ zz: '1' })).toBe('paramètre inconnu : zz (attendus : n, x, q)');
    expect(z.object({ q: textParam('q') }).safeParse({}).error?.issues[0]?.message).toBe('q est obligatoire');
  });
});
