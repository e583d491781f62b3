import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cog } from '../../server/src/import/cog.js';
import { multiPolygonEwkbHex } from '../../server/src/import/wkb.js';
import { listCommuneFiles, parseCommuneOutlines } from '../../server/src/import/communes.js';
import { decodeSource, readSource, type SourceText } from '../../server/src/import/source.js';
import { issuesOf } from '../helpers/input.js';
import { needsShared, sharedSource } from '../helpers/shared.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/communes/', import.meta.url));
const SHARED = sharedSource('communes-2018/');
const VENDEE = join(SHARED, 'communes-85-vendee.geojson.gz');
const vendee = needsShared(VENDEE);
const national = needsShared(SHARED);

const fixture = (name: string) => readSource(join(FIXTURES, name));
const text = (fileName: string, doc: unknown): SourceText => decodeSource(Buffer.from(JSON.stringify(doc)), fileName);


const depCommunes = (dep: string) => [...cog().communes.values()].filter((c) => c.departement === dep);

describe('parseCommuneOutlines: reconciliation with the current COG', () => {
  it('groups the 2018 outlines of Les Sables-d\'Olonne (merged in 2019) under 85194', async () => {
    const p = parseCommuneOutlines([await fixture('communes-85-les-sables-d-olonne-2018.geojson')]);
    expect(p.features).toBe(9);
    expect(p.communes.map((c) => c.code)).toEqual(['85035', '85112', '85194', '85214', '85243', '85250', '85288']);
    const sables = p.communes.find((c) => c.code === '85194')!;
    expect(sables.nom).toBe("Les Sables-d'Olonne");
    expect(sables.sourceCodes).toEqual(['85060', '85166', '85194']);
    expect(sables.pieces.map((x) => [x.sourceCode, x.feature])).toEqual([
      ['85194', 4],
      ['85060', 6],
      ['85166', 7],
    ]);
    for (const c of p.communes.filter((c) => c.code !== '85194')) expect(c.sourceCodes).toEqual([c.code]);
    expect(p.unmatched).toEqual([]);
    expect(p.files).toEqual([{ file: 'communes-85-les-sables-d-olonne-2018.geojson', features: 9, codeProperty: 'code' }]);
  });

  it('reports the current communes of the départements present that got no outline', async () => {
    const p = parseCommuneOutlines([await fixture('communes-85-les-sables-d-olonne-2018.geojson')]);
    expect(p.departements).toEqual(['85']);
    expect(p.missing.length).toBe(depCommunes('85').length - 7);
    const missing = p.missing.map((m) => m.code);
    expect(missing).toContain('85165');
    expect(missing).toContain('85212');
    expect(missing).not.toContain('85194');
    expect(missing.some((m) => !m.startsWith('85'))).toBe(false);
    expect(p.warnings).toContain("85165 L'Oie: no outline in the input (département 85)");
  });

  it('reads IGN ADMIN EXPRESS property names (INSEE_COM) without options and merges Huillé into Huillé-Lézigné', async () => {
    const p = parseCommuneOutlines([await fixture('communes-49-huille-lezigne-insee-com.geojson')]);
    expect(p.files[0]!.codeProperty).toBe('INSEE_COM');
    expect(p.communes).toHaveLength(1);
    expect(p.communes[0]).toMatchObject({ code: '49174', nom: 'Huillé-Lézigné', sourceCodes: ['49159', '49174'] });
    expect(p.communes[0]!.pieces[0]!.sourceName).toBe('Huillé');
  });

  it.each(['codgeo', 'insee', 'CODE'])('detects the code property %s', async (key) => {
    const src = JSON.parse((await fixture('communes-49-huille-lezigne-insee-com.geojson')).text);
    for (const f of src.features) f.properties = { [key]: f.properties.INSEE_COM, libgeo: f.properties.NOM_COM };
    const p = parseCommuneOutlines([text('renamed.geojson', src)]);
    expect(p.files[0]!.codeProperty).toBe(key);
    expect(p.communes.map((c) => [c.code, c.sourceCodes])).toEqual([['49174', ['49159', '49174']]]);
  });

  it('pads numeric codes that lost their leading zero (1004 → 01004)', async () => {
    const src = JSON.parse((await fixture('communes-49-huille-lezigne-insee-com.geojson')).text);
    src.features = [{ ...src.features[0], properties: { code: 1004 } }];
    expect(parseCommuneOutlines([text('numeric.geojson', src)]).communes.map((c) => c.code)).toEqual(['01004']);
  });

  it('keeps outlines with no current commune apart, with a warning', async () => {
    const p = parseCommuneOutlines([await fixture('unmatched-unknown-code.geojson')]);
    expect(p.communes).toEqual([]);
    expect(p.unmatched.map((u) => [u.sourceCode, u.file, u.feature])).toEqual([['85999', 'unmatched-unknown-code.geojson', 1]]);
    expect(p.missing).toEqual([]); // no département present: nothing to call missing
    expect(p.warnings).toEqual([
      'unmatched-unknown-code.geojson, feature 1: code 85999 (Inconnue) is no commune of the current COG 2026; outline not imported',
    ]);
  });

  it('drops a third coordinate and keeps polygons as read otherwise', async () => {
    const src = JSON.parse((await fixture('communes-85-les-sables-d-olonne-2018.geojson')).text);
    const f = src.features[3];
    const ring2d = f.geometry.coordinates[0];
    f.geometry.coordinates[0] = ring2d.map((p: number[]) => [...p, 12.5]);
    const p = parseCommuneOutlines([text('z.geojson', { type: 'FeatureCollection', features: [f] })]);
    expect(p.communes[0]!.pieces[0]!.geometry).toEqual({ type: 'Polygon', coordinates: [ring2d] });
  });

  it('accepts a structurally sound ring that PostGIS will find empty or invalid (checked at import)', async () => {
    expect(parseCommuneOutlines([await fixture('invalid-degenerate-empty.geojson')]).communes.map((c) => c.code)).toEqual(['85008', '85092']);
    expect(parseCommuneOutlines([await fixture('invalid-bow-tie-repairable.geojson')]).communes.map((c) => c.code)).toEqual(['85113']);
  });
});

describe('parseCommuneOutlines: structural problems (file, feature as line, field)', () => {
  it('refuses a file that is not a FeatureCollection', async () => {
    const src = await fixture('invalid-not-feature-collection.geojson');
    expect(issuesOf(() => parseCommuneOutlines([src]))).toEqual([
      {
        file: 'invalid-not-feature-collection.geojson',
        line: undefined,
        field: 'type',
        message: 'not a GeoJSON FeatureCollection (top-level type "Feature")',
      },
    ]);
  });

  it('refuses text that is not JSON, with the line of the syntax error', () => {
    const src = decodeSource(Buffer.from('{"type": "FeatureCollection",\n "features": [\n {"type": "Feature",}\n]}'), 'broken.geojson');
    const [issue, ...more] = issuesOf(() => parseCommuneOutlines([src]));
    expect(more).toEqual([]);
    expect(issue).toMatchObject({ file: 'broken.geojson', line: 3 });
    expect(issue!.message).toMatch(/^JSON invalide/);
  });

  it('refuses a ring that is not closed', async () => {
    const src = await fixture('invalid-unclosed-ring.geojson');
    const issues = issuesOf(() => parseCommuneOutlines([src]));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'invalid-unclosed-ring.geojson', line: 2, field: 'geometry.coordinates' });
    expect(issues[0]!.message).toMatch(/^feature 2 \(Brem-sur-Mer\), code 85243: ring 1 is not closed: first position \[-1\.\d+, 46\.\d+\] differs from last/);
  });

  it('refuses a feature without a code', async () => {
    const src = await fixture('invalid-missing-code.geojson');
    expect(issuesOf(() => parseCommuneOutlines([src]))).toEqual([
      { file: 'invalid-missing-code.geojson', line: 2, field: 'properties.code', message: 'feature 2 (Saint-Mathurin) has no commune code' },
    ]);
  });

  it('refuses a file where no feature has a code property', async () => {
    const src = JSON.parse((await fixture('communes-49-huille-lezigne-insee-com.geojson')).text);
    for (const f of src.features) f.properties = { NOM_COM: f.properties.NOM_COM, DEPCOM_OLD: f.properties.INSEE_COM };
    const issues = issuesOf(() => parseCommuneOutlines([text('no-code.geojson', src)]));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'no-code.geojson', field: 'properties' });
    expect(issues[0]!.message).toMatch(/no commune code property in any feature: expected one of properties\.insee_com, .*properties\.code/);
  });

  it('refuses a code that is not an INSEE commune code (e.g. a département file)', async () => {
    const src = JSON.parse((await fixture('communes-49-huille-lezigne-insee-com.geojson')).text);
    src.features = [{ ...src.features[0], properties: { code: '49', nom: 'Maine-et-Loire' } }];
    expect(issuesOf(() => parseCommuneOutlines([text('departements-49.geojson', src)]))).toEqual([
      {
        file: 'departements-49.geojson',
        line: 1,
        field: 'properties.code',
        message: 'feature 1 (Maine-et-Loire): "49" is not an INSEE commune code (5 characters, e.g. 49092 or 2A004)',
      },
    ]);
  });

  it('refuses a duplicate code, within a file and across files, naming the first occurrence', async () => {
    const dup = await fixture('invalid-duplicate-code.geojson');
    expect(issuesOf(() => parseCommuneOutlines([dup]))).toEqual([
      {
        file: 'invalid-duplicate-code.geojson',
        line: 3,
        field: 'properties.code',
        message: 'duplicate commune code 85035: already given by invalid-duplicate-code.geojson, feature 1',
      },
    ]);
    const sables = await fixture('communes-85-les-sables-d-olonne-2018.geojson');
    const issues = issuesOf(() => parseCommuneOutlines([sables, dup]));
    expect(issues.map((i) => [i.file, i.line, i.message.slice(0, 31)])).toEqual([
      ['invalid-duplicate-code.geojson', 1, 'duplicate commune code 85035: a'],
      ['invalid-duplicate-code.geojson', 2, 'duplicate commune code 85243: a'],
      ['invalid-duplicate-code.geojson', 3, 'duplicate commune code 85035: a'],
    ]);
    expect(issues[0]!.message).toContain('already given by communes-85-les-sables-d-olonne-2018.geojson, feature 2');
  });

  it('lists every malformed geometry, one issue per feature', async () => {
    const src = await fixture('invalid-malformed-geometry.geojson');
    const issues = issuesOf(() => parseCommuneOutlines([src]));
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [1, 'geometry.coordinates'],
      [2, 'geometry.coordinates'],
      [3, 'geometry.coordinates'],
      [4, 'geometry.type'],
      [5, 'geometry'],
    ]);
    const m = issues.map((i) => i.message);
    expect(m[0]).toBe('feature 1 (Bretignolles-sur-Mer), code 85035: ring 1, position 6: ["-1.85702",46.60985] is not a [longitude, latitude] pair of numbers');
    expect(m[1]).toBe("feature 2 (Île-d'Olonne), code 85112: ring 1 has 3 position(s); a linear ring needs at least 4");
    expect(m[2]).toMatch(/^feature 3 \(Sainte-Foy\), code 85214: ring 1, position 1: \[330000, 6620000\] is outside longitude\/latitude ranges/);
    expect(m[3]).toBe('feature 4 (Saint-Mathurin), code 85250: geometry type "Point"; expected Polygon or MultiPolygon');
    expect(m[4]).toBe('feature 5 (Talmont-Saint-Hilaire), code 85288: no geometry; expected a Polygon or MultiPolygon');
  });

  it('refuses a MultiPolygon with an empty ring list, and a projected CRS', () => {
    const empty = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: '85035' }, geometry: { type: 'MultiPolygon', coordinates: [[]] } }] };
    expect(issuesOf(() => parseCommuneOutlines([text('e.geojson', empty)]))[0]!.message).toBe(
      'feature 1, code 85035: polygon 1, no ring (expected an array of linear rings)',
    );
    const l93 = { ...empty, crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } } };
    expect(issuesOf(() => parseCommuneOutlines([text('l93.geojson', l93)]))).toEqual([
      {
        file: 'l93.geojson',
        line: undefined,
        field: 'crs',
        message: 'coordinates are in urn:ogc:def:crs:EPSG::2154; expected WGS84 longitude/latitude (EPSG:4326, as RFC 7946 requires)',
      },
    ]);
  });

  it('reports the problems of every file at once', async () => {
    const sources = await Promise.all(['invalid-unclosed-ring.geojson', 'invalid-missing-code.geojson', 'invalid-not-feature-collection.geojson'].map(fixture));
    expect(issuesOf(() => parseCommuneOutlines(sources)).map((i) => [i.file, i.line, i.field])).toEqual([
      ['invalid-unclosed-ring.geojson', 2, 'geometry.coordinates'],
      ['invalid-missing-code.geojson', 1, 'properties.code'], // 85035 is in both files
      ['invalid-missing-code.geojson', 2, 'properties.code'],
      ['invalid-not-feature-collection.geojson', undefined, 'type'],
    ]);
  });
});

describe('listCommuneFiles', () => {
  it('expands a folder to its commune GeoJSON files, skipping départements and régions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'communes-list-'));
    try {
      const sub = join(dir, 'communes-2018');
      await mkdir(sub);
      for (const f of ['communes-85.geojson.gz', 'communes-49.geojson', 'departements-avec-outre-mer.geojson.gz', 'regions-x.geojson', 'README.md']) {
        await writeFile(join(sub, f), '');
      }
      await writeFile(join(dir, 'extra.GEOJSON'), '');
      const r = await listCommuneFiles([sub, join(dir, 'extra.GEOJSON'), join(sub, 'communes-49.geojson')]);
      expect(r.files).toEqual([join(sub, 'communes-49.geojson'), join(sub, 'communes-85.geojson.gz'), join(dir, 'extra.GEOJSON')]);
      expect(r.label).toBe('communes-2018/ (2 files), extra.GEOJSON, communes-49.geojson');
      await expect(listCommuneFiles([join(dir, 'nope.geojson')])).rejects.toThrow(/nope\.geojson: cannot read the file or folder \(ENOENT\)/);
      const empty = join(dir, 'empty');
      await mkdir(empty);
      await expect(listCommuneFiles([empty])).rejects.toThrow(/holds no \*\.geojson or \*\.geojson\.gz file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('parseCommuneOutlines on the real 2018 outlines', () => {
  it.skipIf(vendee.skip)(vendee.title('Vendée: 267 outlines give 251 current communes; L\'Oie and Sainte-Florence (re-created in 2019) are missing'), async () => {
    const p = parseCommuneOutlines([await readSource(VENDEE)]);
    expect(p.features).toBe(267);
    expect(p.communes).toHaveLength(251);
    expect(p.unmatched).toEqual([]);
    expect(p.missing.map((m) => m.code)).toEqual(['85165', '85212']);
    expect(p.communes.length + p.missing.length).toBe(depCommunes('85').length);
    expect(p.communes.find((c) => c.code === '85146')!.sourceCodes).toEqual(['85027', '85107', '85146', '85217', '85224']);
  });

  it.skipIf(national.skip)(national.title('national: every one of the 35,357 outlines lands in a current commune'), async () => {
    const names = (await readdir(SHARED)).filter((f) => f.startsWith('communes-')).sort();
    expect(names).toHaveLength(101);
    const p = parseCommuneOutlines(await Promise.all(names.map((f) => readSource(join(SHARED, f)))));
    expect(p.features).toBe(35357);
    expect(p.communes.reduce((n, c) => n + c.pieces.length, 0)).toBe(35357);
    expect(p.unmatched).toEqual([]);
    expect(p.communes).toHaveLength(34868);
    expect(p.missing.map((m) => m.code)).toEqual(['14666', '15031', '15035', '15047', '15171', '85165', '85212']);
    expect(p.departements).toHaveLength(101);
  });
});

describe('multiPolygonEwkbHex (outlines sent to PostGIS as binary)', () => {
  it('writes little-endian EWKB: MultiPolygon with SRID 4326, then each polygon, ring and position', () => {
    const square = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]];
    const hex = multiPolygonEwkbHex([square]);
    const b = Buffer.from(hex, 'hex');
    expect(hex.slice(0, 18)).toBe('0106000020e6100000'); // little-endian, MultiPolygon | SRID flag, 4326
    expect([b.readUInt32LE(9), b.readUInt8(13), b.readUInt32LE(14), b.readUInt32LE(18), b.readUInt32LE(22)]).toEqual([1, 1, 3, 1, 5]);
    expect([b.readDoubleLE(26 + 16), b.readDoubleLE(26 + 16 + 8)]).toEqual([1, 0]); // second position
    expect(b.length).toBe(26 + 5 * 16);
  });
});
