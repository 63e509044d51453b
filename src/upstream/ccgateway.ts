/**
 * CC-Gateway calls for one agent (cc-protocol 2, 3.11-3.13): sign-in, event poll, sign-out and
 * recordfile, each carrying the session's Guid and cookies. No session policy here: every call
 * reports its retcode and any `Set-GUID`/`Set-Cookie` it saw, and agent-session.ts decides.
 */
import type { Dispatcher } from 'undici';
import type { AgentConfig } from '../config/schema.js';
import {
  CCGW_BASE_PATH,
  CCGW_GUID_HEADER,
  CCGW_GUID_PREFIX,
  CCGW_PATHS,
  CCGW_REQUEST_CONTENT_TYPE,
  CCGW_SET_GUID_HEADER,
  type CcgwResult,
  type SignInBody,
} from '../protocol/ccgateway.js';
import { sniffAnswer } from './body.js';
import { type CookieJar, cookieHeader, cookiesFromSetCookie, type StoredCookie } from './cookie-jar.js';
import type { UpstreamFile } from './ports.js';
import { toUpstreamError, type UpstreamEndpoint } from './transport.js';
import { malformedAnswer, readAnswer, refuseNon200 } from './vendor-errors.js';

/** What a session holds and every call after sign-in carries. */
export interface SessionCredentials {
  guid: string;
  /** The NSLB's stickiness cookies. */
  cookies: CookieJar;
}

/** What any answer may change in the session, whatever its retcode. */
export interface SessionUpdate {
  /** A Guid announced by `Set-GUID`, `JSESSIONID=` stripped. */
  newGuid: string | undefined;
  /** What the answer's Set-Cookie lines said; a cookie already over removes it. */
  cookies: Array<[string, StoredCookie]>;
}

export type JsonAnswer = SessionUpdate & { retcode: string };
export type FileAnswer = SessionUpdate & ({ retcode: '0'; file: UpstreamFile } | { retcode: string; file?: undefined });

const MAX_JSON = 64 * 1024;

function sessionUpdate(headers: Dispatcher.ResponseData['headers'], receivedAtMs: number): SessionUpdate {
  const raw = headers[CCGW_SET_GUID_HEADER];
  const value = (Array.isArray(raw) ? raw.at(-1) : raw)?.trim();
  const newGuid = value
    ? value.startsWith(CCGW_GUID_PREFIX)
      ? value.slice(CCGW_GUID_PREFIX.length)
      : value
    : undefined;
  const cookies = cookiesFromSetCookie(([] as string[]).concat(headers['set-cookie'] ?? []), receivedAtMs);
  return { newGuid: newGuid && /^[\x21-\x7e]{1,256}$/.test(newGuid) ? newGuid : undefined, cookies };
}

function retcodeOf(buf: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(buf.toString('utf8')) as CcgwResult;
    return parsed && typeof parsed === 'object' && typeof parsed.retcode === 'string' ? parsed.retcode : undefined;
  } catch {
    return undefined;
  }
}

export interface CcgwCalls {
  signIn(agent: AgentConfig, force: boolean): Promise<JsonAnswer>;
  poll(agentId: number, creds: SessionCredentials, signal: AbortSignal): Promise<JsonAnswer>;
  signOut(agentId: number, creds: SessionCredentials): Promise<JsonAnswer>;
  recordFile(
    agentId: number,
    creds: SessionCredentials,
    query: Record<string, string>,
    signal: AbortSignal,
  ): Promise<FileAnswer>;
}

export interface CcgwCallTimeouts {
  pollTimeoutMs: number;
  signInTimeoutMs: number;
}

export function createCcgwCalls(
  endpoint: UpstreamEndpoint,
  tenantId: string,
  timeouts: CcgwCallTimeouts,
  now: () => number,
): CcgwCalls {
  const headersFor = (creds?: SessionCredentials): Record<string, string> => {
    const h: Record<string, string> = { host: endpoint.host, 'content-type': CCGW_REQUEST_CONTENT_TYPE };
    if (creds) {
      h[CCGW_GUID_HEADER] = creds.guid;
      const cookie = cookieHeader(creds.cookies, now());
      if (cookie) h.cookie = cookie;
    }
    return h;
  };

  async function call(
    operation: string,
    opts: Omit<Dispatcher.RequestOptions, 'origin'>,
  ): Promise<Dispatcher.ResponseData> {
    const res = await endpoint.request(tenantId, opts);
    refuseNon200(res, 'ccgateway', operation);
    return res;
  }

  async function json(operation: string, opts: Omit<Dispatcher.RequestOptions, 'origin'>): Promise<JsonAnswer> {
    const res = await call(operation, opts);
    const buf = await readAnswer(res.body, MAX_JSON, 'ccgateway', operation, opts.signal as AbortSignal | undefined);
    const retcode = retcodeOf(buf);
    if (retcode === undefined) throw malformedAnswer('ccgateway', operation);
    return { retcode, ...sessionUpdate(res.headers, now()) };
  }

  const path = (p: string, query?: Record<string, string>) =>
    `${CCGW_BASE_PATH}${p}${query ? `?${new URLSearchParams(query).toString()}` : ''}`;

  return {
    signIn(agent, force) {
      const body: SignInBody = {
        password: agent.password,
        phonenum: agent.phoneNumber,
        autoanswer: false,
        autoenteridle: false,
        releasephone: true,
        agenttype: agent.agentType,
        status: agent.status,
      };
      return json(force ? 'forcelogin' : 'signIn', {
        method: 'PUT',
        path: path(force ? CCGW_PATHS.forceSignIn(agent.agentId) : CCGW_PATHS.signIn(agent.agentId)),
        headers: headersFor(),
        body: JSON.stringify(body),
        headersTimeout: timeouts.signInTimeoutMs,
        bodyTimeout: timeouts.signInTimeoutMs,
      });
    },

    poll(agentId, creds, signal) {
      return json('agentevent', {
        method: 'GET',
        path: path(CCGW_PATHS.events(agentId)),
        headers: headersFor(creds),
        signal,
        headersTimeout: timeouts.pollTimeoutMs,
        bodyTimeout: timeouts.pollTimeoutMs,
      });
    },

    signOut(agentId, creds) {
      return json('logout', {
        method: 'DELETE',
        path: path(CCGW_PATHS.signOut(agentId)),
        headers: headersFor(creds),
        headersTimeout: timeouts.signInTimeoutMs,
        bodyTimeout: timeouts.signInTimeoutMs,
      });
    },

    async recordFile(agentId, creds, query, signal) {
      const res = await call('recordfile', {
        method: 'GET',
        path: path(CCGW_PATHS.recordFile(agentId), query),
        headers: headersFor(creds),
        signal,
      });
      const update = sessionUpdate(res.headers, now());
      try {
        // Failure is JSON (cc-protocol 3.13).
        const answer = await sniffAnswer(res, MAX_JSON);
        if (answer.json) {
          const retcode = retcodeOf(answer.json);
          if (retcode !== undefined && retcode !== '0') return { retcode, ...update };
          if (answer.declaredJson) throw malformedAnswer('ccgateway', 'recordfile');
        }
        return { retcode: '0', file: answer.file, ...update };
      } catch (err) {
        res.body.destroy();
        throw toUpstreamError(err, 'ccgateway', signal);
      }
    },
  };
}
