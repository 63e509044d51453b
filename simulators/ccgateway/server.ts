/**
 * A CC-Gateway simulator that holds agents to the vendor's session rules (cc-protocol 2, 3.11-3.14):
 * sign-in with a password check, one session per agent (`100-002`), force sign-in that kills the
 * previous Guid, a Guid checked on every call (`100-006`), sign-out of an agent not polled for
 * `idleSignOutMs`, optional dynamic mode rotating the Guid through `Set-GUID` on poll answers,
 * long-poll `agentevent`, and `recordfile` serving the files of the agent's VDN with `104-xxx`.
 * Answers are the vendor's `{message, retcode, result}` with HTTP 200; faults are injected on demand.
 */

import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CCGW_BASE_PATH, CCGW_CODES, CCGW_GUID_HEADER, CCGW_GUID_PREFIX } from '../../src/protocol/ccgateway.js';
import { type FileStore, parseVendorPath, vdnOfPath } from '../ccfs/store.js';
import { FaultInjector, type FaultSpec, sendBody, sleep } from '../shared/faults.js';
import { SimHttpServer, type SimTls } from '../shared/http-server.js';

export interface SimAgent {
  agentId: number;
  password: string;
  vdnId: number;
  /** False: a signed-in agent may not be forced out (`100-015`). */
  forceable?: boolean;
}

export interface CcgwSimulatorOptions {
  agents: SimAgent[];
  /** The file server the gateway has mounted (shared with the CC-FS simulator in the demo). */
  store: FileStore;
  /** An agent not polled for this long is signed out (vendor: 2 minutes). */
  idleSignOutMs?: number;
  /** How long a poll waits for an event before answering empty (vendor: about 10 s). */
  pollWaitMs?: number;
  /** Dynamic mode (AUTHMODE 2): rotate the Guid this often, announcing it on poll answers. */
  rotateEveryMs?: number;
  /** How long a rotated-out Guid stays valid (vendor GUIDTIMEOUT). */
  oldGuidTtlMs?: number;
  /** CTI POOL mode: `locationId` is mandatory for recordfile (`104-010`). */
  poolMode?: boolean;
  /** Refuse Guid calls that lack the stickiness cookie set at sign-in, as a misrouted NSLB would. */
  requireStickyCookie?: boolean;
  now?: () => number;
  /** Draws for faults injected with a `probability`; seeded by the soak test. */
  random?: () => number;
  /** Serve HTTPS with this key and certificate, as the vendor does (port 8043). */
  tls?: SimTls;
}

export interface CcgwRecordedRequest {
  method: string;
  url: string;
  operation: string;
  agentId: number | undefined;
  /** Whether the call carried a `guid` header, and whether it was the agent's valid one. */
  hadGuid: boolean;
  guidValid: boolean;
  cookie: string | undefined;
  retcode?: string;
  aborted: boolean;
}

interface Session {
  agentId: number;
  guid: string;
  /** The Guid replaced by the last rotation, valid until `previousUntil`. */
  previous: string | undefined;
  previousUntil: number;
  rotatedAt: number;
  lastPollAt: number;
  cookie: string;
}

const STICKY_COOKIE = 'AGWNODE';

export class CcgwSimulator {
  readonly faults: FaultInjector;
  readonly requests: CcgwRecordedRequest[] = [];
  /** Every successful sign-in (plain or forced), in order. */
  readonly signIns: Array<{ agentId: number; forced: boolean }> = [];
  readonly signOuts: number[] = [];
  /** Every Guid and cookie value handed out: tests look for them where they must not be. */
  readonly issued: string[] = [];
  rotations = 0;
  private readonly sessions = new Map<number, Session>();
  private readonly http: SimHttpServer;
  private readonly opts: Required<Omit<CcgwSimulatorOptions, 'rotateEveryMs' | 'tls' | 'random'>> & {
    rotateEveryMs: number | undefined;
  };
  private readonly waiting = new Set<() => void>();

  constructor(opts: CcgwSimulatorOptions) {
    this.opts = {
      idleSignOutMs: 120_000,
      pollWaitMs: 10_000,
      oldGuidTtlMs: 120_000,
      poolMode: false,
      requireStickyCookie: false,
      now: Date.now,
      ...opts,
      rotateEveryMs: opts.rotateEveryMs,
    };
    this.faults = new FaultInjector(opts.random);
    this.http = new SimHttpServer((req, res) => void this.handle(req, res), opts.tls);
  }

  listen(port?: number, host?: string): Promise<string> {
    return this.http.listen(port, host);
  }

  /** Client connections open now (the gateway's pool to this vendor). */
  connectionCount(): number {
    return this.http.openConnections;
  }

  get url(): string {
    return this.http.url;
  }

  async close(): Promise<void> {
    for (const wake of this.waiting) wake();
    await this.http.close();
  }

  injectFault(spec: FaultSpec): void {
    this.faults.add(spec);
  }

  seen(operation?: string): CcgwRecordedRequest[] {
    return operation ? this.requests.filter((r) => r.operation === operation) : this.requests;
  }

  /** Whether the agent has a live session now. */
  isSignedIn(agentId: number): boolean {
    return this.live(agentId) !== undefined;
  }

  /** The vendor drops the session (disaster recovery, an operator): the next call gets `100-006`. */
  dropSession(agentId: number): void {
    this.sessions.delete(agentId);
  }

  /** Someone else force-signs the agent in: the Guid the gateway holds dies. */
  signInElsewhere(agentId: number): void {
    this.openSession(agentId);
  }

  private live(agentId: number): Session | undefined {
    const s = this.sessions.get(agentId);
    if (s && this.opts.now() - s.lastPollAt > this.opts.idleSignOutMs) {
      this.sessions.delete(agentId);
      return undefined;
    }
    return s;
  }

  private openSession(agentId: number): Session {
    const now = this.opts.now();
    const s: Session = {
      agentId,
      guid: newGuid(),
      previous: undefined,
      previousUntil: 0,
      rotatedAt: now,
      lastPollAt: now,
      cookie: randomUUID(),
    };
    this.issued.push(s.guid, s.cookie);
    this.sessions.set(agentId, s);
    return s;
  }

  private async readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    if (chunks.length === 0) return undefined;
    try {
      const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const rest = url.pathname.startsWith(`${CCGW_BASE_PATH}/`)
      ? url.pathname.slice(CCGW_BASE_PATH.length + 1).split('/')
      : [];
    const [kind, idText, action] = rest;
    const agentId = idText !== undefined && /^\d+$/.test(idText) ? Number(idText) : undefined;
    const operation = kind === 'onlineagent' ? (action ?? 'signIn') : (kind ?? 'unknown');
    const guidHeader = req.headers[CCGW_GUID_HEADER];
    const rec: CcgwRecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      operation,
      agentId,
      hadGuid: typeof guidHeader === 'string',
      guidValid: false,
      cookie: req.headers.cookie,
      aborted: false,
    };
    this.requests.push(rec);
    res.on('close', () => {
      if (!res.writableFinished) rec.aborted = true;
    });
    const body = await this.readJson(req);

    const fault = this.faults.take(operation);
    if (fault?.latencyMs) await sleep(fault.latencyMs);
    if (fault?.status) {
      res
        .writeHead(fault.status, { 'content-type': 'text/html' })
        .end(`<html><body>${fault.status} from the NSLB</body></html>`);
      return;
    }
    const answer = (retcode: string, message = '', result: unknown = null, headers: Record<string, string> = {}) => {
      rec.retcode = retcode;
      if (fault?.malformed) {
        res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' }).end('{"retcode":"0","mess');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json;charset=UTF-8', ...headers })
        .end(JSON.stringify({ message, retcode, result }));
    };
    if (fault?.resultCode) return answer(fault.resultCode, 'injected');

    const agent = this.opts.agents.find((a) => a.agentId === agentId);
    if (!agent) return answer(CCGW_CODES.badParams, 'bad URL or parameters');

    if (kind === 'onlineagent' && req.method === 'PUT' && (action === undefined || action === 'forcelogin')) {
      return this.signIn(agent, body, action === 'forcelogin', answer, res);
    }

    // Every other call needs the agent's Guid.
    const session = this.live(agent.agentId);
    const now = this.opts.now();
    const guid = typeof guidHeader === 'string' ? guidHeader : '';
    const valid =
      session !== undefined && (guid === session.guid || (guid === session.previous && now < session.previousUntil));
    const cookieOk =
      !this.opts.requireStickyCookie ||
      (session !== undefined &&
        (req.headers.cookie ?? '').split(/;\s*/).includes(`${STICKY_COOKIE}=${session.cookie}`));
    rec.guidValid = valid;
    if (!valid || !cookieOk) return answer(CCGW_CODES.notSignedIn, 'agent not signed in');

    if (kind === 'agentevent' && req.method === 'GET') return this.poll(session, answer, res);
    if (kind === 'onlineagent' && action === 'logout' && req.method === 'DELETE') {
      this.sessions.delete(agent.agentId);
      this.signOuts.push(agent.agentId);
      return answer(CCGW_CODES.success, 'success');
    }
    if (kind === 'recordfile' && req.method === 'GET') return this.recordFile(agent, url, fault, answer, res);
    return answer(CCGW_CODES.badParams, 'bad URL or parameters');
  }

  private signIn(
    agent: SimAgent,
    body: Record<string, unknown> | undefined,
    forced: boolean,
    answer: (c: string, m?: string, r?: unknown, h?: Record<string, string>) => void,
    res: ServerResponse,
  ): void {
    if (!body || typeof body.password !== 'string' || body.password === '')
      return answer('100-001', 'sign-in parameters empty or invalid');
    if (body.password !== agent.password) return answer(CCGW_CODES.wrongPassword, 'wrong user name or password');
    if (this.live(agent.agentId)) {
      if (!forced) return answer(CCGW_CODES.alreadySignedIn, 'agent already signed in');
      if (agent.forceable === false) return answer(CCGW_CODES.cannotForce, 'agent signed in and cannot be forced out');
    }
    const s = this.openSession(agent.agentId);
    this.signIns.push({ agentId: agent.agentId, forced });
    res.setHeader('set-cookie', [`${STICKY_COOKIE}=${s.cookie}; Path=/; HttpOnly`]);
    answer(
      CCGW_CODES.success,
      '',
      {
        vdnid: agent.vdnId,
        workno: String(agent.agentId),
        mediatype: 'TTF',
        loginTime: String(this.opts.now()),
        isForceChange: 'false',
        serverName: 'AgentGateway',
        timeRemaining: '',
      },
      { 'set-guid': `${CCGW_GUID_PREFIX}${s.guid}` },
    );
  }

  private async poll(
    session: Session,
    answer: (c: string, m?: string, r?: unknown, h?: Record<string, string>) => void,
    res: ServerResponse,
  ): Promise<void> {
    session.lastPollAt = this.opts.now();
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.opts.pollWaitMs);
      this.waiting.add(wake);
      res.once('close', wake);
    });
    if (res.destroyed) return;
    const current = this.sessions.get(session.agentId);
    if (current !== session) return answer(CCGW_CODES.notSignedIn, 'agent not signed in');
    const now = this.opts.now();
    session.lastPollAt = now;
    const headers: Record<string, string> = {};
    if (this.opts.rotateEveryMs !== undefined && now - session.rotatedAt >= this.opts.rotateEveryMs) {
      session.previous = session.guid;
      session.previousUntil = now + this.opts.oldGuidTtlMs;
      session.guid = newGuid();
      session.rotatedAt = now;
      this.rotations += 1;
      this.issued.push(session.guid);
      headers['set-guid'] = `${CCGW_GUID_PREFIX}${session.guid}`;
    }
    answer(CCGW_CODES.success, '', null, headers);
  }

  private recordFile(
    agent: SimAgent,
    url: URL,
    fault: FaultSpec | undefined,
    answer: (c: string, m?: string) => void,
    res: ServerResponse,
  ): void {
    const recordId = url.searchParams.get('recordId');
    const fileType = url.searchParams.get('filetype') ?? '1';
    const locationId = url.searchParams.get('locationId');
    if (!recordId || !['1', '2'].includes(fileType) || (locationId !== null && !/^\d+$/.test(locationId)))
      return answer(CCGW_CODES.badParams, 'bad URL or parameters');
    if (this.opts.poolMode && locationId === null)
      return answer(CCGW_CODES.locationNotConfigured, 'node id not configured');
    const p = parseVendorPath(recordId);
    if (!p) return answer(CCGW_CODES.invalidFileName, 'invalid file name');
    const [first] = p.segments;
    const messageLayout = (first === '3rdfile' && p.segments[2] === 'record') || p.segments[1] === 'record';
    if (fileType === '2' && !messageLayout) return answer(CCGW_CODES.invalidFileName, 'invalid file name');
    if (vdnOfPath(p) !== agent.vdnId) return answer(CCGW_CODES.noPlaybackRight, 'no inspection or playback right');
    const stat = this.opts.store.stat(p);
    if (!stat?.isFile()) return answer(CCGW_CODES.fileNotExist, 'file does not exist');
    res.writeHead(200, {
      'content-type': 'application/octet-stream;charset=utf-8',
      'content-length': String(stat.size),
    });
    sendBody(res, createReadStream(this.opts.store.diskPath(p), { highWaterMark: 64 * 1024 }), fault);
  }
}

function newGuid(): string {
  return `${randomUUID()}.AgentGateway0`;
}
