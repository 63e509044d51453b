import type { TenantPolicy } from '../domain/tenant-policy.js';
import type { Authenticator } from '../edge/authenticate.js';
import type { TenantLimits } from '../edge/limits.js';
import type { AgentRecordings, CcfsClient, CcfsNative, ReadinessProbe } from '../upstream/ports.js';

/** What the routers need; built by the composition root, swapped by tests. */
export interface RouteDeps {
  authenticator: Authenticator;
  limits: TenantLimits;
  tenants: ReadonlyMap<string, TenantPolicy>;
  ccfs: CcfsClient;
  /** The contract 3.7 pass-through. */
  ccfsNative: CcfsNative;
  /** Contract 3.8 through the CC-Gateway. */
  agentRecordings: AgentRecordings;
  readiness: ReadinessProbe;
  /** Key sealing playback ids (derived from server.playbackSecret). */
  playbackKey: Buffer;
  now: () => number;
  jsonBodyMaxBytes: number;
  /** Directory for uploads in transit. */
  spoolDir: string;
}
