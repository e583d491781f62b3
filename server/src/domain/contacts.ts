// Whom a pharmacist contacts to join or set up a structure: first the CPTS covering the commune (its seat's address
// and phone from FINESS), then the bodies kept as data in contacts.json (ARS délégation départementale, URPS
// pharmaciens of the région, CPAM of the département, AVECsanté, regional bodies). Every entry names its source, and
// no entry of one région points to a site or address another région owns (sitesRegionaux). Pure.
import { createRequire } from 'node:module';
import { z } from 'zod';

const require = createRequire(import.meta.url);

const SourceDoc = z.strictObject({ document: z.string().min(1), date: z.string().min(1) });

const ContactsFile = z
  .strictObject({
    sources: z.record(z.string(), SourceDoc),
    sitesRegionaux: z.strictObject({ description: z.string(), hotes: z.record(z.string(), z.string().regex(/^\d{2}$/)) }),
    contacts: z.array(
      z.strictObject({
        id: z.string().regex(/^[a-z-]+$/),
        nom: z.string().min(1),
        role: z.string().min(1),
        pour: z.array(z.enum(['esp', 'msp', 'csp', 'cpts'])).min(1),
        regions: z.array(z.string().regex(/^\d{2}$/)).nullable(),
        url: z.url().nullable(),
        email: z.email().nullable(),
        source: z.string(),
      }),
    ),
  })
  .refine((f) => f.contacts.every((c) => c.source in f.sources), { message: 'contacts.json: a contact cites an unknown source' });

export type ContactsData = z.infer<typeof ContactsFile>;

let cached: ContactsData | undefined;

export function contactsData(): ContactsData {
  cached ??= ContactsFile.parse(require('./contacts.json'));
  return cached;
}

export interface Place {
  region: { code: string; nom: string };
  departement: { code: string; nom: string };
}

export interface ResolvedContact {
  id: string;
  /** cpts: the covering CPTS; organisme: a body of contacts.json. */
  categorie: 'cpts' | 'organisme';
  nom: string;
  role: string;
  pour: string[];
  regional: boolean;
  url: string | null;
  email: string | null;
  adresse: string | null;
  telephone: string | null;
  source: { document: string; date: string };
}

/** A CPTS covering the place, with its seat as FINESS gives it (null when the CPTS has no FINESS number). */
export interface CoveringCpts {
  id: string;
  nom: string;
  /** The source of the perimeter (e.g. « ARS PACA, listing des CPTS, janvier 2026 »). */
  source: string;
  /** When the perimeter was imported (YYYY-MM-DD), if known. */
  importeLe: string | null;
  siege: { adresse: string | null; codePostal: string | null; commune: string | null; telephone: string | null; fichier: string; date: string } | null;
}

/** The covering CPTS as contacts, first in the list: name, seat address and phone from FINESS. Pure. */
export function cptsContacts(cpts: readonly CoveringCpts[]): ResolvedContact[] {
  return cpts.map((k) => ({
    id: `cpts:${k.id}`,
    categorie: 'cpts',
    nom: k.nom,
    role: 'La CPTS qui couvre cette commune : l’interlocuteur le plus direct pour rejoindre l’exercice coordonné du territoire.',
    pour: ['cpts'],
    regional: true,
    url: null,
    email: null,
    adresse: k.siege ? [k.siege.adresse, [k.siege.codePostal, k.siege.commune].filter(Boolean).join(' ')].filter(Boolean).join(', ') || null : null,
    telephone: k.siege?.telephone ?? null,
    source: k.siege
      ? { document: `FINESS, siège de la CPTS (fichier ${k.siege.fichier})`, date: k.siege.date || 'date inconnue' }
      : { document: `${k.source} (périmètre) ; siège absent de FINESS : adresse et téléphone inconnus`, date: k.importeLe ? `importé le ${k.importeLe}` : 'date inconnue' },
  }));
}

/** The host of a URL or of an e-mail address, lower case; null when neither. */
export function hostOf(c: { url: string | null; email: string | null }): string[] {
  const hosts: string[] = [];
  if (c.url) hosts.push(new URL(c.url).hostname.toLowerCase());
  if (c.email) hosts.push(c.email.split('@')[1]!.toLowerCase());
  return hosts;
}

/** The région owning a host (contacts.json, sitesRegionaux), or undefined for national sites. */
export const regionOfHost = (host: string, data: ContactsData = contactsData()): string | undefined => data.sitesRegionaux.hotes[host];

/**
 * The contacts for a commune: the covering CPTS first, then the national bodies named for its région/département,
 * then that région's own bodies. Pure.
 */
export function contactsFor(place: Place, data: ContactsData = contactsData(), cpts: readonly CoveringCpts[] = []): ResolvedContact[] {
  const fill = (s: string) =>
    s.replaceAll('{region}', place.region.nom).replaceAll('{departement}', `${place.departement.nom} (${place.departement.code})`);
  const bodies = data.contacts
    .filter((c) => !c.regions || c.regions.includes(place.region.code))
    .map((c): ResolvedContact => ({
      id: c.id,
      categorie: 'organisme',
      nom: fill(c.nom),
      role: fill(c.role),
      pour: c.pour,
      regional: c.regions !== null,
      url: c.url,
      email: c.email,
      adresse: null,
      telephone: null,
      source: data.sources[c.source]!,
    }))
    // a site of another région is never given (data errors are caught by the tests; this is the guard in service)
    .filter((c) => hostOf(c).every((h) => (regionOfHost(h, data) ?? place.region.code) === place.region.code));
  return [...cptsContacts(cpts), ...bodies];
}
