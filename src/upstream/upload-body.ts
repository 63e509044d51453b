/**
 * The `ivr/uploadFile` JSON body (cc-protocol 3.8) produced as a stream of text pieces from a
 * file on disk. Its exact length is known before a byte is encoded, so the signed
 * `content-length` is right and the body can be read twice (once to sign, once to send)
 * without ever being held whole.
 */
import type { Readable } from 'node:stream';
import { base64Length } from '../domain/content.js';
import { CCFS_ENVELOPE_VERSION } from '../protocol/ccfs.js';
import type { FileSource } from './ports.js';

const PREFIX = `{"request":{"version":"${CCFS_ENVELOPE_VERSION}"},"msgBody":{"data":"`;
const SUFFIX = '"}}';

/** Base64 of a byte stream, cut only at multiples of 3 bytes so the pieces join to the one-shot encoding. */
export async function* base64Pieces(source: Readable): AsyncGenerator<string> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const whole = buf.length - (buf.length % 3);
    if (whole > 0) yield buf.toString('base64', 0, whole);
    carry = buf.subarray(whole);
  }
  if (carry.length > 0) yield carry.toString('base64');
}

export interface StreamedBody {
  length: number;
  pieces(): AsyncGenerator<string>;
}

export function uploadFileBody(file: FileSource): StreamedBody {
  return {
    length: PREFIX.length + base64Length(file.size) + SUFFIX.length,
    async *pieces() {
      yield PREFIX;
      yield* base64Pieces(file.open());
      yield SUFFIX;
    },
  };
}
