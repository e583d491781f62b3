// Request input parsed with zod: what a 400 says is French, an unexpected field included.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parse } from '../../server/src/http/validate.js';

describe('parse', () => {
  it('names an unexpected body field in French (not zod’s « Unrecognized key »)', () => {
    const body = z.strictObject({ identifiant: z.string({ error: 'identifiant est obligatoire' }) });
    expect(() => parse(body, { login: 'a' }, 'Corps de requête')).toThrow(
      'Corps de requête invalide : identifiant : identifiant est obligatoire ; champ(s) inconnu(s) : login',
    );
  });

  it('keeps a schema’s own message for an unexpected field (query parameters list the expected ones)', () => {
    const query = z.strictObject({ limit: z.string().optional() }, { error: (iss) => (iss.code === 'unrecognized_keys' ? 'paramètre inconnu : limite' : undefined) });
    expect(() => parse(query, { limite: '3' })).toThrow('Paramètre invalide : paramètre inconnu : limite');
  });
});
