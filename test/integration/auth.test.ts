import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { SEED } from '../../simulators/seed.js';
import { rsaKey, startJwksServer } from '../helpers/jwks.js';
import { AUDIENCE, ISSUER, JWT_SECRET, opsGet, type Stack, startStack } from '../helpers/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'keys-'));
const rs = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
writeFileSync(join(dir, 'rs.pem'), rs.publicKey.export({ type: 'spki', format: 'pem' }));
writeFileSync(join(dir, 'ec.pem'), ec.publicKey.export({ type: 'spki', format: 'pem' }));
const jwksKey = rsaKey('key-1');
let jwks: Awaited<ReturnType<typeof startJwksServer>>;
let s: Stack;
// The gateway's clock, moved by hand where a JWKS cooldown has to pass.
let clock = Date.now();

before(async () => {
  jwks = await startJwksServer([jwksKey]);
  s = await startStack({
    now: () => clock,
    configure: (raw) => {
      raw.auth.issuers.push(
        {
          issuer: 'https://rsa.test',
          audience: [AUDIENCE, 'other'],
          algorithms: ['RS256', 'PS256'],
          publicKeyFile: join(dir, 'rs.pem'),
        },
        { issuer: 'https://ec.test', audience: AUDIENCE, algorithms: ['ES256'], publicKeyFile: join(dir, 'ec.pem') },
        {
          issuer: 'https://jwks.test',
          audience: AUDIENCE,
          algorithms: ['RS256'],
          jwksUri: jwks.url,
          jwksRequestsPerMinute: 3,
        },
      );
    },
  });
});
after(async () => {
  await s.close();
  await jwks.close();
});

// Issued at the gateway's clock (jsonwebtoken counts expiresIn and notBefore from iat), so that a
// token's times are the same distance from the gateway's now however long the tests take.
const claims = (extra: Record<string, unknown> = {}) => ({
  iat: Math.floor(clock / 1000),
  tenant: 'acme',
  scope: 'recordings:read ivr-files:read',
  sub: 'user-1',
  ...extra,
});
const hs = (c: Record<string, unknown> = {}, opts: jwt.SignOptions = {}) =>
  jwt.sign(claims(c), JWT_SECRET, {
    algorithm: 'HS256',
    issuer: ISSUER,
    audience: AUDIENCE,
    ...('exp' in c ? {} : { expiresIn: 600 }),
    ...opts,
  });
const get = (token?: string) => {
  const r = request(s.url).get('/v1/recordings').query({ fileName: SEED.acme.recording });
  return token === undefined ? r : r.set('authorization', `Bearer ${token}`);
};
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('no token: 401 with a bare Bearer challenge (RFC 6750: no error code)', async () => {
  const res = await get();
  assert.equal(res.status, 401);
  assert.equal(res.body.code, 'UNAUTHENTICATED');
  assert.equal(res.headers['www-authenticate'], 'Bearer realm="cc-file-gateway"');
});

test('accepted: HS256 shared secret, RS256 and PS256 from a PEM, ES256 from a PEM, RS256 from JWKS', async () => {
  const tokens = [
    hs(),
    jwt.sign(claims(), rs.privateKey, {
      algorithm: 'RS256',
      issuer: 'https://rsa.test',
      audience: 'other',
      expiresIn: 600,
    }),
    jwt.sign(claims(), rs.privateKey, {
      algorithm: 'PS256',
      issuer: 'https://rsa.test',
      audience: AUDIENCE,
      expiresIn: 600,
    }),
    jwt.sign(claims(), ec.privateKey, {
      algorithm: 'ES256',
      issuer: 'https://ec.test',
      audience: AUDIENCE,
      expiresIn: 600,
    }),
    jwt.sign(claims(), jwksKey.privateKey, {
      algorithm: 'RS256',
      issuer: 'https://jwks.test',
      audience: AUDIENCE,
      expiresIn: 600,
      keyid: 'key-1',
    }),
    jwt.sign({ tenant: 'acme', scp: ['recordings:read'], sub: 'svc' }, JWT_SECRET, {
      algorithm: 'HS256',
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: 600,
    }),
  ];
  for (const [i, t] of tokens.entries()) assert.equal((await get(t)).status, 200, `token ${i}`);
});

const invalid: Array<[string, () => string]> = [
  [
    'a bad signature',
    () => {
      const t = hs();
      return t.slice(0, -3) + (t.endsWith('AAA') ? 'BBB' : 'AAA');
    },
  ],
  [
    'alg none',
    () =>
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(), iss: ISSUER, aud: AUDIENCE, exp: Math.floor(clock / 1000) + 600 })}.`,
  ],
  [
    'HS256 signed with the RSA public key (algorithm confusion)',
    () =>
      jwt.sign(
        { ...claims(), iss: 'https://rsa.test', aud: AUDIENCE, exp: Math.floor(clock / 1000) + 600 },
        rs.publicKey.export({ type: 'spki', format: 'pem' }) as string,
        { algorithm: 'HS256' } as jwt.SignOptions,
      ),
  ],
  [
    'RS256 for the HS-only issuer',
    () => jwt.sign(claims(), rs.privateKey, { algorithm: 'RS256', issuer: ISSUER, audience: AUDIENCE, expiresIn: 600 }),
  ],
  [
    'HS384, not in the allowlist',
    () => jwt.sign(claims(), JWT_SECRET, { algorithm: 'HS384', issuer: ISSUER, audience: AUDIENCE, expiresIn: 600 }),
  ],
  ['expired beyond the tolerance', () => hs({ exp: Math.floor(clock / 1000) - 31 })],
  ['not yet valid beyond the tolerance', () => hs({}, { notBefore: 60 })],
  ['no exp', () => jwt.sign({ ...claims(), iss: ISSUER, aud: AUDIENCE }, JWT_SECRET, { algorithm: 'HS256' })],
  ['a wrong issuer', () => hs({}, { issuer: 'https://evil.test' })],
  [
    'a critical header extension (RFC 7515 4.1.11)',
    () => hs({}, { header: { alg: 'HS256', crit: ['http://example.test/ext'] } as unknown as jwt.JwtHeader }),
  ],
  [
    'an exp of 1e309 (infinity)',
    () => {
      const b = (s: string) => Buffer.from(s).toString('base64url');
      const payload = `{"tenant":"acme","scope":"recordings:read","sub":"u","iss":"${ISSUER}","aud":"${AUDIENCE}","exp":1e309}`;
      const unsigned = `${b('{"alg":"HS256","typ":"JWT"}')}.${b(payload)}`;
      return `${unsigned}.${createHmac('sha256', JWT_SECRET).update(unsigned).digest('base64url')}`;
    },
  ],
  [
    'a payload that is JSON null',
    () => `${b64({ alg: 'HS256', typ: 'JWT' })}.${Buffer.from('null').toString('base64url')}.AAAA`,
  ],
  ['a wrong audience', () => hs({}, { audience: 'someone-else' })],
  ['an unknown tenant', () => hs({ tenant: 'initech' })],
  ['no tenant claim', () => hs({ tenant: undefined })],
  ['a tenant claim that is not a string', () => hs({ tenant: ['acme'] })],
  ['no sub', () => hs({ sub: undefined })],
  [
    'an unknown kid at the JWKS issuer',
    () =>
      jwt.sign(claims(), jwksKey.privateKey, {
        algorithm: 'RS256',
        issuer: 'https://jwks.test',
        audience: AUDIENCE,
        expiresIn: 600,
        keyid: 'nope',
      }),
  ],
  [
    'a malicious kid',
    () =>
      jwt.sign(claims(), jwksKey.privateKey, {
        algorithm: 'RS256',
        issuer: 'https://jwks.test',
        audience: AUDIENCE,
        expiresIn: 600,
        keyid: "../../etc/passwd' OR 1=1",
      }),
  ],
  ['an oversized token', () => hs({ pad: 'x'.repeat(9000) })],
  ['garbage', () => 'not.a.jwt'],
];

for (const [name, make] of invalid) {
  test(`401 invalid_token: ${name}`, async () => {
    const before = s.ccfs.requests.length;
    const res = await get(make());
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'UNAUTHENTICATED');
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="cc-file-gateway", error="invalid_token"');
    assert.equal(s.ccfs.requests.length, before);
  });
}

test('expiry and not-before within the 30 s tolerance are accepted', async () => {
  assert.equal((await get(hs({ exp: Math.floor(clock / 1000) - 20 }))).status, 200);
  assert.equal((await get(hs({}, { notBefore: 20 }))).status, 200);
});

test('jku, x5u and an embedded jwk in the header are ignored, not followed', async () => {
  const attacker = rsaKey('key-1');
  const token = jwt.sign(claims(), attacker.privateKey, {
    algorithm: 'RS256',
    issuer: 'https://jwks.test',
    audience: AUDIENCE,
    expiresIn: 600,
    keyid: 'key-1',
    header: {
      alg: 'RS256',
      kid: 'key-1',
      jku: 'http://127.0.0.1:1/evil.json',
      x5u: 'http://127.0.0.1:1/x',
      jwk: attacker.publicKey.export({ format: 'jwk' }),
    } as jwt.JwtHeader,
  });
  assert.equal((await get(token)).status, 401);
});

test('a missing scope is 403 with an insufficient_scope challenge naming it', async () => {
  const res = await request(s.url)
    .get('/v1/ivr-files')
    .query({ path: SEED.acme.ivrFile })
    .set('authorization', `Bearer ${s.token('acme', ['recordings:read'])}`);
  assert.equal(res.status, 403);
  assert.equal(res.body.code, 'INSUFFICIENT_SCOPE');
  assert.equal(res.headers['www-authenticate'], 'Bearer error="insufficient_scope", scope="ivr-files:read"');
});

test('JWKS down: keys already fetched keep working', async () => {
  const token = () =>
    jwt.sign(claims(), jwksKey.privateKey, {
      algorithm: 'RS256',
      issuer: 'https://jwks.test',
      audience: AUDIENCE,
      expiresIn: 600,
      keyid: 'key-1',
    });
  assert.equal((await get(token())).status, 200);
  jwks.setDown(true);
  try {
    for (let i = 0; i < 3; i += 1) assert.equal((await get(token())).status, 200);
    const rotated = jwt.sign(claims(), jwksKey.privateKey, {
      algorithm: 'RS256',
      issuer: 'https://jwks.test',
      audience: AUDIENCE,
      expiresIn: 600,
      keyid: 'rotated-key',
    });
    // One cooldown (60 s / 3 fetches a minute) after the last fetch, an unknown kid may fetch again.
    clock += 20_000;
    assert.equal((await get(rotated)).status, 401, 'an unknown kid cannot be fetched while the endpoint is down');
    const ready = await opsGet(s, '/readyz/details');
    assert.equal(ready.status, 200, 'still ready: cached keys work');
    assert.match(
      JSON.stringify(ready.body),
      /"jwks:https:\/\/jwks.test","ok":false,"detail":"last fetch failed; cached keys still used","instance":false/,
    );
  } finally {
    jwks.setDown(false);
  }
});

test('a flood of unknown kids: refetches are rate-limited, every token refused', async () => {
  const before = jwks.fetches;
  for (let i = 0; i < 30; i += 1) {
    const t = jwt.sign(claims(), jwksKey.privateKey, {
      algorithm: 'RS256',
      issuer: 'https://jwks.test',
      audience: AUDIENCE,
      expiresIn: 600,
      keyid: `flood-${i}`,
    });
    assert.equal((await get(t)).status, 401);
  }
  assert.ok(jwks.fetches - before <= 1, `${jwks.fetches - before} JWKS fetches for 30 unknown kids (one per cooldown)`);
});
