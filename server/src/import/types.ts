import type { ImportKind } from './log.js';

/** What an importer tells its caller (CLI, server, tests) after a successful import. */
export interface ImportReport {
  kind: ImportKind;
  file: string;
  importId: number;
  /** Data rows read from the file(s). */
  rows: number;
  /** Named counts, e.g. { pharmacies: 21116, msp: 1763 }. */
  counts: Record<string, number>;
  /** Non-fatal findings, each one line (e.g. "85165 L'Oie: no outline in the input"). */
  warnings: string[];
  /**
   * CPTS imports: perimeters edited through the API since their last import, kept as edited (or replaced, with
   * `replaceEdits`); each with the version that holds the edit.
   */
  conflicts?: EditConflict[];
}

export interface EditConflict {
  id: string;
  nom: string;
  version: number;
  auteur: string;
  le: string;
  remplace: boolean;
}

/** Progress for long imports: the CLI draws it on a terminal, the server logs it. */
export type Progress = (stage: string, done: number, total: number) => void;

export interface CommonImportOptions {
  onProgress?: Progress;
  encoding?: 'auto' | 'utf-8' | 'latin1';
}
