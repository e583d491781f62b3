import type { Progress } from '../import/types.js';

/**
 * Progress for terminals: one line redrawn in place on a TTY; on a pipe or in CI, a line at each
 * quarter so logs stay short.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress & { done(): void } {
  let lastStage = '';
  let lastQuarter = -1;
  let open = false;
  const fn = ((stage: string, done: number, total: number) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    if (stream.isTTY) {
      stream.write(`\r\x1b[2K  ${stage}: ${done.toLocaleString('fr-FR')} / ${total.toLocaleString('fr-FR')} (${pct} %)`);
      open = true;
      return;
    }
    const quarter = Math.floor(pct / 25);
    if (stage !== lastStage || quarter !== lastQuarter) {
      stream.write(`  ${stage}: ${done} / ${total} (${pct} %)\n`);
      lastStage = stage;
      lastQuarter = quarter;
    }
  }) as Progress & { done(): void };
  fn.done = () => {
    if (open) stream.write('\n');
    open = false;
  };
  return fn;
}
