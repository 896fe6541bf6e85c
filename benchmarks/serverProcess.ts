import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks a second, the unit of /proc/PID/stat's CPU times. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** How often the resident set is sampled, as a fallback when the kernel's peak cannot be reset. */
const RSS_SAMPLE_MS = 100;

/** What the server used during one step of the sweep: its process and every process under it. */
export interface ServerUsage {
  /** User plus system CPU time of the processes (and of children they have waited for), in seconds. */
  cpuSeconds: number;
  /** cpuSeconds over the step's wall time: how many cores were busy on average. */
  cpuCores: number;
  /** The largest resident set during the step, in MiB, summed over the processes. */
  peakRssMiB: number;
  /**
   * Where peakRssMiB comes from: "VmHWM" when the kernel's high-water mark could be reset at the step's
   * start (/proc/PID/clear_refs), else "sampled" (VmRSS every 100 ms, which can miss a short peak).
   */
  peakRssFrom: 'VmHWM' | 'sampled';
}

/** The fields of /proc/PID/stat after the command name, which is in parentheses and may hold spaces. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // it has exited
  }
}

/**
 * The process and every process under it, now: a reference runner may work in child processes (GenAI's
 * generate holds Python's lock, so its parallel runner uses one process per pipeline).
 */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(Number(entry))?.[1]); // field 4, ppid
    if (Number.isNaN(parent)) continue;
    const siblings = children.get(parent);
    if (siblings === undefined) children.set(parent, [Number(entry)]);
    else siblings.push(Number(entry));
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** CPU time so far, in ticks: utime + stime + cutime + cstime of /proc/PID/stat, over the tree. */
function cpuTicks(pids: number[]): number {
  // Fields 14 to 17 of proc(5), counted from field 3 (the state) at index 0.
  return pids.reduce((total, pid) => {
    const fields = statFields(pid);
    return total + (fields === undefined ? 0 : [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0));
  }, 0);
}

/** A field of /proc/PID/status given in kB, in MiB, summed over the processes (0 for one that has exited). */
function statusMiB(pids: number[], field: 'VmHWM' | 'VmRSS'): number {
  let total = 0;
  for (const pid of pids) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue;
    }
    // A process that has exited but is not yet reaped (a zombie) has no memory lines.
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (match !== null) total += Number(match[1]) / 1024;
  }
  return total;
}

/** Resets each process's VmHWM to its current RSS (proc(5): clear_refs "5"); false where not allowed. */
function resetPeakRss(pids: number[]): boolean {
  try {
    for (const pid of pids) writeFileSync(`/proc/${pid}/clear_refs`, '5');
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
  /** The processes measured in this step, found once at its start: the runners start theirs before serving. */
  #tree: number[] = [];

  constructor(pid: number) {
    this.#pid = pid;
  }

  begin(): void {
    this.#tree = processTree(this.#pid);
    this.#hwmReset = resetPeakRss(this.#tree);
    this.#sampledPeak = statusMiB(this.#tree, 'VmRSS');
    // Samples only the step's processes: scanning all of /proc every 100 ms would load the machine measured.
    this.#sampler = setInterval(() => {
      this.#sampledPeak = Math.max(this.#sampledPeak, statusMiB(this.#tree, 'VmRSS'));
    }, RSS_SAMPLE_MS);
    this.#startTicks = cpuTicks(this.#tree);
    this.#started = performance.now();
  }

  end(): ServerUsage {
    const tree = this.#tree;
    const cpuSeconds = (cpuTicks(tree) - this.#startTicks) / CLOCK_TICKS;
    const wallSeconds = (performance.now() - this.#started) / 1000;
    clearInterval(this.#sampler);
    const sampled = Math.max(this.#sampledPeak, statusMiB(tree, 'VmRSS'));
    return {
      cpuSeconds,
      cpuCores: cpuSeconds / wallSeconds,
      peakRssMiB: this.#hwmReset ? statusMiB(tree, 'VmHWM') : sampled,
      peakRssFrom: this.#hwmReset ? 'VmHWM' : 'sampled',
    };
  }
}
