/**
 * Base64 text decoded as it arrives, in pieces cut anywhere, so that a native upload (contract
 * 3.7) is never held whole as text. Strict, as the one-shot check was: only the standard alphabet,
 * padding only at the end, a length that is a multiple of 4. Pure: text in, bytes out.
 */

const ALPHABET = /^[A-Za-z0-9+/]*$/;
/** Text is decoded in batches of this many characters (48 KiB of bytes), not per piece. */
const BATCH_CHARS = 64 * 1024;

export class Base64Error extends Error {}

export interface Base64Decoder {
  /** Takes the next piece; returns the bytes it completed, if a batch is full. Throws Base64Error. */
  push(text: string): Buffer | undefined;
  /** The last bytes; throws Base64Error when the text does not end as base64 must. */
  end(): Buffer;
}

export function createBase64Decoder(batchChars = BATCH_CHARS): Base64Decoder {
  let pieces: string[] = [];
  let held = 0;
  let padding = 0;

  const take = (all: boolean): Buffer => {
    const text = pieces.join('');
    const whole = all ? text.length : text.length - (text.length % 4);
    const rest = text.slice(whole);
    pieces = rest === '' ? [] : [rest];
    held = rest.length;
    return Buffer.from(text.slice(0, whole), 'base64');
  };

  return {
    push(text) {
      if (text === '') return undefined;
      const body = padding > 0 ? '' : text.replace(/=+$/, '');
      const pad = text.length - body.length;
      if (!ALPHABET.test(body) || (padding > 0 && !/^=+$/.test(text))) throw new Base64Error('not base64');
      padding += pad;
      if (padding > 2) throw new Base64Error('not base64');
      pieces.push(text);
      held += text.length;
      return held >= batchChars ? take(false) : undefined;
    },
    end() {
      if (held % 4 !== 0) throw new Base64Error('not base64');
      return take(true);
    },
  };
}
