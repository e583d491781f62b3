// `npm start`: the server from its plain JavaScript bundle (scripts/server-bundle.js), rebuilt first when a source
// is newer; from the TypeScript sources through tsx if it cannot be built. The bundle's entry is scripts/start.ts.
import { pathToFileURL } from 'node:url';
import { buildServerBundle, isStale, SERVER_BUNDLE } from './server-bundle.js';

let entry;
try {
  if (isStale()) await buildServerBundle();
  entry = pathToFileURL(SERVER_BUNDLE).href;
} catch (e) {
  console.warn(`the server could not be bundled, starting from its sources: ${e instanceof Error ? e.message : String(e)}`);
  (await import('tsx/esm/api')).register();
  entry = new URL('./start.ts', import.meta.url).href;
}
await import(entry);
