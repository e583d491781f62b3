// `npm start`: the map client built when missing or stale (ensure-client-build.ts), then the server, in one process:
// one start-up of Node and of tsx instead of two.
await import('./ensure-client-build.js');
await import('../server/src/main.js');
