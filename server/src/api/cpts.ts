// CPTS list, sheet and perimeters for the map.
import { Router } from 'express';
import { cptsCommuneFeatureBatches, cptsGeometryBatches, cptsSheet, listCpts } from '../analysis/cpts.js';
import { mapBatches } from '../db/cursor.js';
import { streamFeatureCollection } from '../http/geojson.js';
import { ACI_TABLE } from '../domain/bands.js';
import { NotFoundError } from '../domain/errors.js';
import * as api from './contract/cpts.js';
import type { AppDeps } from './deps.js';
import { setSourcesHeader } from './send.js';
import { serve } from './serve.js';
import { dataSources } from './sources.js';

const SOURCES = ['communes', 'cpts', 'gp', 'finess', 'memberships'];

/** The band table as the API shows it (for legends): bands, funding, source. */
const bareme = () => ({
  bandes: ACI_TABLE.bandes,
  aideFonctionnementAnnuelleEur: ACI_TABLE.aideFonctionnementAnnuelleEur,
  avertissementSeuilPct: ACI_TABLE.avertissementSeuilPart * 100,
  source: ACI_TABLE.source,
});

export function cptsRoutes({ db }: AppDeps): Router {
  const r = Router();

  serve(r, api.cptsList, async ({ query }) => {
    const cpts = await listCpts(db, query);
    return { nombre: cpts.length, cpts, bareme: bareme(), sources: await dataSources(db, SOURCES) };
  });

  serve(r, api.cptsGeojson, async ({ query }, res) => {
    const cpts = await listCpts(db, query);
    const byId = new Map(cpts.map((c) => [c.id, c]));
    const sources = await dataSources(db, SOURCES);
    setSourcesHeader(res, sources);
    // the figures of every CPTS are small and computed together; their outlines (most of the bytes) come from a cursor
    const features = mapBatches(cptsGeometryBatches(db, cpts.map((c) => c.id), query.date), ({ id, geometry }) => {
      const c = byId.get(id)!;
      const properties: api.CptsFeatureProps = {
        id: c.id,
        nom: c.nom,
        statut: c.statut,
        statutLibelle: c.statutLibelle,
        perimetre: c.perimetre,
        perimetreLibelle: c.perimetreLibelle,
        perimetreNonOfficiel: c.perimetreNonOfficiel,
        attribution: c.attribution,
        population: c.population,
        nbCommunes: c.nbCommunes,
        superficieKm2: c.superficieKm2,
        bande: c.bande,
        avertissementSeuil: c.avertissementSeuil?.message ?? null,
        nbCptsEnChevauchement: c.nbCptsEnChevauchement,
      };
      return { geometry, properties };
    });
    await streamFeatureCollection(res, features, { sources });
  });

  serve(r, api.cptsSheet, async ({ params: { id }, query }) => {
    const sheet = await cptsSheet(db, id, query.date);
    if (!sheet) throw new NotFoundError(query.date ? `CPTS ${id} introuvable au ${query.date} (aucune version de son périmètre à cette date)` : `CPTS ${id} introuvable`);
    return { ...sheet, sources: await dataSources(db, SOURCES) };
  });

  serve(r, api.cptsCommunes, async ({ params: { id } }, res) => {
    const exists = await db.query('SELECT 1 FROM cpts WHERE id = $1', [id]);
    if (!exists.rows.length) throw new NotFoundError(`CPTS ${id} introuvable`);
    const sources = await dataSources(db, ['communes', 'cpts']);
    setSourcesHeader(res, sources);
    const features = mapBatches(cptsCommuneFeatureBatches(db, id), ({ geometry, ...properties }) => ({ geometry, properties: { ...properties, cpts: id } }));
    await streamFeatureCollection<api.CommuneFeatureProps>(res, features, { cpts: id, sources });
  });

  return r;
}
