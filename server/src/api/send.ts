// Answers that are not plain JSON: GeoJSON assembled from PostGIS text, and the X-Data-Sources header.
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

export interface FeatureText<P> {
  /** GeoJSON geometry as PostGIS wrote it (ST_AsGeoJSON), or null. */
  geometry: string | null;
  properties: P;
}

/** Sends a FeatureCollection without parsing the geometries PostGIS already serialised. */
export function sendFeatureCollection<P>(res: Response, features: readonly FeatureText<P>[], members: object = {}): void {
  const parts = features.map((f) => `{"type":"Feature","geometry":${f.geometry ?? 'null'},"properties":${JSON.stringify(f.properties)}}`);
  const head = JSON.stringify({ type: 'FeatureCollection', ...members }).slice(0, -1);
  res.setHeader('Content-Type', 'application/geo+json; charset=utf-8');
  res.send(`${head},"features":[${parts.join(',')}]}`);
}
