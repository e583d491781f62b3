import { resolve } from 'node:path';
import { z } from 'zod';

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional().or(z.literal('').transform(() => undefined)),
  DATA_DIR: z.string().default('./data'),
  GEODATA_DIR: z.string().default('./geodata'),
  /** Load the demo bundle into an empty database at start ("false" to start empty). */
  SEED_DEMO: z.enum(['true', 'false']).default('true'),
  /** Optional MapLibre style URL of a basemap, for users online. Offline by default. */
  BASEMAP_STYLE_URL: z.string().url().optional().or(z.literal('').transform(() => undefined)),
  /** Optional offline basemap: path of a PMTiles file of vector tiles (Protomaps schema), served by the app. */
  BASEMAP_PMTILES: z.string().optional().transform((v) => v || undefined),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Longest a database statement may run during a request (ms). */
  STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** Exports (CSV, whole-layer GeoJSON) per minute and client; 0: no limit. */
  RATE_LIMIT_EXPORTS_PER_MINUTE: z.coerce.number().int().min(0).max(100_000).default(20),
  /** Analyses (white zones, overlaps, coverage) and perimeter checks per minute and client; 0: no limit. */
  RATE_LIMIT_ANALYSES_PER_MINUTE: z.coerce.number().int().min(0).max(100_000).default(120),
  /**
   * Reverse proxies to trust for the client address and the protocol (express "trust proxy"): "false" (none,
   * the default), "true" (any), a hop count, or addresses / subnets separated by commas. HSTS is sent only over
   * HTTPS, as the proxy reports it (X-Forwarded-Proto) or directly.
   */
  TRUST_PROXY: z.string().default('false'),
  /** Failed logins per quarter of an hour and client address; 0: no limit. */
  RATE_LIMIT_LOGIN_FAILURES: z.coerce.number().int().min(0).max(100_000).default(10),
  /** Single sign-on (OpenID Connect): the provider's issuer URL; without it, local accounts only. */
  OIDC_ISSUER: z.string().url().optional().or(z.literal('').transform(() => undefined)),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  /** This server's callback as registered with the provider: https://…/api/session/oidc/retour */
  OIDC_REDIRECT_URI: z.string().url().optional().or(z.literal('').transform(() => undefined)),
  OIDC_SCOPES: z.string().default('openid email given_name usual_name siret'),
  /** Embedded database: exports and analyses on a read replica (a copy of the data folder in a second worker). */
  PGLITE_READ_REPLICA: z.enum(['true', 'false']).default('true'),
  /** Server processes sharing the port (PostGIS only: all their state is in the database). */
  WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  /**
   * Web imports: the lease (s) of an apply, renewed with its progress by the process applying it; an apply whose
   * lease ran out (its process stopped) is reported interrupted and may be confirmed again.
   */
  IMPORT_LEASE_S: z.coerce.number().int().min(2).max(3600).default(60),
  /** Memory of the cache of public API answers, per process (MiB; 0: off): server/src/api/answers.ts. */
  API_CACHE_MB: z.coerce.number().min(0).max(4096).default(32),
});

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scopes: string;
}

export interface Config {
  port: number;
  host: string;
  databaseUrl?: string;
  dataDir: string;
  geodataDir: string;
  seedDemo: boolean;
  basemapStyleUrl?: string;
  basemapPmtiles?: string;
  logLevel: string;
  statementTimeoutMs: number;
  rateLimits: { exportsPerMinute: number; analysesPerMinute: number; loginFailuresPerQuarter?: number };
  oidc?: OidcConfig;
  trustProxy: boolean | number | string[];
  pgliteReadReplica: boolean;
  workers: number;
  importLeaseS: number;
  /** Bytes of public API answers kept per process (0: none). */
  apiCacheBytes: number;
}

/** TRUST_PROXY as express takes it. */
function trustProxy(v: string): boolean | number | string[] {
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The single sign-on settings: all four or none. */
function oidcConfig(e: z.infer<typeof Env>): OidcConfig | undefined {
  const set = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET, e.OIDC_REDIRECT_URI].filter(Boolean).length;
  if (set === 0) return undefined;
  if (set < 4) throw new ConfigError('Invalid configuration: OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URI go together');
  return { issuer: e.OIDC_ISSUER!, clientId: e.OIDC_CLIENT_ID!, clientSecret: e.OIDC_CLIENT_SECRET!, redirectUri: e.OIDC_REDIRECT_URI!, scopes: e.OIDC_SCOPES };
}

/** Reads the configuration from the environment; a bad value is one clear line. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = Env.safeParse(env);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${msg}`);
  }
  const e = r.data;
  if (e.BASEMAP_PMTILES && e.BASEMAP_STYLE_URL) {
    throw new ConfigError('Invalid configuration: BASEMAP_PMTILES and BASEMAP_STYLE_URL are both set; choose one basemap');
  }
  if (e.WORKERS > 1 && !e.DATABASE_URL) {
    throw new ConfigError(`Invalid configuration: WORKERS=${e.WORKERS} needs DATABASE_URL (PostGIS); the embedded database admits one server process`);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.DATA_DIR),
    geodataDir: resolve(e.GEODATA_DIR),
    seedDemo: e.SEED_DEMO === 'true',
    basemapStyleUrl: e.BASEMAP_STYLE_URL,
    basemapPmtiles: e.BASEMAP_PMTILES && resolve(e.BASEMAP_PMTILES),
    logLevel: e.LOG_LEVEL,
    statementTimeoutMs: e.STATEMENT_TIMEOUT_MS,
    rateLimits: {
      exportsPerMinute: e.RATE_LIMIT_EXPORTS_PER_MINUTE,
      analysesPerMinute: e.RATE_LIMIT_ANALYSES_PER_MINUTE,
      loginFailuresPerQuarter: e.RATE_LIMIT_LOGIN_FAILURES,
    },
    oidc: oidcConfig(e),
    trustProxy: trustProxy(e.TRUST_PROXY),
    pgliteReadReplica: e.PGLITE_READ_REPLICA === 'true',
    workers: e.WORKERS,
    importLeaseS: e.IMPORT_LEASE_S,
    apiCacheBytes: Math.round(e.API_CACHE_MB * 1024 * 1024),
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
