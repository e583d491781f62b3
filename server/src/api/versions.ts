// CPTS perimeters edited with dated versions (issue 9, item 2): the routes of server/src/api/contract/versions.ts.
// Each write runs in one transaction with its audit row (audited); the région rule is checked on the CPTS's current
// communes and on every commune named, and a commune outside the user's région is refused by name.
import { Router, type Request } from 'express';
import { audited, type Actor } from '../auth/audit.js';
import type { Queryable } from '../db/port.js';
import { writesIn } from '../domain/roles.js';
import { signedIn } from '../http/auth.js';
import { sendCsv } from '../http/csv.js';
import { HttpError } from '../http/errors.js';
import { stableId } from '../import/csv.js';
import { cptsHistory, diffVersions, etapeRow, type DiffCommune } from '../register/history.js';
import { addEtape, createCpts, memberUnits, versionUnits, writeVersion, type WrittenVersion } from '../register/versions.js';
import * as api from './contract/versions.js';
import type { AppDeps } from './deps.js';
import { setSourcesHeader } from './send.js';
import { serve } from './serve.js';
import { dataSources } from './sources.js';

/** The régions of the CPTS's current communes. */
async function cptsRegions(db: Queryable, id: string): Promise<string[]> {
  const r = await db.query<{ region: string }>(
    'SELECT DISTINCT c.region FROM cpts_commune m JOIN commune c ON c.code = m.commune_code WHERE m.cpts_id = $1',
    [id],
  );
  return r.rows.map((x) => x.region);
}

/**
 * The régions of the communes named (unknown codes are left to the write, which names them); a user who may not
 * write in one of them is told which communes are outside their région.
 */
async function communeRegions(db: Queryable, codes: readonly string[], req: Request): Promise<string[]> {
  const r = await db.query<{ code: string; nom: string; region: string }>('SELECT code, nom, region FROM commune WHERE code = ANY($1::text[])', [codes]);
  const { actor } = signedIn(req);
  const outside = r.rows.filter((c) => !writesIn(actor, [c.region]));
  if (outside.length) {
    const named = outside.slice(0, 20).map((c) => `${c.code} ${c.nom} (région ${c.region})`).join(', ');
    throw new HttpError(
      403,
      `Communes hors de votre région (${actor.region ?? 'aucune'}) : ${named}${outside.length > 20 ? ` et ${outside.length - 20} autre(s)` : ''}`,
      { communesHorsRegion: outside.map((c) => c.code) },
    );
  }
  return [...new Set(r.rows.map((c) => c.region))];
}

/** The answer of a write: the CPTS, the version as the history lists it, its units. */
async function written(db: Queryable, w: WrittenVersion) {
  const history = await cptsHistory(db, w.cpts.id);
  return { cpts: w.cpts, version: history.versions.find((v) => v.numero === w.numero)!, communes: w.communes };
}

/** Writes a version and its audit row in one transaction. */
function auditedVersion(db: AppDeps['db'], actor: Actor, action: string, write: (tx: Queryable) => Promise<WrittenVersion>) {
  return audited(db, actor, async (tx, log) => {
    const w = await write(tx);
    const regions = await cptsRegions(tx, w.cpts.id);
    await log({
      action,
      cibleType: 'cpts',
      cibleId: w.cpts.id,
      region: regions.length === 1 ? regions[0]! : (actor.region ?? regions[0] ?? null),
      avant: w.avant,
      apres: { numero: w.numero, valideDu: w.valideDu, communes: w.communes },
    });
    return w;
  });
}

const DIFF_HEADER = ['Changement', 'Code INSEE', 'Commune', 'Département', 'Population', 'Version de départ', 'Version d’arrivée', 'Taille ACI avant', 'Taille ACI après'];

export function versionRoutes({ db }: AppDeps): Router {
  const r = Router();

  serve(
    r,
    api.cptsCreate,
    async ({ body }, res, req) => {
      const { actor } = signedIn(req);
      const units = await memberUnits(db, body.communes);
      const region = (await communeRegions(db, units, req))[0] ?? '';
      const id = body.id ?? stableId(region, body.nom);
      const w = await auditedVersion(db, actor, 'cpts.creation', (tx) =>
        createCpts(tx, actor, { id, nom: body.nom, finess: body.finess, perimetre: body.perimetre, etape: body.etape }, body),
      );
      res.status(201);
      return written(db, w);
    },
    { regionOf: ({ body }, req) => communeRegions(db, body.communes, req) },
  );

  serve(
    r,
    api.versionSave,
    async ({ params, body }, res, req) => {
      const { actor } = signedIn(req);
      const w = await auditedVersion(db, actor, 'cpts.version', (tx) => writeVersion(tx, actor, { ...body, cptsId: params.id }));
      res.status(201);
      return written(db, w);
    },
    { regionOf: async ({ params, body }, req) => [...(await cptsRegions(db, params.id)), ...(await communeRegions(db, body.communes, req))] },
  );

  const ownCpts = { regionOf: ({ params }: { params: { id: string } }) => cptsRegions(db, params.id) };

  serve(r, api.versionsList, ({ params }) => cptsHistory(db, params.id), ownCpts);

  serve(r, api.versionDiff, ({ params, query }) => diffVersions(db, params.id, query.de, query.a), ownCpts);

  serve(
    r,
    api.versionDiffCsv,
    async ({ params, query }, res) => {
      const d = await diffVersions(db, params.id, query.de, query.a);
      setSourcesHeader(res, await dataSources(db, ['communes', 'cpts']));
      const row = (kind: string) => (c: DiffCommune) => [kind, c.code, c.nom, c.departement, c.population, d.de.numero, d.a.numero, d.de.bande, d.a.bande];
      sendCsv(res, `cpts-${params.id}-versions-${d.de.numero}-${d.a.numero}.csv`, DIFF_HEADER, [
        ...d.ajoutees.map(row('ajoutée')),
        ...d.retirees.map(row('retirée')),
      ], { codeColumns: ['Code INSEE', 'Département'] });
    },
    ownCpts,
  );

  serve(
    r,
    api.versionRevert,
    async ({ params, body }, res, req) => {
      const { actor } = signedIn(req);
      const w = await auditedVersion(db, actor, 'cpts.version.retour', async (tx) => {
        const communes = await versionUnits(tx, params.id, params.numero);
        if (!communes.length) throw new HttpError(404, `La CPTS ${params.id} n’a pas de version ${params.numero}`);
        const commentaire = body.commentaire || `Retour à la version ${params.numero}`;
        return writeVersion(tx, actor, { ...body, commentaire, communes, cptsId: params.id }, { origine: 'retour', retourA: params.numero });
      });
      res.status(201);
      return written(db, w);
    },
    { regionOf: ({ params }) => cptsRegions(db, params.id) },
  );

  serve(
    r,
    api.etapeAdd,
    async ({ params, body }, res, req) => {
      const { actor } = signedIn(req);
      const e = await audited(db, actor, async (tx, log) => {
        const added = await addEtape(tx, actor, { ...body, cptsId: params.id });
        const regions = await cptsRegions(tx, params.id);
        await log({ action: 'cpts.etape', cibleType: 'cpts', cibleId: params.id, region: regions[0] ?? null, apres: { ...body, statut: added.statut } });
        return added;
      });
      res.status(201);
      const etape = etapeRow({ id: e.id, etape: body.etape, le: body.le, commentaire: body.commentaire || null, auteur: actor.auteur, cree_le: e.creeLe });
      return { etape, statut: e.statut };
    },
    ownCpts,
  );

  return r;
}
