import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { openCursor, queryDigest, sealCursor } from '../../src/domain/call-cursor.js';
import { deriveKey } from '../../src/domain/seal.js';

const key = deriveKey('index-cursor', 'a-secret-for-the-cursor-tests-0123456789');

test('a cursor opens for its tenant and its query only, and not under another key', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 48 }), fc.stringMatching(/^[A-Za-z0-9._-]{1,25}$/), (begin, callId) => {
      const q = queryDigest({ from: 1, to: 2, number: '86138' });
      const c = sealCursor(key, 'acme', q, { begin, callId });
      assert.deepEqual(openCursor(key, 'acme', q, c), { begin, callId });
      assert.equal(openCursor(key, 'globex', q, c), undefined);
      assert.equal(openCursor(key, 'acme', queryDigest({ from: 1, to: 2, number: '86139' }), c), undefined);
      assert.equal(
        openCursor(deriveKey('index-cursor', 'another-secret-0123456789abcdefghij'), 'acme', q, c),
        undefined,
      );
    }),
  );
  // Filters left out and filters given as undefined are one query; the page size is not part of it.
  assert.equal(queryDigest({ a: 1, b: undefined }), queryDigest({ a: 1 }));
  assert.equal(openCursor(key, 'acme', queryDigest({}), 'not-a-cursor'), undefined);
});
