// The JSON bodies of the API, as named types: each route checks what it sends against its type
// (`res.json({…} satisfies X)`), and the map client imports them (`import type`) instead of declaring
// the shapes again. Types only, built from the analysis and domain types.
//
// They live here rather than in each route module because a route module imports express, the app and the
// tile encoders: importing a type from it would pull the whole server into the client's type check. This
// module imports types only, so the client reaches no more than the analysis and domain modules.
import type { CptsSheet, CptsSummary } from '../analysis/cpts.js';
import type { Coverage, WhiteZonePage, WhiteZoneRow } from '../analysis/coverage.js';
import type { NearbyResult } from '../analysis/nearby.js';
import type { OverlapPair } from '../analysis/overlaps.js';
import type { PerimeterCheck } from '../analysis/perimeter.js';
import type { PharmacyRow, PharmacyStatus } from '../analysis/pharmacies.js';
import type { SearchHit } from '../analysis/search.js';
import type { AciTable } from '../domain/bands.js';
import type { ResolvedContact } from '../domain/contacts.js';
import type { EvaluatedMission, Mission, SourceDoc } from '../domain/missions.js';
import type { StructuresGuide } from '../domain/structures-guide.js';
import type { GpSupply, MaskedCount } from '../domain/territory.js';
import type { DataSource } from './sources.js';

/** Where the figures of an answer come from: the latest import of each kind it is built on. */
interface Sourced {
  sources: DataSource[];
}

// --- /api/cpts, /api/cpts/{id} ----------------------------------------------------------------------

/** The band table as the API shows it (for legends): bands, funding, source. */
export type Bareme = Pick<AciTable, 'bandes' | 'aideFonctionnementAnnuelleEur' | 'source'> & { avertissementSeuilPct: number };

/** GET /api/cpts */
export interface CptsListResponse extends Sourced {
  nombre: number;
  cpts: CptsSummary[];
  bareme: Bareme;
}

/** GET /api/cpts/{id} */
export type CptsSheetResponse = CptsSheet & Sourced;

// --- /api/overlaps ------------------------------------------------------------------------------------

/** GET /api/overlaps */
export interface OverlapsResponse extends Sourced {
  nombre: number;
  paires: OverlapPair[];
}

// --- /api/coverage, /api/white-zones ------------------------------------------------------------------

/** GET /api/coverage */
export type CoverageResponse = Coverage & Sourced & { notes: string[] };

/** One white-zone commune as the API shows it (JSON rows, GeoJSON properties, CSV). */
export interface WhiteZoneJson extends Pick<WhiteZoneRow, 'code' | 'nom' | 'departement' | 'region' | 'population' | 'cptsLimitrophes'> {
  offreMg: {
    nbGeneralistes: MaskedCount | null;
    densitePour10000: GpSupply['densitePour10000'];
    estProxy: WhiteZoneRow['estProxy'];
    source: WhiteZoneRow['gpSource'];
    annee: WhiteZoneRow['gpAnnee'];
    /** GP data was imported but the commune is absent from it (counted 0). */
    absenteDeLaSource: boolean;
  };
  zonage: { zone: string; libelle: string; date: WhiteZoneRow['zoneDate']; source: WhiteZoneRow['zoneSource'] } | null;
  cptsLaPlusProche: WhiteZoneRow['cptsProche'];
}

/** The members of /api/white-zones.geojson beside `features` (whose properties are WhiteZoneJson). */
export interface WhiteZonesMeta extends Omit<WhiteZonePage, 'rows'>, Sourced {
  limit: number;
  offset: number;
  notes: string[];
}

/** GET /api/white-zones */
export interface WhiteZonesResponse extends WhiteZonesMeta {
  communes: WhiteZoneJson[];
}

// --- /api/perimeter/check ----------------------------------------------------------------------------

/** POST /api/perimeter/check */
export type PerimeterCheckResponse = PerimeterCheck & Sourced;

// --- /api/pharmacies -----------------------------------------------------------------------------------

/** GET /api/pharmacies */
export interface PharmacyPage extends Sourced {
  total: number;
  limit: number;
  offset: number;
  near: number;
  counts: Record<PharmacyStatus, number>;
  avertissement: string;
  rows: PharmacyRow[];
}

// --- /api/search, /api/nearby, /api/guide -----------------------------------------------------------

/** GET /api/search */
export interface SearchResponse extends Sourced {
  q: string;
  hits: SearchHit[];
}

/** GET /api/nearby: the analysis (without its internal flag) with the missions and contacts for the commune. */
export type NearbyResponse = { k: number } & Omit<NearbyResult, 'zoningImported'> &
  Sourced & {
    missions: EvaluatedMission[];
    contacts: ResolvedContact[];
  };

/** A mission in the guide: its source document resolved, no eligibility (no place is asked about). */
export type GuideMission = Omit<Mission, 'source'> & { source: SourceDoc };

/** GET /api/guide */
export type GuideResponse = StructuresGuide & { missions: GuideMission[] };
