import assert from 'node:assert/strict';

/**
 * The longest pause between ticks a call may cause. Native work that ran on the JS thread would stall the
 * loop for the whole call (seconds here); a loaded machine's scheduler and the GC alone cost up to ~150 ms.
 */
const MAX_STALL_MS = 250;

/**
 * Runs `work` with a 5 ms interval timer and checks that the event loop kept ticking all along, never
 * pausing for `maxStallMs` or more.
 */
export async function assertLoopKeepsTicking<T>(work: () => Promise<T>, minElapsedMs: number, maxStallMs = MAX_STALL_MS): Promise<T> {
  const ticks: number[] = [];
  const timer = setInterval(() => ticks.push(performance.now()), 5);
  const started = performance.now();
  let result: T;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  const elapsed = performance.now() - started;
  const worstGap = Math.max(...ticks.map((t, i) => t - (i === 0 ? started : (ticks[i - 1] ?? started))));
  assert.ok(elapsed > minElapsedMs, `the call should be long enough to observe (${elapsed.toFixed(0)} ms)`);
  assert.ok(ticks.length >= elapsed / 50, `${ticks.length} ticks in ${elapsed.toFixed(0)} ms`);
  assert.ok(worstGap < maxStallMs, `the event loop stalled for ${worstGap.toFixed(0)} ms during a ${elapsed.toFixed(0)} ms call`);
  return result;
}
