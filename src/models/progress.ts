/** One step of preparation or import as the display shows it; `total` 0: no byte count for this step. */
export interface Progress {
  step: string;
  done: number;
  total: number;
}

const MB = 1e6;
/** On a stream that is not a terminal, one line per this much of a step's bytes. */
const LINE_EVERY_PERCENT = 10;

function describe({ step, done, total }: Progress, startedAt: number): string {
  if (total === 0) return `${step} (${((Date.now() - startedAt) / 1000).toFixed(0)} s)`;
  return `${step}: ${(done / MB).toFixed(1)} of ${(total / MB).toFixed(1)} MB, ${Math.floor((100 * done) / total)}%`;
}

/**
 * Draws the progress of `ovspeech prepare` or `import` on a stream (stderr): a terminal gets one line
 * redrawn in place, once a second for a step without bytes; anything else gets a line per step and per
 * tenth of its bytes. Each line starts with `ovspeech COMMAND:`.
 */
export class ProgressDisplay {
  private current: Progress | undefined;
  private startedAt = Date.now();
  private lastPercent = -LINE_EVERY_PERCENT;
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly command: 'prepare' | 'import' = 'prepare',
  ) {}

  update(progress: Progress): void {
    if (this.out.isTTY === true) this.ticker ??= setInterval(() => this.draw(), 1000).unref();
    if (progress.step !== this.current?.step) {
      this.endStep('done');
      this.startedAt = Date.now();
      this.lastPercent = -LINE_EVERY_PERCENT;
    }
    this.current = progress;
    this.draw();
  }

  /** Ends the last step's line, which failed unless `succeeded`. */
  finish(succeeded: boolean): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.endStep(succeeded ? 'done' : 'failed');
    this.current = undefined;
  }

  /** A step's last line says how long it took. */
  private endStep(outcome: 'done' | 'failed'): void {
    if (this.current === undefined) return;
    const line = `ovspeech ${this.command}: ${this.current.step}: ${outcome} after ${((Date.now() - this.startedAt) / 1000).toFixed(1)} s`;
    this.out.write(this.out.isTTY === true ? `\r${line}\u001b[K\n` : `${line}\n`);
  }

  private draw(): void {
    const progress = this.current;
    if (progress === undefined) return;
    const line = `ovspeech ${this.command}: ${describe(progress, this.startedAt)}`;
    if (this.out.isTTY === true) {
      this.out.write(`\r${line}\u001b[K`);
      return;
    }
    const percent = progress.total === 0 ? 0 : (100 * progress.done) / progress.total;
    if (percent - this.lastPercent >= LINE_EVERY_PERCENT || (this.lastPercent < 100 && percent === 100)) {
      this.lastPercent = percent;
      this.out.write(`${line}\n`);
    }
  }
}
