// Shapes several answers share: size band and ACI funding, GP supply, small counts under statistical secrecy,
// CPTS references, overlap pairs, and the closed lists of codes they use (from server/src/domain/).
import { z } from 'zod';
import { ACI_TABLE, type BandCode } from '../../domain/bands.js';
import { DENSITY_DECIMALS, SECRET_LABEL, SECRET_MIN } from '../../domain/rules.js';
import { CPTS_STATUTS, PERIMETRES, ZONES } from '../../domain/vocabulary.js';

export const BANDES = ACI_TABLE.bandes.map((b) => b.code) as [BandCode, ...BandCode[]];
export const bande = z.enum(BANDES).meta({ description: 'Taille ACI : T1 (< 40 000 hab.), T2, T3, T4 (≥ 175 000 hab.)' });
export const statutCpts = z.enum(CPTS_STATUTS).meta({ description: 'Statut de la CPTS' });
export const perimetre = z
  .enum(PERIMETRES)
  .meta({ description: 'Comment le périmètre est connu : officiel (ARS), approximatif (reconstitué), illustratif (proposition)' });
export const zone = z.enum(ZONES).meta({ description: `Zonage ARS de la commune : ${ZONES.join(', ')}` });

export const int = z.int();
export const count = z.int().nonnegative();
export const date = z.iso.date();
export const lonLat = z.strictObject({ lon: z.number(), lat: z.number() }).meta({ description: 'Point en WGS84 (degrés décimaux)' });

/** SECRET_LABEL under the statistical secrecy threshold, else the count. */
export const maskedCount = z
  .union([z.int().min(SECRET_MIN), z.literal(SECRET_LABEL)])
  .meta({ description: `Effectif ; « ${SECRET_LABEL} » sous le seuil du secret statistique` });

export const ThresholdWarning = z.strictObject({
  seuil: count.meta({ description: 'Le seuil approché (première population de la taille supérieure)' }),
  ecart: int.meta({ description: 'population − seuil' }),
  ecartPct: z.number().meta({ description: '|écart| en % du seuil, une décimale' }),
  position: z.enum(['sous', 'au-dessus']),
  bandeVoisine: bande,
  message: z.string(),
});

/** Everything an answer says about a size: band, threshold warning, ACI funding with its source. */
export const bandInfo = {
  bande,
  taille: count,
  populationMin: count,
  populationMaxExclue: count.nullable(),
  avertissementSeuil: ThresholdWarning.nullable().meta({ description: 'Population à 5 % ou moins d’un seuil de taille' }),
  aci: z
    .strictObject({
      taille: count,
      financementTotalEur: z.number().nullable(),
      aideFonctionnementAnnuelleEur: z.strictObject({ min: z.number().nullable(), max: z.number().nullable() }),
      notes: z.array(z.string()),
      source: z.string(),
    })
    .meta({ description: 'Financement ACI de la taille, tel que la source l’indique (null si elle ne le donne pas)' }),
};

export const GpSupply = z.strictObject({
  nbGeneralistes: maskedCount.nullable().meta({ description: 'Médecins généralistes (ou cabinets si estProxy) ; null si aucune donnée' }),
  densitePour10000: z.number().nullable().meta({ description: `Pour 10 000 habitants, ${DENSITY_DECIMALS} décimale ; null si effectif inférieur à ${SECRET_MIN}, inconnu ou population nulle` }),
  estProxy: z.boolean().nullable(),
  sources: z.array(z.string()),
  annees: z.array(int),
  notes: z.array(z.string()),
});

/** A CPTS named in another answer. */
export const CptsRef = z.strictObject({ id: z.string(), nom: z.string(), statut: statutCpts, perimetre });

const OverlapSide = CptsRef.extend({
  attribution: z.string().meta({ description: 'Source du périmètre, à citer (ex. « ARS PACA, listing des CPTS, janvier 2026 »)' }),
  population: count.meta({ description: 'Population de toute la CPTS' }),
  partEnLitigePct: z.number().nullable().meta({ description: 'Part de sa population dans les communes partagées (%)' }),
});

export const OverlapPair = z
  .strictObject({
    a: OverlapSide,
    b: OverlapSide,
    nbCommunes: count,
    communes: z.array(
      z.strictObject({
        code: z.string(),
        nom: z.string(),
        population: count.nullable(),
        partageeSansDecoupage: z
          .boolean()
          .meta({ description: 'Revendiquée entière par les deux CPTS, sans découpage en arrondissements (ex. Nice, Toulon)' }),
        libelle: z.string().nullable().meta({ description: '« commune partagée sans découpage infra-communal » le cas échéant' }),
      }),
    ),
    nbCommunesPartageesSansDecoupage: count,
    population: count.meta({ description: 'Population des communes partagées' }),
    superficieKm2: z.number().meta({ description: 'Σ superficie × min(part de surface A, part B), 2 décimales' }),
  })
  .meta({
    id: 'PaireEnChevauchement',
    description:
      'Deux CPTS (a < b) partageant au moins une commune, d’après la table d’appartenance (un simple contact de frontière ne partage aucune commune).',
  });
