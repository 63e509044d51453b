/**
 * One agent's CC-Gateway session (cc-protocol 2.7): signed in on first need, kept alive by event
 * polling, every `Set-GUID` adopted, dropped when the vendor says it is gone, signed out at
 * shutdown. Concurrent callers share one sign-in (single flight) and wait for a renewal rather
 * than fail. The Guid, password and cookies live only here and in the calls that carry them.
 */
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/schema.js';
import { GatewayError } from '../errors/catalogue.js';
import { CCGW_CODES, CCGW_SESSION_GONE_CODES } from '../protocol/ccgateway.js';
import type { CcgwCalls, SessionCredentials, SessionUpdate } from './ccgateway.js';
import { updateJar } from './cookie-jar.js';
import type { AgentSessionStatus, SessionState } from './ports.js';
import { sleep as realSleep, type Sleep } from './sleep.js';
import { ccgwDetail } from './vendor-errors.js';

/**
 * Credentials of one sign-in, as every call with them is made: a rotation replaces the object, a
 * renewal starts a new generation. The generation tells a stale answer from a current one.
 */
export interface AgentCredentials extends SessionCredentials {
  generation: number;
}

export interface AgentSessionOptions {
  pollIntervalMs: number;
  signInRetryAfterMs: number;
  logger: Logger;
  now: () => number;
  onSignIn?: (tenant: string) => void;
  /** A sign-in that replaced a lost session (not the first). */
  onRenewal?: () => void;
  /** A refused sign-in, cooling down for `retryAfterMs`: the shared store tells the other instances. */
  onRefused?: (code: string, retryAfterMs: number) => void;
  /** Every new credential this session holds (a sign-in, a rotation): the shared store publishes them. */
  onHeld?: (held: AgentCredentials) => void;
  /** Pauses between polls and after failed polls. */
  sleep?: Sleep;
}

const unavailable = (detail: string, code?: string, retryAfterMs?: number) =>
  new GatewayError('UPSTREAM_UNAVAILABLE', detail, {
    ...(code
      ? {
          upstream: ccgwDetail(code),
        }
      : {}),
    ...(retryAfterMs !== undefined ? { retryAfterSec: retryAfterMs / 1000 } : {}),
  });

export class AgentSession {
  private stateNow: SessionState = 'signed-out';
  private held: AgentCredentials | undefined;
  private generation = 0;
  private signingIn: Promise<AgentCredentials> | undefined;
  private polling: AbortController | undefined;
  private refusal: { until: number; error: GatewayError } | undefined;
  /** A session declared lost that the vendor may still hold (000-003): signed out before the next sign-in. */
  private stale: AgentCredentials | undefined;
  private signIns = 0;
  private lastCode: string | undefined;

  constructor(
    readonly tenantId: string,
    private readonly agent: AgentConfig,
    private readonly calls: CcgwCalls,
    private readonly opts: AgentSessionOptions,
  ) {}

  get agentId(): number {
    return this.agent.agentId;
  }

  /** True while a refused sign-in is cooling down: pick another agent if there is one. */
  get coolingDown(): boolean {
    return this.refusal !== undefined && this.opts.now() < this.refusal.until;
  }

  status(): AgentSessionStatus {
    return {
      tenant: this.tenantId,
      agentId: this.agent.agentId,
      state: this.stateNow,
      signIns: this.signIns,
      ...(this.lastCode ? { lastCode: this.lastCode } : {}),
    };
  }

  /** The current credentials, signing in first when there are none; callers share one sign-in. */
  credentials(): Promise<AgentCredentials> {
    if (this.stateNow === 'stopped') return Promise.reject(unavailable('the gateway is shutting down'));
    if (this.held) return Promise.resolve(this.held);
    if (this.coolingDown) return Promise.reject(this.refusal!.error);
    this.signingIn ??= this.signIn().finally(() => {
      this.signingIn = undefined;
    });
    return this.signingIn;
  }

  /** Applies what an answer announced (a rotated Guid, cookies) to the session it was made with. */
  adopt(used: AgentCredentials, update: SessionUpdate): void {
    const held = this.held;
    if (!held || used.generation !== held.generation) return;
    const guidChanged = update.newGuid !== undefined && update.newGuid !== held.guid;
    if (!guidChanged && update.cookies.length === 0) return;
    const cookies = updateJar(held.cookies, update.cookies, this.opts.now());
    this.held = { guid: guidChanged ? update.newGuid! : held.guid, cookies, generation: held.generation };
    this.opts.onHeld?.(this.held);
    if (guidChanged)
      this.opts.logger.debug({ tenant: this.tenantId, agentId: this.agent.agentId }, 'agent Guid rotated');
  }

  /**
   * A call made with `used` was told the session is gone. Drop it, unless it was already renewed
   * (a concurrent request got there first), so that N failing requests cause one sign-in.
   */
  invalidate(used: AgentCredentials, code: string): void {
    if (!this.held || used.generation !== this.held.generation) return;
    this.opts.logger.warn(
      { tenant: this.tenantId, agentId: this.agent.agentId, retcode: code },
      'agent session lost; signing in again on next use',
    );
    this.lastCode = code;
    this.stale = this.held;
    this.drop('signed-out');
  }

  /** The credentials held now, if any. */
  get current(): AgentCredentials | undefined {
    return this.held;
  }

  /**
   * Carries on with a session another instance signed in (a lease taken over): no sign-in, the
   * same Guid, and polling from here on. A session-gone answer to the poll renews it as usual.
   */
  takeOver(creds: AgentCredentials): void {
    if (this.stateNow === 'stopped') return;
    this.drop('signed-in');
    this.generation = Math.max(this.generation, creds.generation);
    this.held = { guid: creds.guid, cookies: creds.cookies, generation: creds.generation };
    this.stateNow = 'signed-in';
    this.startPolling();
  }

  /** Another instance saw the session change (a rotation it was answered): use the same from now on. */
  replace(creds: AgentCredentials): void {
    if (this.held && creds.generation === this.held.generation) this.held = { ...creds };
  }

  /** Renews the session of `generation` (someone was told it is gone) unless that already happened. */
  renew(generation: number, code: string): Promise<AgentCredentials> {
    if (this.held?.generation === generation) this.invalidate(this.held, code);
    return this.credentials();
  }

  /** Stops polling without signing out: another instance carries the session on (a lease handed over). */
  release(): void {
    this.stale = undefined;
    this.drop('signed-out');
  }

  /** Stops polling and signs the agent out (best effort: the vendor drops it anyway when unpolled). */
  async stop(): Promise<void> {
    const held = this.held;
    this.drop('stopped');
    // A sign-in still in flight signs its own session out when it sees the stop.
    await Promise.all([held ? this.signOut(held) : undefined, this.signingIn?.catch(() => undefined)]);
  }

  private async signOut(creds: SessionCredentials): Promise<void> {
    try {
      const ans = await this.calls.signOut(this.agent.agentId, creds);
      const fields = { tenant: this.tenantId, agentId: this.agent.agentId, retcode: ans.retcode };
      if (ans.retcode === CCGW_CODES.success) this.opts.logger.info(fields, 'agent signed out');
      else this.opts.logger.debug(fields, 'agent sign-out refused (the session was already gone)');
    } catch (err) {
      this.opts.logger.warn(
        { tenant: this.tenantId, agentId: this.agent.agentId, err: { message: (err as Error).message } },
        'agent sign-out failed',
      );
    }
  }

  private drop(next: SessionState): void {
    this.polling?.abort();
    this.polling = undefined;
    this.held = undefined;
    if (this.stateNow !== 'stopped') this.stateNow = next;
  }

  private refuse(code: string, detail: string): GatewayError {
    const error = unavailable(detail, code, this.opts.signInRetryAfterMs);
    this.refusal = { until: this.opts.now() + this.opts.signInRetryAfterMs, error };
    this.lastCode = code;
    this.stateNow = 'refused';
    this.opts.onRefused?.(code, this.opts.signInRetryAfterMs);
    this.opts.logger.error(
      { tenant: this.tenantId, agentId: this.agent.agentId, retcode: code },
      `agent sign-in refused: ${detail}`,
    );
    return error;
  }

  private async signIn(): Promise<AgentCredentials> {
    this.stateNow = 'signing-in';
    let forced = false;
    try {
      // Otherwise a session the vendor still holds would answer our own sign-in with 100-002.
      const stale = this.stale;
      this.stale = undefined;
      if (stale) await this.signOut(stale);
      let ans = await this.calls.signIn(this.agent, false);
      if (ans.retcode === CCGW_CODES.alreadySignedIn) {
        if (!this.agent.allowForceLogin)
          throw this.refuse(ans.retcode, 'the agent is signed in elsewhere and allowForceLogin is off');
        forced = true;
        ans = await this.calls.signIn(this.agent, true);
      }
      if (ans.retcode !== CCGW_CODES.success) throw this.refuse(ans.retcode, 'CC-Gateway refused the agent sign-in');
      if (!ans.newGuid) throw this.refuse('no Set-GUID', 'CC-Gateway signed the agent in without a Set-GUID header');
      if ((this.stateNow as SessionState) === 'stopped') {
        await this.signOut({ guid: ans.newGuid, cookies: updateJar(new Map(), ans.cookies, this.opts.now()) });
        throw unavailable('the gateway is shutting down');
      }
      if (this.generation > 0) this.opts.onRenewal?.();
      this.generation += 1;
      this.held = {
        guid: ans.newGuid,
        cookies: updateJar(new Map(), ans.cookies, this.opts.now()),
        generation: this.generation,
      };
      this.opts.onHeld?.(this.held);
      this.refusal = undefined;
      this.signIns += 1;
      this.opts.onSignIn?.(this.tenantId);
      this.stateNow = 'signed-in';
      this.opts.logger.info({ tenant: this.tenantId, agentId: this.agent.agentId, forced }, 'agent signed in');
      this.startPolling();
      return this.held;
    } catch (err) {
      if (this.stateNow === 'signing-in') this.stateNow = 'signed-out';
      throw err;
    }
  }

  /** The poll is the heartbeat (cc-protocol 2.3): one long poll at a time, re-issued shortly after each answer. */
  private startPolling(): void {
    const ac = new AbortController();
    this.polling = ac;
    void this.pollLoop(ac.signal);
  }

  private async pollLoop(signal: AbortSignal): Promise<void> {
    const sleep = this.opts.sleep ?? realSleep;
    let failures = 0;
    while (!signal.aborted) {
      const creds = this.held;
      if (!creds) return;
      try {
        const ans = await this.calls.poll(this.agent.agentId, creds, signal);
        failures = 0;
        this.adopt(creds, ans);
        if (CCGW_SESSION_GONE_CODES.has(ans.retcode)) {
          this.invalidate(creds, ans.retcode);
          return;
        }
      } catch (err) {
        if (signal.aborted) return;
        failures += 1;
        this.opts.logger.warn(
          { tenant: this.tenantId, agentId: this.agent.agentId, failures, err: { message: (err as Error).message } },
          'agent event poll failed',
        );
        await sleep(Math.min(500 * 2 ** failures, 10_000), signal);
        continue;
      }
      await sleep(this.opts.pollIntervalMs, signal);
    }
  }
}
