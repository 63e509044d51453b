/**
 * One agent's CC-Gateway session shared by every instance through the store (issue 10). At most one
 * instance, the lease owner, signs in and polls; the others follow its announcements (the two roles
 * are in agent-roles.ts). A dead owner's lease lapses and another instance carries the same vendor
 * session on; a stopping owner hands it over, and only the last instance signs out. On the memory
 * store this instance is the only one: it takes the lease on first need and keeps it.
 */
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/schema.js';
import type { AgentMessage, AgentRecord, AgentShare, Store } from '../store/port.js';
import {
  type AgentRole,
  decode,
  FollowerRole,
  OwnerRole,
  type Role,
  type SessionContext,
  unavailable,
} from './agent-roles.js';
import { type AgentCredentials, AgentSession, type AgentSessionOptions } from './agent-session.js';
import type { CcgwCalls, SessionUpdate } from './ccgateway.js';
import type { AgentSessionStatus } from './ports.js';

export interface SharedSessionOptions extends AgentSessionOptions {
  store: Store;
  /** Longest a request waits for the owner to sign in or renew before 503. */
  waitMs: number;
  onLeaseChange?: (change: 'acquired' | 'lost' | 'released') => void;
}

export class SharedAgentSession implements AgentRole {
  private readonly ctx: SessionContext;
  private readonly owner: OwnerRole;
  private readonly follower: FollowerRole;
  private role: Role;
  private stopped = false;
  private readonly wakers = new Set<() => void>();
  private readonly inner: AgentSession;
  private readonly share: AgentShare;
  private readonly log: Logger;

  constructor(
    readonly tenantId: string,
    private readonly agent: AgentConfig,
    calls: CcgwCalls,
    private readonly opts: SharedSessionOptions,
  ) {
    this.inner = new AgentSession(tenantId, agent, calls, {
      ...opts,
      onHeld: (h) => this.role.onHeld(h),
      onRefused: (code, ms) => void this.share.markRefused(code, ms).catch(() => undefined),
    });
    this.share = opts.store.agent(tenantId, agent.agentId, (m) => this.onMessage(m));
    this.log = opts.logger.child({ tenant: tenantId, agentId: agent.agentId });
    const self = this;
    this.ctx = {
      tenantId,
      agentId: agent.agentId,
      inner: this.inner,
      share: this.share,
      log: this.log,
      now: opts.now,
      waitMs: opts.waitMs,
      cached: undefined,
      refusedUntil: 0,
      get stopped() {
        return self.stopped;
      },
      becomeOwner: (rec, generation) => this.takeLease(rec, generation),
      becomeFollower: () => this.loseLease(),
      changed: (ms) => this.changed(ms),
    };
    this.owner = new OwnerRole(this.ctx);
    this.follower = new FollowerRole(this.ctx);
    this.role = this.follower;
  }

  get agentId(): number {
    return this.agent.agentId;
  }

  /** Refused where it signs in (the owner), or as the owner's refusal in the store says: every instance skips it alike. */
  get coolingDown(): boolean {
    return this.inner.coolingDown || this.opts.now() < this.ctx.refusedUntil;
  }

  status(): AgentSessionStatus {
    return this.role.status();
  }

  credentials(): Promise<AgentCredentials> {
    if (this.stopped) return Promise.reject(unavailable('the gateway is shutting down', 1));
    return this.role.credentials();
  }

  adopt(used: AgentCredentials, update: SessionUpdate): void {
    this.role.adopt(used, update);
  }

  invalidate(used: AgentCredentials, code: string): void {
    this.role.invalidate(used, code);
  }

  /** One turn of the lease loop: the owner renews its lease; a follower refreshes its copy and takes a lapsed lease over. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.role.tick();
    } catch {
      // The store is away: the owner keeps its session, the others their copy; the next tick retries.
    }
  }

  /**
   * Stops this instance's part. `last`: no other instance is left, so the agent is signed out;
   * otherwise (others run, or the store cannot say) the lease is handed over and the session
   * lives on (the vendor drops an unpolled session by itself).
   */
  async stop(last: boolean): Promise<void> {
    this.stopped = true;
    this.wakeAll();
    const owning = this.role === this.owner;
    if (last && !owning) {
      const rec = await this.share.read().catch(() => undefined);
      if (rec) this.inner.takeOver(decode(rec));
    }
    if (last) {
      await this.inner.stop();
      await this.share.clear().catch(() => undefined);
    } else {
      this.inner.release();
    }
    if (owning) {
      this.role = this.follower;
      await this.share.release().catch(() => undefined);
      this.opts.onLeaseChange?.('released');
    }
  }

  private takeLease(rec: AgentRecord | undefined, awaitingGeneration: number | undefined): void {
    this.role = this.owner;
    this.opts.onLeaseChange?.('acquired');
    this.log.info({ instance: this.opts.store.instanceId, takeover: rec !== undefined }, 'agent lease acquired');
    if (!rec) return;
    this.inner.takeOver(decode(rec));
    if (awaitingGeneration !== undefined) this.owner.renew(awaitingGeneration);
  }

  private loseLease(): void {
    this.role = this.follower;
    this.inner.release();
    this.opts.onLeaseChange?.('lost');
    this.log.warn('agent lease lost to another instance');
  }

  private onMessage(m: AgentMessage): void {
    this.wakeAll();
    if (!this.stopped) this.role.onMessage(m);
  }

  private changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private wakeAll(): void {
    for (const w of [...this.wakers]) w();
  }
}

/**
 * The lease loop of a set of shared sessions: a third of the lease, so that a renewal can fail
 * twice before the lease lapses. Returns its stop.
 */
export function startLeaseLoop(sessions: readonly SharedAgentSession[], leaseTtlMs: number): () => void {
  if (sessions.length === 0) return () => undefined;
  const loop = setInterval(
    () => {
      for (const s of sessions) void s.tick();
    },
    Math.max(100, Math.floor(leaseTtlMs / 3)),
  );
  loop.unref();
  return () => clearInterval(loop);
}
