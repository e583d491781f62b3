// CPTS list, sheet and perimeters for the map.
import { z } from 'zod';
import { ERRORS, endpoint, featureCollection, geojson, json, sources, type Body } from './endpoint.js';
import { asOfParam, cptsIdParam, departementParam, enumParam, queryObject, regionParam } from './params.js';
import { BANDES, bande, bandInfo, count, date, GpSupply, OverlapPair, perimetre, statutCpts, zone, type CptsRef } from './shared.js';

const listQuery = queryObject({
  departement: departementParam.optional(),
  region: regionParam.optional(),
  bande: enumParam('bande', BANDES).optional(),
  statut: enumParam('statut', statutCpts.options as [string, ...string[]]).optional(),
  date: asOfParam.optional(),
});

const idParams = z.strictObject({ id: cptsIdParam('id') });

export const CptsSummary = z
  .strictObject({
    id: z.string(),
    nom: z.string(),
    finess: z.string().nullable(),
    statut: statutCpts,
    statutLibelle: z.string(),
    perimetre,
    perimetreLibelle: z.string().meta({ description: 'À afficher : un périmètre approximatif ou illustratif doit être signalé comme tel' }),
    perimetreNonOfficiel: z.boolean(),
    siege: z.strictObject({ code: z.string(), nom: z.string().nullable() }).nullable(),
    dateOuverture: date.nullable(),
    dateMaj: date.nullable(),
    source: z.string(),
    attribution: z.string().meta({ description: 'Source du périmètre, à citer partout où il est montré (ex. « ARS PACA, listing des CPTS, janvier 2026 »)' }),
    departements: z.array(z.string()),
    regions: z.array(z.string()),
    population: count.meta({ description: 'Somme des populations INSEE des communes membres (une commune couverte en partie compte entière)' }),
    populationAnnee: count.nullable(),
    nbCommunes: count,
    nbCommunesPartielles: count,
    populationCommunesPartielles: count,
    nbCommunesSansPopulation: count,
    superficieKm2: z.number().meta({ description: 'Σ superficie × part de surface, 2 décimales' }),
    ...bandInfo,
    structures: z
      .strictObject({
        msp: count,
        csp: count.meta({ description: 'Centres de santé médicaux ou polyvalents (que l’officine peut rejoindre)' }),
        esp: count.nullable().meta({ description: 'ESP connues par une liste importée ; null si aucune (FINESS ne les recense pas)' }),
        espLibelle: z.string().nullable().meta({ description: '« non recensées dans FINESS » quand esp est null' }),
        siegeCpts: count,
        autre: count,
        autresCentres: count.meta({ description: 'Autres centres de santé (infirmiers, dentaires, ophtalmologiques…), listés à part' }),
        total: count.meta({ description: 'Structures que l’officine peut rejoindre : MSP + centres médicaux ou polyvalents + ESP' }),
      })
      .meta({ description: 'Structures ouvertes des communes membres (les établissements fermés ne comptent pas)' }),
    pharmacies: z.strictObject({ dansLePerimetre: count, adherentes: count }),
    offreMg: GpSupply,
    nbCptsEnChevauchement: count.meta({ description: 'Autres CPTS partageant au moins une commune avec celle-ci' }),
    notes: z.array(z.string()),
  })
  .meta({ id: 'Cpts', description: 'Une CPTS : chiffres calculés sur ses communes membres' });
export type CptsSummary = z.infer<typeof CptsSummary>;

const Bareme = z.strictObject({
  bandes: z.array(
    z.strictObject({
      code: bande,
      taille: count,
      populationMin: count,
      populationMaxExclue: count.nullable(),
      financementTotalEur: z.number().nullable(),
      note: z.string().nullable(),
    }),
  ),
  aideFonctionnementAnnuelleEur: z.strictObject({ min: z.number().nullable(), max: z.number().nullable(), note: z.string() }),
  avertissementSeuilPct: z.number(),
  source: z.strictObject({ titre: z.string(), annee: z.int(), cadre: z.string(), resume: z.string(), reprisDans: z.string().optional() }),
});

export const cptsList = endpoint({
  method: 'get',
  path: '/api/cpts',
  tag: 'Territoires',
  access: 'public',
  cache: 'data-version',
  summary: 'Liste des CPTS avec population, taille ACI, structures, officines et offre de médecine générale',
  description: 'Une CPTS est retenue par un filtre de département ou de région si l’une de ses communes y est.',
  query: listQuery,
  responses: {
    200: json('Les CPTS, par identifiant', z.strictObject({ nombre: count, cpts: z.array(CptsSummary), bareme: Bareme, sources })),
    400: ERRORS[400],
  },
});

const CptsFeatureProps = CptsSummary.pick({
  id: true,
  nom: true,
  statut: true,
  statutLibelle: true,
  perimetre: true,
  perimetreLibelle: true,
  perimetreNonOfficiel: true,
  attribution: true,
  population: true,
  nbCommunes: true,
  superficieKm2: true,
  bande: true,
  nbCptsEnChevauchement: true,
}).extend({ avertissementSeuil: z.string().nullable() });
export type CptsFeatureProps = z.infer<typeof CptsFeatureProps>;

export const cptsGeojson = endpoint({
  method: 'get',
  path: '/api/cpts.geojson',
  tag: 'Territoires',
  access: 'public',
  summary: 'Périmètres des CPTS (GeoJSON) pour la carte, mêmes filtres que /api/cpts',
  query: listQuery,
  responses: {
    200: geojson('Une Feature par CPTS (géométrie null si aucune)', featureCollection(CptsFeatureProps, { sources })),
    400: ERRORS[400],
  },
});

const CptsCommune = z.strictObject({
  code: z.string(),
  nom: z.string(),
  departement: z.string(),
  population: count.nullable(),
  partSurface: z.number().meta({ description: 'Part de la surface de la commune dans la CPTS (1 : entière)' }),
  superficieKm2: z.number().nullable(),
  zone: zone.nullable(),
  autresCpts: z.array(z.string()).meta({ description: 'Autres CPTS dont la commune est aussi membre' }),
});

const SheetStructure = z.strictObject({
  finess: z.string(),
  type: z.string(),
  nom: z.string(),
  commune: z.string().nullable(),
  communeNom: z.string().nullable(),
});

export const CptsSheet = CptsSummary.extend({
  communes: z.array(CptsCommune),
  structuresListe: z.array(SheetStructure),
  autresCentresListe: z
    .array(SheetStructure.extend({ sousType: z.string().nullable(), sousTypeLibelle: z.string() }))
    .meta({ description: 'Centres de santé que l’officine ne peut pas rejoindre, avec leur sous-type' }),
  bassinsVie: z
    .array(z.strictObject({ code: z.string(), nom: z.string(), nbCommunes: count }))
    .meta({ description: 'Bassins de vie couverts (INSEE, BV2022) et nombre de communes membres dans chacun' }),
  pharmaciesListe: z.array(
    z.strictObject({ finess: z.string(), nom: z.string(), commune: z.string().nullable(), communeNom: z.string().nullable(), adherente: z.boolean() }),
  ),
  chevauchements: z.array(OverlapPair),
  sources,
}).meta({ id: 'FicheCpts' });

export const cptsSheet = endpoint({
  method: 'get',
  path: '/api/cpts/{id}',
  tag: 'Territoires',
  access: 'public',
  cache: 'data-version',
  summary: 'Fiche d’une CPTS : chiffres, communes membres, structures, officines, chevauchements',
  params: idParams,
  query: queryObject({ date: asOfParam.optional() }),
  responses: { 200: json('La fiche', CptsSheet), 400: ERRORS[400], 404: ERRORS[404] },
});

const CommuneFeatureProps = z.strictObject({
  code: z.string(),
  nom: z.string(),
  population: count.nullable(),
  partSurface: z.number(),
  autresCpts: z.array(z.string()),
  cpts: z.string(),
});
export type CommuneFeatureProps = z.infer<typeof CommuneFeatureProps>;

export const cptsCommunes = endpoint({
  method: 'get',
  path: '/api/cpts/{id}/communes.geojson',
  tag: 'Territoires',
  access: 'public',
  summary: 'Communes membres d’une CPTS (GeoJSON) avec la part de surface et les autres CPTS de chaque commune',
  params: idParams,
  responses: {
    200: geojson('Une Feature par commune membre', featureCollection(CommuneFeatureProps, { cpts: z.string(), sources })),
    400: ERRORS[400],
    404: ERRORS[404],
  },
});

export type CptsListResponse = Body<typeof cptsList>;
export type CptsSheetResponse = Body<typeof cptsSheet>;
export type { CptsRef };
