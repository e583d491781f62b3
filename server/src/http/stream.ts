// Answers written as their rows come from a database cursor (Db.cursor), a batch at a time: memory holds one batch
// and the first bytes leave with the first batch. Used by the CSV writer (csv.ts) and the GeoJSON exports.
import type { Response } from 'express';

export interface BodyParts<T> {
  /** Sets the headers; the first text of the body. */
  start: () => string;
  /** The text of one batch (`first`: the first one written). */
  batch: (rows: readonly T[], first: boolean) => string;
  /** The last text of the body. */
  end?: () => string;
}

/** Writes a body from batches (see streamCsv): headers with the first batch, backpressure, cut on a late failure. */
export async function streamBody<T>(res: Response, batches: AsyncIterable<readonly T[]>, parts: BodyParts<T>): Promise<void> {
  const write = writer(res);
  let started = false;
  try {
    for await (const rows of batches) {
      if (!started) res.write(parts.start());
      if (!(await write(parts.batch(rows, !started)))) return; // the client left: the cursor closes
      started = true;
    }
  } catch (e) {
    if (res.headersSent) res.destroy(); // logged by the error handler, which writes nothing once headers are sent
    throw e;
  }
  res.end((started ? '' : parts.start()) + (parts.end?.() ?? ''));
}

/**
 * Writes chunks; each resolves once the client can take more (true) or has gone (false). One listener of each kind
 * for the whole response: the compression middleware moves `drain` listeners to its gzip stream, where removing them
 * from the response would not reach.
 */
function writer(res: Response): (chunk: string) => Promise<boolean> {
  let waiting: (() => void) | undefined;
  const wake = () => {
    const w = waiting;
    waiting = undefined;
    w?.();
  };
  res.on('drain', wake);
  res.on('close', wake);
  return (chunk) => {
    if (res.destroyed) return Promise.resolve(false);
    if (res.write(chunk)) return Promise.resolve(true);
    return new Promise((resolve) => (waiting = () => resolve(!res.destroyed)));
  };
}
