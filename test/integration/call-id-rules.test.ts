/**
 * Issue 22, item 8: a read by call id stays inside the tenant's recordings rule. The vendor picks a
 * call's files by what the AK owns (its VDNs) and a zip names its entries by bare file name, so with
 * a rule narrower than the tenant's VDNs the gateway refuses the read before calling the vendor.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SEED } from '../../simulators/seed.js';
import { type Stack, startStack } from '../helpers/stack.js';

const envelope = (msgBody: unknown) => ({ request: { version: '2.0' }, msgBody });

describe('reads by call id under a recordings rule narrower than the VDNs', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      configure: (raw) => {
        raw.tenants[0].pathRules = { recordings: '/%VDNNO%/0/' };
      },
    });
  });
  after(async () => {
    await stack.close();
  });
  const vendorCalls = () => stack.ccfs.seen('downloadRecord').length;

  it('GET /v1/calls/{callId}/recordings is 403 PATH_FORBIDDEN and the vendor is not called', async () => {
    const before = vendorCalls();
    const res = await request(stack.url)
      .get(`/v1/calls/${SEED.acme.twoRecordingCall}/recordings`)
      .set('Authorization', `Bearer ${stack.token('acme')}`);
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'PATH_FORBIDDEN');
    assert.match(res.body.detail, /narrower than its VDNs/);
    assert.equal(vendorCalls(), before);
  });

  it('native downloadRecord with a callId is refused the same way; by fileName inside the rule it is served', async () => {
    const before = vendorCalls();
    for (const msgBody of [{ callId: SEED.acme.twoRecordingCall }, { fileName: SEED.acme.recording, callId: '1' }]) {
      const res = await request(stack.url)
        .post('/v1/ccfs/downloadRecord')
        .set('Authorization', `Bearer ${stack.token('acme', ['ccfs:native'])}`)
        .send(envelope(msgBody));
      assert.equal(res.status, 403, JSON.stringify(msgBody));
      assert.equal(res.body.code, 'PATH_FORBIDDEN');
    }
    assert.equal(vendorCalls(), before);
    const byName = await request(stack.url)
      .get(`/v1/recordings?fileName=${encodeURIComponent(SEED.acme.recording)}`)
      .set('Authorization', `Bearer ${stack.token('acme')}`);
    assert.equal(byName.status, 200);
  });
});
