/**
 * The vendors speak HTTPS (CC-FS on 28443, CC-Gateway on 8043): both simulators serve TLS with a
 * test certificate for 127.0.0.1, and the gateway trusts it only through `caFile`.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { SEED } from '../../simulators/seed.js';
import { type Stack, startStack } from '../helpers/stack.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
const tls = { key: readFileSync(fixture('server.key')), cert: readFileSync(fixture('server.pem')) };

describe('HTTPS to both vendors', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      sim: { tls },
      ccgw: { tls },
      configure: (raw) => {
        raw.upstreams.ccfs.caFile = fixture('ca.pem');
        raw.upstreams.ccgateway.caFile = fixture('ca.pem');
      },
    });
  });
  after(async () => {
    await stack.close();
  });

  it('downloads through CC-FS (signed Host 127.0.0.1:port), the native pass-through and the CC-Gateway', async () => {
    assert.match(stack.ccfs.url, /^https:/);
    const auth = `Bearer ${stack.token()}`;
    const rec = await request(stack.url)
      .get('/v1/recordings')
      .query({ fileName: SEED.acme.recording })
      .set('Authorization', auth);
    assert.equal(rec.status, 200);
    assert.equal(stack.ccfs.seen('downloadRecord').at(-1)!.authError, undefined);
    const native = await request(stack.url)
      .post('/v1/ccfs/requestPlayVoice')
      .set('Authorization', auth)
      .send({ request: { version: '2.0' }, msgBody: { fileName: SEED.acme.recording } });
    assert.equal(native.status, 200);
    assert.equal(JSON.parse(native.text).resultCode, '0');
    const agent = await request(stack.url)
      .get('/v1/agent-recordings')
      .query({ recordId: SEED.acme.recording })
      .set('Authorization', auth);
    assert.equal(agent.status, 200);
    assert.equal(stack.ccgw.signIns.length, 1);
  });
});

describe('HTTPS to a vendor whose CA is not trusted', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ sim: { tls } });
  });
  after(async () => {
    await stack.close();
  });

  it('refuses the connection: 502 naming TLS, not retried, nothing sent', async () => {
    const handshakes = stack.ccfs.connections;
    const res = await request(stack.url)
      .get('/v1/recordings')
      .query({ fileName: SEED.acme.recording })
      .set('Authorization', `Bearer ${stack.token()}`);
    assert.equal(res.status, 502);
    assert.equal(res.body.code, 'UPSTREAM_ERROR');
    assert.match(res.body.detail, /TLS to CC-FS failed/);
    assert.equal(stack.ccfs.seen('downloadRecord').length, 0, 'no request reached the untrusted server');
    assert.equal(stack.ccfs.connections - handshakes, 1, 'one handshake: a certificate problem is not retried');
  });
});
