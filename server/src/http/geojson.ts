// The one GeoJSON writer of the app: every FeatureCollection it sends goes through `streamFeatureCollection`, written
// as its features come (from a database cursor for the large exports, http/stream.ts), geometries as PostGIS wrote them.
import type { Response } from 'express';
import { streamBody } from './stream.js';

export interface FeatureText<P> {
  /** GeoJSON geometry as PostGIS wrote it (ST_AsGeoJSON), or null. */
  geometry: string | null;
  properties: P;
}

const featureText = <P>(f: FeatureText<P>) => `{"type":"Feature","geometry":${f.geometry ?? 'null'},"properties":${JSON.stringify(f.properties)}}`;

/**
 * A FeatureCollection with `members` (sources, totals…) before its features, written a batch of features at a time
 * without parsing the geometries: the first bytes leave with the first batch, memory holds one batch (backpressure),
 * and a failure after the first bytes cuts the response (streamBody).
 */
export async function streamFeatureCollection<P>(
  res: Response,
  batches: AsyncIterable<readonly FeatureText<P>[]> | Iterable<readonly FeatureText<P>[]>,
  members: object = {},
): Promise<void> {
  let written = false;
  await streamBody(res, toAsync(batches), {
    start: () => {
      res.setHeader('Content-Type', 'application/geo+json; charset=utf-8');
      return `${JSON.stringify({ type: 'FeatureCollection', ...members }).slice(0, -1)},"features":[`;
    },
    batch: (features) => {
      if (features.length === 0) return '';
      const text = (written ? ',' : '') + features.map(featureText).join(',');
      written = true;
      return text;
    },
    end: () => ']}',
  });
}

async function* toAsync<T>(batches: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* batches;
}
