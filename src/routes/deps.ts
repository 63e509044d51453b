import type { TenantPolicy } from '../domain/tenant-policy.js';
import type { Authenticator } from '../edge/authenticate.js';
import type { CcfsClient, ReadinessProbe } from '../upstream/ports.js';

/** What the routers need; built by the composition root, swapped by tests. */
export interface RouteDeps {
  authenticator: Authenticator;
  tenants: ReadonlyMap<string, TenantPolicy>;
  ccfs: CcfsClient;
  readiness: ReadinessProbe;
  /** Key sealing playback ids (derived from server.playbackSecret). */
  playbackKey: Buffer;
  now: () => number;
  jsonBodyMaxBytes: number;
}
