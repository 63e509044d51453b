/** The streamed base64 decoder against Node's one-shot decoding and the one-shot validity rule. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Base64Error, createBase64Decoder } from '../../src/domain/base64-stream.js';

/** Cuts `text` at the given points (any number, any place). */
function pieces(text: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const c of at) {
    out.push(text.slice(from, c));
    from = c;
  }
  out.push(text.slice(from));
  return out;
}

function decode(parts: string[], batch: number): Buffer {
  const d = createBase64Decoder(batch);
  const out: Buffer[] = [];
  for (const p of parts) {
    const b = d.push(p);
    if (b) out.push(b);
  }
  out.push(d.end());
  return Buffer.concat(out);
}

/** What a whole text must be: the standard alphabet, at most two `=` at the end, a multiple of 4. */
const valid = (text: string) => text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);

describe('streamed base64', () => {
  it('decodes any bytes cut anywhere to the bytes, whatever the batch size', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 1, max: 64 }),
        (bytes, cuts, batch) => {
          const text = Buffer.from(bytes).toString('base64');
          assert.ok(decode(pieces(text, cuts), batch).equals(Buffer.from(bytes)));
        },
      ),
    );
  });

  it('refuses exactly the texts the one-shot rule refuses, wherever they are cut', () => {
    const char = fc.constantFrom(...'AZaz09+/=!-_ '.split(''));
    // Near misses are what matter: real base64 with one character put in, taken out or changed.
    const nearMiss = fc
      .tuple(fc.uint8Array({ maxLength: 12 }), fc.nat(), char, fc.constantFrom('insert', 'delete', 'replace'))
      .map(([bytes, at, c, how]) => {
        const text = Buffer.from(bytes).toString('base64');
        const i = at % (text.length + 1);
        if (how === 'insert') return text.slice(0, i) + c + text.slice(i);
        if (how === 'delete') return text.slice(0, i) + text.slice(i + 1);
        return text.slice(0, i) + c + text.slice(i + 1);
      });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(char, { maxLength: 24 }).map((c) => c.join('')),
          nearMiss,
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        (text, cuts) => {
          let refused = false;
          try {
            decode(pieces(text, cuts), 4);
          } catch (err) {
            assert.ok(err instanceof Base64Error);
            refused = true;
          }
          assert.equal(refused, !valid(text), JSON.stringify(text));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
