// Versions of a CPTS perimeter (issue 9, migration 060): the rules of their effective dates. Pure.
//
// Effective dates never go back along the version numbers and never lie in the future: the version in force on a
// day is then the highest-numbered one effective by that day (SQL: cpts_version_au, migration 061), and the newest
// version is always the one in force today, the one cpts_commune holds for the undated analyses.

/** Today as AAAA-MM-JJ in the server's calendar (Europe/Paris dates are what an ARS means). */
export const today = (now = new Date()): string => now.toLocaleDateString('sv-SE', { timeZone: 'Europe/Paris' });

/** Why an effective date cannot be used after the CPTS's newest version, in French; undefined when it can. */
export function effectiveDateProblem(valideDu: string, previous: string | null, now = new Date()): string | undefined {
  const t = today(now);
  if (valideDu > t) return `la date d’effet ${valideDu} est dans le futur (aujourd’hui : ${t}) : enregistrez la version le jour où elle prend effet`;
  if (previous !== null && valideDu < previous) {
    return `la date d’effet ${valideDu} précède celle de la version en vigueur (${previous}) : une nouvelle version prend effet à cette date ou après`;
  }
  return undefined;
}
