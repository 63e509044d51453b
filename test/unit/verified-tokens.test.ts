/**
 * Verified tokens are remembered (issue 11), and the memory never lets through what verification
 * would refuse: a token past its `exp` (plus the clock tolerance), a token whose key its issuer no
 * longer holds, or a token another configuration would refuse.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { parseConfig } from '../../src/config/load.js';
import { eventually } from '../helpers/eventually.js';
import { rsaKey, startJwksServer } from '../helpers/jwks.js';
import { AUDIENCE, baseConfig, ISSUER, JWT_SECRET } from '../helpers/stack.js';

const T0 = 1_800_000_000_000;
const sign = (exp: number, extra: object = {}) =>
  jwt.sign({ tenant: 'acme', scope: 'recordings:read', sub: 'u1', exp, iat: exp - 600, ...extra }, JWT_SECRET, {
    algorithm: 'HS256',
    issuer: ISSUER,
    audience: AUDIENCE,
  });
const authOf = (raw = baseConfig('http://127.0.0.1:9')) => parseConfig(raw).auth;

test('a remembered token is refused from the second verification would refuse it (exp + clock tolerance)', async () => {
  let clock = T0;
  const auth = authOf();
  const a = createAuthenticator(auth, new Set(['acme']), { now: () => clock });
  const exp = T0 / 1000 + 60;
  const token = sign(exp);
  assert.equal((await a.authenticate(`Bearer ${token}`)).subject, 'u1');
  // The last second verification accepts: exp + tolerance - 1.
  clock = (exp + auth.clockToleranceSec - 1) * 1000 + 999;
  assert.equal((await a.authenticate(`Bearer ${token}`)).tenantId, 'acme');
  clock = (exp + auth.clockToleranceSec) * 1000;
  await assert.rejects(a.authenticate(`Bearer ${token}`), /token has expired/);
  // And stays refused.
  await assert.rejects(a.authenticate(`Bearer ${token}`), /token has expired/);
});

test('the memory belongs to one configuration: a token another audience refuses is refused there', async () => {
  const token = sign(T0 / 1000 + 600);
  const a = createAuthenticator(authOf(), new Set(['acme']), { now: () => T0 });
  assert.equal((await a.authenticate(`Bearer ${token}`)).subject, 'u1');
  const raw = baseConfig('http://127.0.0.1:9');
  raw.auth.issuers[0].audience = 'another-gateway';
  const b = createAuthenticator(authOf(raw), new Set(['acme']), { now: () => T0 });
  await assert.rejects(b.authenticate(`Bearer ${token}`), /audience/);
  // A tenant the configuration no longer has is refused too.
  const c = createAuthenticator(authOf(), new Set(['globex']), { now: () => T0 });
  await assert.rejects(c.authenticate(`Bearer ${token}`), /no configured tenant/);
});

const k1 = rsaKey('k1');
const k2 = rsaKey('k2');
let jwks: Awaited<ReturnType<typeof startJwksServer>>;
before(async () => {
  jwks = await startJwksServer([k1]);
});
after(() => jwks.close());

test('a remembered token whose key was rotated out of the key set is refused once the set is fetched again', async () => {
  let clock = T0;
  const raw = baseConfig('http://127.0.0.1:9');
  raw.auth.issuers = [
    {
      issuer: 'https://idp.rotating.test',
      audience: AUDIENCE,
      algorithms: ['RS256'],
      jwksUri: jwks.url,
      jwksCacheMaxAgeMs: 60_000,
    },
  ];
  const a = createAuthenticator(authOf(raw), new Set(['acme']), { now: () => clock });
  const token = jwt.sign(
    { tenant: 'acme', sub: 'u1', scope: 'recordings:read', exp: T0 / 1000 + 3600 },
    k1.privateKey,
    { algorithm: 'RS256', keyid: 'k1', issuer: 'https://idp.rotating.test', audience: AUDIENCE },
  );
  try {
    assert.equal((await a.authenticate(`Bearer ${token}`)).subject, 'u1');
    assert.equal((await a.authenticate(`Bearer ${token}`)).subject, 'u1');
    const fetches = jwks.fetches;
    jwks.setKeys([k2]);
    clock += 61_000; // the key set is stale: the next use has it fetched again, in the background
    await a.authenticate(`Bearer ${token}`).catch(() => undefined);
    await eventually(() => jwks.fetches > fetches, 'the key set is fetched again');
    // Once the new set is in, the remembered token no longer opens: its key is gone.
    await eventually(
      () =>
        a.authenticate(`Bearer ${token}`).then(
          () => false,
          (err: Error) => /not known to its issuer/.test(err.message),
        ),
      'refused once the refreshed set lacks its key',
    );
  } finally {
    await a.close?.();
  }
});
