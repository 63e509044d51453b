/**
 * Issue 13, items 12 to 17: keys from a JWKS issuer as a real identity provider serves them. A
 * stalled endpoint never hangs a request; a flood of forged `kid`s costs one fetch per cooldown
 * and cannot keep a rotated key out; the last good set outlives an outage up to a bound; RSA and
 * EC keys share one issuer, each token checked against its key's type; causes are logged once
 * and counted. The gateway's clock is moved by hand, so cooldowns and ages pass on demand.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { eventually } from '../helpers/eventually.js';
import { ecKey, type KeyPair, rsaKey, startJwksServer } from '../helpers/jwks.js';
import { AUDIENCE, opsGet, type Stack, startStack } from '../helpers/stack.js';

const ISS = 'https://idp.jwks.test';
let jwks: Awaited<ReturnType<typeof startJwksServer>>;
let otherJwks: Awaited<ReturnType<typeof startJwksServer>>;
let tlsJwks: Awaited<ReturnType<typeof startJwksServer>>;
let slowJwks: Awaited<ReturnType<typeof startJwksServer>>;
const slowKey = rsaKey('slow-1');
const tlsKey = rsaKey('tls-1');
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
const otherKey = rsaKey('other-1');
let s: Stack;
let clock = Date.now();
const rsa1 = rsaKey('rsa-1');
const ec1 = ecKey('ec-1');

before(async () => {
  jwks = await startJwksServer([rsa1, ec1]);
  otherJwks = await startJwksServer([otherKey]);
  slowJwks = await startJwksServer([slowKey]);
  tlsJwks = await startJwksServer([tlsKey], {
    tls: { key: readFileSync(fixture('server.key')), cert: readFileSync(fixture('server.pem')) },
  });
  s = await startStack({
    now: () => clock,
    configure: (raw) => {
      raw.auth.issuers.push({
        issuer: ISS,
        audience: AUDIENCE,
        algorithms: ['RS256', 'ES256'],
        jwksUri: jwks.url,
        jwksRequestsPerMinute: 6, // a cooldown of 10 s
        jwksCacheMaxAgeMs: 60_000,
        jwksMaxStaleMs: 3_600_000,
        jwksTimeoutMs: 500,
      });
      // A long fetch deadline: a request that waited for a refresh would wait for all of it.
      raw.auth.issuers.push({
        issuer: 'https://slow.jwks.test',
        audience: AUDIENCE,
        algorithms: ['RS256'],
        jwksUri: slowJwks.url,
        jwksCacheMaxAgeMs: 60_000,
        jwksTimeoutMs: 20_000,
      });
      raw.auth.issuers.push({
        issuer: 'https://other.jwks.test',
        audience: AUDIENCE,
        algorithms: ['RS256'],
        jwksUri: otherJwks.url,
      });
      // The same https endpoint, trusted through the issuer's own CA file, and not without it.
      raw.auth.issuers.push(
        {
          issuer: 'https://tls.jwks.test',
          audience: AUDIENCE,
          algorithms: ['RS256'],
          jwksUri: tlsJwks.url,
          caFile: fixture('ca.pem'),
        },
        { issuer: 'https://untrusted.jwks.test', audience: AUDIENCE, algorithms: ['RS256'], jwksUri: tlsJwks.url },
      );
    },
  });
});
after(async () => {
  await s.close();
  await jwks.close();
  await otherJwks.close();
  await slowJwks.close();
  await tlsJwks.close();
});

const token = (key: KeyPair, kid = key.kid, extra: jwt.SignOptions = {}) =>
  jwt.sign({ tenant: 'acme', scope: 'ops:read', sub: 'u1' }, key.privateKey, {
    algorithm: key.alg,
    issuer: ISS,
    audience: AUDIENCE,
    // Long-lived: the test moves the gateway's clock by hours.
    expiresIn: 10 * 24 * 3600,
    keyid: kid,
    ...extra,
  });
// A route that needs a token and no vendor call: the gateway's clock moves by hours here, and the
// simulators would refuse signatures made on it.
const get = (t: string) => request(s.url).get('/readyz/details').set('Authorization', `Bearer ${t}`);

describe('JWKS issuer', () => {
  it('accepts RS256 and ES256 from one key set, each against its own key type only', async () => {
    assert.equal((await get(token(rsa1))).status, 200);
    assert.equal((await get(token(ec1))).status, 200);
    // An EC signature that names the RSA key, and the reverse: the key's type decides.
    assert.equal((await get(token(ec1, 'rsa-1'))).status, 401);
    assert.equal((await get(token(rsa1, 'ec-1'))).status, 401);
  });

  it('algorithm confusion: HS256 signed with the public key, and an oct key in the set, are refused', async () => {
    const pem = rsa1.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const hs = jwt.sign({ tenant: 'acme', scope: 'ops:read', sub: 'u1' }, pem, {
      algorithm: 'HS256',
      issuer: ISS,
      audience: AUDIENCE,
      expiresIn: 600,
      keyid: 'rsa-1',
    });
    assert.equal((await get(hs)).status, 401);
    const secret = 'a-symmetric-key-published-by-mistake-0123456789';
    jwks.setKeys([rsa1, ec1], [{ kty: 'oct', kid: 'sym', k: Buffer.from(secret).toString('base64url'), alg: 'HS256' }]);
    clock += 10_000;
    const viaOct = jwt.sign({ tenant: 'acme', scope: 'ops:read', sub: 'u1' }, secret, {
      algorithm: 'HS256',
      issuer: ISS,
      audience: AUDIENCE,
      expiresIn: 600,
      keyid: 'sym',
    });
    assert.equal((await get(viaOct)).status, 401);
    jwks.setKeys([rsa1, ec1]);
    // A kid that names another issuer's key (and a key that claims one of ours) is not ours.
    const other = jwt.sign({ tenant: 'acme', scope: 'ops:read', sub: 'u1' }, otherKey.privateKey, {
      algorithm: 'RS256',
      issuer: 'https://other.jwks.test',
      audience: AUDIENCE,
      expiresIn: 600,
      keyid: 'other-1',
    });
    assert.equal((await get(other)).status, 200, 'valid for its own issuer');
    clock += 10_000;
    assert.equal((await get(token(otherKey, 'other-1'))).status, 401, 'not a key of this issuer');
    assert.equal((await get(token(otherKey, 'rsa-1'))).status, 401, 'an impostor key under our kid');
  });

  it('a flood of forged kids costs one fetch per cooldown, and a rotated key is accepted within one cooldown', async () => {
    clock += 10_000;
    const rotated = rsaKey('rsa-2');
    jwks.setKeys([rsa1, ec1, rotated]);
    const before = jwks.fetches;
    for (let round = 0; round < 3; round += 1) {
      for (let i = 0; i < 20; i += 1) assert.equal((await get(token(rsa1, `forged-${round}-${i}`))).status, 401);
      clock += 3_000;
    }
    assert.equal(jwks.fetches - before, 1, 'one fetch for sixty forged kids within one cooldown');
    // The one fetch took the whole set: the rotated key is already known.
    assert.equal((await get(token(rotated))).status, 200);

    const later = rsaKey('rsa-3');
    jwks.setKeys([rsa1, ec1, rotated, later]);
    assert.equal((await get(token(rsa1, 'forged-again'))).status, 401);
    clock += 10_000;
    for (let i = 0; i < 5; i += 1) await get(token(rsa1, `forged-late-${i}`));
    assert.equal(
      (await get(token(later))).status,
      200,
      'accepted within one cooldown of its publication, flood or not',
    );
  });

  it('while the endpoint is down the last good set keeps working, up to jwksMaxStaleMs', async () => {
    clock += 10_000;
    assert.equal((await get(token(rsa1))).status, 200);
    jwks.setDown(true);
    try {
      clock += 120_000; // past jwksCacheMaxAgeMs: a refetch is due and fails
      assert.equal((await get(token(rsa1))).status, 200, 'stale keys keep working');
      // The refetch runs in the background: the details say so once it has failed.
      const ready = await eventually(async () => {
        const r = await opsGet(s, '/readyz/details');
        return /"jwks:https:\/\/idp.jwks.test","ok":false,"detail":"last fetch failed; cached keys still used","instance":false/.test(
          JSON.stringify(r.body),
        )
          ? r
          : undefined;
      }, 'the key endpoint reported down');
      assert.equal(ready.status, 200);
      clock += 3_600_000; // past jwksMaxStaleMs
      assert.equal((await get(token(rsa1))).status, 401, 'too old to be trusted');
      // A second token right after, inside the fetch cooldown (no fetch is due): still too old.
      assert.equal((await get(token(rsa1, rsa1.kid, { jwtid: 'another' }))).status, 401, 'too old, cooldown or not');
    } finally {
      jwks.setDown(false);
    }
    clock += 10_000;
    assert.equal((await get(token(rsa1))).status, 200, 'back when the endpoint is');
  });

  it('a refresh that stalls does not delay a token whose key is cached: the set is refreshed in the background', async () => {
    const slow = (jwtid: string) =>
      jwt.sign({ tenant: 'acme', scope: 'ops:read', sub: 'u1' }, slowKey.privateKey, {
        algorithm: slowKey.alg,
        issuer: 'https://slow.jwks.test',
        audience: AUDIENCE,
        expiresIn: 10 * 24 * 3600,
        keyid: slowKey.kid,
        jwtid,
      });
    assert.equal((await get(slow('warm'))).status, 200, 'the set is fetched and cached');
    slowJwks.setMode('stall');
    try {
      const fetched = slowJwks.fetches;
      clock += 120_000; // past jwksCacheMaxAgeMs: a refresh is due
      const res = await get(slow('during-the-refresh'));
      assert.equal(res.status, 200);
      assert.equal(slowJwks.abandoned, 0, 'answered while the refresh still waits on the endpoint');
      await eventually(() => slowJwks.fetches === fetched + 1, 'the refresh was asked for');
      assert.equal((await get(slow('again'))).status, 200, 'and meanwhile every request is served from the cache');
      assert.equal(slowJwks.fetches, fetched + 1, 'one refresh at a time');
    } finally {
      slowJwks.setMode('up');
    }
  });

  it('a stalled key endpoint answers 401 within the fetch deadline, logs the cause once at warn, and counts it', async () => {
    clock += 10_000;
    jwks.setMode('stall');
    try {
      const first = await get(token(rsa1, 'new-kid-1'));
      assert.equal(first.status, 401);
      assert.equal(first.body.detail, 'token key is not known to its issuer', 'one answer for callers');
      clock += 10_000;
      assert.equal((await get(token(rsa1, 'new-kid-2'))).status, 401);
    } finally {
      jwks.setMode('up');
    }
    const warnings = s.lines.filter(
      (l) => l.includes('a token key could not be had') && l.includes('"reason":"timeout"'),
    );
    assert.equal(warnings.length, 1, 'logged once per cause and issuer');
    assert.match(warnings[0]!, /"level":40/);
    const metrics = await request(s.url)
      .get('/metrics')
      .set('Authorization', `Bearer ${token(rsa1)}`);
    assert.match(metrics.text, /auth_key_failures_total\{issuer="https:\/\/idp.jwks.test",reason="timeout"\} 2/);
    assert.match(
      metrics.text,
      /auth_key_failures_total\{issuer="https:\/\/idp.jwks.test",reason="unknown_kid"\} [1-9]/,
    );
    for (const l of s.lines.filter((x) => x.includes('"status":401'))) {
      assert.doesNotMatch(l, /"stack"/, 'a 4xx is logged without a stack trace');
    }
  });

  it("an https key endpoint is trusted through the issuer's caFile, and refused without it", async () => {
    const signFor = (issuer: string) =>
      jwt.sign({ tenant: 'acme', scope: 'ops:read', sub: 'u1' }, tlsKey.privateKey, {
        algorithm: 'RS256',
        issuer,
        audience: AUDIENCE,
        expiresIn: 10 * 24 * 3600,
        keyid: 'tls-1',
      });
    assert.equal((await get(signFor('https://tls.jwks.test'))).status, 200);
    assert.equal((await get(signFor('https://untrusted.jwks.test'))).status, 401);
    assert.ok(
      s.lines.some((l) => l.includes('"issuer":"https://untrusted.jwks.test","reason":"tls"')),
      'the cause is logged',
    );
  });
});
