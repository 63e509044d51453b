/**
 * Issue 5: every string of the hostile-path corpus is denied by the pure rules and by each route
 * that takes a path, and not one reaches a vendor.
 */

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { checkTenantPath } from '../../src/domain/tenant-policy.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { pathAttacks } from '../vectors/path-attacks.js';

const corpus = pathAttacks();
let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack.close();
});

test('the corpus holds at least 300 distinct hostile paths', () => {
  assert.ok(corpus.length >= 300, `${corpus.length} paths`);
});

test('the pure rules deny every one, for every rule and kind', () => {
  const acme = stack.gateway.deps.tenants.get('acme')!;
  for (const p of corpus) {
    for (const rule of ['recordings', 'agentRecordings', 'agentMessageRecordings'] as const) {
      assert.equal(checkTenantPath(acme, rule, p, 'file').allowed, false, `${rule}: ${JSON.stringify(p)}`);
      assert.equal(checkTenantPath(acme, rule, p, 'dir').allowed, false, `${rule} (dir): ${JSON.stringify(p)}`);
    }
  }
});

test('every route that takes a path answers 400 or 403 to each, without calling a vendor', async () => {
  const ccfsSeen = stack.ccfs.requests.length;
  const ccgwSeen = stack.ccgw.requests.length;
  const auth = `Bearer ${stack.token()}`;
  for (const p of corpus) {
    const answers = [
      await request(stack.url).get('/v1/recordings').query({ fileName: p }).set('Authorization', auth),
      await request(stack.url).get('/v1/agent-recordings').query({ recordId: p }).set('Authorization', auth),
      await request(stack.url).post('/v1/recordings/playback').set('Authorization', auth).send({ fileName: p }),
      await request(stack.url)
        .post('/v1/ccfs/downloadRecord')
        .set('Authorization', auth)
        .send({ request: { version: '2.0' }, msgBody: { fileName: p } }),
    ];
    answers.forEach((res, i) => {
      assert.ok(
        res.status === 403 || res.status === 400,
        `${res.status} for ${JSON.stringify(p)} on route ${['3.1', '3.8', '3.3', '3.7'][i]}`,
      );
    });
  }
  assert.equal(stack.ccfs.requests.length, ccfsSeen, 'CC-FS saw none of them');
  assert.equal(stack.ccgw.requests.length, ccgwSeen, 'CC-Gateway saw none of them');
});
