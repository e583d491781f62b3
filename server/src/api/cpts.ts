// CPTS list, sheet and perimeters for the map.
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import { cptsCommuneFeatures, cptsGeometries, cptsSheet, listCpts } from '../analysis/cpts.js';
import { ACI_TABLE } from '../domain/bands.js';
import { notFound } from '../http/errors.js';
import { parse } from '../http/validate.js';
import type { OpenApiPaths } from './openapi.js';
import type { Bareme, CptsListResponse, CptsSheetResponse } from './responses.js';
import { dataSources } from './sources.js';
import {
  cptsIdParam,
  departementParam,
  oaBadRequest,
  oaGeoJson,
  oaJson,
  oaMaskedCount,
  oaNotFound,
  oaParam,
  oaSources,
  queryObject,
  regionParam,
  sendFeatureCollection,
  setSourcesHeader,
} from './territory-common.js';

const STATUTS = ['pre-projet', 'projet', 'en-fonctionnement', 'aci-signe', 'non-renseigne'] as const;
const BANDES = ['T1', 'T2', 'T3', 'T4'] as const;

const listQuery = queryObject({
  departement: departementParam.optional(),
  region: regionParam.optional(),
  bande: z.enum(BANDES, { error: `bande attendue : ${BANDES.join(', ')}` }).optional(),
  /** English alias of `bande`. */
  band: z.enum(BANDES, { error: `band attendue : ${BANDES.join(', ')}` }).optional(),
  statut: z.enum(STATUTS, { error: `statut attendu : ${STATUTS.join(', ')}` }).optional(),
});

const SOURCES = ['communes', 'cpts', 'gp', 'finess', 'memberships'] as const;

function listFilter(query: unknown) {
  const { band, ...q } = parse(listQuery, query);
  return { ...q, bande: q.bande ?? band };
}

/** The band table as the API shows it (for legends): bands, funding, source. */
export const bareme = (): Bareme => ({
  bandes: ACI_TABLE.bandes,
  aideFonctionnementAnnuelleEur: ACI_TABLE.aideFonctionnementAnnuelleEur,
  avertissementSeuilPct: ACI_TABLE.avertissementSeuilPart * 100,
  source: ACI_TABLE.source,
});

export function cptsRoutes({ db }: AppDeps): Router {
  const r = Router();

  r.get('/api/cpts', async (req, res) => {
    const cpts = await listCpts(db, listFilter(req.query));
    res.json({ nombre: cpts.length, cpts, bareme: bareme(), sources: await dataSources(db, SOURCES) } satisfies CptsListResponse);
  });

  r.get('/api/cpts.geojson', async (req, res) => {
    const cpts = await listCpts(db, listFilter(req.query));
    const geoms = await cptsGeometries(db, cpts.map((c) => c.id));
    const sources = await dataSources(db, SOURCES);
    setSourcesHeader(res, sources);
    sendFeatureCollection(
      res,
      cpts.map((c) => ({
        geometry: geoms.get(c.id) ?? null,
        properties: {
          id: c.id,
          nom: c.nom,
          statut: c.statut,
          statutLibelle: c.statutLibelle,
          perimetre: c.perimetre,
          perimetreLibelle: c.perimetreLibelle,
          perimetreNonOfficiel: c.perimetreNonOfficiel,
          population: c.population,
          nbCommunes: c.nbCommunes,
          superficieKm2: c.superficieKm2,
          bande: c.bande,
          avertissementSeuil: c.avertissementSeuil?.message ?? null,
          nbCptsEnChevauchement: c.nbCptsEnChevauchement,
        },
      })),
      { sources },
    );
  });

  r.get('/api/cpts/:id', async (req, res) => {
    const id = parse(cptsIdParam, req.params.id, 'Identifiant');
    const sheet = await cptsSheet(db, id);
    if (!sheet) throw notFound(`CPTS ${id}`);
    res.json({ ...sheet, sources: await dataSources(db, SOURCES) } satisfies CptsSheetResponse);
  });

  r.get('/api/cpts/:id/communes.geojson', async (req, res) => {
    const id = parse(cptsIdParam, req.params.id, 'Identifiant');
    const exists = await db.query('SELECT 1 FROM cpts WHERE id = $1', [id]);
    if (!exists.rows.length) throw notFound(`CPTS ${id}`);
    const features = await cptsCommuneFeatures(db, id);
    const sources = await dataSources(db, ['communes', 'cpts']);
    setSourcesHeader(res, sources);
    sendFeatureCollection(
      res,
      features.map(({ geometry, ...properties }) => ({ geometry, properties: { ...properties, cpts: id } })),
      { cpts: id, sources },
    );
  });

  return r;
}

const listParams = [
  oaParam.departement,
  oaParam.region,
  { name: 'bande', in: 'query', required: false, description: 'Taille ACI : T1 (< 40 000 hab.), T2, T3, T4 (≥ 175 000 hab.)', schema: { enum: BANDES } },
  { name: 'band', in: 'query', required: false, description: 'Synonyme de bande', schema: { enum: BANDES } },
  { name: 'statut', in: 'query', required: false, description: 'Statut de la CPTS', schema: { enum: STATUTS } },
];

const cptsSchema = {
  type: 'object',
  description:
    'Une CPTS : la population est la somme des populations INSEE des communes membres (une commune couverte en partie compte entière, ' +
    'ce que signalent nbCommunesPartielles et notes) ; superficieKm2 = Σ superficie × part de surface ; structures et officines comptées par commune membre.',
  properties: {
    id: { type: 'string' },
    nom: { type: 'string' },
    statut: { enum: STATUTS },
    statutLibelle: { type: 'string' },
    perimetre: { enum: ['officiel', 'approximatif', 'illustratif'] },
    perimetreLibelle: { type: 'string', description: 'À afficher : un périmètre approximatif ou illustratif doit être signalé comme tel' },
    perimetreNonOfficiel: { type: 'boolean' },
    population: { type: 'integer' },
    nbCommunes: { type: 'integer' },
    nbCommunesPartielles: { type: 'integer' },
    superficieKm2: { type: 'number' },
    bande: { enum: BANDES },
    taille: { type: 'integer' },
    avertissementSeuil: {
      type: ['object', 'null'],
      description: 'Population à 5 % ou moins d’un seuil de taille : seuil, écart, message',
      properties: { seuil: { type: 'integer' }, ecart: { type: 'integer' }, ecartPct: { type: 'number' }, message: { type: 'string' } },
    },
    aci: {
      type: 'object',
      description: 'Financement ACI de la taille, tel que la source l’indique (null si la source ne le donne pas)',
      properties: { financementTotalEur: { type: ['number', 'null'] }, notes: { type: 'array', items: { type: 'string' } }, source: { type: 'string' } },
    },
    structures: { type: 'object', description: 'MSP, CSP, ESP, sièges de CPTS, autres situés dans les communes membres' },
    pharmacies: { type: 'object', description: 'Officines des communes membres ; adhérentes à la CPTS' },
    offreMg: {
      type: 'object',
      properties: {
        nbGeneralistes: oaMaskedCount,
        densitePour10000: { type: ['number', 'null'], description: 'Pour 10 000 habitants ; null si effectif < 6 ou inconnu' },
        estProxy: { type: ['boolean', 'null'] },
        sources: { type: 'array', items: { type: 'string' } },
        notes: { type: 'array', items: { type: 'string' } },
      },
    },
    nbCptsEnChevauchement: { type: 'integer' },
    notes: { type: 'array', items: { type: 'string' } },
  },
};

export const cptsPaths: OpenApiPaths = {
  '/api/cpts': {
    get: {
      summary: 'Liste des CPTS avec population, taille ACI, structures, officines et offre de médecine générale',
      parameters: listParams,
      responses: {
        '200': oaJson({
          type: 'object',
          properties: { nombre: { type: 'integer' }, cpts: { type: 'array', items: cptsSchema }, bareme: { type: 'object' }, sources: oaSources },
        }),
        '400': oaBadRequest,
      },
    },
  },
  '/api/cpts.geojson': {
    get: {
      summary: 'Périmètres des CPTS (GeoJSON) pour la carte, mêmes filtres que /api/cpts',
      parameters: listParams,
      responses: { '200': oaGeoJson('Une Feature par CPTS (géométrie null si aucune)'), '400': oaBadRequest },
    },
  },
  '/api/cpts/{id}': {
    get: {
      summary: 'Fiche d’une CPTS : chiffres, communes membres, structures, officines, chevauchements',
      parameters: [oaParam.cptsId],
      responses: { '200': oaJson(cptsSchema), '400': oaBadRequest, '404': oaNotFound },
    },
  },
  '/api/cpts/{id}/communes.geojson': {
    get: {
      summary: 'Communes membres d’une CPTS (GeoJSON) avec la part de surface et les autres CPTS de chaque commune',
      parameters: [oaParam.cptsId],
      responses: { '200': oaGeoJson('Une Feature par commune membre'), '400': oaBadRequest, '404': oaNotFound },
    },
  },
};
