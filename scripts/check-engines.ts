// CI: the Node.js versions package.json states (engines.node, also in the README) must be accepted by every
// package the lock file installs, and the running Node.js must be one of them. Optional packages are listed
// apart: npm skips an optional package whose engines refuse the running Node.js, so it never breaks an install.
import { readFileSync } from 'node:fs';
import semver from 'semver';

interface LockEntry {
  version?: string;
  optional?: boolean;
  engines?: { node?: string } | string[];
}

const root = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines?: { node?: string } };
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, LockEntry> };
const stated = root.engines?.node;
if (!stated || !semver.validRange(stated)) throw new Error('package.json has no valid engines.node');

const refusing: string[] = [];
const optional: string[] = [];
for (const [path, p] of Object.entries(lock.packages)) {
  const range = !path || Array.isArray(p.engines) ? undefined : p.engines?.node;
  if (!range || semver.subset(stated, range, { includePrerelease: false })) continue;
  const line = `${path.replace(/^.*node_modules\//, '')}@${p.version} wants node ${range}`;
  (p.optional ? optional : refusing).push(line);
}
for (const l of optional) console.log(`optional, skipped by npm where it does not fit: ${l}`);
if (refusing.length) {
  console.error(`package.json states node ${stated}, but:\n  ${refusing.join('\n  ')}`);
  process.exit(1);
}
if (!semver.satisfies(process.version, stated)) {
  console.error(`this is Node.js ${process.version}, outside the stated ${stated}`);
  process.exit(1);
}
console.log(`node ${stated}: accepted by all ${Object.keys(lock.packages).length - 1} packages of the lock file; running ${process.version}`);
