// Coverage of the territory by CPTS, and white zones (communes in no CPTS) with their nearest CPTS.
import { Router } from 'express';
import { assertBassinVie } from '../analysis/communes.js';
import { coverage, whiteZoneBatches, whiteZoneFeatures, whiteZones, type WhiteZoneRow } from '../analysis/coverage.js';
import { mapBatches } from '../db/cursor.js';
import { gpSupply, maskCount, SECRET_LABEL, SECRET_MIN } from '../domain/rules.js';
import { zoneLibelle, type Zone } from '../domain/vocabulary.js';
import { streamCsv } from '../http/csv.js';
import { streamFeatureCollection } from '../http/geojson.js';
import * as api from './contract/coverage.js';
import type { AppDeps } from './deps.js';
import { setSourcesHeader } from './send.js';
import { serve } from './serve.js';
import { dataSources } from './sources.js';

const COVERAGE_SOURCES = ['communes', 'cpts'];
const WZ_SOURCES = ['communes', 'cpts', 'gp', 'zoning'];
const PAGE = 100;

const COVERAGE_NOTES = [
  'Une commune est couverte si elle est membre d’au moins une CPTS (tous statuts confondus) ; sa population entière est alors couverte.',
  'Parts en % (2 décimales) ; la ligne de région est toujours donnée pour la région entière.',
  'nbCommunesCouvertesHorsOfficiel : communes couvertes seulement par des périmètres approximatifs ou illustratifs.',
];

const WZ_NOTES = [
  'Communes appartenant à aucune CPTS (d’après les communes membres enregistrées), de la plus peuplée à la moins peuplée.',
  `Offre de médecine générale : un effectif inférieur à ${SECRET_MIN} est affiché « ${SECRET_LABEL} » (secret statistique), sans densité ; ` +
    'une commune absente de la source compte 0 (la source ne liste que les communes où l’offre existe) ; estProxy signale un indicateur approché (cabinets, pas médecins).',
  'CPTS la plus proche : distance géodésique (ellipsoïde WGS84) du point intérieur de la commune au périmètre de la CPTS ; ' +
    'cptsLimitrophes : CPTS dont le périmètre touche la commune.',
];

function wzJson(w: WhiteZoneRow): api.WhiteZone {
  const gp = gpSupply({
    nb: w.nbGeneralistes,
    population: w.population ?? 0,
    communesSansDonnee: 0,
    estProxy: w.estProxy,
    sources: w.gpSource ? [w.gpSource] : [],
    annees: w.gpAnnee ? [w.gpAnnee] : [],
  });
  return {
    code: w.code,
    nom: w.nom,
    departement: w.departement,
    region: w.region,
    population: w.population,
    offreMg: {
      nbGeneralistes: maskCount(w.nbGeneralistes),
      densitePour10000: gp.densitePour10000,
      estProxy: w.estProxy,
      source: w.gpSource,
      annee: w.gpAnnee,
      absenteDeLaSource: w.nbGeneralistes !== null && w.gpSource === null,
    },
    zonage: w.zoneSource ? { zone: w.zone as Zone | null, libelle: zoneLibelle(w.zone), date: w.zoneDate, source: w.zoneSource } : null,
    cptsLaPlusProche: w.cptsProche,
    cptsLimitrophes: w.cptsLimitrophes,
  };
}

const WZ_CSV_HEADER = [
  'Code INSEE',
  'Commune',
  'Département',
  'Région',
  'Population',
  'Médecins généralistes',
  'Densité pour 10 000 hab.',
  'Indicateur approché (proxy)',
  'Source offre MG',
  'Zonage',
  'CPTS la plus proche (identifiant)',
  'CPTS la plus proche (nom)',
  'Distance à la CPTS la plus proche (km)',
  'CPTS limitrophes',
];

const wzCsvRow = (w: WhiteZoneRow) => {
  const j = wzJson(w);
  return [
    j.code,
    j.nom,
    j.departement,
    j.region,
    j.population,
    j.offreMg.nbGeneralistes,
    j.offreMg.densitePour10000,
    j.offreMg.estProxy === null ? '' : j.offreMg.estProxy ? 'oui' : 'non',
    j.offreMg.source,
    j.zonage?.libelle ?? '',
    j.cptsLaPlusProche?.id ?? '',
    j.cptsLaPlusProche?.nom ?? '',
    j.cptsLaPlusProche?.distanceKm ?? '',
    j.cptsLimitrophes.join(', '),
  ];
};

export function coverageRoutes({ db }: AppDeps): Router {
  const r = Router();

  serve(r, api.coverage, async ({ query }) => ({
    ...(await coverage(db, query)),
    notes: COVERAGE_NOTES,
    sources: await dataSources(db, COVERAGE_SOURCES),
  }));

  serve(r, api.whiteZones, async ({ query: { limit = PAGE, offset = 0, ...area } }) => {
    await assertBassinVie(db, area.bassinVie);
    const page = await whiteZones(db, { ...area, limit, offset });
    const { total, populationTotale } = page;
    return { total, populationTotale, limit, offset, communes: page.rows.map(wzJson), notes: WZ_NOTES, sources: await dataSources(db, WZ_SOURCES) };
  });

  serve(r, api.whiteZonesGeojson, async ({ query: { limit = PAGE, offset = 0, ...area } }, res) => {
    await assertBassinVie(db, area.bassinVie);
    const page = await whiteZoneFeatures(db, { ...area, limit, offset });
    const sources = await dataSources(db, WZ_SOURCES);
    setSourcesHeader(res, sources);
    const meta: api.WhiteZonesMeta = { total: page.total, populationTotale: page.populationTotale, limit, offset, notes: WZ_NOTES, sources };
    await streamFeatureCollection(
      res,
      mapBatches(page.rows, (w) => ({ geometry: w.geometry, properties: wzJson(w) })),
      meta,
    );
  });

  serve(r, api.whiteZonesCsv, async ({ query }, res) => {
    await assertBassinVie(db, query.bassinVie);
    setSourcesHeader(res, await dataSources(db, WZ_SOURCES));
    await streamCsv(res, 'zones-blanches-cpts.csv', WZ_CSV_HEADER, mapBatches(whiteZoneBatches(db, query), wzCsvRow));
  });

  return r;
}
