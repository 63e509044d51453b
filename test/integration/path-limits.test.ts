/**
 * Each vendor operation's own length limit, both sides, through the gateway: a name at the limit
 * reaches the vendor (which has no such file: 404), one character more is refused (403) without
 * a vendor call. `downloadRecord` documents String(1-225); `ivr/downloadFile` and `recordfile`
 * document none, so a Windows path of up to 259 characters is legal there.
 */

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { type Stack, startStack } from '../helpers/stack.js';

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack.close();
});

const ofLength = (prefix: string, n: number) => `${prefix}${'a'.repeat(n - prefix.length - 4)}.wav`;
const cases = [
  ['/v1/recordings', 'fileName', 'Y:/53/0/20261125/1001/', 225, () => stack.ccfs.requests.length],
  ['/v1/ivr-files', 'path', 'Y:/voice/53/IVRrecordFile/', 259, () => stack.ccfs.requests.length],
  ['/v1/agent-recordings', 'recordId', 'Y:/53/0/20261125/1001/', 259, () => stack.ccgw.seen('recordfile').length],
] as const;

for (const [route, param, prefix, limit, vendorCalls] of cases) {
  test(`${route} ${param}: ${limit} characters reach the vendor, ${limit + 1} are refused before it`, async () => {
    const get = (value: string) =>
      request(stack.url)
        .get(route)
        .query({ [param]: value })
        .set('Authorization', `Bearer ${stack.token()}`);
    const before = vendorCalls();
    const at = await get(ofLength(prefix, limit));
    assert.equal(at.status, 404, JSON.stringify(at.body));
    assert.equal(vendorCalls(), before + 1, 'the vendor was asked');
    const over = await get(ofLength(prefix, limit + 1));
    assert.equal(over.status, 403);
    assert.equal(over.body.code, 'PATH_FORBIDDEN');
    assert.equal(vendorCalls(), before + 1, 'the vendor was not asked again');
  });
}
