import { describe, expect, it } from 'vitest';
import { classifyCentre, parseSousType } from '../../server/src/domain/centres-sante.js';
import { SOUS_TYPE_CENTRE_LIBELLES } from '../../server/src/domain/vocabulary.js';

describe('centres de santé sub-types (rules of centres-sante.json)', () => {
  it('reads the specialty in the FINESS name, before the APE code', () => {
    const cases: [string, string | null, string, string][] = [
      ['CENTRE DE SOINS INFIRMIERS ANCENIS', null, 'infirmier', 'nom-soins-infirmiers'],
      ['CSI EDOUARD BRANLY LA ROCHE SUR YON', null, 'infirmier', 'nom-soins-infirmiers'],
      ['CDS INF. ASSO SANTE BIGOUDENE', null, 'infirmier', 'nom-soins-infirmiers'],
      ['CDS DENTAIRE VIGNEUX', '8621Z', 'dentaire', 'nom-dentaire'],
      ["CDS DENTAIRE DENT'AZUR", null, 'dentaire', 'nom-dentaire'],
      ['DENTANICE SAINT ROCH', null, 'dentaire', 'nom-dentaire'],
      ['CDS MON ORTHO', null, 'dentaire', 'nom-dentaire'],
      ['CDS MEDICO-DENTAIREJAURES STALINGRAD', null, 'medical-polyvalent', 'nom-medico-dentaire'],
      ['CDS POLYVALENT D\'ALLAIRE', null, 'medical-polyvalent', 'nom-medico-dentaire'],
      ['CDS OPHTALMOLOGIQUE HERBLAY', null, 'ophtalmologique', 'nom-ophtalmologie'],
      ['CENTRE DE SANTE VISUELLE MUTUALISTE', null, 'ophtalmologique', 'nom-ophtalmologie'],
      ['CENTRE DE SANTE DENTAIRE - BAYEUX', null, 'dentaire', 'nom-dentaire'], // BAYEUX is not « yeux »
      ['CDS SEXUELLE CHECKPOINT PARIS', null, 'autre', 'nom-autre'],
      ['CENTRE MUNICIPAL DE SANTE', null, 'medical-polyvalent', 'nom-medical'],
      ['CENTRE DE SANTE OXANCE ECHIROLLES', '8623Z', 'dentaire', 'ape-dentaire'],
      ['CENTRE DE SANTE MFL SAINT-ETIENNE', '8690D', 'infirmier', 'ape-infirmier'],
      ['CDS DE FRESNES', null, 'medical-polyvalent', 'sans-indice'],
    ];
    for (const [nom, ape, sousType, regle] of cases) expect(classifyCentre(nom, ape), nom).toEqual({ sousType, regle });
  });

  it('reads sub-types as people write them; every sub-type has a French label', () => {
    expect(['médical / polyvalent', 'medical-polyvalent', 'Soins infirmiers', 'DENTAIRE', 'ophtalmologie', 'autre'].map(parseSousType)).toEqual([
      'medical-polyvalent',
      'medical-polyvalent',
      'infirmier',
      'dentaire',
      'ophtalmologique',
      'autre',
    ]);
    expect(parseSousType('pédiatrie')).toBeUndefined();
    expect(Object.keys(SOUS_TYPE_CENTRE_LIBELLES).sort()).toEqual(['autre', 'dentaire', 'infirmier', 'medical-polyvalent', 'ophtalmologique']);
  });
});
