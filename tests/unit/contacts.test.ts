// Contacts of a pharmacy or commune: the covering CPTS first (seat address and phone from FINESS), then ARS
// délégation départementale, URPS pharmaciens, CPAM, AVECsanté, regional bodies; every entry names its source;
// no contact of one région points to a site or address another région owns.
import { describe, expect, it } from 'vitest';
import { contactsData, contactsFor, hostOf, regionOfHost, type ContactsData } from '../../server/src/domain/contacts.js';
import { cog } from '../../server/src/import/cog.js';

const place = (region: string) => {
  const r = cog().regions.get(region)!;
  const d = [...cog().departements.values()].find((x) => x.region === region)!;
  return { region: { code: region, nom: r.nom }, departement: { code: d.code, nom: d.nom } };
};

describe('contacts', () => {
  const regions = [...cog().regions.keys()];

  it('never give a contact of one région a site or an address of another région, in any région', () => {
    expect(regions.length).toBeGreaterThanOrEqual(18);
    for (const code of regions) {
      for (const c of contactsFor(place(code))) {
        for (const h of hostOf(c)) expect([undefined, code], `${c.id} in ${code}: ${h}`).toContain(regionOfHost(h));
      }
    }
  });

  it('refuse in service a data entry pointing to another région’s site (the case of the URPS Hauts-de-France link)', () => {
    const data = contactsData();
    const broken: ContactsData = {
      ...data,
      contacts: data.contacts.map((c) => (c.id === 'urps-pharmaciens' ? { ...c, url: 'https://www.urps-pharmaciens-hdf.fr/partenaires/URPS-pharmaciens-autres-regions' } : c)),
    };
    expect(contactsFor(place('52'), broken).map((c) => c.id)).not.toContain('urps-pharmaciens');
    expect(contactsFor(place('32'), broken).map((c) => c.id)).toContain('urps-pharmaciens');
  });

  it('put the covering CPTS first with its FINESS seat, then ARS, URPS, CPAM, AVECsanté; each entry names its source', () => {
    const c = contactsFor(place('52'), undefined, [
      {
        id: '440056653',
        nom: 'CPTS ANL',
        source: 'FINESS',
        importeLe: '2026-01-02',
        siege: { adresse: '1 rue de la Gare', codePostal: '44150', commune: 'Ancenis-Saint-Géréon', telephone: '0240000000', fichier: 'finess.csv', date: '2026-01-02' },
      },
      { id: 'paca-x', nom: 'CPTS Sans Siège', source: 'ARS PACA, listing des CPTS, janvier 2026', importeLe: null, siege: null },
    ]);
    expect(c.map((x) => x.id).slice(0, 6)).toEqual(['cpts:440056653', 'cpts:paca-x', 'ars', 'urps-pharmaciens', 'cpam', 'avecsante']);
    expect(c[0]).toMatchObject({ categorie: 'cpts', adresse: '1 rue de la Gare, 44150 Ancenis-Saint-Géréon', telephone: '0240000000' });
    expect(c[0]!.source.document).toContain('FINESS');
    expect(c[1]).toMatchObject({ adresse: null, telephone: null });
    expect(c[1]!.source.document).toContain('ARS PACA, listing des CPTS, janvier 2026');
    expect(c[2]!.nom).toMatch(/délégation départementale/);
    for (const x of c) expect(x.source.document.length > 0 && x.source.date.length > 0, x.id).toBe(true);
  });
});
