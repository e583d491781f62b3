// What the map draws besides the data tiles: the glyphs of its labels and the optional offline basemap (a PMTiles
// file given by BASEMAP_PMTILES, drawn with a Protomaps style).
import { z } from 'zod';
import { ERRORS, JSON_TYPE, MVT_TYPE, PBF_TYPE, endpoint } from './endpoint.js';
import { str } from './params.js';
import { zxyParams } from './tiles.js';

const binary = (what: string) => z.custom<Uint8Array>((v) => v instanceof Uint8Array, { error: `${what} binaire attendu` }).meta({ type: 'string', format: 'binary' });

export const glyphs = endpoint({
  method: 'get',
  path: '/glyphs/{fontstack}/{range}.pbf',
  tag: 'Carte',
  access: 'public',
  summary: 'Glyphes des noms de la carte (police Noto Sans, format SDF de MapLibre)',
  description:
    'Polices « Noto Sans Regular » et « Noto Sans Medium » (SIL Open Font License 1.1), plages de caractères utiles au français : ' +
    '0-255, 256-511, 8192-8447. Une autre plage répond 404 : ses caractères ne sont pas dessinés.',
  params: z.strictObject({
    fontstack: str('fontstack').meta({ description: 'Police, ou polices séparées par des virgules (la première disponible est servie)' }),
    range: str('range')
      .regex(/^\d{1,5}-\d{1,5}$/, { error: (iss) => `range doit être une plage « début-fin » (reçu « ${String(iss.input)} »)` })
      .meta({ description: 'Plage de 256 points de code, par exemple 0-255' }),
  }),
  responses: {
    200: { description: 'Glyphes', content: { [PBF_TYPE]: binary('fichier de glyphes') } },
    400: ERRORS[400],
    404: ERRORS[404],
  },
});

const NO_BASEMAP = 'Sans fond de carte hors ligne (variable BASEMAP_PMTILES) : 404.';

export const basemapStyle = endpoint({
  method: 'get',
  path: '/fond-de-carte/style.json',
  tag: 'Carte',
  access: 'public',
  summary: 'Style MapLibre du fond de carte hors ligne (fichier PMTiles du serveur)',
  description: `Couches du style Protomaps « light », noms en français ; les URL sont relatives au serveur. ${NO_BASEMAP}`,
  responses: {
    200: {
      description: 'Style MapLibre (version 8)',
      content: {
        [JSON_TYPE]: z
          .strictObject({
            version: z.literal(8),
            glyphs: z.string(),
            sources: z.record(z.string(), z.record(z.string(), z.unknown())),
            layers: z.array(z.record(z.string(), z.unknown())).meta({ description: 'Couches, selon la spécification des styles MapLibre' }),
          })
          .meta({ id: 'StyleFondDeCarte' }),
      },
    },
    404: ERRORS[404],
  },
});

export const basemapTile = endpoint({
  method: 'get',
  path: '/fond-de-carte/{z}/{x}/{y}.mvt',
  tag: 'Carte',
  access: 'public',
  summary: 'Tuile vectorielle du fond de carte hors ligne',
  description: `Lue dans le fichier PMTiles ; compressée en gzip si le client l’accepte. Tuile absente du fichier : 204. ${NO_BASEMAP}`,
  params: zxyParams,
  responses: {
    200: { description: 'Tuile', content: { [MVT_TYPE]: binary('tuile') } },
    204: { description: 'Pas de tuile à cet endroit dans le fichier' },
    400: ERRORS[400],
    404: ERRORS[404],
  },
});
