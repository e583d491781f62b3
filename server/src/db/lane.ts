// Which kind of work a database call belongs to, carried by async context from the HTTP request down to the
// adapter without threading a parameter through every analysis. The embedded database (one connection) serves
// interactive work first; PostgreSQL ignores it (a pool of connections).
import { AsyncLocalStorage } from 'node:async_hooks';

/** interactive: map, search, sheets; heavy: exports and whole-territory analyses; background: prerendering, seeding. */
export type Lane = 'interactive' | 'heavy' | 'background';

const storage = new AsyncLocalStorage<Lane>();

export const runInLane = <T>(lane: Lane, fn: () => T): T => storage.run(lane, fn);

/** The lane of the current call; work started outside any request is background. */
export const currentLane = (): Lane => storage.getStore() ?? 'background';
