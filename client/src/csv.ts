// Files made in the browser: CSV in the French spreadsheet convention of the server's exports (server/src/http/csv.ts:
// « ; », CRLF, UTF-8 with BOM, decimal comma), and downloads.

export type Cell = string | number | null | undefined | { text: string };

/**
 * A code (INSEE, FINESS, postal) kept as text by spreadsheets: `="01234"`, which Excel and LibreOffice read as
 * the text 01234 instead of the number 1234.
 */
export const asText = (code: string): Cell => ({ text: code });

const dec = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 6, useGrouping: false });

function cell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return `"=""${v.text.replace(/"/g, '')}"""`;
  const s = typeof v === 'number' ? dec.format(v) : v;
  return /[";\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const toCsv = (rows: Cell[][]) => '\ufeff' + rows.map((r) => r.map(cell).join(';')).join('\r\n') + '\r\n';

/** Saves `content` as a file named `name` (the browser's download). */
export function download(name: string, type: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
