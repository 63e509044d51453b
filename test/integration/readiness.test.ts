/**
 * Issue 23: `/readyz` says whether this instance can take traffic (config, spool, not draining),
 * never whether a vendor is up: one tenant's unreachable endpoint must not take every replica out
 * of the Service. The vendors' state is in `/readyz/details`, and a request that needs a vendor
 * that is down still gets the gateway's own 503 with `Retry-After`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SEED } from '../../simulators/seed.js';
import { freePort } from '../helpers/redis.js';
import { opsGet, type Stack, startStack } from '../helpers/stack.js';

describe("readiness is the instance's own", () => {
  let stack: Stack;
  let spool: string;
  before(async () => {
    spool = mkdtempSync(join(tmpdir(), 'gw-ready-'));
    // Nothing listens on this port: globex's own CC-FS endpoint is down.
    const deadPort = await freePort();
    stack = await startStack({
      configure: (raw) => {
        raw.server.spoolDir = join(spool, 'spool');
        raw.logging.ignorePaths = ['/healthz'];
        raw.tenants[1].upstreams = { ccfs: { baseUrl: `http://127.0.0.1:${deadPort}`, signedHost: '127.0.0.1:1' } };
      },
    });
  });
  after(async () => {
    await stack.close();
    rmSync(spool, { recursive: true, force: true });
  });

  it("one tenant's unreachable endpoint leaves /readyz 200; details say degraded; its requests get 503 with Retry-After", async () => {
    mkdirSpool();
    const ready = await request(stack.url).get('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready' });
    const details = await opsGet(stack, '/readyz/details');
    assert.equal(details.status, 200);
    assert.equal(details.body.status, 'degraded');
    const down = details.body.dependencies.find((d: { name: string }) => d.name === 'ccfs:tenant:globex');
    assert.equal(down?.ok, false, JSON.stringify(details.body.dependencies));
    assert.equal(down.instance, false);
    const res = await request(stack.url)
      .get(`/v1/recordings?fileName=${encodeURIComponent(SEED.globex.recording)}`)
      .set('Authorization', `Bearer ${stack.token('globex')}`);
    assert.equal(res.status, 503);
    assert.equal(res.body.code, 'UPSTREAM_UNAVAILABLE');
    assert.ok(Number(res.headers['retry-after']) >= 1);
    const acme = await request(stack.url)
      .get(`/v1/recordings?fileName=${encodeURIComponent(SEED.acme.recording)}`)
      .set('Authorization', `Bearer ${stack.token('acme')}`);
    assert.equal(acme.status, 200, 'the other tenant is served');
  });

  it('a spool the instance cannot write to makes it not ready, and says why', async () => {
    rmSync(join(spool, 'spool'), { recursive: true, force: true });
    const ready = await request(stack.url).get('/readyz');
    assert.equal(ready.status, 503);
    const details = await opsGet(stack, '/readyz/details');
    assert.equal(details.status, 503);
    assert.equal(details.body.status, 'not ready');
    const entry = details.body.dependencies.find((d: { name: string }) => d.name === 'spool');
    assert.deepEqual([entry.ok, entry.instance], [false, true]);
    assert.match(entry.detail, /not writable \(ENOENT\)/);
    mkdirSpool();
    assert.equal((await request(stack.url).get('/readyz')).status, 200, 'ready again once it can write');
  });

  it('a failing probe is a warning, not an error; paths in logging.ignorePaths get no line at all', async () => {
    rmSync(join(spool, 'spool'), { recursive: true, force: true });
    const from = stack.lines.length;
    const id = `probe-${Date.now()}`;
    assert.equal((await request(stack.url).get('/readyz').set('X-Request-Id', id)).status, 503);
    assert.equal((await request(stack.url).get('/healthz').set('X-Request-Id', `${id}-h`)).status, 200);
    mkdirSpool();
    const mine = stack.lines
      .slice(from)
      .map((l) => JSON.parse(l) as { level: number; requestId?: string; msg: string });
    const probe = mine.find((l) => l.requestId === id);
    assert.ok(probe, 'the failing probe is logged');
    assert.equal(probe.level, 40, `logged at warn: ${probe.msg}`);
    assert.equal(
      mine.some((l) => l.requestId === `${id}-h`),
      false,
      '/healthz is in ignorePaths',
    );
  });

  const mkdirSpool = () => mkdirSync(join(spool, 'spool'), { recursive: true });
});
