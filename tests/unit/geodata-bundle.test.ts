// The committed demo bundle geodata/: its manifest, the FINESS counts, the illustrative files, the README,
// and that scripts/build-geodata.ts rebuilds it byte for byte.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GEODATA = join(ROOT, 'geodata');
const SOURCES = resolve(ROOT, '../shared/geodata-sources');
const PDL = ['44', '49', '53', '72', '85'];
const PACA = ['04', '05', '06', '13', '83', '84'];
const DEPARTEMENTS = [...PDL, ...PACA];

interface ImportStep {
  kind: string;
  file?: string;
  files?: string[];
  options?: Record<string, unknown>;
}
const manifest = JSON.parse(readFileSync(join(GEODATA, 'manifest.json'), 'utf8')) as { imports: ImportStep[]; provenance: Record<string, unknown> };
const filesOf = (s: ImportStep) => s.files ?? (s.file ? [s.file] : []);
const step = (kind: string, i = 0) => manifest.imports.filter((s) => s.kind === kind)[i]!;

/** `;`-separated file without quoting → header-keyed rows. */
function readCsv(name: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(join(GEODATA, name), 'utf8').trimEnd().split('\n');
  const cols = head!.split(';');
  return rows.map((line) => {
    const v = line.split(';');
    expect(v, `${name}: ${line}`).toHaveLength(cols.length);
    return Object.fromEntries(cols.map((c, i) => [c, v[i]!]));
  });
}

function finessRecords() {
  const lines = gunzipSync(readFileSync(join(GEODATA, step('finess').file!))).toString('utf8').trimEnd().split('\n');
  const struct = lines.filter((l) => l.startsWith('structureet;')).map((l) => l.split(';'));
  const geo = lines.filter((l) => l.startsWith('geolocalisation;')).map((l) => l.split(';'));
  return { header: lines[0]!, lines, struct, geo };
}

describe('geodata bundle: manifest', () => {
  it('lists the imports in the order npm start runs them, with the agreed option names', () => {
    expect(manifest.imports.map((s) => s.kind)).toEqual(['communes', 'finess', 'cpts', 'cpts', 'cpts', 'gp', 'zoning', 'bassins', 'memberships']);
    expect(step('communes').files).toEqual(DEPARTEMENTS.map((d) => `communes-${d}.geojson.gz`));
    expect(step('cpts', 0).options).toEqual({ perimetre: 'approximatif', status: 'en-fonctionnement' });
    expect(step('cpts', 1).options).toEqual({ perimetre: 'illustratif' });
    expect(step('cpts', 2).options).toEqual({ perimetre: 'officiel', status: 'non renseigné', source: 'ARS PACA, listing des CPTS, janvier 2026' });
    expect(Object.keys(step('gp').options!).sort()).toEqual(['codeColumn', 'countColumn', 'proxy', 'source', 'year']);
    expect(step('gp').options).toMatchObject({ codeColumn: 'codecommuneetablissement', countColumn: 'generaliste', year: 2019, proxy: true });
    expect(step('zoning').options).toMatchObject({ source: expect.stringMatching(/source non officielle/), unofficial: true, vintage: '2022–2024 (estimé)' });
    expect(Object.keys(manifest.provenance).sort()).toEqual(['bassins', 'communes', 'cpts', 'cptsPaca', 'finess', 'gp', 'populations', 'zoning']);
  });

  it('every file it lists exists in geodata/, is not empty, and keeps the bundle to a few MB', () => {
    const files = manifest.imports.flatMap(filesOf);
    expect(files.length).toBe(20);
    let total = 0;
    for (const f of files) {
      expect(existsSync(join(GEODATA, f)), f).toBe(true);
      const size = statSync(join(GEODATA, f)).size;
      expect(size, f).toBeGreaterThan(100);
      total += size;
    }
    expect(total).toBeLessThan(4 * 1024 * 1024);
  });
});

describe('geodata bundle: FINESS subset', () => {
  const { header, struct, geo } = finessRecords();

  it('holds, in Pays de la Loire, 1,103 pharmacies, 109 MSP, 136 centres de santé and 10 CPTS; in PACA 1,868, 88, 155 and 9', () => {
    const byCat = (deps: string[]) => {
      const out: Record<string, number> = {};
      for (const r of struct) if (deps.includes(r[13]!)) out[r[18]!] = (out[r[18]!] ?? 0) + 1;
      return out;
    };
    expect(byCat(PDL)).toEqual({ '620': 1103, '603': 109, '124': 136, '604': 10 });
    expect(byCat(PACA)).toEqual({ '620': 1868, '603': 88, '124': 155, '604': 9 });
    expect(new Set(struct.map((r) => r[13]))).toEqual(new Set(DEPARTEMENTS));
    expect(struct.every((r) => r.length === 32)).toBe(true);
  });

  it('keeps the etalab layout: header with the updated count, structureet then geolocalisation records', () => {
    expect(header).toBe(`finess;etalab;${struct.length};2021-01-08`);
    const { lines } = finessRecords();
    const firstGeo = lines.findIndex((l) => l.startsWith('geolocalisation;'));
    expect(firstGeo).toBe(struct.length + 1);
    const kept = new Set(struct.map((r) => r[1]));
    expect(geo.every((r) => r.length === 6 && kept.has(r[1]))).toBe(true);
    expect(new Set(geo.map((r) => r[1])).size).toBe(geo.length);
  });
});

describe('geodata bundle: CPTS', () => {
  const approx = readCsv(step('cpts', 0).file!);
  const proposal = readCsv(step('cpts', 1).file!);

  it('keeps the approximate perimeters of the 10 CPTS of Pays de la Loire only', () => {
    const finessCpts = finessRecords().struct.filter((r) => r[18] === '604' && PDL.includes(r[13]!)).map((r) => r[1]);
    expect(new Set(approx.map((r) => r.cpts_finess))).toEqual(new Set(finessCpts));
    expect(approx.every((r) => r.methode!.startsWith('approx:'))).toBe(true);
  });

  it('the illustrative proposal is labelled as such and shares 3 to 6 communes with one approximate CPTS', () => {
    expect(new Set(proposal.map((r) => r.cpts_id)).size).toBe(1);
    for (const r of proposal) {
      expect(r.cpts_id).toMatch(/^ILLUSTR-/);
      expect(r.cpts_nom).toMatch(/^Proposition illustrative — /);
      expect(r.statut).toBe('projet');
      expect(r.methode).toBe('illustratif:proposition');
    }
    const codes = new Set(proposal.map((r) => r.code_insee));
    const shared = new Map<string, number>();
    for (const r of approx) if (codes.has(r.code_insee!)) shared.set(r.cpts_finess!, (shared.get(r.cpts_finess!) ?? 0) + 1);
    expect(shared.size).toBe(1);
    const [n] = [...shared.values()];
    expect(n).toBeGreaterThanOrEqual(3);
    expect(n).toBeLessThanOrEqual(6);
    // white-zone communes beside the overlap
    const covered = new Set(approx.map((r) => r.code_insee));
    expect([...codes].filter((c) => !covered.has(c)).length).toBeGreaterThanOrEqual(3);
  });
});

describe('geodata bundle: real PACA perimeters', () => {
  it('70 CPTS known by name, Marseille by arrondissement, Nice claimed by three', () => {
    const rows = readFileSync(join(GEODATA, step('cpts', 2).file!), 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
    expect(new Set(rows.map((r) => r[0])).size).toBe(70);
    expect(rows.every((r) => PACA.includes(r[1]!.slice(0, 2)))).toBe(true);
    expect(new Set(rows.filter((r) => r[1] === '13055').map((r) => r[3])).size).toBe(15);
    expect(new Set(rows.filter((r) => r[1] === '06088').map((r) => r[0])).size).toBe(3);
  });
});

describe('geodata bundle: GP proxy, zoning, bassins de vie, memberships', () => {
  it('GP proxy rows are communes of the eleven départements, header kept', () => {
    const gp = readCsv(step('gp').file!);
    expect(gp.length).toBe(1652);
    expect(gp.every((r) => DEPARTEMENTS.includes(r.codecommuneetablissement!.slice(0, 2)))).toBe(true);
    expect(gp.every((r) => Number(r.generaliste) >= 0)).toBe(true);
  });

  it('the zoning is the national file’s rows of the eleven départements, once each', () => {
    const [head, ...rows] = readFileSync(join(GEODATA, step('zoning').file!), 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(head).toEqual(['code_insee', 'nom_commune_source', 'code_postal_source', 'zonage_mg', 'zrr', 'appariement']);
    expect(new Set(rows.map((r) => r[0])).size).toBe(rows.length);
    expect(rows.every((r) => DEPARTEMENTS.includes(r[0]!.slice(0, 2)))).toBe(true);
    expect(new Set(rows.map((r) => r[3]))).toEqual(new Set(['1_ZIP', '2_ZAC', '3_HZ']));
  });

  it('bassins de vie: the communes of the eleven départements, every bassin and zone named', () => {
    const rows = readFileSync(join(GEODATA, step('bassins').files![0]!), 'utf8').trim().split('\n').slice(1).map((l) => l.replace(/"/g, '').split(','));
    const labels = readFileSync(join(GEODATA, step('bassins').files![1]!), 'utf8').trim().split('\n').slice(1).map((l) => l.replace(/"/g, '').split(','));
    expect(rows.every((r) => DEPARTEMENTS.includes(r[2]!))).toBe(true);
    const named = new Set(labels.map((l) => `${l[0]}:${l[1]}`));
    expect(rows.every((r) => named.has(`BV2022:${r[12]}`) && named.has(`ZE2020:${r[9]}`))).toBe(true);
  });

  it('memberships join bundle pharmacies to bundle MSP or to one CPTS, labelled illustrative', () => {
    const m = readCsv(step('memberships').file!);
    const { struct } = finessRecords();
    const cat = new Map(struct.map((r) => [r[1]!, r[18]!]));
    const cpts = new Set(readCsv(step('cpts', 0).file!).map((r) => r.cpts_finess));
    expect(m.filter((r) => r.structure_finess).length).toBeGreaterThan(0);
    expect(m.filter((r) => r.cpts_id).length).toBeGreaterThan(0);
    for (const r of m) {
      expect(cat.get(r.pharmacie_finess!)).toBe('620');
      expect(Boolean(r.structure_finess) !== Boolean(r.cpts_id)).toBe(true);
      if (r.structure_finess) expect(cat.get(r.structure_finess)).toBe('603');
      else expect(cpts.has(r.cpts_id!)).toBe(true);
      expect(r.source).toBe('ILLUSTRATIF — adhésion de démonstration');
    }
    expect(new Set(m.map((r) => `${r.pharmacie_finess};${r.structure_finess};${r.cpts_id}`)).size).toBe(m.length);
  });
});

describe('geodata bundle: README', () => {
  const readme = readFileSync(join(GEODATA, 'README.md'), 'utf8');

  it('labels every file of the manifest, and says which ones are illustrative or approximate', () => {
    for (const f of [...manifest.imports.flatMap(filesOf), 'manifest.json']) expect(readme, f).toContain(`\`${f}\``);
    const heading = (f: string, label: string) => new RegExp(`^### \`${f.replace(/\./g, '\\.')}\`.*${label}`, 'm');
    for (const f of [step('cpts', 1).file, step('memberships').file]) expect(readme).toMatch(heading(f!, 'ILLUSTRATIVE'));
    expect(readme).toMatch(heading(step('cpts', 0).file!, 'APPROXIMATE'));
    expect(readme).toMatch(heading(step('cpts', 2).file!, 'REAL, ARS PACA, January 2026'));
    expect(readme).toMatch(heading(step('zoning').file!, 'UNOFFICIAL source, vintage estimated 2022–2024'));
    expect(readme).toContain('npm run build:geodata');
    for (const producer of ['IGN', 'INSEE', 'DREES/FINESS', 'INSEE SIRENE', 'Licence Ouverte', 'ODbL', 'COGugaison', 'ARS PACA, listing des CPTS, janvier 2026']) {
      expect(readme).toContain(producer);
    }
  });
});

describe('geodata bundle: rebuild', () => {
  // Compressed files are compared decompressed: another zlib build may compress the same bytes differently.
  const content = (path: string) => (path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path));
  it.skipIf(!existsSync(SOURCES))('npm run build:geodata reproduces the content of every file of geodata/ (skipped without ../shared/geodata-sources)', () => {
    const out = mkdtempSync(join(tmpdir(), 'geodata-rebuild-'));
    try {
      execFileSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'scripts/build-geodata.ts'), '--sources', SOURCES, '--out', out], {
        cwd: ROOT,
        stdio: 'pipe',
      });
      const committed = readdirSync(GEODATA).sort();
      expect(readdirSync(out).sort()).toEqual(committed);
      for (const f of committed) expect(content(join(out, f)).equals(content(join(GEODATA, f))), f).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
