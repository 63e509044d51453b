import { setTimeout as pause, setImmediate as tick } from 'node:timers/promises';

/**
 * Waits until `probe` returns something truthy and returns it. The deadline only turns a hang
 * into a failure with a message; it is generous on purpose, and no test depends on being fast.
 */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  what = 'condition',
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  for (let i = 0; ; i += 1) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`${what}: not met within ${timeoutMs} ms`);
    // A few turns of the event loop first (most conditions are one I/O away), then short pauses.
    await (i < 20 ? tick() : pause(10));
  }
}
