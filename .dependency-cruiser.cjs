// The layers of the code (README, "Layout"), checked by `npm run lint:deps` (part of `npm test`):
//   domain ← db ← register (versions of CPTS perimeters) ← import / analysis / tiles / auth ← api ← app (app.ts, main.ts, seed.ts, cli/)
// Each layer imports only from the layers to its left (the three in the middle not from each other), nothing
// imports in a circle, the API contract and the map client stay clear of the server's runtime modules, and the
// server's code imports no devDependency (what `npm start` runs must be in `dependencies`).
/** @type {import('dependency-cruiser').IConfiguration} */
const S = '^server/src/';
const BASE = `${S}(config|logger)[.]ts$`; // settings and logging: leaves anyone may import

/** A layer may import only the layers given (and npm packages, Node built-ins, its own folder). */
const only = (name, from, allowed) => ({
  name,
  severity: 'error',
  comment: `${from} may import only: ${allowed.join(', ')}`,
  from: { path: from },
  to: { path: `^(server|client)/`, pathNot: [from, BASE, ...allowed] },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'modules importing each other in a circle', from: {}, to: { circular: true } },
    only('domain', `${S}domain/`, []),
    only('db', `${S}db/`, [`${S}domain/`]),
    only('register', `${S}register/`, [`${S}domain/`, `${S}db/`]),
    only('import', `${S}import/`, [`${S}domain/`, `${S}db/`, `${S}register/`]),
    only('analysis', `${S}analysis/`, [`${S}domain/`, `${S}db/`]),
    only('tiles', `${S}tiles/`, [`${S}domain/`, `${S}db/`]),
    only('auth', `${S}auth/`, [`${S}domain/`, `${S}db/`]),
    only('api', `${S}(api|http)/`, [`${S}domain/`, `${S}db/`, `${S}register/`, `${S}import/`, `${S}analysis/`, `${S}tiles/`, `${S}auth/`]),
    only('leaves', BASE, []),
    {
      name: 'contract',
      severity: 'error',
      comment: 'the endpoint declarations import zod and the domain only: the map client type-checks them',
      from: { path: `${S}api/contract/` },
      to: { pathNot: [`${S}api/contract/`, `${S}domain/`, '(^|/)node_modules/zod/'] },
    },
    {
      name: 'client-to-server',
      severity: 'error',
      comment: 'the map client imports from the server only the contract (types) and the domain (vocabulary, rules)',
      from: { path: '^client/' },
      to: { path: '^server/', pathNot: [`${S}api/contract/`, `${S}domain/`] },
    },
    {
      name: 'client-to-server-types-only',
      severity: 'error',
      comment: 'the contract is imported for its types only: no zod schema in the bundle (the domain is bundled)',
      from: { path: '^client/' },
      to: { path: `${S}api/contract/`, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'bundled-domain-is-pure',
      severity: 'error',
      comment: 'the domain modules the map client bundles import no Node module and no data file',
      from: { path: `${S}domain/(vocabulary|rules)[.]ts$` },
      to: { pathNot: `${S}domain/(vocabulary|rules)[.]ts$` },
    },
    {
      name: 'server-no-dev-dependency',
      severity: 'error',
      comment: 'what the server runs must be in dependencies, not devDependencies',
      from: { path: '^server/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
