import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks a second, the unit of /proc/PID/stat's CPU times. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** How often the resident set is sampled, as a fallback when the kernel's peak cannot be reset. */
const RSS_SAMPLE_MS = 100;

/** What the server process used during one step of the sweep. */
export interface ServerUsage {
  /** User plus system CPU time of the process (and of children it has waited for), in seconds. */
  cpuSeconds: number;
  /** cpuSeconds over the step's wall time: how many cores were busy on average. */
  cpuCores: number;
  /** The largest resident set during the step, in MiB. */
  peakRssMiB: number;
  /**
   * Where peakRssMiB comes from: "VmHWM" when the kernel's high-water mark could be reset at the step's
   * start (/proc/PID/clear_refs), else "sampled" (VmRSS every 100 ms, which can miss a short peak).
   */
  peakRssFrom: 'VmHWM' | 'sampled';
}

/** CPU time of a process so far, in ticks: utime + stime + cutime + cstime of /proc/PID/stat. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 to 17 of proc(5), counted from field 3 (the state) at index 0.
  return [11, 12, 13, 14].reduce((total, i) => total + Number(fields[i]), 0);
}

/** A field of /proc/PID/status given in kB, in MiB. */
function statusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) / 1024;
}

/** Resets the process's VmHWM to its current RSS (proc(5): clear_refs "5"); false where not allowed. */
function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Measures a server process over one step: call begin() before its first request and end() after its last. */
export class UsageMeter {
  readonly #pid: number;
  #startTicks = 0;
  #started = 0;
  #hwmReset = false;
  #sampledPeak = 0;
  #sampler: NodeJS.Timeout | undefined;

  constructor(pid: number) {
    this.#pid = pid;
  }

  begin(): void {
    this.#hwmReset = resetPeakRss(this.#pid);
    this.#sampledPeak = statusMiB(this.#pid, 'VmRSS');
    this.#sampler = setInterval(() => {
      this.#sampledPeak = Math.max(this.#sampledPeak, statusMiB(this.#pid, 'VmRSS'));
    }, RSS_SAMPLE_MS);
    this.#startTicks = cpuTicks(this.#pid);
    this.#started = performance.now();
  }

  end(): ServerUsage {
    const cpuSeconds = (cpuTicks(this.#pid) - this.#startTicks) / CLOCK_TICKS;
    const wallSeconds = (performance.now() - this.#started) / 1000;
    clearInterval(this.#sampler);
    const sampled = Math.max(this.#sampledPeak, statusMiB(this.#pid, 'VmRSS'));
    return {
      cpuSeconds,
      cpuCores: cpuSeconds / wallSeconds,
      peakRssMiB: this.#hwmReset ? statusMiB(this.#pid, 'VmHWM') : sampled,
      peakRssFrom: this.#hwmReset ? 'VmHWM' : 'sampled',
    };
  }
}
