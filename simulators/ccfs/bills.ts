/**
 * The simulator's CDR and recording-index flow (cdr-index 1 to 5): `queryBillData` starts a job
 * over the account's seeded calls, a signed callback reports its zip after a delay (retried until
 * answered with a body), and `downloadBillFile` streams the zip of `_call_` and `_record_` CSVs in
 * the vendor's columns. Quirks of the vendor's unstated CSV dialect can be switched on.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PassThrough, type Readable } from 'node:stream';
import yazl from 'yazl';
import { BILL_WINDOW_MAX_MS } from '../../src/protocol/cdr.js';
import { signAuthV2 } from './verifier.js';

/** One recording of a seeded call. */
export interface SimRecording {
  /** `file_name`: the relative name (`/53/0/...`); defaults to the original one with / for \. */
  fileName?: string;
  /** `original_file_name`, with backslashes as the vendor writes it. */
  originalFileName: string;
  agentId?: string;
  begin?: string;
  end?: string;
  /** The VDN on the index row when it differs from the call's (a call passed to another VDN). */
  vdnId?: number;
}

/** A call the simulator's CDR export holds: wall-clock times in the simulator's zone. */
export interface SimCall {
  callId: string;
  vdnId: number;
  ccId?: string;
  agentId?: string;
  callerNo?: string;
  calleeNo?: string;
  /** `yyyy-MM-dd HH:mm:ss` */
  begin: string;
  end: string;
  /** CDR legs; one agent leg when left out. */
  legs?: Array<{ deviceType: string; deviceNo: string; begin: string; end: string }>;
  recordings: SimRecording[];
}

/** Switches for the CSV dialect the vendor does not document (cdr-index 5.4). */
export interface BillQuirks {
  header?: boolean;
  bom?: boolean;
  crlf?: boolean;
  /** Columns appended after the documented ones (a newer site). */
  extraColumns?: number;
  /** Every field quoted, and commas inside fields. */
  quoted?: boolean;
  /** The CSVs in GB18030 rather than UTF-8. */
  gb18030?: boolean;
  /** Only the 13 base columns of the recording index (a pre-22.100 site). */
  oldSite?: boolean;
}

export interface BillJob {
  responseId: string;
  billFileName: string;
  ak: string;
  sk: string;
  vdnIds: number[];
  accountId: string | undefined;
  beginTime: string;
  endTime: string;
  callBackURL: string;
  readyAt: number;
  callbacks: Array<{ status: number | 'error'; body: string }>;
  answered: boolean;
}

/** A source of calls for a window: the seeded list, or a generator (the benchmark's millions). */
export type CallSource = (beginTime: string, endTime: string) => Iterable<SimCall>;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

const formats = new Map<string, Intl.DateTimeFormat>();

/** `yyyy-MM-dd HH:mm:ss` in a zone: what the simulator's clock reads there. */
export function wallClock(ms: number, timeZone: string): string {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, format);
  }
  const parts: Record<string, string> = {};
  for (const p of format.formatToParts(ms)) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

const WALL = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** Seconds between two wall-clock times (the window check; the zone's offset cancels out). */
const wallSpanMs = (a: string, b: string) =>
  Date.parse(`${b.replace(' ', 'T')}Z`) - Date.parse(`${a.replace(' ', 'T')}Z`);

export class BillDesk {
  readonly jobs = new Map<string, BillJob>();
  readonly calls: SimCall[] = [];
  private readonly sources: CallSource[] = [];
  quirks: BillQuirks = {};
  /** The next downloads answer these bytes instead of the zip (hostile and corrupt zips). */
  readonly overrides: Buffer[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private seq = 0;

  constructor(
    private readonly opts: {
      now: () => number;
      timeZone: string;
      callbackDelayMs: number;
      callbackRetryMs: number;
      callbackMaxAttempts: number;
      zipReadyDelayMs: number;
      /** Whether a callback attempt is dropped (the fault "a callback that never comes"). */
      dropCallback: () => boolean;
    },
  ) {}

  addCall(call: SimCall): void {
    this.calls.push(call);
  }

  addSource(source: CallSource): void {
    this.sources.push(source);
  }

  /** Validated by the server; answers the job's responseId. */
  start(q: Pick<BillJob, 'ak' | 'sk' | 'vdnIds' | 'accountId' | 'beginTime' | 'endTime' | 'callBackURL'>): string {
    const responseId = randomUUID();
    const day = wallClock(this.opts.now(), this.opts.timeZone).slice(0, 10).replace(/-/g, '');
    const job: BillJob = {
      ...q,
      responseId,
      billFileName: `${day}_${responseId.replace(/-/g, '')}.zip`,
      readyAt: this.opts.now() + this.opts.zipReadyDelayMs,
      callbacks: [],
      answered: false,
    };
    this.jobs.set(job.billFileName, job);
    this.schedule(job, this.opts.callbackDelayMs, 1);
    return responseId;
  }

  /** Sends every unanswered job's callback now (tests that hold the vendor's delay back). */
  async sendCallbacks(): Promise<void> {
    await Promise.all([...this.jobs.values()].filter((j) => !j.answered).map((j) => this.sendCallback(j, 1)));
  }

  static validWindow(beginTime: string, endTime: string): 'ok' | 'format' | 'order' | 'span' {
    if (!WALL.test(beginTime) || !WALL.test(endTime)) return 'format';
    const span = wallSpanMs(beginTime, endTime);
    if (Number.isNaN(span)) return 'format';
    if (span < 0) return 'order';
    return span > BILL_WINDOW_MAX_MS + 1000 ? 'span' : 'ok';
  }

  private schedule(job: BillJob, delayMs: number, attempt: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.sendCallback(job, attempt);
    }, delayMs);
    this.timers.add(t);
  }

  /** POSTs the callback, signed with the account's AK/SK; retried until a 200 with a body. */
  private async sendCallback(job: BillJob, attempt: number): Promise<void> {
    if (job.answered) return;
    const retry = () => {
      if (attempt < this.opts.callbackMaxAttempts) this.schedule(job, this.opts.callbackRetryMs, attempt + 1);
    };
    if (this.opts.dropCallback()) {
      job.callbacks.push({ status: 'error', body: 'dropped' });
      return retry();
    }
    const body = Buffer.from(
      JSON.stringify({
        request: { version: '2.0' },
        msgBody: {
          responseId: job.responseId,
          billFileName: job.billFileName,
          ...(job.accountId ? { accountId: job.accountId } : {}),
        },
      }),
    );
    const url = new URL(job.callBackURL);
    const headers: Record<string, string> = {
      host: url.host,
      'content-type': 'application/json;charset=UTF-8',
      'content-length': String(body.length),
    };
    const authorization = signAuthV2({
      method: 'POST',
      rawUrl: url.pathname,
      headers,
      body,
      ak: job.ak,
      sk: job.sk,
      atMs: this.opts.now(),
    });
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outcome = await new Promise<{ status: number | 'error'; body: string }>((resolve) => {
      const req = send(
        url,
        { method: 'POST', headers: { ...headers, authorization }, rejectUnauthorized: false, timeout: 10_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', () => resolve({ status: 'error', body: '' }));
        },
      );
      req.on('error', () => resolve({ status: 'error', body: '' }));
      req.on('timeout', () => req.destroy());
      req.end(body);
    });
    job.callbacks.push(outcome);
    // Success is a 200 with a body (cdr-index 3.3): anything else is tried again later.
    if (outcome.status === 200 && outcome.body.length > 0) job.answered = true;
    else retry();
  }

  /** The calls of a window that the account owns, in begin order. */
  private *callsOf(job: BillJob): Generator<SimCall> {
    const inWindow = (c: SimCall) => c.begin >= job.beginTime && c.begin <= job.endTime && job.vdnIds.includes(c.vdnId);
    for (const c of this.calls) if (inWindow(c)) yield c;
    for (const source of this.sources) for (const c of source(job.beginTime, job.endTime)) if (inWindow(c)) yield c;
  }

  private csvLine(fields: string[]): string {
    const q = this.quirks;
    const extra = Array.from({ length: q.extraColumns ?? 0 }, (_, i) => (q.quoted ? `extra,${i}` : `x${i}`));
    const all = [...fields, ...extra];
    const text = q.quoted ? all.map((f) => `"${f.replace(/"/g, '""')}"`).join(',') : all.join(',');
    return text + (q.crlf ? '\r\n' : '\n');
  }

  private *callRows(job: BillJob): Generator<string> {
    if (this.quirks.header)
      yield this.csvLine(
        'developer,account_id,cc_id,agent_id,call_id,caller_no,callee_no,wait_begin,wait_end,ack_begin,ack_end,call_begin,call_end,device_type,device_no,call_type,release_cause,call_id_num,vdn_id,pre_device_type,pre_device_no'.split(
          ',',
        ),
      );
    for (const c of this.callsOf(job)) {
      const legs = c.legs ?? [{ deviceType: '2', deviceNo: c.agentId ?? '', begin: c.begin, end: c.end }];
      for (const [i, l] of legs.entries())
        yield this.csvLine([
          job.ak,
          job.accountId ?? '',
          c.ccId ?? '1',
          l.deviceType === '2' ? l.deviceNo : '',
          c.callId,
          c.callerNo ?? '',
          c.calleeNo ?? '',
          l.begin,
          l.begin,
          l.begin,
          l.end,
          l.begin,
          l.end,
          l.deviceType,
          l.deviceNo,
          '0',
          i === legs.length - 1 ? '1' : '',
          i === legs.length - 1 ? '-1' : String(i + 1),
          String(c.vdnId),
          '',
          '',
        ]);
    }
  }

  private *recordRows(job: BillJob): Generator<string> {
    const old = this.quirks.oldSite;
    if (this.quirks.header) {
      const names =
        'developer,account_id,cc_id,agent_id,call_id,caller_no,callee_no,call_begin,call_end,file_name,task_status,task_result,original_file_name,vdn_id,call_type,media_type,user_wanted_skill_id,current_skill_id'.split(
          ',',
        );
      yield this.csvLine(old ? names.slice(0, 13) : names);
    }
    for (const c of this.callsOf(job))
      for (const r of c.recordings) {
        const base = [
          job.ak,
          job.accountId ?? '',
          c.ccId ?? '1',
          r.agentId ?? c.agentId ?? '',
          c.callId,
          c.callerNo ?? '',
          c.calleeNo ?? '',
          r.begin ?? c.begin,
          r.end ?? c.end,
          r.fileName ?? r.originalFileName.replace(/^[A-Za-z]:/, '').replace(/\\/g, '/'),
          '0',
          '',
          r.originalFileName,
        ];
        yield this.csvLine(old ? base : [...base, String(r.vdnId ?? c.vdnId), '0', '5', '', '']);
      }
  }

  private entryStream(rows: Iterable<string>): Readable {
    const out = new PassThrough();
    const encode = (s: string) => (this.quirks.gb18030 ? encodeGb18030(s) : Buffer.from(s, 'utf8'));
    const it = rows[Symbol.iterator]();
    let first = true;
    const pump = () => {
      for (;;) {
        const next = it.next();
        if (next.done) {
          out.end();
          return;
        }
        let chunk = encode(next.value);
        if (first && this.quirks.bom && !this.quirks.gb18030)
          chunk = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), chunk]);
        first = false;
        if (!out.write(chunk)) {
          out.once('drain', pump);
          return;
        }
      }
    };
    pump();
    return out;
  }

  /** The job's zip, built as it streams. */
  zip(job: BillJob): Readable {
    const zip = new yazl.ZipFile();
    this.seq += 1;
    const stamp = `${wallClock(this.opts.now(), this.opts.timeZone).replace(/\D/g, '')}000${pad(this.seq % 1000, 3)}`;
    zip.addReadStream(this.entryStream(this.callRows(job)), `${stamp}_call_1.csv`);
    zip.addReadStream(this.entryStream(this.recordRows(job)), `${stamp}_record_1.csv`);
    zip.end();
    return zip.outputStream as unknown as Readable;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** GB18030 for the characters the demo data holds: ASCII as is, and the two CJK words below. */
function encodeGb18030(s: string): Buffer {
  const table: Record<string, number[]> = { 你: [0xc4, 0xe3], 好: [0xba, 0xc3] };
  const out: number[] = [];
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) out.push(code);
    else if (table[ch]) out.push(...table[ch]!);
    else throw new Error(`the simulator cannot write ${ch} in GB18030`);
  }
  return Buffer.from(out);
}
