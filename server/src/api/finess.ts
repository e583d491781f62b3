// What newer FINESS stocks changed (JSON and CSV): GET /api/finess/changes, /api/finess/changes.csv.
import { Router } from 'express';
import { changeCsvRow, CHANGES_CSV_CODE_COLUMNS, CHANGES_CSV_HEADER, finessChangeBatches, finessChanges, type ChangeFilter } from '../analysis/finess-changes.js';
import { mapBatches } from '../db/cursor.js';
import { streamCsv } from '../http/csv.js';
import * as api from './contract/finess.js';
import type { AppDeps } from './deps.js';
import { setSourcesHeader } from './send.js';
import { serve } from './serve.js';
import { dataSources } from './sources.js';

const SOURCES = ['finess', 'communes'];

const filter = ({ changement, ...q }: { changement?: ChangeFilter['changements'] } & Omit<ChangeFilter, 'changements'>): ChangeFilter => ({
  ...q,
  changements: changement,
});

export function finessRoutes({ db }: AppDeps): Router {
  const r = Router();
  serve(r, api.finessChanges, async ({ query }) => {
    const c = await finessChanges(db, filter(query));
    return { ...c, nombre: c.changements.length, sources: await dataSources(db, SOURCES) };
  });
  serve(r, api.finessChangesCsv, async ({ query }, res) => {
    const c = await finessChangeBatches(db, filter(query));
    setSourcesHeader(res, await dataSources(db, SOURCES));
    res.setHeader('X-Row-Count', String(c.nombre));
    await streamCsv(res, `changements-finess${c.stock ? '-' + c.stock.date : ''}.csv`, CHANGES_CSV_HEADER, mapBatches(c.batches, changeCsvRow), {
      codeColumns: CHANGES_CSV_CODE_COLUMNS,
    });
  });
  return r;
}
