/** Zip entry names from a zip's last bytes, against zips that yazl (a maintained writer) makes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import yazl from 'yazl';
import { TAIL_BYTES, TailKeeper, zipEntryNames } from '../../src/domain/zip-directory.js';

function zipOf(entries: Array<[string, Buffer]>, opts: { compress?: boolean; comment?: string } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name, { compress: opts.compress ?? false });
  if (opts.comment) zip.end({ forceZip64Format: false, comment: opts.comment });
  else zip.end();
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => parts.push(c));
    zip.outputStream.once('end', () => resolve(Buffer.concat(parts)));
    zip.outputStream.once('error', reject);
  });
}

test('the names of a zip, stored or deflated, with a comment, in UTF-8', async () => {
  const entries: Array<[string, Buffer]> = [
    ['4411224.V3', Buffer.alloc(1000, 1)],
    ['dir/4411225.V3', Buffer.alloc(10, 2)],
    ['grabación.wav', Buffer.alloc(5, 3)],
  ];
  for (const opts of [{}, { compress: true }, { comment: 'made by a test' }]) {
    const zip = await zipOf(entries, opts);
    assert.deepEqual(
      zipEntryNames(zip, zip.length),
      entries.map(([n]) => n),
      JSON.stringify(opts),
    );
  }
});

test("a big zip's names from its last bytes only; a directory the tail does not hold gives none", async () => {
  const big = await zipOf([
    ['a.V3', Buffer.alloc(3 * TAIL_BYTES, 7)],
    ['b.V3', Buffer.alloc(TAIL_BYTES, 8)],
  ]);
  assert.deepEqual(zipEntryNames(big.subarray(big.length - TAIL_BYTES), big.length), ['a.V3', 'b.V3']);
  const many = await zipOf(Array.from({ length: 3000 }, (_, i) => [`${'x'.repeat(40)}-${i}.V3`, Buffer.alloc(1)]));
  assert.equal(zipEntryNames(many.subarray(many.length - TAIL_BYTES), many.length), undefined);
  assert.equal(zipEntryNames(Buffer.from('RIFF....WAVEfmt '), 16), undefined, 'not a zip');
});

test('never throws, whatever the bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(), (bytes, extra) => {
      const b = Buffer.from(bytes);
      // A forged end record at the end makes the parser follow offsets and sizes it cannot trust.
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(extra % 7, 10);
      end.writeUInt32LE(extra % 500, 12);
      end.writeUInt32LE(extra % 300, 16);
      for (const tail of [b, Buffer.concat([b, end])]) {
        const names = zipEntryNames(tail, tail.length + (extra % 50));
        assert.ok(names === undefined || Array.isArray(names));
      }
    }),
  );
});

test('the tail keeper holds the last bytes of a stream, however it is cut', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 40_000 }), { maxLength: 20 }), (sizes) => {
      const all = Buffer.concat(sizes.map((n, i) => Buffer.alloc(n, i)));
      const keeper = new TailKeeper();
      let at = 0;
      for (const n of sizes) {
        keeper.push(all.subarray(at, at + n));
        at += n;
      }
      assert.equal(keeper.total, all.length);
      assert.ok(keeper.tail().equals(all.subarray(Math.max(0, all.length - TAIL_BYTES))));
      assert.ok(keeper.start.equals(all.subarray(0, 4)));
    }),
    { numRuns: 50 },
  );
});
