import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  authorization,
  authStringPrefix,
  canonicalRequest,
  createStreamingSigner,
  formatTimestamp,
  percentEncode,
  type SignableRequest,
  signature,
  signedHeaderList,
  signingKey,
} from '../../src/upstream/signing/auth-v2.js';

interface Vector extends SignableRequest {
  title: string;
  canonical: string;
  prefix: string;
  signingKey: string;
  signature: string;
  authorization: string;
  body: string;
}
const data = JSON.parse(readFileSync(new URL('../vectors/auth-v2.json', import.meta.url), 'utf8')) as {
  ak: string;
  sk: string;
  vectors: Vector[];
};

for (const v of data.vectors) {
  test(`auth-v2 ${v.title}: every stage matches`, () => {
    const req: SignableRequest = { ...v, ak: data.ak };
    assert.equal(canonicalRequest(req), v.canonical, 'canonical request');
    const prefix = authStringPrefix(data.ak, v.timestamp, signedHeaderList(v.headers));
    assert.equal(prefix, v.prefix, 'prefix');
    const key = signingKey(data.sk, prefix);
    assert.equal(key, v.signingKey, 'signing key');
    assert.equal(signature(key, v.canonical), v.signature, 'signature');
    assert.equal(authorization(req, data.sk), v.authorization, 'Authorization');
  });

  test(`auth-v2 ${v.title}: the streaming signer equals the one-shot signer for any split`, () => {
    const req: SignableRequest = { ...v, ak: data.ak };
    for (const cut of [0, 1, 7, Math.floor(v.body.length / 2), v.body.length]) {
      const s = createStreamingSigner(req, data.sk);
      s.update(v.body.slice(0, cut));
      s.update(v.body.slice(cut));
      assert.equal(s.finish(), v.authorization, `cut at ${cut}`);
    }
  });
}

test('percentEncode keeps only RFC 3986 unreserved bytes and upper-cases hex', () => {
  assert.equal(percentEncode('AZaz09-._~ /:;={}"!\'()*+'), 'AZaz09-._~%20%2F%3A%3B%3D%7B%7D%22%21%27%28%29%2A%2B');
  assert.equal(percentEncode('ã'), '%C3%A3');
});

/** The rule read byte by byte, as the vendor page states it: an oracle that shares no code with percentEncode. */
function percentEncodeBytes(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8'))
    out += /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

test('percentEncode equals the byte-by-byte rule for base64 text and for any text', () => {
  const base64Char = fc.constantFrom(...'ABCXYZabcxyz0189+/=-._~'.split(''));
  fc.assert(
    fc.property(fc.string({ unit: base64Char, maxLength: 200 }), (s) => {
      assert.equal(percentEncode(s), percentEncodeBytes(s));
    }),
  );
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
      assert.equal(percentEncode(s), percentEncodeBytes(s));
    }),
  );
  assert.equal(percentEncode(Buffer.from([0xfb, 0xff, 0xbe]).toString('base64')), '%2B%2F%2B%2B');
});

test('a changed byte anywhere changes the signature', () => {
  const v = data.vectors[0]!;
  const base = authorization({ ...v, ak: data.ak }, data.sk);
  assert.notEqual(authorization({ ...v, ak: data.ak, body: v.body.replace('"1"', '"2"') }, data.sk), base);
  assert.notEqual(
    authorization({ ...v, ak: data.ak, headers: { ...v.headers, Host: '10.22.26.181:28444' } }, data.sk),
    base,
  );
  assert.notEqual(authorization({ ...v, ak: data.ak, timestamp: '2024-05-06T07:08:09.124Z' }, data.sk), base);
  assert.notEqual(authorization({ ...v, ak: data.ak }, `${data.sk}x`), base);
});

test('query strings sort as whole k=v strings, so a key that prefixes another sorts by the separator', () => {
  const c = canonicalRequest({
    ak: 'a',
    timestamp: 't',
    method: 'GET',
    path: '/p',
    query: { 'a-b': '1', a: '2' },
    headers: { host: 'h' },
  });
  assert.equal(c.split('\n')[2], 'a-b=1&a=2');
});

test('formatTimestamp gives the millisecond UTC form', () => {
  assert.equal(formatTimestamp(Date.UTC(2024, 4, 6, 7, 8, 9, 123)), '2024-05-06T07:08:09.123Z');
});
