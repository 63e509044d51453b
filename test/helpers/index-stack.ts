/**
 * The stack with the call index on: acme indexed (Asia/Shanghai), its callback on a listener of
 * its own on a loopback port, the embedded database in a temporary folder (or PostgreSQL when a
 * URL is given), and calls seeded in the simulator relative to its clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { SimCall } from '../../simulators/ccfs/bills.js';
import { wallClock } from '../../simulators/ccfs/bills.js';
import { freePort } from './redis.js';
import { type RawConfig, type Stack, type StackOptions, startStack } from './stack.js';

export const ZONE = 'Asia/Shanghai';

export interface IndexStack extends Stack {
  callbackUrl: string;
  dataDir: string;
  /** One ingestion round, then the simulator's callbacks for the jobs it started (the downloads follow). */
  ingest(): Promise<void>;
  search(query: Record<string, string>, tenant?: string): request.Test;
}

/** A call `minutesAgo` before `now`, in the simulator's zone, with `recordings` files (vendor backslash names). */
export function simCall(
  now: number,
  minutesAgo: number,
  o: Partial<SimCall> & { callId: string; recordings?: SimCall['recordings'] },
): SimCall {
  const begin = now - minutesAgo * 60_000;
  return {
    vdnId: 53,
    agentId: '1001',
    callerNo: '8613800138000',
    calleeNo: '4008001234',
    begin: wallClock(begin, ZONE),
    end: wallClock(begin + 218_000, ZONE),
    recordings: [],
    ...o,
  };
}

export async function startIndexStack(
  opts: StackOptions & { index?: RawConfig; databaseUrl?: string } = {},
): Promise<IndexStack> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'index-db-'));
  const stack = await startStack({
    ...opts,
    // The test drives ingestion: rounds when it calls ingest(), the vendor's callbacks when it says.
    gateway: { ingestion: 'manual' },
    sim: { timeZone: ZONE, callbackDelayMs: 3_600_000, ...opts.sim },
    configure(raw) {
      raw.index = {
        callbackBaseUrl: `http://127.0.0.1:${port}`,
        callbackPort: port,
        callbackHost: '127.0.0.1',
        dataDir,
        intervalSec: 3600,
        overlapSec: 300,
        callbackTimeoutSec: 3600,
        retryBaseSec: 1,
        ...(opts.databaseUrl ? { database: { url: opts.databaseUrl } } : {}),
        ...opts.index,
      };
      const acme = raw.tenants.find((t: RawConfig) => t.id === 'acme');
      acme.timeZone = ZONE;
      acme.index = { enabled: true };
      opts.configure?.(raw);
    },
  });
  const ingestion = stack.gateway.ingestion!;
  const closeStack = stack.close;
  return Object.assign(stack, {
    callbackUrl: `http://127.0.0.1:${port}`,
    dataDir,
    async ingest() {
      await ingestion.tick();
      await stack.ccfs.bills.sendCallbacks();
    },
    search(query: Record<string, string>, tenant = 'acme') {
      return request(stack.url)
        .get('/v1/calls')
        .query(query)
        .set('Authorization', `Bearer ${stack.token(tenant)}`);
    },
    close: async () => {
      await closeStack();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
