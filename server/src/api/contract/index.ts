// Every endpoint of the server, declared once (see endpoint.ts). A route exists only if it is listed here:
// tests/unit/routes.test.ts checks that the express routes and this list are the same set.
import * as auth from './auth.js';
import * as conciliation from './conciliation.js';
import * as coverage from './coverage.js';
import * as cpts from './cpts.js';
import type { EndpointDecl } from './endpoint.js';
import * as finess from './finess.js';
import * as guide from './guide.js';
import * as imports from './imports.js';
import * as mapAssets from './map-assets.js';
import * as nearby from './nearby.js';
import * as overlaps from './overlaps.js';
import * as perimeter from './perimeter.js';
import * as pharmacies from './pharmacies.js';
import * as recrutement from './recrutement.js';
import * as search from './search.js';
import * as system from './system.js';
import * as tiles from './tiles.js';
import * as versions from './versions.js';

export const ENDPOINTS: readonly EndpointDecl[] = [
  system.health,
  system.config,
  system.openapi,
  cpts.cptsList,
  cpts.cptsGeojson,
  cpts.cptsSheet,
  cpts.cptsCommunes,
  overlaps.overlaps,
  overlaps.overlapsGeojson,
  overlaps.overlapsCsv,
  conciliation.overlapDecisions,
  conciliation.overlapDecide,
  conciliation.overlapArbitrate,
  coverage.coverage,
  coverage.whiteZones,
  coverage.whiteZonesGeojson,
  coverage.whiteZonesCsv,
  perimeter.perimeterCheck,
  perimeter.perimeterCommunes,
  pharmacies.pharmacies,
  pharmacies.pharmaciesCsv,
  recrutement.recruitmentHistory,
  recrutement.recruitmentRecord,
  nearby.nearby,
  finess.finessChanges,
  finess.finessChangesCsv,
  search.search,
  guide.guide,
  tiles.tileLayers,
  tiles.tile,
  auth.sessionGet,
  auth.sessionLogin,
  auth.sessionLogout,
  auth.oidcStart,
  auth.oidcCallback,
  auth.passwordChange,
  auth.tokensList,
  auth.tokenCreate,
  auth.tokenRevoke,
  auth.usersList,
  auth.userCreate,
  auth.userUpdate,
  auth.audit,
  auth.auditCsv,
  versions.cptsCreate,
  versions.versionSave,
  versions.versionsList,
  versions.versionDiff,
  versions.versionDiffCsv,
  versions.versionRevert,
  versions.etapeAdd,
  imports.importUpload,
  imports.importGet,
  imports.importConfirm,
  imports.importList,
  mapAssets.glyphs,
  mapAssets.basemapStyle,
  mapAssets.basemapTile,
];
