/**
 * Paces the young-generation garbage collector by the bytes streamed. Every chunk a socket reads
 * is a fresh 64 KiB buffer outside V8's heap; V8 frees it only when a scavenge finds its small
 * wrapper dead, and the wrappers fill the young generation slowly: at 800 MiB/s some 60 MiB of
 * dead buffers waited for each scavenge (bench:memory). A minor collection every `everyBytes`
 * streamed keeps them to a few MiB, for about a scavenge (well under a millisecond) per 8 MiB.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export type Pacer = (bytes: number) => void;

export function createGcPacer(collectYoung: () => void, everyBytes = 8 * 1024 * 1024): Pacer {
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < everyBytes) return;
    since = 0;
    collectYoung();
  };
}

/**
 * The collector as a function, without a command-line flag: V8 installs `gc` in contexts created
 * after `--expose-gc` is set. Undefined where the flag cannot be set (the collector then runs on
 * its own schedule, as before).
 */
export function youngCollector(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (o: { type: 'minor' | 'major' }) => void;
    return () => gc({ type: 'minor' });
  } catch {
    return undefined;
  }
}
