/**
 * The Node flags the gateway runs with: `npm start`, the image's CMD, the benchmark and the tests
 * that start `dist/main.js` all pass them, and a start without them is logged.
 *
 * `--no-memory-reducer`: after some seconds without traffic V8 runs memory-reducing collections,
 * and the first seconds of traffic after them cost about what a cold start costs. Measured with
 * `npm run bench:profile` (3.3, one connection, 3 s runs after 20 s idle): 393, 535, 415 and
 * 378 µs of CPU per call with the reducer, 390, 412, 304 and 282 without it (270 without pauses).
 * What it would give back is the heap grown under load, a few tens of MiB. It cannot be set once
 * running: V8 reads it when it builds the heap.
 */
export const RUNTIME_FLAGS: readonly string[] = ['--no-memory-reducer'];

/** The runtime flags this process was started without. */
export function missingRuntimeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return RUNTIME_FLAGS.filter((flag) => !execArgv.includes(flag));
}
