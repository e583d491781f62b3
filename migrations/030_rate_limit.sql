-- Rate-limit counters shared by every server process (WORKERS > 1 on PostGIS): one row per limiter and client,
-- its hits in the current window and when the window ends (server/src/http/rate-store.ts).
CREATE TABLE rate_limit (
  cle text PRIMARY KEY,
  hits integer NOT NULL,
  fin timestamptz NOT NULL
);
CREATE INDEX rate_limit_fin ON rate_limit (fin);
