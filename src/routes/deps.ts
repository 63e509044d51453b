import type { Authenticator } from '../auth/authenticator.js';
import type { FailedAuthBudget } from '../auth/failed-auth-budget.js';
import type { TenantPolicy } from '../domain/tenant-policy.js';
import type { DownloadRoute, ResumePolicy } from '../http/resume.js';
import type { Spool } from '../http/spool.js';
import type { CallIndex } from '../index/port.js';
import type { TenantLimits } from '../limits/tenant-limits.js';
import type { AgentRecordings, CcfsClient, CcfsNative } from '../upstream/ports.js';

/** What `/readyz` answers: whether the instance should take traffic, and why. */
export interface ReadinessProbe {
  /** This instance's own state: what `/readyz` answers. */
  check(): Promise<{ ready: boolean }>;
  /** Every check, for `/readyz/details`. */
  details(): Promise<{
    ready: boolean;
    status: string;
    dependencies: ReadonlyArray<{ name: string; ok: boolean; detail?: string; instance: boolean }>;
  }>;
}

/** What the routers need; built by the composition root, swapped for fakes by tests. */
export interface RouteDeps {
  authenticator: Authenticator;
  limits: TenantLimits;
  /** Failed authentications per client address. */
  failedAuth: FailedAuthBudget;
  tenants: ReadonlyMap<string, TenantPolicy>;
  ccfs: CcfsClient;
  /** The contract 3.7 pass-through. */
  ccfsNative: CcfsNative;
  /** Contract 3.8 through the CC-Gateway. */
  agentRecordings: AgentRecordings;
  readiness: ReadinessProbe;
  /** Each download route's policy for resuming a stream the vendor cut. */
  resume: Readonly<Record<DownloadRoute, ResumePolicy>>;
  /** Key sealing playback ids (derived from server.playbackSecret). */
  playbackKey: Buffer;
  now: () => number;
  jsonBodyMaxBytes: number;
  /** The one version number (package.json's), for the OpenAPI document. */
  version: string;
  /** Directory for uploads in transit. */
  spool: Spool;
  /** The call and recording index (contract 6), when configured. */
  index?: CallIndex;
}
