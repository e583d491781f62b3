// Who may edit the register of CPTS (perimeter versions, dated steps), and the notice a write leaves for the sheet
// it returns to.
import type { Moi } from '../../../server/src/api/contract/auth.js';

/** ARS users in the CPTS's région (one of them, for a CPTS astride two), admins anywhere. */
export const canEditCpts = (user: Moi | null | undefined, regions: readonly string[]): boolean =>
  !!user && (user.role === 'admin' || (user.role === 'ars' && user.region !== null && regions.includes(user.region)));

/** A write's outcome, said once by the next view that shows it (a save leaves the editor for the sheet). */
let notice: string | null = null;
export const leaveNotice = (text: string) => void (notice = text);
export function takeNotice(): string | null {
  const n = notice;
  notice = null;
  return n;
}
