/**
 * Type parsing shared by both adapters, so the same SQL gives the same JavaScript values:
 * int8 and numeric as numbers (counts and sums here stay far below 2^53), dates as 'YYYY-MM-DD'.
 */
export const OID = { int8: 20, numeric: 1700, date: 1082 } as const;

export const parsers: Record<number, (value: string) => unknown> = {
  [OID.int8]: (v) => Number(v),
  [OID.numeric]: (v) => Number(v),
  [OID.date]: (v) => v,
};
