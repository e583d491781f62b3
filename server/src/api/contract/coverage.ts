// Coverage of the territory by CPTS, and white zones (communes in no CPTS) with their nearest CPTS.
import { z } from 'zod';
import { csv, ERRORS, endpoint, featureCollection, geojson, json, sources, type Body } from './endpoint.js';
import { asOfParam, bassinVieParam, departementParam, intParam, queryObject, regionParam } from './params.js';
import { count, CptsRef, date, maskedCount, zone } from './shared.js';

const figures = {
  nbCommunes: count,
  nbCommunesCouvertes: count,
  nbCommunesMultiCpts: count.meta({ description: 'Communes membres de deux CPTS ou plus' }),
  nbCommunesCouvertesHorsOfficiel: count.meta({ description: 'Communes couvertes seulement par des périmètres approximatifs ou illustratifs' }),
  nbCommunesSansPopulation: count,
  partCommunesPct: z.number().nullable(),
  population: count,
  populationCouverte: count,
  populationMultiCpts: count,
  partPopulationPct: z.number().nullable(),
};
const CoverageRow = z.strictObject({ code: z.string(), nom: z.string(), ...figures });
export type CoverageRow = z.infer<typeof CoverageRow>;

export const coverage = endpoint({
  method: 'get',
  path: '/api/coverage',
  tag: 'Territoires',
  access: 'public',
  cache: 'data-version',
  summary: 'Part de la population et des communes couvertes par une CPTS, par département et par région',
  query: queryObject({ departement: departementParam.optional(), region: regionParam.optional(), date: asOfParam.optional() }),
  responses: {
    200: json(
      'Couverture',
      z.strictObject({
        departements: z.array(CoverageRow),
        regions: z.array(CoverageRow),
        total: z.strictObject(figures).meta({ description: 'Les communes que le filtre retient (un département, une région, ou toutes)' }),
        notes: z.array(z.string()),
        sources,
      }),
    ),
    400: ERRORS[400],
  },
});

export const MAX_WHITE_ZONE_PAGE = 5000;
export const MAX_WHITE_ZONE_CSV = 100_000;

const pageQuery = (max: number) =>
  queryObject({
    departement: departementParam.optional(),
    region: regionParam.optional(),
    bassinVie: bassinVieParam.optional().meta({ description: 'Seulement les communes de ce bassin de vie (code INSEE, BV2022)' }),
    limit: intParam('limit', 1, max).optional().meta({ description: `Nombre de communes par page (1 à ${max})` }),
    offset: intParam('offset', 0, 1_000_000_000).optional().meta({ description: 'Nombre de communes à sauter' }),
    date: asOfParam.optional(),
  });

/** One white-zone commune as the API shows it (JSON rows, GeoJSON properties, CSV). */
export const WhiteZone = z
  .strictObject({
    code: z.string(),
    nom: z.string(),
    departement: z.string(),
    region: z.string(),
    population: count.nullable(),
    offreMg: z.strictObject({
      nbGeneralistes: maskedCount.nullable(),
      densitePour10000: z.number().nullable(),
      estProxy: z.boolean().nullable(),
      source: z.string().nullable(),
      annee: z.int().nullable(),
      absenteDeLaSource: z.boolean().meta({ description: 'Offre importée, mais la commune n’y figure pas (comptée 0)' }),
    }),
    zonage: z
      .strictObject({ zone: zone.nullable().meta({ description: 'null : zonage non disponible pour la commune' }), libelle: z.string(), date: date.nullable(), source: z.string().nullable() })
      .nullable(),
    cptsLaPlusProche: CptsRef.extend({ distanceKm: z.number().meta({ description: 'Distance géodésique, 2 décimales' }) }).nullable(),
    cptsLimitrophes: z.array(z.string()).meta({ description: 'CPTS dont le périmètre touche la commune' }),
  })
  .meta({ id: 'ZoneBlanche' });
export type WhiteZone = z.infer<typeof WhiteZone>;

const whiteZoneMeta = {
  total: count,
  populationTotale: count,
  limit: count,
  offset: count,
  notes: z.array(z.string()),
  sources,
};

export const whiteZones = endpoint({
  method: 'get',
  path: '/api/white-zones',
  tag: 'Territoires',
  access: 'public',
  cache: 'data-version',
  summary: 'Zones blanches : communes hors de toute CPTS, avec population, offre de médecine générale, zonage et CPTS la plus proche',
  query: pageQuery(MAX_WHITE_ZONE_PAGE),
  responses: {
    200: json('Une page de communes, de la plus peuplée à la moins peuplée', z.strictObject({ ...whiteZoneMeta, communes: z.array(WhiteZone) })),
    400: ERRORS[400], 404: ERRORS[404],
  },
});

export const whiteZonesGeojson = endpoint({
  method: 'get',
  path: '/api/white-zones.geojson',
  tag: 'Territoires',
  access: 'public',
  summary: 'Zones blanches en GeoJSON (contours des communes), même pagination',
  query: pageQuery(MAX_WHITE_ZONE_PAGE),
  responses: { 200: geojson('Une Feature par commune', featureCollection(WhiteZone, whiteZoneMeta)), 400: ERRORS[400], 404: ERRORS[404] },
});

export const whiteZonesCsv = endpoint({
  method: 'get',
  path: '/api/white-zones.csv',
  tag: 'Territoires',
  access: 'public',
  summary: 'Zones blanches en CSV (toutes les communes par défaut)',
  query: pageQuery(MAX_WHITE_ZONE_CSV),
  responses: { 200: csv('Une ligne par commune'), 400: ERRORS[400], 404: ERRORS[404] },
});

export type CoverageResponse = Body<typeof coverage>;
export type WhiteZonesResponse = Body<typeof whiteZones>;
/** The members of /api/white-zones.geojson beside `features`. */
export type WhiteZonesMeta = Omit<WhiteZonesResponse, 'communes'>;
