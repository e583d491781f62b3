import type { Response } from 'express';

/** One cell in the French spreadsheet convention: `;`-separated, quoted when needed, decimal comma. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (typeof v === 'number') s = Number.isInteger(v) ? String(v) : String(v).replace('.', ',');
  else if (v instanceof Date) s = v.toISOString();
  else s = String(v);
  return /[";\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV document for spreadsheets used in France: `;` separator, CRLF, UTF-8 with BOM. */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return '\uFEFF' + [header, ...rows].map((r) => r.map(csvCell).join(';')).join('\r\n') + '\r\n';
}

export function sendCsv(res: Response, fileName: string, header: readonly string[], rows: readonly (readonly unknown[])[]): void {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
  res.send(toCsv(header, rows));
}
