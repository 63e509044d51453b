/**
 * A CC-FS simulator that refuses what the vendor refuses: every signed call goes through its own
 * auth-v2 verifier, files belong to the appId that owns their VDN, `ivr/downloadFile` follows the
 * third-party path rule and mode 1 semantics, playVoice tokens live 30 minutes, and errors come
 * in the vendor's envelope and codes (cc-protocol 3). Faults are injected on demand.
 */

import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import yazl from 'yazl';
import {
  CCFS_BASE_PATH,
  CCFS_BINARY_CONTENT_TYPE,
  CCFS_CODES,
  CCFS_ENVELOPE_VERSION,
  CCFS_LIMITS,
  CCFS_PLAY_TOKEN_TTL_MS,
} from '../../src/protocol/ccfs.js';
import { BILL_CODES, BILL_FILE_NAME_MAX } from '../../src/protocol/cdr.js';
import { FaultInjector, type FaultSpec, sendBody, sleep } from '../shared/faults.js';
import { SimHttpServer, type SimTls } from '../shared/http-server.js';
import { BillDesk } from './bills.js';
import { FileStore, parseVendorPath, type VendorPath, vdnOfPath } from './store.js';
import { verifyAuthV2 } from './verifier.js';

export interface CcfsAccount {
  ak: string;
  sk: string;
  vdnIds: number[];
}

export interface CcfsSimulatorOptions {
  root: string;
  accounts: CcfsAccount[];
  /** Allowed distance between a signature's timestamp and this server's clock (default 5 min). */
  skewMs?: number;
  now?: () => number;
  /** The vendor's "Third-Party Recording Download Path Rule". */
  ivrDownloadRule?: string;
  /** The vendor's "Third-Party Upload File Path Rule". */
  ivrUploadRule?: string;
  /** The vendor's "Third-Party Upload File Size Limit", bytes of file. */
  uploadMaxBytes?: number;
  /** Largest request body accepted at all. */
  maxBodyBytes?: number;
  /** Serve HTTPS with this key and certificate, as the vendor does (port 28443). */
  tls?: SimTls;
  /** Draws for faults injected with a `probability`; seeded by the soak test. */
  random?: () => number;
  /** The zone of the vendor's wall-clock times (CDR windows and CSV times). */
  timeZone?: string;
  /** Delay before the bill callback, and between its retries (the vendor's is 10 minutes). */
  callbackDelayMs?: number;
  callbackRetryMs?: number;
  callbackMaxAttempts?: number;
  /** A bill zip is not ready (0300011) for this long after queryBillData. */
  zipReadyDelayMs?: number;
}

export interface RecordedRequest {
  method: string;
  url: string;
  operation: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body as received (first 64 KiB). */
  body: string;
  bodyBytes: number;
  /** The access key of a valid signature, or undefined. */
  ak: string | undefined;
  authError?: string;
  resultCode?: string;
  /** True when the client went away before the answer was complete. */
  aborted: boolean;
}

export interface UploadedFile {
  fileName: string;
  vdnId: number;
  ak: string;
  bytes: Buffer;
}

const DEFAULT_IVR_RULE =
  '/voice/%VDNNO%/IVRrecordFile;/3rdfile/%VDNNO%/IVRrecordFile;/3rdfile/%VDNNO%/thirdvoicebotfile';
const DEFAULT_UPLOAD_RULE = '/3rdfile/%VDNNO%/thirdvoicebotfile/';

function envelope(code: string, desc: string, data: unknown = null) {
  return JSON.stringify({
    resultCode: code,
    resultDesc: desc,
    resultData: data,
    response: { version: CCFS_ENVELOPE_VERSION, resultCode: code, resultMsg: desc },
  });
}

class VendorRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class CcfsSimulator {
  readonly store: FileStore;
  readonly faults: FaultInjector;
  readonly requests: RecordedRequest[] = [];
  readonly uploads: UploadedFile[] = [];
  /** TCP connections accepted so far: shows whether clients keep theirs alive. */
  connections = 0;
  readonly options: Required<Omit<CcfsSimulatorOptions, 'now' | 'tls' | 'random'>> & { now: () => number };
  /** The CDR and recording-index flow: seeded calls, jobs, callbacks, CSV quirks. */
  readonly bills: BillDesk;
  private readonly http: SimHttpServer;
  private readonly tokens = new Map<string, { file: VendorPath; ak: string; expiresAt: number }>();
  private uploadSeq = 0;

  constructor(opts: CcfsSimulatorOptions) {
    this.options = {
      skewMs: 5 * 60_000,
      ivrDownloadRule: DEFAULT_IVR_RULE,
      ivrUploadRule: DEFAULT_UPLOAD_RULE,
      uploadMaxBytes: 5 * 1024 * 1024,
      maxBodyBytes: 64 * 1024 * 1024,
      now: Date.now,
      timeZone: 'Asia/Shanghai',
      callbackDelayMs: 50,
      callbackRetryMs: 10 * 60_000,
      callbackMaxAttempts: 6,
      zipReadyDelayMs: 0,
      ...opts,
    };
    this.bills = new BillDesk({
      now: this.options.now,
      timeZone: this.options.timeZone,
      callbackDelayMs: this.options.callbackDelayMs,
      callbackRetryMs: this.options.callbackRetryMs,
      callbackMaxAttempts: this.options.callbackMaxAttempts,
      zipReadyDelayMs: this.options.zipReadyDelayMs,
      // "A callback that never comes": a fault on the pseudo-operation billCallback drops an attempt.
      dropCallback: () => this.faults.take('billCallback') !== undefined,
    });
    this.faults = new FaultInjector(opts.random);
    this.store = new FileStore(opts.root);
    this.http = new SimHttpServer((req, res) => void this.handle(req, res), opts.tls);
    this.http.server.on('connection', () => {
      this.connections += 1;
    });
  }

  listen(port?: number, host?: string): Promise<string> {
    return this.http.listen(port, host);
  }

  get url(): string {
    return this.http.url;
  }

  close(): Promise<void> {
    this.bills.close();
    return this.http.close();
  }

  /** Requests whose operation matches (all when no name is given). */
  seen(operation?: string): RecordedRequest[] {
    return operation ? this.requests.filter((r) => r.operation === operation) : this.requests;
  }

  injectFault(spec: FaultSpec): void {
    this.faults.add(spec);
  }

  private account(ak: string): CcfsAccount {
    return this.options.accounts.find((a) => a.ak === ak)!;
  }

  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.options.maxBodyBytes) throw new VendorRefusal(CCFS_CODES.bodyMissing, 'request body too large');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const operation = url.pathname.startsWith(`${CCFS_BASE_PATH}/`)
      ? url.pathname.slice(CCFS_BASE_PATH.length + 1)
      : url.pathname;
    const rec: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      operation,
      headers: { ...req.headers },
      body: '',
      bodyBytes: 0,
      ak: undefined,
      aborted: false,
    };
    this.requests.push(rec);
    res.on('close', () => {
      if (!res.writableFinished) rec.aborted = true;
    });
    let body: Buffer;
    try {
      body = await this.readBody(req);
    } catch {
      res.writeHead(413).end();
      return;
    }
    rec.bodyBytes = body.length;
    rec.body = body.subarray(0, 65536).toString('utf8');

    const fault = this.faults.take(operation, rec.body);
    if (fault?.latencyMs) await sleep(fault.latencyMs);
    if (fault?.status) {
      res
        .writeHead(fault.status, { 'content-type': 'text/html' })
        .end(`<html><body>${fault.status} from the load balancer</body></html>`);
      return;
    }

    const json = (code: string, desc: string, data: unknown = null, contentType = 'application/json;charset=UTF-8') => {
      rec.resultCode = code;
      if (fault?.malformed) {
        res.writeHead(200, { 'content-type': contentType }).end('{"resultCode":"0","resultDe');
        return;
      }
      res.writeHead(200, { 'content-type': contentType }).end(envelope(code, desc, data));
    };

    try {
      if (operation === 'playVoice' && req.method === 'GET') return await this.playVoice(url, res, fault, json);
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const verdict = verifyAuthV2(req, body, {
        secretFor: (ak) => this.options.accounts.find((a) => a.ak === ak)?.sk,
        nowMs: this.options.now(),
        skewMs: this.options.skewMs,
        required: body.length > 0 ? ['content-length', 'content-type', 'host'] : ['host'],
      });
      if (!verdict.ok) {
        rec.authError = verdict.reason;
        res
          .writeHead(401, { 'content-type': 'application/json;charset=UTF-8' })
          .end(JSON.stringify({ error: 'Unauthorized' }));
        return;
      }
      rec.ak = verdict.ak;
      if (fault?.resultCode) return json(fault.resultCode, 'injected');
      const msgBody = this.parseEnvelope(req, body);
      const account = this.account(verdict.ak);
      switch (operation) {
        case 'downloadRecord':
          return await this.downloadRecord(account, msgBody, res, fault, json);
        case 'requestPlayVoice':
          return this.requestPlayVoice(account, msgBody, json);
        case 'ivr/downloadFile':
          return this.ivrDownloadFile(account, msgBody, res, fault);
        case 'ivr/uploadFile':
          return await this.ivrUploadFile(account, url, msgBody, json);
        case 'queryBillData':
          return this.queryBillData(account, msgBody, json);
        case 'downloadBillFile':
          return this.downloadBillFile(account, msgBody, res, fault);
        default:
          res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>');
      }
    } catch (err) {
      if (err instanceof VendorRefusal) {
        json(err.code, err.message);
        return;
      }
      res.writeHead(500).end();
    }
  }

  private parseEnvelope(req: IncomingMessage, body: Buffer): Record<string, unknown> {
    if (
      !String(req.headers['content-type'] ?? '')
        .toLowerCase()
        .startsWith('application/json')
    ) {
      throw new VendorRefusal(CCFS_CODES.bodyMissing, 'request body parameters missing');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new VendorRefusal(CCFS_CODES.bodyMissing, 'request body parameters missing');
    }
    const env = parsed as { request?: { version?: unknown }; msgBody?: unknown };
    if (!env || typeof env !== 'object' || !env.request || typeof env.request !== 'object')
      throw new VendorRefusal(CCFS_CODES.paramNull, 'parameter request is null');
    if (env.request.version !== CCFS_ENVELOPE_VERSION)
      throw new VendorRefusal(CCFS_CODES.badVersion, `version error, current version is ${CCFS_ENVELOPE_VERSION}`);
    if (!env.msgBody || typeof env.msgBody !== 'object' || Array.isArray(env.msgBody))
      throw new VendorRefusal(CCFS_CODES.paramNull, 'parameter msgBody is null');
    return env.msgBody as Record<string, unknown>;
  }

  private field(body: Record<string, unknown>, name: string, max: number, required: boolean): string | undefined {
    const v = body[name];
    if (v === undefined || v === null) {
      if (required) throw new VendorRefusal(CCFS_CODES.paramNull, `parameter ${name} is null`);
      return undefined;
    }
    if (typeof v !== 'string')
      throw new VendorRefusal(CCFS_CODES.paramBadFormat, `parameter ${name} is badly formatted`);
    if (v === '') throw new VendorRefusal(CCFS_CODES.paramEmpty, `parameter ${name} is an empty string`);
    if (v.length > max) throw new VendorRefusal(CCFS_CODES.paramTooLong, `parameter ${name} is too long`);
    return v;
  }

  /** A file the account may read: its VDN is the account's and it exists. */
  private ownedFile(account: CcfsAccount, name: string): VendorPath {
    const p = parseVendorPath(name);
    if (!p) throw new VendorRefusal(CCFS_CODES.paramBadFormat, 'parameter fileName is badly formatted');
    const vdn = vdnOfPath(p);
    if (vdn === undefined || !account.vdnIds.includes(vdn))
      throw new VendorRefusal(CCFS_CODES.noDataFound, 'no data found');
    if (!this.store.stat(p)?.isFile()) throw new VendorRefusal(CCFS_CODES.fileNotExist, 'file does not exist');
    return p;
  }

  private sendFile(res: ServerResponse, p: VendorPath, fault: FaultSpec | undefined): void {
    const size = this.store.stat(p)!.size;
    res.writeHead(200, { 'content-type': CCFS_BINARY_CONTENT_TYPE, 'content-length': String(size) });
    sendBody(res, createReadStream(this.store.diskPath(p), { highWaterMark: 64 * 1024 }), fault);
  }

  private async downloadRecord(
    account: CcfsAccount,
    body: Record<string, unknown>,
    res: ServerResponse,
    fault: FaultSpec | undefined,
    json: (c: string, d: string) => void,
  ): Promise<void> {
    const fileName = this.field(body, 'fileName', CCFS_LIMITS.fileNameMax, false);
    const callId = this.field(body, 'callId', CCFS_LIMITS.callIdMax, false);
    this.field(body, 'ccId', 16, false);
    if (fileName === undefined && callId === undefined)
      throw new VendorRefusal(CCFS_CODES.paramNull, 'parameter fileName and callId are null');
    if (fileName !== undefined) return this.sendFile(res, this.ownedFile(account, fileName), fault);
    const names = this.store.call(callId!);
    const files = (names ?? [])
      .map((n) => parseVendorPath(n)!)
      .filter((p) => account.vdnIds.includes(vdnOfPath(p) ?? -1) && this.store.stat(p)?.isFile());
    if (files.length === 0) return json(CCFS_CODES.noDataFound, 'no data found');
    if (files.length === 1) return this.sendFile(res, files[0]!, fault);
    const zip = new yazl.ZipFile();
    for (const p of files) zip.addFile(this.store.diskPath(p), p.segments[p.segments.length - 1]!, { compress: false });
    zip.end();
    res.writeHead(200, { 'content-type': CCFS_BINARY_CONTENT_TYPE });
    sendBody(res, zip.outputStream as unknown as import('node:stream').Readable, fault);
  }

  private queryBillData(
    account: CcfsAccount,
    body: Record<string, unknown>,
    json: (c: string, d: string, data?: unknown) => void,
  ): void {
    const beginTime = this.field(body, 'beginTime', 19, true)!;
    const endTime = this.field(body, 'endTime', 19, true)!;
    const callBackURL = this.field(body, 'callBackURL', 1024, true)!;
    const accountId = this.field(body, 'accountId', 20, false);
    this.field(body, 'agentId', 20, false);
    this.field(body, 'callId', CCFS_LIMITS.callIdMax, false);
    const dataType = this.field(body, 'dataType', 16, false);
    if (dataType !== undefined && !['call', 'record', 'call_record'].includes(dataType))
      throw new VendorRefusal(CCFS_CODES.paramBadFormat, 'parameter dataType is badly formatted');
    if (!/^https?:\/\/[^\s]+$/.test(callBackURL))
      throw new VendorRefusal(CCFS_CODES.paramBadFormat, 'parameter callBackURL is badly formatted');
    const window = BillDesk.validWindow(beginTime, endTime);
    if (window === 'format')
      throw new VendorRefusal(CCFS_CODES.paramBadFormat, 'parameter beginTime or endTime is badly formatted');
    if (window === 'order') throw new VendorRefusal(BILL_CODES.endBeforeBegin, 'beginTime is later than endTime');
    if (window === 'span') throw new VendorRefusal(CCFS_CODES.paramBadFormat, 'the time range exceeds 3 days');
    const responseId = this.bills.start({
      ak: account.ak,
      sk: account.sk,
      vdnIds: account.vdnIds,
      accountId,
      beginTime,
      endTime,
      callBackURL,
    });
    json(CCFS_CODES.success, 'success', { responseId });
  }

  private downloadBillFile(
    account: CcfsAccount,
    body: Record<string, unknown>,
    res: ServerResponse,
    fault: FaultSpec | undefined,
  ): void {
    const name = this.field(body, 'billFileName', BILL_FILE_NAME_MAX, true)!;
    if (!/^[A-Za-z0-9._-]+$/.test(name))
      throw new VendorRefusal(CCFS_CODES.paramBadFormat, 'parameter billFileName is badly formatted');
    const job = this.bills.jobs.get(name);
    // The appId must own the file (cdr-index 4); a file not built yet does not exist either.
    if (!job || job.ak !== account.ak || job.readyAt > this.options.now())
      throw new VendorRefusal(CCFS_CODES.fileNotExist, 'file does not exist');
    const override = this.bills.overrides.shift();
    res.writeHead(200, { 'content-type': CCFS_BINARY_CONTENT_TYPE });
    if (override) {
      res.end(override);
      return;
    }
    sendBody(res, this.bills.zip(job), fault);
  }

  private requestPlayVoice(
    account: CcfsAccount,
    body: Record<string, unknown>,
    json: (c: string, d: string, data?: unknown) => void,
  ): void {
    const p = this.ownedFile(account, this.field(body, 'fileName', CCFS_LIMITS.fileNameMax, true)!);
    const token = randomBytes(16).toString('hex').toUpperCase();
    this.tokens.set(token, { file: p, ak: account.ak, expiresAt: this.options.now() + CCFS_PLAY_TOKEN_TTL_MS });
    json(CCFS_CODES.success, 'success', { token });
  }

  private async playVoice(
    url: URL,
    res: ServerResponse,
    fault: FaultSpec | undefined,
    json: (c: string, d: string, data?: unknown, ct?: string) => void,
  ): Promise<void> {
    // The vendor answers playVoice errors as JSON with an octet-stream content type (cc-protocol 3.6).
    const fail = (code: string, desc: string) => json(code, desc, null, 'application/octet-stream');
    const st = url.searchParams.get('st');
    if (!st) return fail(CCFS_CODES.playTokenEmpty, 'Parameter token is empty.');
    if (url.searchParams.get('version') !== CCFS_ENVELOPE_VERSION) return fail(CCFS_CODES.badVersion, 'version error');
    const t = this.tokens.get(st);
    if (!t || t.expiresAt <= this.options.now())
      return fail(CCFS_CODES.playTokenInvalid, 'Parameter token is invalid.');
    if (fault?.resultCode) return fail(fault.resultCode, 'injected');
    if (!this.store.stat(t.file)?.isFile()) return fail(CCFS_CODES.fileNotExist, 'file does not exist');
    this.sendFile(res, t.file, fault);
  }

  /** Expands the vendor's `%VDNNO%` rule for an account and tells whether a path lies under it. */
  private underRule(rule: string, account: CcfsAccount, p: VendorPath, allowEqual: boolean): boolean {
    const path = `/${p.segments.join('/')}`;
    return rule
      .split(';')
      .map((r) => r.trim())
      .filter(Boolean)
      .some((r) =>
        account.vdnIds.some((v) => {
          const prefix = r.replace(/%VDNNO%/g, String(v)).replace(/\/+$/, '');
          return path.startsWith(`${prefix}/`) || (allowEqual && path === prefix);
        }),
      );
  }

  private ivrDownloadFile(
    account: CcfsAccount,
    body: Record<string, unknown>,
    res: ServerResponse,
    fault: FaultSpec | undefined,
  ): void {
    const filePath = this.field(body, 'filePath', CCFS_LIMITS.filePathMax, true)!;
    const mode = body.mode;
    if (mode !== undefined && typeof mode !== 'number' && typeof mode !== 'string')
      throw new VendorRefusal(CCFS_CODES.paramBadFormat, 'parameter mode is badly formatted');
    const dirMode = mode === 1 || mode === '1';
    const p = parseVendorPath(filePath);
    if (!p) throw new VendorRefusal(CCFS_CODES.paramBadFormat, 'parameter filePath is badly formatted');
    if (!this.underRule(this.options.ivrDownloadRule, account, p, dirMode))
      throw new VendorRefusal(CCFS_CODES.noDataFound, 'no data found');
    if (!dirMode) return this.sendFile(res, this.ownedFile(account, filePath), fault);
    const files = this.store.filesIn(p);
    if (!files || files.length === 0) throw new VendorRefusal(CCFS_CODES.fileNotExist, 'file does not exist');
    if (files.length > 1) throw new VendorRefusal(CCFS_CODES.paramBadFormat, 'the directory holds more than one file');
    this.sendFile(res, { ...p, segments: [...p.segments, files[0]!], canonical: `${p.canonical}/${files[0]}` }, fault);
  }

  private async ivrUploadFile(
    account: CcfsAccount,
    url: URL,
    body: Record<string, unknown>,
    json: (c: string, d: string, data?: unknown) => void,
  ): Promise<void> {
    const vdnText = url.searchParams.get('vdnId');
    if (vdnText === null) throw new VendorRefusal(CCFS_CODES.paramNull, 'parameter vdnId is null');
    if (!/^\d{1,9}$/.test(vdnText))
      throw new VendorRefusal(CCFS_CODES.paramBadFormat, 'parameter vdnId is badly formatted');
    const vdnId = Number(vdnText);
    if (!account.vdnIds.includes(vdnId)) throw new VendorRefusal(CCFS_CODES.noDataFound, 'no data found');
    const data = body.data;
    if (data === undefined || data === null) throw new VendorRefusal(CCFS_CODES.paramNull, 'parameter data is null');
    if (typeof data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0)
      throw new VendorRefusal(CCFS_CODES.paramBadFormat, 'parameter data is badly formatted');
    if (data === '') throw new VendorRefusal(CCFS_CODES.paramEmpty, 'parameter data is an empty string');
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length > this.options.uploadMaxBytes)
      throw new VendorRefusal(CCFS_CODES.paramTooLong, 'parameter data is too long');
    if (!isVendorWav(bytes))
      throw new VendorRefusal(CCFS_CODES.paramBadFormat, 'the file is not an 8 bit 8000 Hz mono WAV');
    const dir = this.options.ivrUploadRule
      .split(';')[0]!
      .trim()
      .replace(/%VDNNO%/g, String(vdnId))
      .replace(/\/+$/, '');
    this.uploadSeq += 1;
    const fileName = `Y:${dir}/${Date.now()}${String(this.uploadSeq).padStart(4, '0')}.wav`;
    await this.store.put(fileName, bytes);
    this.uploads.push({ fileName, vdnId, ak: account.ak, bytes });
    json(CCFS_CODES.success, 'operate success', { fileName, locationId: '1' });
  }
}

/** The vendor's own format check for uploads (cc-protocol 4.4): 8 bit, 8000 Hz, mono, 64 kbit/s. */
function isVendorWav(b: Buffer): boolean {
  if (b.length < 44 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') return false;
  let off = 12;
  while (off + 8 <= b.length) {
    const id = b.toString('latin1', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      if (off + 24 > b.length) return false;
      return (
        b.readUInt16LE(off + 10) === 1 &&
        b.readUInt32LE(off + 12) === 8000 &&
        b.readUInt32LE(off + 16) === 8000 &&
        b.readUInt16LE(off + 22) === 8
      );
    }
    off += 8 + size + (size % 2);
  }
  return false;
}
