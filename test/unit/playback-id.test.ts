/** Playback ids: sealed, bound to their tenant, and spelled one way only. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { derivePlaybackKey, openPlaybackId, sealPlaybackId } from '../../src/domain/playback-id.js';

const KEY = derivePlaybackKey('playback-secret-for-the-unit-tests-0123456789');
const NOW = 1_800_000_000_000;
const grant = (fileName: string) => ({
  tenantId: 'acme',
  vendorToken: 'vendor-token',
  fileName,
  expiresAtMs: NOW + 60_000,
});
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

test("another spelling of a link (the last character's unused bits) does not open; the link itself does", () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 80 }), (fileName) => {
      const id = sealPlaybackId(KEY, grant(fileName));
      const opened = openPlaybackId(KEY, id, NOW);
      assert.ok(opened.ok);
      // Every other last character that decodes to the same bytes is another spelling of the link.
      const raw = Buffer.from(id, 'base64url');
      for (const c of ALPHABET) {
        const other = id.slice(0, -1) + c;
        if (other === id || !Buffer.from(other, 'base64url').equals(raw)) continue;
        assert.deepEqual(openPlaybackId(KEY, other, NOW), { ok: false, reason: 'malformed' }, other);
      }
    }),
  );
});

test('a link has one budget key: the same for every opening, another for another link', () => {
  const a = sealPlaybackId(KEY, grant('Y:/53/0/a.V3'));
  const b = sealPlaybackId(KEY, grant('Y:/53/0/a.V3'));
  const ka = openPlaybackId(KEY, a, NOW);
  const kb = openPlaybackId(KEY, b, NOW);
  assert.ok(ka.ok && kb.ok);
  assert.equal(ka.key, (openPlaybackId(KEY, a, NOW) as typeof ka).key);
  assert.notEqual(ka.key, kb.key, 'each sealing is its own link (a fresh nonce)');
  assert.match(ka.key, /^[0-9a-f]{64}$/);
});
