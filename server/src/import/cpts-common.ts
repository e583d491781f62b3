// What the CPTS importers share: statuses, perimeter kinds, the entity they produce, option checks.
import { normalizeLabel, FINESS_ET } from './csv.js';
import type { IssueList } from './errors.js';

import { CPTS_STATUTS, PERIMETRES as CPTS_PERIMETRES, type CptsStatut, type Perimetre as CptsPerimetre } from '../domain/vocabulary.js';

export { CPTS_PERIMETRES, CPTS_STATUTS, type CptsPerimetre, type CptsStatut };

const STATUT_LABELS: Record<string, CptsStatut> = {
  'pre projet': 'pre-projet',
  preprojet: 'pre-projet',
  projet: 'projet',
  'en projet': 'projet',
  'en fonctionnement': 'en-fonctionnement',
  'contrat aci signe': 'aci-signe',
  'aci signe': 'aci-signe',
  'non renseigne': 'non-renseigne',
  inconnu: 'non-renseigne',
};

/**
 * Accepts the French labels (pré-projet, projet, en fonctionnement, contrat ACI signé, non renseigné) and the
 * stored codes, case- and accent-insensitively.
 */
export function parseStatut(s: string): CptsStatut | undefined {
  return STATUT_LABELS[normalizeLabel(s)];
}

export const STATUT_EXPECTED = 'pré-projet, projet, en fonctionnement or contrat ACI signé';

/** The status assumed for a CPTS registered in FINESS when the file gives none. */
export const FINESS_DEFAULT_STATUT: CptsStatut = 'en-fonctionnement';
const FINESS_DEFAULT_NOTE = 'statut « en fonctionnement » supposé (CPTS enregistrée au FINESS, statut absent du fichier)';

export interface CptsParseOptions {
  /** Default status when the file has no status column / property (or an empty value). */
  status?: string;
  /** How the perimeters are known; by default 'approximatif' for rows whose methode starts with `approx:`, else 'officiel'. */
  perimetre?: CptsPerimetre;
  /** Source label stored with the rows (the attribution the source asks for); defaults to the file name. */
  source?: string;
  /** GeoJSON: accept a polygon of implausible area, or one that selects no commune or a whole région (warnings). */
  force?: boolean;
}

export interface CptsEntity {
  id: string;
  nom: string;
  finess: string | null;
  statut: CptsStatut;
  perimetre: CptsPerimetre;
  dateOuverture: string | null;
  source: string;
}

/** The status of a CPTS: the value read, else the option, else « en fonctionnement » for a CPTS with a FINESS id. */
export function resolveStatut(
  raw: string | undefined,
  id: string,
  opts: CptsParseOptions,
  add: (msg: string, field?: string) => void,
  statusField: string,
): { statut: CptsStatut; note?: string } | undefined {
  if (raw !== undefined && raw !== '') {
    const s = parseStatut(raw);
    if (!s) add(`unknown status "${raw}": expected ${STATUT_EXPECTED}`, statusField);
    return s ? { statut: s } : undefined;
  }
  if (opts.status !== undefined) {
    const s = parseStatut(opts.status);
    return s ? { statut: s } : undefined; // a bad option is reported once by checkOptions
  }
  if (FINESS_ET.test(id)) return { statut: FINESS_DEFAULT_STATUT, note: FINESS_DEFAULT_NOTE };
  add(
    `no status for CPTS ${id}: the file has none and ${id} is not a FINESS number; give a status column or the status option (« non renseigné » when the source gives none)`,
    statusField,
  );
  return undefined;
}

export function checkOptions(opts: CptsParseOptions & { threshold?: number }, issues: IssueList): void {
  if (opts.status !== undefined && !parseStatut(opts.status)) {
    issues.add(`option status: unknown status "${opts.status}": expected ${STATUT_EXPECTED} (or non renseigné)`, undefined, 'status');
  }
  if (opts.perimetre !== undefined && !CPTS_PERIMETRES.includes(opts.perimetre)) {
    issues.add(`option perimetre: "${opts.perimetre}" is not one of ${CPTS_PERIMETRES.join(', ')}`, undefined, 'perimetre');
  }
  if (opts.threshold !== undefined && !(opts.threshold > 0 && opts.threshold <= 1)) {
    issues.add(`option threshold: ${opts.threshold} is not a share in ]0, 1]`, undefined, 'threshold');
  }
}
