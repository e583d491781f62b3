// One process at a time owns an embedded data folder: the embedded database keeps pages in its own memory, so a
// second writer (another server, a CLI import) would silently lose its writes or corrupt the folder.
//
// The lock is an OS lock (flock on Linux and macOS, LockFileEx on Windows) on `<dataDir>/cpts.lock`, held by an
// open file descriptor for the life of the process. The kernel releases it when the process ends, however it ends
// (kill -9, crash, power loss): there is no stale lock to guess about, and no time-based expiry that a long
// statement blocking the event loop could break. The file also says who holds it, for the error message; it is
// never deleted (deleting a lock file lets two processes lock two different files).
import { closeSync, mkdirSync, openSync, readFileSync, writeSync, ftruncateSync, constants } from 'node:fs';
import { join, relative } from 'node:path';
import { flockSync, lockFileExSync, constants as fsExt } from 'fs-ext-extra-prebuilt';
import { DbUnavailableError } from './port.js';

export const LOCK_FILE = 'cpts.lock';

export class DataDirInUseError extends DbUnavailableError {
  override name = 'DataDirInUseError';
}

export interface DataDirLock {
  release(): void;
}

interface Owner {
  pid: number;
  command: string;
  since: string;
}

function tryLock(fd: number): boolean {
  try {
    // Windows locks are mandatory: lock one byte past 4 GiB, so that the owner line stays readable
    if (process.platform === 'win32') lockFileExSync(fd, fsExt.LOCKFILE_EXCLUSIVE_LOCK | fsExt.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 1, 0);
    else flockSync(fd, 'exnb');
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EACCES' || code === 'EBUSY') return false;
    throw e;
  }
}

function ownerOf(path: string): string {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Owner;
    return `process ${o.pid} (${o.command}), since ${o.since}`;
  } catch {
    return 'another process';
  }
}

/** Takes the data folder's lock (creating the folder), or throws DataDirInUseError naming who holds it. */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  if (!tryLock(fd)) {
    closeSync(fd);
    throw new DataDirInUseError(
      `the data folder ${dataDir} is in use by ${ownerOf(path)}: stop that process first, or use another DATA_DIR (or a PostGIS DATABASE_URL, which serves several processes).`,
    );
  }
  const owner: Owner = { pid: process.pid, command: [relative(process.cwd(), process.argv[1] ?? ''), ...process.argv.slice(2)].join(' ').slice(0, 200), since: new Date().toISOString() };
  ftruncateSync(fd);
  writeSync(fd, JSON.stringify(owner) + '\n', 0);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      closeSync(fd); // closing the descriptor releases the OS lock
    },
  };
}
