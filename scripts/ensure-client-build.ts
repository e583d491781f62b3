// Before `npm start`: builds the map client when client/dist is missing or older than its sources or its configuration.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'client/dist/index.html');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

// the build's configuration too: it decides what the build writes (the files compressed beside each script)
const sources = Math.max(newest(join(root, 'client/src')), ...['client/index.html', 'client/vite.config.ts'].map((f) => statSync(join(root, f)).mtimeMs));
// The client's build tools (vite, React, MapLibre) are devDependencies: a production install (npm ci --omit=dev,
// the Docker image) serves the client built beforehand.
const canBuild = existsSync(join(root, 'node_modules/vite/package.json'));
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  if (canBuild) {
    console.log('building the map client (client/dist)…');
    execFileSync('npm', ['run', '--silent', 'build:client'], { cwd: root, stdio: 'inherit' });
  } else if (!existsSync(built)) {
    console.error('the map client is not built and its build tools are not installed: run `npm install`, then `npm start` again.');
    process.exit(1);
  } else {
    console.warn('client/dist is older than client/src, but the build tools are not installed (npm ci --omit=dev): serving it as it is.');
  }
}
