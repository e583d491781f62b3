// The check every HTTP test's answer goes through (tests/helpers/http.ts) refuses what the declarations do not
// allow: an undeclared key, a wrong type, an undeclared status or media type, a missing declared header.
import { describe, expect, it } from 'vitest';
import { checkAnswer } from '../helpers/http.js';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const headers =
  (h: Record<string, string>) =>
  (name: string): string | undefined =>
    h[name];
const JSON_H = headers({ 'content-type': 'application/json; charset=utf-8' });
const config = { styleFondDeCarte: null };

describe('checkAnswer', () => {
  it('accepts an answer its endpoint declares', () => {
    expect(() => checkAnswer('GET', '/api/config', 200, JSON_H, json(config))).not.toThrow();
    expect(() => checkAnswer('GET', '/api/cpts/X?y=1', 404, JSON_H, json({ erreur: 'CPTS X introuvable' }))).not.toThrow();
    expect(() => checkAnswer('GET', '/api/nope', 404, JSON_H, json({ erreur: 'Aucune ressource à /api/nope' }))).not.toThrow();
  });

  it('refuses an undeclared key, a wrong type, an undeclared status or media type', () => {
    expect(() => checkAnswer('GET', '/api/config', 200, JSON_H, json({ ...config, extra: 1 }))).toThrow(/extra/);
    expect(() => checkAnswer('GET', '/api/config', 200, JSON_H, json({ styleFondDeCarte: 3 }))).toThrow(/does not match/);
    expect(() => checkAnswer('GET', '/api/config', 404, JSON_H, json({ erreur: 'x' }))).toThrow(/status not declared/);
    expect(() => checkAnswer('GET', '/api/config', 200, headers({ 'content-type': 'text/csv' }), Buffer.from('a'))).toThrow(/media type/);
    expect(() => checkAnswer('GET', '/api/cpts/X', 404, JSON_H, json({ error: 'x' }))).toThrow(/does not match/);
    expect(() => checkAnswer('POST', '/api/config', 200, JSON_H, json(config))).toThrow(/status not declared/);
  });

  it('accepts the database being unavailable or a request timing out on any endpoint, never a 500', () => {
    expect(() => checkAnswer('GET', '/api/config', 503, JSON_H, json({ erreur: 'indisponible' }))).not.toThrow();
    expect(() => checkAnswer('GET', '/api/cpts', 504, JSON_H, json({ erreur: 'trop longue' }))).not.toThrow();
    expect(() => checkAnswer('GET', '/api/config', 500, JSON_H, json({ erreur: 'Erreur interne du serveur' }))).toThrow(/status not declared/);
  });

  it('refuses a missing declared header and a body where none is declared', () => {
    const csv = headers({ 'content-type': 'text/csv; charset=utf-8' });
    expect(() => checkAnswer('GET', '/api/overlaps.csv', 200, csv, Buffer.from('a;b\r\n'))).toThrow(/x-data-sources/);
    expect(() => checkAnswer('GET', '/tiles/communes/0/0/0.mvt', 204, headers({}), Buffer.from('x'))).toThrow(/a body/);
  });
});
