// The server's start for `npm start` (the entry of its JavaScript bundle, scripts/server-bundle.js): the map client
// built when missing or stale (ensure-client-build.ts), then the server, in one process.
await import('./ensure-client-build.js');
await import('../server/src/main.js');
