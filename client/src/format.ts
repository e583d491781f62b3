// French number and date formatting.
const int = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const dec1 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const pct = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 1 });

export const fmtInt = (n: number | null | undefined) => (n === null || n === undefined ? '—' : int.format(n));
export const fmtDec = (n: number | null | undefined) => (n === null || n === undefined ? '—' : dec1.format(n));
/** A share between 0 and 1. */
export const fmtPct = (n: number | null | undefined) => (n === null || n === undefined ? '—' : pct.format(n));
export const fmtKm = (m: number | null | undefined) =>
  m === null || m === undefined ? '—' : m < 1000 ? `${int.format(m)}\u00a0m` : `${dec1.format(m / 1000)}\u00a0km`; // never « 39,6 » and « km » on two lines

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00` : iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric' });
}

export const plural = (n: number, one: string, many: string) => `${fmtInt(n)} ${n > 1 ? many : one}`;
