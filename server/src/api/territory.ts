// The territory endpoints of the ARS planner (CPTS sheets, overlaps, coverage and white zones, perimeter
// check), mounted as one router with one OpenAPI paths object.
import { Router } from 'express';
import type { AppDeps } from '../app.js';
import type { OpenApiPaths } from './openapi.js';
import { coveragePaths, coverageRoutes } from './coverage.js';
import { cptsPaths, cptsRoutes } from './cpts.js';
import { overlapPaths, overlapRoutes } from './overlaps.js';
import { perimeterPaths, perimeterRoutes } from './perimeter.js';

export function territoryRoutes(deps: AppDeps): Router {
  const r = Router();
  r.use(cptsRoutes(deps), overlapRoutes(deps), coverageRoutes(deps), perimeterRoutes(deps));
  return r;
}

export const territoryPaths: OpenApiPaths = { ...cptsPaths, ...overlapPaths, ...coveragePaths, ...perimeterPaths };
