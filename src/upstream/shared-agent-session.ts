/**
 * One agent's CC-Gateway session shared by every instance through the store (issue 10). At most one
 * instance, the lease owner, signs in, polls, adopts rotations and renews; it seals each new
 * credential into the store and announces it. The others serve route 3.8 with the announced
 * credentials and, told the session is gone, ask the owner to renew it rather than sign in. A
 * dead owner's lease lapses and another instance carries the same vendor session on; a stopping
 * owner hands it over, and only the last instance signs out.
 */
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/schema.js';
import { GatewayError } from '../errors/catalogue.js';
import { CCGW_CODE_MEANINGS } from '../protocol/ccgateway.js';
import type { AgentMessage, AgentRecord, AgentShare, RedisStore } from '../store/redis-store.js';
import { AgentSession, type AgentSessionOptions, type Held } from './agent-session.js';
import type { CcgwCalls, SessionCredentials, SessionUpdate } from './ccgateway.js';
import type { StoredCookie } from './cookie-jar.js';
import { updateJar } from './cookie-jar.js';
import type { AgentSessionStatus } from './ports.js';

export interface SharedSessionOptions extends AgentSessionOptions {
  store: RedisStore;
  /** Longest a request waits for the owner to sign in or renew before 503. */
  waitMs: number;
  onLeaseChange?: (change: 'acquired' | 'lost' | 'released') => void;
}

const encode = (c: SessionCredentials) => Buffer.from(JSON.stringify({ guid: c.guid, cookies: [...c.cookies] }));
const decode = (rec: AgentRecord): Held => {
  const v = JSON.parse(rec.credentials.toString('utf8')) as { guid: string; cookies: Array<[string, StoredCookie]> };
  return { guid: v.guid, cookies: new Map(v.cookies), generation: rec.generation };
};

const unavailable = (detail: string, retryAfterSec: number) =>
  new GatewayError('UPSTREAM_UNAVAILABLE', detail, { retryAfterSec });
const refusedError = (code: string, ms: number) =>
  new GatewayError('UPSTREAM_UNAVAILABLE', 'CC-Gateway refused the agent sign-in (on the instance that owns it)', {
    upstream: { service: 'ccgateway', code, message: CCGW_CODE_MEANINGS[code] ?? 'unknown return code' },
    retryAfterSec: Math.max(1, Math.ceil(ms / 1000)),
  });

export class SharedAgentSession {
  private owner = false;
  private stopped = false;
  /** The credentials last announced, and the record version they came with. */
  private cached: { creds: Held; version: number } | undefined;
  /** Set when a call was told the session is gone: a newer record (or this instance's own renewal) is needed. */
  private awaiting: { generation: number; version: number } | undefined;
  /** Set when the owner's record write failed: the next lease tick writes it again. */
  private unwritten: Held | undefined;
  private readonly wakers = new Set<() => void>();
  /** One wait for a session at a time, however many requests need it (single flight). */
  private fetching: Promise<SessionCredentials> | undefined;
  /** Until when the owner's refused sign-in, read from the store, holds for this instance too. */
  private refusedUntil = 0;
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
      onHeld: (h) => void this.publish(h),
      onRefused: (code, ms) => void this.share.markRefused(code, ms).catch(() => undefined),
    });
    this.share = opts.store.agent(tenantId, agent.agentId, (m) => this.onMessage(m));
    this.log = opts.logger.child({ tenant: tenantId, agentId: agent.agentId });
  }

  get agentId(): number {
    return this.agent.agentId;
  }

  /** Refused where it signs in (the owner), or as the owner's refusal in the store says: every instance skips it alike. */
  get coolingDown(): boolean {
    return this.inner.coolingDown || this.opts.now() < this.refusedUntil;
  }

  status(): AgentSessionStatus {
    if (this.owner) return { ...this.inner.status(), role: 'owner' };
    return {
      tenant: this.tenantId,
      agentId: this.agent.agentId,
      state: this.stopped ? 'stopped' : this.cached ? 'signed-in' : 'signed-out',
      signIns: this.inner.status().signIns,
      role: 'follower',
    };
  }

  credentials(): Promise<SessionCredentials> {
    if (this.stopped) return Promise.reject(unavailable('the gateway is shutting down', 1));
    if (this.owner) return this.inner.credentials();
    if (this.cached && !this.awaiting) return Promise.resolve(this.cached.creds);
    this.fetching ??= this.fetch().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  adopt(used: SessionCredentials, update: SessionUpdate): void {
    if (this.owner) return this.inner.adopt(used, update);
    const c = this.copyUsed(used);
    if (!c) return;
    const guidChanged = update.newGuid !== undefined && update.newGuid !== c.creds.guid;
    if (!guidChanged && update.cookies.length === 0) return;
    const next: Held = {
      guid: guidChanged ? update.newGuid! : c.creds.guid,
      cookies: updateJar(c.creds.cookies, update.cookies, this.opts.now()),
      generation: c.creds.generation,
    };
    // Over the version it was based on only: a newer announcement wins.
    this.share.write(next.generation, encode(next), c.version).then(
      (version) => {
        if (version !== undefined) this.cached = { creds: next, version };
      },
      () => undefined,
    );
  }

  invalidate(used: SessionCredentials, code: string): void {
    if (this.owner) return this.inner.invalidate(used, code);
    // A renewal or rotation already replaced what the call used: its retry takes the new one.
    const c = this.copyUsed(used);
    if (!c) return;
    this.log.warn({ retcode: code }, 'agent session lost; asking its owner to renew it');
    this.awaiting = { generation: c.creds.generation, version: c.version };
  }

  /** The copy this instance holds, if the credentials a call used are still it. */
  private copyUsed(used: SessionCredentials) {
    const c = this.cached;
    return c && (used as Held).generation === c.creds.generation && used.guid === c.creds.guid ? c : undefined;
  }

  /** The lease loop: the owner renews its lease; the others keep their copy fresh and take a lapsed lease over. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.owner) {
        const r = await this.share.renew();
        if (r === 'lost') return this.loseLease('lost');
        const held = this.unwritten ?? (r === 'regained' ? this.inner.current : undefined);
        if (held) await this.publish(held);
        return;
      }
      const rec = await this.share.read();
      if (rec) this.remember(rec);
      if (rec && !(await this.share.held()) && (await this.share.acquire())) this.takeLease(rec);
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
    if (last && !this.owner) {
      const rec = await this.share.read().catch(() => undefined);
      if (rec) this.inner.takeOver(decode(rec));
    }
    if (last) {
      await this.inner.stop();
      await this.share.clear().catch(() => undefined);
    } else {
      this.inner.release();
    }
    if (this.owner) {
      this.owner = false;
      await this.share.release().catch(() => undefined);
      this.opts.onLeaseChange?.('released');
    }
  }

  private async fetch(): Promise<SessionCredentials> {
    const deadline = this.opts.now() + this.opts.waitMs;
    for (;;) {
      try {
        const rec = await this.share.read();
        if (rec) this.remember(rec);
        if (this.cached && !this.awaiting) return this.cached.creds;
        if (this.stopped) throw unavailable('the gateway is shutting down', 1);
        // The owner's sign-in was refused: answer as it does, at once, rather than wait out the lease.
        const refusal = await this.share.refusal();
        if (refusal) {
          this.refusedUntil = this.opts.now() + refusal.ms;
          throw refusedError(refusal.code, refusal.ms);
        }
        if (!(await this.share.held())) {
          if (await this.share.acquire()) {
            this.takeLease(rec);
            return this.inner.credentials();
          }
        } else {
          // The owner has no session for us yet (never signed in, or lost it): ask it for one.
          // Idempotent: the owner signs in once per generation, however many ask.
          await this.share.requestRenewal(this.awaiting?.generation ?? rec?.generation ?? 0);
        }
      } catch (err) {
        if (err instanceof GatewayError) throw err;
        throw unavailable('the shared store is unreachable and this instance holds no session for the agent', 2);
      }
      if (this.opts.now() >= deadline)
        throw unavailable('the instance that owns the agent session has not renewed it yet', 1);
      await this.changed(250);
    }
  }

  /** Keeps a record that is newer than the copy, and ends a wait it satisfies. */
  private remember(rec: AgentRecord): void {
    if (this.cached && rec.version <= this.cached.version && rec.generation <= this.cached.creds.generation) return;
    this.cached = { creds: decode(rec), version: rec.version };
    const a = this.awaiting;
    if (a && (rec.generation > a.generation || rec.version > a.version)) this.awaiting = undefined;
  }

  private takeLease(rec: AgentRecord | undefined): void {
    this.owner = true;
    this.opts.onLeaseChange?.('acquired');
    this.log.info({ instance: this.opts.store.instanceId, takeover: rec !== undefined }, 'agent lease acquired');
    if (!rec) return;
    this.inner.takeOver(decode(rec));
    if (this.awaiting) this.renew(this.awaiting.generation);
    this.awaiting = undefined;
  }

  private loseLease(change: 'lost'): void {
    this.owner = false;
    this.inner.release();
    this.opts.onLeaseChange?.(change);
    this.log.warn('agent lease lost to another instance');
  }

  private renew(generation: number): void {
    this.inner.renew(generation, 'renewal requested').catch((err: Error) => {
      // A refusal is logged where it happens, once; the requests that keep asking are not news.
      this.log.debug({ err: { message: err.message } }, 'agent session renewal failed');
    });
  }

  private async publish(held: Held): Promise<void> {
    if (!this.owner) return;
    try {
      const version = await this.share.write(held.generation, encode(held));
      this.unwritten = undefined;
      if (version !== undefined) this.cached = { creds: held, version };
    } catch {
      this.unwritten = held;
    }
  }

  private onMessage(m: AgentMessage): void {
    this.wakeAll();
    if (this.stopped) return;
    if (m.kind === 'renew' && this.owner) this.renew(m.generation);
    else if (m.kind === 'released' && !this.owner) void this.tick();
    else if (m.kind === 'changed' && this.owner)
      // A follower wrote a rotation it was answered: the owner polls with it too.
      void this.share.read().then(
        (rec) => rec && this.inner.replace(decode(rec)),
        () => undefined,
      );
    else if (m.kind === 'changed')
      void this.share.read().then(
        (rec) => rec && this.remember(rec),
        () => undefined,
      );
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
