// Pharmacy recruitment by the URPS (issue 9, item 4): the steps of a pharmacy (state, date, note, author; the
// membership recorded with « adhérente », a withdrawal), read by the URPS and ARS users of its région, written by
// its URPS users and admins. Private: the public pharmacy list never carries states nor notes.
import { z } from 'zod';
import {
  ADHESION_CIBLE_LIBELLES,
  ADHESION_CIBLES,
  RECRUTEMENT_ETAT_INITIAL,
  RECRUTEMENT_ETAT_LIBELLES,
  RECRUTEMENT_ETATS,
} from '../../domain/vocabulary.js';
import { endpoint, ERRORS, json, type Body } from './endpoint.js';
import { finessParam } from './params.js';
import { date } from './shared.js';

export const etatRecrutement = z
  .enum(RECRUTEMENT_ETATS, { error: `etat doit valoir ${RECRUTEMENT_ETATS.join(', ')}` })
  .meta({ description: RECRUTEMENT_ETATS.map((s) => `${s} : ${RECRUTEMENT_ETAT_LIBELLES[s]}`).join(' ; ') });

const cible = z
  .enum(ADHESION_CIBLES, { error: `cible doit valoir ${ADHESION_CIBLES.join(' ou ')}` })
  .meta({ description: ADHESION_CIBLES.map((c) => `${c} : ${ADHESION_CIBLE_LIBELLES[c]}`).join(' ; ') });
const cibleId = z.string().min(1).max(100).meta({ description: 'Identifiant de la CPTS, ou FINESS de la structure' });
const dateParam = (name: string) => z.iso.date({ error: `${name} doit être une date AAAA-MM-JJ` });

/** A pharmacy's current recruitment step, as the signed-in users of its région see it on the pharmacy list. */
export const RecrutementCourant = z
  .strictObject({
    etat: etatRecrutement,
    date: date.nullable().meta({ description: `Date de l’étape ; null : aucune enregistrée (${RECRUTEMENT_ETAT_LIBELLES[RECRUTEMENT_ETAT_INITIAL]})` }),
    note: z.string().nullable().meta({ description: 'Note de la dernière étape qui en a une' }),
    auteur: z.string().nullable(),
  })
  .meta({ id: 'RecrutementCourant', description: 'Réservé aux comptes URPS et ARS de la région de l’officine (et aux administrateurs)' });

export const EtapeRecrutement = z
  .strictObject({
    id: z.int(),
    etat: etatRecrutement,
    date,
    note: z.string().nullable(),
    auteur: z.string().meta({ description: 'Nom de l’utilisateur qui l’a enregistrée' }),
    enregistreLe: z.iso.datetime(),
    adhesion: z
      .strictObject({ cible, id: z.string(), nom: z.string().nullable(), date })
      .nullable()
      .meta({ description: 'L’adhésion enregistrée avec « adhérente » (écrite dans les adhésions : l’officine devient membre)' }),
    retrait: z
      .strictObject({ cible, id: z.string(), nom: z.string().nullable(), depuis: date.nullable() })
      .nullable()
      .meta({ description: 'L’adhésion retirée à cette date (elle datait de `depuis`)' }),
  })
  .meta({ id: 'EtapeRecrutement' });

const params = z.strictObject({ finess: finessParam });

export const recruitmentHistory = endpoint({
  method: 'get',
  path: '/api/pharmacies/{finess}/recrutement',
  tag: 'Recrutement des officines',
  access: { roles: ['urps', 'ars', 'admin'], region: 'own' },
  summary: 'Historique du recrutement d’une officine : états, dates, notes et auteurs (URPS et ARS de sa région)',
  params,
  responses: {
    200: json(
      'L’état courant et les étapes, la plus récente en premier',
      z.strictObject({
        finess: z.string(),
        nom: z.string(),
        etat: etatRecrutement.meta({ description: `État courant : celui de la dernière étape, ${RECRUTEMENT_ETAT_LIBELLES[RECRUTEMENT_ETAT_INITIAL]} sans étape` }),
        etapes: z.array(EtapeRecrutement),
      }),
    ),
    400: ERRORS[400],
    404: ERRORS[404],
  },
});

export const recruitmentRecord = endpoint({
  method: 'post',
  path: '/api/pharmacies/{finess}/recrutement',
  tag: 'Recrutement des officines',
  access: { roles: ['urps', 'admin'], region: 'own' },
  summary: 'Enregistre une étape du recrutement d’une officine (un appel, une réponse, une adhésion, un retrait)',
  description:
    'L’étape s’ajoute à l’historique, qui ne se réécrit jamais ; sa date (aujourd’hui par défaut) ne peut précéder celle de l’étape courante ni ' +
    'être dans le futur. « adherente » demande `adhesion` (la CPTS ou la structure rejointe, date d’adhésion = date de l’étape par défaut) et ' +
    'l’écrit dans les adhésions dans la même transaction : l’officine devient « membre » partout (liste, carte, comptes). Pour un retrait, ' +
    '`retrait` nomme l’adhésion qui prend fin à la date de l’étape (en général avec l’état « refus ») : elle quitte les adhésions, l’étape garde ' +
    'laquelle c’était et depuis quand.',
  params,
  body: z.strictObject({
    etat: etatRecrutement,
    date: dateParam('date').optional().meta({ description: 'Date de l’étape (aujourd’hui par défaut)' }),
    note: z.string().max(2000, { error: 'note doit faire au plus 2 000 caractères' }).nullable().optional(),
    adhesion: z
      .strictObject({ cible, id: cibleId, date: dateParam('adhesion.date').optional() })
      .optional()
      .meta({ description: 'Avec « adherente » seulement : la CPTS ou la structure (MSP, ESP, centre de santé médical ou polyvalent) rejointe' }),
    retrait: z.strictObject({ cible, id: cibleId }).optional().meta({ description: 'Une adhésion de l’officine qui prend fin avec cette étape' }),
  }),
  responses: {
    201: json('L’étape enregistrée', EtapeRecrutement),
    400: ERRORS[400],
    404: ERRORS[404],
  },
});

export type RecruitmentHistory = Body<typeof recruitmentHistory>;
export type RecruitmentStep = z.infer<typeof EtapeRecrutement>;
export type RecruitmentInput = z.input<typeof recruitmentRecord.body>;
