// The X-Data-Sources header of answers that are not JSON (GeoJSON: http/geojson.ts; CSV: http/csv.ts).
import type { Response } from 'express';
import type { DataSource } from './contract/endpoint.js';

/**
 * A JSON value as an HTTP header value: header values must be ASCII/latin-1, so every non-ASCII character
 * (an accented file name) is written as a JSON \u escape. JSON.parse gives the original value back.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Data sources as a header value (CSV, GeoJSON and tile answers). */
export function setSourcesHeader(res: Response, sources: readonly DataSource[]): void {
  res.setHeader('X-Data-Sources', asciiJson(sources));
}
