// Whom a pharmacist contacts to join or set up a structure, kept as data in contacts.json; this module
// validates it and resolves the national templates and regional bodies for one commune. Pure.
import { createRequire } from 'node:module';
import { z } from 'zod';

const require = createRequire(import.meta.url);

const SourceDoc = z.strictObject({ document: z.string().min(1), date: z.string().min(1) });

const ContactsFile = z
  .strictObject({
    sources: z.record(z.string(), SourceDoc),
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
  nom: string;
  role: string;
  pour: string[];
  regional: boolean;
  url: string | null;
  email: string | null;
  source: { document: string; date: string };
}

/** The contacts for a commune: national bodies named for its région/département, then that région's own bodies. Pure. */
export function contactsFor(place: Place, data: ContactsData = contactsData()): ResolvedContact[] {
  const fill = (s: string) =>
    s.replaceAll('{region}', place.region.nom).replaceAll('{departement}', `${place.departement.nom} (${place.departement.code})`);
  return data.contacts
    .filter((c) => !c.regions || c.regions.includes(place.region.code))
    .map((c) => ({
      id: c.id,
      nom: fill(c.nom),
      role: c.role,
      pour: c.pour,
      regional: c.regions !== null,
      url: c.url,
      email: c.email,
      source: data.sources[c.source]!,
    }));
}
