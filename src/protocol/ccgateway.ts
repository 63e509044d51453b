/**
 * CC-Gateway wire contract, restated from the vendor reference (cc-protocol.md sections 2, 3.11-3.14).
 * Types and constants only.
 */

export const CCGW_BASE_PATH = '/agentgateway/resource';

/** Request header carrying the session Guid (cc-protocol 2.1; names are case-insensitive). */
export const CCGW_GUID_HEADER = 'guid';
/** Response header announcing a (new) Guid, value `JSESSIONID=<guid>` (cc-protocol 2.1, 2.3). */
export const CCGW_SET_GUID_HEADER = 'set-guid';
export const CCGW_GUID_PREFIX = 'JSESSIONID=';

export const CCGW_REQUEST_CONTENT_TYPE = 'application/json; charset=UTF-8';

/** Paths below {@link CCGW_BASE_PATH}; `{id}` is the agent's work number. */
export const CCGW_PATHS = {
  signIn: (id: string | number) => `/onlineagent/${id}`,
  forceSignIn: (id: string | number) => `/onlineagent/${id}/forcelogin`,
  signOut: (id: string | number) => `/onlineagent/${id}/logout`,
  forceSignOut: (id: string | number) => `/onlineagent/${id}/forcelogout`,
  events: (id: string | number) => `/agentevent/${id}`,
  recordFile: (id: string | number) => `/recordfile/${id}`,
} as const;

export interface SignInBody {
  password: string;
  phonenum?: string;
  autoanswer?: boolean;
  autoenteridle?: boolean;
  releasephone?: boolean;
  agenttype?: number;
  status?: number;
}

/** The JSON envelope of every CC-Gateway answer (cc-protocol 3.11). */
export interface CcgwResult<R = unknown> {
  message: string;
  retcode: string;
  result?: R;
  event?: { eventType: string; workNo: string; content: unknown } | null;
}

/** Return codes (cc-protocol 2.4, 3.13, 3.14). */
export const CCGW_CODES = {
  success: '0',
  badParams: '000-002',
  noPermission: '000-003',
  alreadySignedIn: '100-002',
  wrongPassword: '100-004',
  notSignedIn: '100-006',
  alreadySignedOut: '100-008',
  cannotForce: '100-015',
  downloadDisabled: '104-001',
  noPlaybackRight: '104-002',
  invalidFileName: '104-003',
  noDriveMapping: '104-004',
  fileNotExist: '104-005',
  locationNotConfigured: '104-010',
  drRecoveryTimeout: '105-005',
  drGuidMismatch: '105-006',
  drSwitchOff: '105-007',
} as const;

/** Codes after which the agent must sign in again (cc-protocol 2.4). */
export const CCGW_SESSION_GONE_CODES: ReadonlySet<string> = new Set([
  '100-006',
  '000-003',
  '105-005',
  '105-006',
  '105-007',
  '100-008',
]);

export const CCGW_CODE_MEANINGS: Readonly<Record<string, string>> = {
  '000-002': 'bad URL or parameters',
  '000-003': 'no permission (session probably invalid)',
  '100-002': 'agent already signed in',
  '100-004': 'wrong user name or password',
  '100-006': 'agent not signed in',
  '100-008': 'agent already signed out',
  '100-015': 'agent signed in and cannot be forced out',
  '104-001': 'recording download is disabled',
  '104-002': 'no inspection or playback right',
  '104-003': 'invalid file name',
  '104-004': 'no drive mapping',
  '104-005': 'file does not exist',
  '104-010': 'node id (locationId) not configured',
  '105-005': 'disaster recovery timed out',
  '105-006': 'Guid mismatch after disaster recovery',
  '105-007': 'disaster recovery switched off',
};
