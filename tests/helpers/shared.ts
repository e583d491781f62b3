// The shared data beside the repository (../shared/geodata-sources, see its README). A clone from the project's
// repository has none: tests that read it are skipped, and their title says so.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** ../shared/geodata-sources/ (relative to the repository root), with a trailing slash. */
export const SHARED_SOURCES = fileURLToPath(new URL('../../../shared/geodata-sources/', import.meta.url));

/** A path below ../shared/geodata-sources/. */
export const sharedSource = (path: string) => SHARED_SOURCES + path;

/**
 * For tests that read these shared files: whether to skip them, and their title with the reason when skipped.
 *   const vendee = needsShared(VENDEE);
 *   it.skipIf(vendee.skip)(vendee.title('imports the Vendée file'), …)
 */
export function needsShared(...paths: string[]): { skip: boolean; title: (title: string) => string } {
  const missing = paths.filter((p) => !existsSync(p)).map((p) => `../shared/geodata-sources/${p.slice(SHARED_SOURCES.length)}`);
  return { skip: missing.length > 0, title: (t) => (missing.length ? `${t} [skipped: ${missing.join(', ')} absent]` : t) };
}
