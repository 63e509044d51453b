/**
 * Contract 3.8 upstream: a recording downloaded through the CC-Gateway as one of the tenant's
 * agents. Agents take turns; a session-gone answer renews the session once and retries once
 * (cc-protocol 5.9); `104-xxx` codes map onto the contract's errors.
 */
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/schema.js';
import { GatewayError } from '../errors/catalogue.js';
import { CCGW_SESSION_GONE_CODES } from '../protocol/ccgateway.js';
import type { Store } from '../store/port.js';
import type { CcgwCalls, FileAnswer } from './ccgateway.js';
import type { Guard } from './guard.js';
import type { AgentRecordings } from './ports.js';
import { SharedAgentSession, startLeaseLoop } from './shared-agent-session.js';
import { recordFileError } from './vendor-errors.js';

export interface AgentTenant {
  agents: readonly AgentConfig[];
  calls: CcgwCalls;
  /** The CC-Gateway endpoint's breaker and retries, for recordfile. */
  guard: Guard;
  pollIntervalMs: number;
  signInRetryAfterMs: number;
  /** Longest a request waits for another instance's sign-in or renewal (a shared store). */
  signInTimeoutMs: number;
}

export interface AgentRecordingsOptions {
  logger: Logger;
  now: () => number;
  onSignIn?: (tenant: string) => void;
  onRenewal?: (tenant: string, agentId: number) => void;
  onLeaseChange?: (tenant: string, agentId: number, change: 'acquired' | 'lost' | 'released') => void;
  /** Each agent's session is owned by one instance (its lease in the store), used by all. */
  store: Store;
  leaseTtlMs: number;
}

export function createAgentRecordings(
  tenants: ReadonlyMap<string, AgentTenant>,
  opts: AgentRecordingsOptions,
): AgentRecordings {
  const sessions = new Map<string, { list: SharedAgentSession[]; calls: CcgwCalls; guard: Guard; next: number }>();
  for (const [id, t] of tenants) {
    const list = t.agents.map(
      (a) =>
        new SharedAgentSession(id, a, t.calls, {
          pollIntervalMs: t.pollIntervalMs,
          signInRetryAfterMs: t.signInRetryAfterMs,
          logger: opts.logger,
          now: opts.now,
          ...(opts.onSignIn ? { onSignIn: opts.onSignIn } : {}),
          onRenewal: () => opts.onRenewal?.(id, a.agentId),
          store: opts.store,
          // A sign-in's own deadline, plus the lease period in which a dead owner is replaced.
          waitMs: t.signInTimeoutMs + opts.leaseTtlMs,
          onLeaseChange: (change) => opts.onLeaseChange?.(id, a.agentId, change),
        }),
    );
    sessions.set(id, { calls: t.calls, guard: t.guard, next: 0, list });
  }
  const stopLeaseLoop = startLeaseLoop(
    [...sessions.values()].flatMap((e) => e.list),
    opts.leaseTtlMs,
  );
  // Alone on the memory store, an instance owns every lease: the role is no news to an operator.
  const status = (s: SharedAgentSession) => {
    const { role, ...rest } = s.status();
    return opts.store.shared && role ? { ...rest, role } : rest;
  };

  /** Round robin over the agents, skipping those whose sign-in was just refused while others remain. */
  function pick(entry: { list: SharedAgentSession[]; next: number }): SharedAgentSession {
    for (let i = 0; i < entry.list.length; i += 1) {
      const s = entry.list[(entry.next + i) % entry.list.length]!;
      if (!s.coolingDown) {
        entry.next = (entry.next + i + 1) % entry.list.length;
        return s;
      }
    }
    return entry.list[entry.next++ % entry.list.length]!;
  }

  return {
    async download(tenantId, query, signal) {
      const entry = sessions.get(tenantId);
      if (!entry) throw new GatewayError('UPSTREAM_UNAVAILABLE', 'no CC-Gateway agent is configured for this tenant');
      const session = pick(entry);
      const q: Record<string, string> = { recordId: query.recordId, filetype: String(query.fileType) };
      if (query.locationId !== undefined) q.locationId = query.locationId;
      const attempt = async (): Promise<FileAnswer> => {
        const creds = await session.credentials();
        const ans = await entry.guard.run(
          'recordfile',
          () => entry.calls.recordFile(session.agentId, creds, q, signal),
          { retry: true, signal },
        );
        session.adopt(creds, ans);
        if (CCGW_SESSION_GONE_CODES.has(ans.retcode)) session.invalidate(creds, ans.retcode);
        return ans;
      };
      const first = await attempt();
      const renewed = CCGW_SESSION_GONE_CODES.has(first.retcode);
      const ans = renewed ? await attempt() : first;
      if (ans.file) return ans.file;
      throw recordFileError(ans.retcode, renewed);
    },
    status: () => [...sessions.values()].flatMap((e) => e.list.map(status)),
    async close(o) {
      stopLeaseLoop();
      const last = !(o?.handOver ?? false);
      await Promise.all([...sessions.values()].flatMap((e) => e.list.map((s) => s.stop(last))));
    },
  };
}
