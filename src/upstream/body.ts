import type { Readable } from 'node:stream';

/**
 * Reads whole chunks from a paused stream until at least `min` bytes arrived (or it ended),
 * leaving the rest in the stream. Stops early past `max`, so a huge first chunk is not refused.
 */
export function readAtLeast(stream: Readable, min: number, max = Infinity): Promise<{ head: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const done = (ended: boolean) => {
      cleanup();
      resolve({ head: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), ended });
    };
    const onEnd = () => done(true);
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      if (!stream.readableEnded) onError(Object.assign(new Error('stream closed early'), { code: 'UND_ERR_SOCKET' }));
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (size < min && size <= max && (chunk = stream.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        size += chunk.length;
      }
      if (size >= min || size > max) done(false);
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** Reads a whole small body, failing past `max` bytes (a vendor answer that is not a file). */
export async function readSmall(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      stream.destroy();
      throw Object.assign(new Error('body too large'), { code: 'BODY_TOO_LARGE' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
