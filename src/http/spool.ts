/**
 * The upload spool: where route 3.6 keeps a body while it is checked and sent on. Every file it
 * hands out is known until disposed, so a stopping gateway removes the ones its unfinished uploads
 * leave behind; at start, files of this gateway's pattern left by a process that died are swept.
 * Only files untouched for `STALE_MS` are swept: another worker sharing the folder may be mid-upload.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const PREFIX = 'cc-file-gateway-upload-';
/** No upload lives this long: its body arrives within requestTimeoutMs, the vendor's timeouts bound the rest. */
const STALE_MS = 3600 * 1000;

export interface Spool {
  /** A new file's path; `dispose` removes it (idempotent), as `clear` does for every one still held. */
  take(): { path: string; dispose: () => Promise<void> };
  /** Removes the files of unfinished uploads (at shutdown). */
  clear(): Promise<void>;
  /** Removes this pattern's files untouched for an hour (at start): the count removed. */
  sweep(): Promise<number>;
  /** Why no file can be made in the folder now (missing, not writable, read-only), or undefined. */
  problem(): Promise<string | undefined>;
}

export function createSpool(dir: string, now: () => number = Date.now): Spool {
  const held = new Set<string>();
  const remove = async (path: string) => {
    held.delete(path);
    await rm(path, { force: true });
  };
  return {
    take() {
      const path = join(dir, `${PREFIX}${randomUUID()}.wav`);
      held.add(path);
      return { path, dispose: () => remove(path) };
    },
    async clear() {
      await Promise.all([...held].map(remove));
    },
    async problem() {
      try {
        await access(dir, constants.W_OK);
        return undefined;
      } catch (err) {
        return `${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? 'unknown'})`;
      }
    },
    async sweep() {
      let removed = 0;
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (!name.startsWith(PREFIX)) continue;
        const path = join(dir, name);
        const st = await stat(path).catch(() => undefined);
        if (st?.isFile() && now() - st.mtimeMs > STALE_MS) {
          await rm(path, { force: true });
          removed += 1;
        }
      }
      return removed;
    },
  };
}
