import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cookieHeader, cookiesFromSetCookie, updateJar } from '../../src/upstream/cookie-jar.js';

const AT = Date.UTC(2026, 10, 30, 12, 0, 0);

test('Set-Cookie lines: Max-Age wins over Expires, Max-Age=0 and a past Expires remove the cookie', () => {
  const parsed = cookiesFromSetCookie(
    [
      'NODE=n1; Path=/; HttpOnly',
      'LB=l1; Max-Age=60; Expires=Wed, 01 Jan 2031 00:00:00 GMT',
      'OLD=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
      'GONE=; Max-Age=0',
      'not a cookie',
    ],
    AT,
  );
  const byName = Object.fromEntries(parsed);
  assert.deepEqual(byName.NODE, { value: 'n1', expiresAtMs: undefined });
  assert.deepEqual(byName.LB, { value: 'l1', expiresAtMs: AT + 60_000 });
  assert.equal(byName.OLD?.expiresAtMs, 0);
  assert.equal(byName.GONE?.expiresAtMs, AT);

  const jar = updateJar(new Map([['GONE', { value: 'was-here', expiresAtMs: undefined }]]), parsed, AT);
  assert.deepEqual([...jar.keys()].sort(), ['LB', 'NODE']);
  assert.equal(cookieHeader(jar, AT), 'NODE=n1; LB=l1');
  assert.equal(cookieHeader(jar, AT + 60_000), 'NODE=n1', 'LB is over after its Max-Age');
  assert.equal(cookieHeader(new Map(), AT), undefined);
});
