/**
 * Contract 3.7's upload: the vendor envelope `{"request":{...},"msgBody":{"data":"<base64>"}}`
 * read as a stream of JSON tokens (stream-json), `msgBody.data` decoded as it arrives into a file
 * of the spool and checked there as route 3.6 checks its body. Only the envelope around the data
 * is assembled (a few hundred bytes at most), so a 7 MiB upload is never held as text or as JSON.
 * The assembled envelope, with a stand-in for the data, is then checked by the route's schema.
 */
import { TextDecoder } from 'node:util';
import type { Request, Response } from 'express';
import { jsonParser, type Token } from 'stream-json/parser.js';
import { Base64Error, createBase64Decoder } from '../domain/base64-stream.js';
import { invalidRequest } from '../errors/catalogue.js';
import { bodyTooLarge, checkJsonHeaders, notJson } from './body.js';
import type { Spool } from './spool.js';
import { pumpBody, type SpooledFile, WavSpoolWriter } from './upload.js';

/** What the envelope may hold around the data, in characters and tokens: ten times its real size. */
const ENVELOPE_BUDGET = 4096;
/** What the schema sees in place of the data once it was taken out (it only checks that there was some). */
export const DATA_STAND_IN = '(streamed)';

type Container = Record<string, unknown> | unknown[];

/**
 * Assembles the envelope from its tokens, except the string at `msgBody.data`, whose pieces go to
 * `onData`. A duplicate field is refused: two `data` fields would mean one thing to us and
 * another to the vendor's parser.
 */
class EnvelopeReader {
  root: unknown;
  private readonly stack: Array<{ value: Container; key?: string }> = [];
  private text = '';
  private inData = false;
  private sawData = false;
  private budget = ENVELOPE_BUDGET;

  constructor(private readonly onData: (piece: string) => void) {}

  private spend(n: number): void {
    this.budget -= n;
    if (this.budget < 0) throw invalidRequest('the envelope holds more than request.version and msgBody.data');
  }

  private put(value: unknown): void {
    const top = this.stack.at(-1);
    if (!top) {
      this.root = value;
      return;
    }
    if (Array.isArray(top.value)) top.value.push(value);
    else top.value[top.key!] = value;
  }

  private atData(): boolean {
    const [root, body] = this.stack;
    return this.stack.length === 2 && root!.key === 'msgBody' && body!.key === 'data' && !Array.isArray(body!.value);
  }

  take(token: Token): void {
    if (token.name === 'stringChunk' && this.inData) {
      if (token.value !== '') this.sawData = true;
      this.onData(token.value);
      return;
    }
    this.spend(token.name === 'stringChunk' || token.name === 'numberChunk' ? token.value.length : 1);
    switch (token.name) {
      case 'startObject':
      case 'startArray': {
        const value: Container = token.name === 'startObject' ? {} : [];
        this.put(value);
        this.stack.push({ value });
        return;
      }
      case 'endObject':
      case 'endArray':
        this.stack.pop();
        return;
      case 'startKey':
      case 'startString':
      case 'startNumber':
        this.text = '';
        if (token.name === 'startString') this.inData = this.atData();
        return;
      case 'stringChunk':
      case 'numberChunk':
        this.text += token.value;
        return;
      case 'endKey': {
        const top = this.stack.at(-1)!;
        if (Object.hasOwn(top.value, this.text))
          throw invalidRequest(`the envelope has "${this.text.slice(0, 64)}" twice`);
        top.key = this.text;
        return;
      }
      case 'endString':
        this.put(this.inData ? (this.sawData ? DATA_STAND_IN : '') : this.text);
        this.inData = false;
        return;
      case 'endNumber':
        this.put(Number(this.text));
        return;
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        this.put(token.value);
        return;
      default:
        return;
    }
  }
}

/**
 * Reads a native upload's body: its declared length refused before a byte is read, its reading
 * stopped at `bodyLimit`, its data refused as soon as it is not base64, over `limit` decoded, or
 * not a WAV in the accepted format. Resolves with the envelope (for the schema) and the file.
 */
export async function receiveNativeUpload(
  req: Request,
  res: Response,
  opts: { limit: number; bodyLimit: number; spool: Spool },
): Promise<{ envelope: unknown; file: SpooledFile }> {
  checkJsonHeaders(req, opts.bodyLimit);
  const writer = new WavSpoolWriter(opts.spool, { limit: opts.limit, what: 'msgBody.data' });
  const base64 = createBase64Decoder();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const parse = jsonParser({ packValues: false, streamValues: true });
  let pending: Array<Promise<void>> = [];
  const decoded = (bytes: Buffer | undefined) => {
    const wait = bytes && bytes.length > 0 ? writer.write(bytes) : undefined;
    if (wait) pending.push(wait);
  };
  const base64Text = (read: () => Buffer | undefined) => {
    let bytes: Buffer | undefined;
    try {
      bytes = read();
    } catch (err) {
      throw err instanceof Base64Error ? invalidRequest('msgBody.data must be base64') : err;
    }
    decoded(bytes);
  };
  const envelope = new EnvelopeReader((piece) => base64Text(() => base64.push(piece)));
  const feed = (text: string | typeof END) => {
    let tokens: ReturnType<typeof parse>;
    try {
      tokens = parse(text as string);
    } catch (err) {
      throw notJson(err);
    }
    if (typeof tokens !== 'symbol') for (const token of tokens.values) envelope.take(token);
  };
  let received = 0;
  try {
    await pumpBody(
      req,
      res,
      (chunk) => {
        received += chunk.length;
        if (received > opts.bodyLimit) throw bodyTooLarge(opts.bodyLimit);
        feed(decodeUtf8(utf8, chunk));
        if (pending.length === 0) return undefined;
        const waits = pending;
        pending = [];
        return Promise.all(waits).then(() => {});
      },
      () => {
        feed(decodeUtf8(utf8, undefined));
        feed(END);
        if (envelope.root === undefined || typeof envelope.root !== 'object') throw notJson();
      },
    );
    if (!hasData(envelope.root)) {
      // No data: the schema refuses the envelope before anything is sent.
      await writer.abort();
      return { envelope: envelope.root, file: EMPTY };
    }
    base64Text(() => base64.end());
    await Promise.all(pending);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return { envelope: envelope.root, file: await writer.finish() };
}

/** stream-chain's `none` (a registered symbol, the same in every copy): fed to the parser, it flushes. */
const END = Symbol.for('object-stream.none');

/** A UTF-8 decoder's next text (the decoder drops a BOM that opens the body); malformed UTF-8 is not JSON. */
function decodeUtf8(decoder: TextDecoder, chunk: Buffer | undefined): string {
  try {
    return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
  } catch (err) {
    throw notJson(err);
  }
}

function hasData(root: unknown): boolean {
  const body = (root as { msgBody?: { data?: unknown } } | undefined)?.msgBody;
  return typeof body === 'object' && body !== null && body.data === DATA_STAND_IN;
}

/** No file: the envelope had no data. */
const EMPTY: SpooledFile = {
  size: 0,
  open() {
    throw new Error('no data');
  },
  dispose: async () => {},
};
