/**
 * The memory store: one process is the whole deployment. Counts are local; an agent's lease is
 * always this instance's to take, and its record stays in this process (never written anywhere),
 * so there is nobody to announce anything to.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createLocalCounts } from './local-counts.js';
import type { AgentRecord, AgentShare, Store } from './port.js';

export function createMemoryStore(now: () => number): Store {
  const counts = createLocalCounts(now);
  return {
    instanceId: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    shared: false,
    status: () => ({ up: true, liveInstances: 1 }),
    take: async (space, id, rate, burst, cost) => counts.take(space, id, rate, burst, cost),
    hold: async (space, id, cap) => counts.hold(space, id, cap),
    agent: () => memoryShare(now),
    start: async () => undefined,
    leave: async () => 0,
    close: async () => undefined,
  };
}

function memoryShare(now: () => number): AgentShare {
  let leased = false;
  let record: AgentRecord | undefined;
  let refused: { code: string; until: number } | undefined;
  return {
    async acquire() {
      if (leased) return false;
      leased = true;
      return true;
    },
    async renew() {
      if (leased) return 'kept';
      leased = true;
      return 'regained';
    },
    async release() {
      leased = false;
    },
    held: async () => leased,
    read: async () => record,
    async write(generation, credentials, expectVersion) {
      // As the Redis script: only over the expected version, and never back to an older generation.
      const version = record?.version ?? 0;
      if (expectVersion !== undefined && expectVersion !== version) return undefined;
      if (generation < (record?.generation ?? 0)) return undefined;
      record = { version: version + 1, generation, credentials };
      return record.version;
    },
    async clear() {
      record = undefined;
    },
    requestRenewal: async () => undefined,
    async markRefused(code, ms) {
      refused = { code, until: now() + ms };
    },
    async refusal() {
      const ms = refused ? refused.until - now() : 0;
      return refused && ms > 0 ? { code: refused.code, ms } : undefined;
    },
  };
}
