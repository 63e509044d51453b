import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveKey, seal, unseal } from '../../src/domain/seal.js';

test('sealing: every IV is fresh (across pool refills), values open only with their key and binding', () => {
  const key = deriveKey('test/v1', 'a-secret-of-at-least-thirty-two-characters');
  const ivs = new Set<string>();
  // Well past one 4 KiB pool of 12-byte IVs.
  for (let i = 0; i < 2000; i += 1) {
    const sealed = seal(key, Buffer.from(`value ${i}`), Buffer.from('here'));
    ivs.add(sealed.subarray(0, 12).toString('hex'));
    if (i % 250 === 0) assert.equal(unseal(key, sealed, Buffer.from('here'))?.toString(), `value ${i}`);
  }
  assert.equal(ivs.size, 2000, 'no IV used twice');
  const sealed = seal(key, Buffer.from('x'), Buffer.from('here'));
  assert.equal(unseal(key, sealed, Buffer.from('elsewhere')), undefined);
  assert.equal(
    unseal(deriveKey('other/v1', 'a-secret-of-at-least-thirty-two-characters'), sealed, Buffer.from('here')),
    undefined,
  );
  const tampered = Buffer.from(sealed);
  tampered[14]! ^= 1;
  assert.equal(unseal(key, tampered, Buffer.from('here')), undefined);
});
