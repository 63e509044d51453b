/**
 * The two roles an instance plays for one agent's shared session (shared-agent-session.ts).
 * The owner holds the lease: it signs in, polls, adopts rotations, renews when asked, and seals
 * each new credential into the store. A follower serves with the owner's announced credentials
 * and, told the session is gone, asks the owner to renew it rather than sign in itself.
 */
import type { Logger } from 'pino';
import { GatewayError } from '../errors/catalogue.js';
import type { AgentMessage, AgentRecord, AgentShare } from '../store/port.js';
import type { AgentCredentials, AgentSession } from './agent-session.js';
import type { SessionUpdate } from './ccgateway.js';
import { type StoredCookie, updateJar } from './cookie-jar.js';
import type { AgentSessionStatus } from './ports.js';
import { ccgwDetail } from './vendor-errors.js';

/** What route 3.8 asks of one agent's session, whichever role this instance plays. */
export interface AgentRole {
  credentials(): Promise<AgentCredentials>;
  /** Applies what an answer announced (a rotated Guid, cookies) to the session it was made with. */
  adopt(used: AgentCredentials, update: SessionUpdate): void;
  /** A call made with `used` was told the session is gone. */
  invalidate(used: AgentCredentials, code: string): void;
  status(): AgentSessionStatus;
}

/** A role as the shared session drives it: its lease tick and the other instances' announcements. */
export interface Role extends AgentRole {
  readonly kind: 'owner' | 'follower';
  tick(): Promise<void>;
  onMessage(m: AgentMessage): void;
  /** A credential the vendor session now holds (a sign-in, a rotation). */
  onHeld(held: AgentCredentials): void;
}

/** What both roles share: the vendor session (used by whichever instance owns it), the store, the copy. */
export interface SessionContext {
  readonly tenantId: string;
  readonly agentId: number;
  readonly inner: AgentSession;
  readonly share: AgentShare;
  readonly log: Logger;
  readonly now: () => number;
  /** Longest a request waits for the owner to sign in or renew before 503. */
  readonly waitMs: number;
  /** The credentials last announced, and the record version they came with. */
  cached: { creds: AgentCredentials; version: number } | undefined;
  /** Until when the owner's refused sign-in, read from the store, holds for this instance too. */
  refusedUntil: number;
  readonly stopped: boolean;
  /** The lease is ours: become the owner, renewing the generation a follower was waiting on. */
  becomeOwner(rec: AgentRecord | undefined, awaitingGeneration: number | undefined): void;
  /** Another instance took the lease. */
  becomeFollower(): void;
  /** Resolves when an announcement arrives, or after `ms`. */
  changed(ms: number): Promise<void>;
}

export const encode = (c: AgentCredentials) => Buffer.from(JSON.stringify({ guid: c.guid, cookies: [...c.cookies] }));
export const decode = (rec: AgentRecord): AgentCredentials => {
  const v = JSON.parse(rec.credentials.toString('utf8')) as { guid: string; cookies: Array<[string, StoredCookie]> };
  return { guid: v.guid, cookies: new Map(v.cookies), generation: rec.generation };
};

export const unavailable = (detail: string, retryAfterSec: number) =>
  new GatewayError('UPSTREAM_UNAVAILABLE', detail, { retryAfterSec });
const refusedError = (code: string, ms: number) =>
  new GatewayError('UPSTREAM_UNAVAILABLE', 'CC-Gateway refused the agent sign-in (on the instance that owns it)', {
    upstream: ccgwDetail(code),
    retryAfterSec: Math.max(1, Math.ceil(ms / 1000)),
  });

export class OwnerRole implements Role {
  readonly kind = 'owner';
  /** Set when a record write failed: the next lease tick writes it again. */
  private unwritten: AgentCredentials | undefined;

  constructor(private readonly s: SessionContext) {}

  credentials(): Promise<AgentCredentials> {
    return this.s.inner.credentials();
  }

  adopt(used: AgentCredentials, update: SessionUpdate): void {
    this.s.inner.adopt(used, update);
  }

  invalidate(used: AgentCredentials, code: string): void {
    this.s.inner.invalidate(used, code);
  }

  status(): AgentSessionStatus {
    return { ...this.s.inner.status(), role: 'owner' };
  }

  async tick(): Promise<void> {
    const r = await this.s.share.renew();
    if (r === 'lost') return this.s.becomeFollower();
    const held = this.unwritten ?? (r === 'regained' ? this.s.inner.current : undefined);
    if (held) await this.publish(held);
  }

  onHeld(held: AgentCredentials): void {
    void this.publish(held);
  }

  onMessage(m: AgentMessage): void {
    if (m.kind === 'renew') this.renew(m.generation);
    else if (m.kind === 'changed')
      // A follower wrote a rotation it was answered: the owner polls with it too.
      void this.s.share.read().then(
        (rec) => rec && this.s.inner.replace(decode(rec)),
        () => undefined,
      );
  }

  /** Renews the session of `generation` (a follower was told it is gone), once however many ask. */
  renew(generation: number): void {
    this.s.inner.renew(generation, 'renewal requested').catch((err: Error) => {
      // A refusal is logged where it happens, once; the requests that keep asking are not news.
      this.s.log.debug({ err: { message: err.message } }, 'agent session renewal failed');
    });
  }

  private async publish(held: AgentCredentials): Promise<void> {
    try {
      const version = await this.s.share.write(held.generation, encode(held));
      this.unwritten = undefined;
      if (version !== undefined) this.s.cached = { creds: held, version };
    } catch {
      this.unwritten = held;
    }
  }
}

export class FollowerRole implements Role {
  readonly kind = 'follower';
  /** Set when a call was told the session is gone: a newer record (or this instance's own renewal) is needed. */
  private awaiting: { generation: number; version: number } | undefined;
  /** One wait for a session at a time, however many requests need it (single flight). */
  private fetching: Promise<AgentCredentials> | undefined;

  constructor(private readonly s: SessionContext) {}

  credentials(): Promise<AgentCredentials> {
    const c = this.s.cached;
    if (c && !this.awaiting) return Promise.resolve(c.creds);
    this.fetching ??= this.fetch().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  adopt(used: AgentCredentials, update: SessionUpdate): void {
    const c = this.copyUsed(used);
    if (!c) return;
    const guidChanged = update.newGuid !== undefined && update.newGuid !== c.creds.guid;
    if (!guidChanged && update.cookies.length === 0) return;
    const next: AgentCredentials = {
      guid: guidChanged ? update.newGuid! : c.creds.guid,
      cookies: updateJar(c.creds.cookies, update.cookies, this.s.now()),
      generation: c.creds.generation,
    };
    // Over the version it was based on only: a newer announcement wins.
    this.s.share.write(next.generation, encode(next), c.version).then(
      (version) => {
        if (version !== undefined) this.s.cached = { creds: next, version };
      },
      () => undefined,
    );
  }

  invalidate(used: AgentCredentials, code: string): void {
    // A renewal or rotation already replaced what the call used: its retry takes the new one.
    const c = this.copyUsed(used);
    if (!c) return;
    this.s.log.warn({ retcode: code }, 'agent session lost; asking its owner to renew it');
    this.awaiting = { generation: c.creds.generation, version: c.version };
  }

  status(): AgentSessionStatus {
    return {
      tenant: this.s.tenantId,
      agentId: this.s.agentId,
      state: this.s.stopped ? 'stopped' : this.s.cached ? 'signed-in' : 'signed-out',
      signIns: this.s.inner.status().signIns,
      role: 'follower',
    };
  }

  /** Keeps the copy fresh, and takes a lapsed lease over. */
  async tick(): Promise<void> {
    const rec = await this.s.share.read();
    if (rec) this.remember(rec);
    if (rec && !(await this.s.share.held()) && (await this.s.share.acquire())) this.takeLease(rec);
  }

  onHeld(): void {
    // Only the owner announces what the vendor session holds.
  }

  onMessage(m: AgentMessage): void {
    if (m.kind === 'released') void this.tick().catch(() => undefined);
    else if (m.kind === 'changed')
      void this.s.share.read().then(
        (rec) => rec && this.remember(rec),
        () => undefined,
      );
  }

  /** The copy this instance holds, if the credentials a call used are still it. */
  private copyUsed(used: AgentCredentials) {
    const c = this.s.cached;
    return c && used.generation === c.creds.generation && used.guid === c.creds.guid ? c : undefined;
  }

  /** Keeps a record that is newer than the copy, and ends a wait it satisfies. */
  private remember(rec: AgentRecord): void {
    const c = this.s.cached;
    if (c && rec.version <= c.version && rec.generation <= c.creds.generation) return;
    this.s.cached = { creds: decode(rec), version: rec.version };
    const a = this.awaiting;
    if (a && (rec.generation > a.generation || rec.version > a.version)) this.awaiting = undefined;
  }

  private takeLease(rec: AgentRecord | undefined): void {
    const generation = this.awaiting?.generation;
    this.awaiting = undefined;
    this.s.becomeOwner(rec, generation);
  }

  private async fetch(): Promise<AgentCredentials> {
    const deadline = this.s.now() + this.s.waitMs;
    for (;;) {
      try {
        const rec = await this.s.share.read();
        if (rec) this.remember(rec);
        if (this.s.cached && !this.awaiting) return this.s.cached.creds;
        if (this.s.stopped) throw unavailable('the gateway is shutting down', 1);
        // The owner's sign-in was refused: answer as it does, at once, rather than wait out the lease.
        const refusal = await this.s.share.refusal();
        if (refusal) {
          this.s.refusedUntil = this.s.now() + refusal.ms;
          throw refusedError(refusal.code, refusal.ms);
        }
        if (!(await this.s.share.held())) {
          if (await this.s.share.acquire()) {
            this.takeLease(rec);
            return this.s.inner.credentials();
          }
        } else {
          // The owner has no session for us yet (never signed in, or lost it): ask it for one.
          // Idempotent: the owner signs in once per generation, however many ask.
          await this.s.share.requestRenewal(this.awaiting?.generation ?? rec?.generation ?? 0);
        }
      } catch (err) {
        if (err instanceof GatewayError) throw err;
        throw unavailable('the shared store is unreachable and this instance holds no session for the agent', 2);
      }
      if (this.s.now() >= deadline)
        throw unavailable('the instance that owns the agent session has not renewed it yet', 1);
      await this.s.changed(250);
    }
  }
}
