/**
 * The store port: the state the instances of one deployment must agree on. Two implementations:
 * memory (one process, the default) and Redis (many instances). Callers never ask which one they
 * have; a shared store that cannot answer falls back inside, to what one instance can enforce alone.
 */

/** A kind of key the store counts: tenants, playback ids, addresses. Unbounded spaces are bounded by the store. */
export type CountSpace = 'tenant' | 'api' | 'playback' | 'id' | 'auth' | 'skip';

export interface Store {
  /** This instance's name in the store. */
  readonly instanceId: string;
  /** Whether other instances see what this one writes (Redis). Reporting only: nothing else may branch on it. */
  readonly shared: boolean;
  /** Whether the last command reached the store, and the live instances at the last heartbeat (at least 1). */
  status(): { up: boolean; liveInstances: number };
  /**
   * Takes `cost` (one request by default) from `id`'s rate: `rate` a second with bursts of
   * `burst`. Seconds to wait, or undefined when admitted. While a shared store cannot answer, this
   * instance's share is enforced.
   */
  take(space: CountSpace, id: string, rate: number, burst: number, cost?: number): Promise<number | undefined>;
  /** Takes one of `id`'s `cap` stream slots: its release (call it once), or undefined when all are held. */
  hold(space: CountSpace, id: string, cap: number): Promise<(() => void) | undefined>;
  /** One agent's lease and sealed session record; `onMessage` hears the other instances' announcements. */
  agent(tenant: string, agentId: number, onMessage: (m: AgentMessage) => void): AgentShare;
  /** Connects and starts the heartbeat; a shared store that cannot be reached does not stop the start. */
  start(): Promise<void>;
  /** Leaves the deployment: the live instances left (0 when this was the last), or undefined when unknown. */
  leave(): Promise<number | undefined>;
  close(): Promise<void>;
}

/** One agent's shared session: its lease and its sealed credentials. */
export interface AgentShare {
  /** Takes the lease if nobody holds it. */
  acquire(): Promise<boolean>;
  /** 'kept', 'regained' (the store had lost it) or 'lost' (another instance holds it). */
  renew(): Promise<'kept' | 'regained' | 'lost'>;
  /** Gives the lease up, if it is ours, and tells the others at once. */
  release(): Promise<void>;
  /** Whether anybody holds the lease. */
  held(): Promise<boolean>;
  read(): Promise<AgentRecord | undefined>;
  /** Writes the credentials; with `expectVersion`, only over that version. The new version, or undefined. */
  write(generation: number, credentials: Buffer, expectVersion?: number): Promise<number | undefined>;
  clear(): Promise<void>;
  /** Asks the owner to renew the session of `generation`. */
  requestRenewal(generation: number): Promise<void>;
  /** The vendor refused the owner's sign-in: every instance answers 503 for `ms` (no password hammering). */
  markRefused(code: string, ms: number): Promise<void>;
  /** The refusal in force: its code and the milliseconds left, or undefined. */
  refusal(): Promise<{ code: string; ms: number } | undefined>;
}

export interface AgentRecord {
  version: number;
  generation: number;
  credentials: Buffer;
}

export type AgentMessage = { kind: 'changed' | 'released' | 'renew'; generation: number };
