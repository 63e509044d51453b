/**
 * A typed client for cc-file-gateway: every route and its parameters come from `schema.ts`,
 * generated from the gateway's OpenAPI document (`npm run client`), and calls go through
 * openapi-fetch. Three helpers cover what a generated call does not: a download that hands back the
 * stream (never the whole file in memory) with its name and type, an upload of a raw WAV body, and
 * a playback URL ready for an <audio> element. Built to JavaScript and declarations (`npm pack`),
 * so it runs under plain Node.js as well as under a TypeScript loader.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, paths };
export type Problem = components['schemas']['Problem'];
/** The filters of `GET /v1/calls` (contract 6.2), without the cursor: `searchCalls()` follows it. */
export type CallQuery = Omit<paths['/v1/calls']['get']['parameters']['query'], 'cursor'>;
/** One call of a search answer, with its recordings. */
export type CallItem = NonNullable<
  paths['/v1/calls']['get']['responses'][200]['content']['application/json']
>['items'][number];

/** An error answer of the gateway: the contract's problem+json, with its HTTP status. */
export class GatewayProblem extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;
  // Fields assigned by hand, not constructor parameter properties: Node's type stripping refuses those.
  constructor(status: number, problem: Problem | undefined) {
    super(problem ? `${status} ${problem.code}: ${problem.detail}` : `HTTP ${status}`);
    this.name = 'GatewayProblem';
    this.status = status;
    this.problem = problem;
  }
}

/** What an upload stored: the vendor's file name (read it back with `/v1/ivr-files?path=`) and where. */
export type Uploaded = { fileName: string; locationIds?: unknown };

export interface ClientOptions {
  /** The gateway, e.g. `https://gateway.example.internal` (no trailing slash needed). */
  baseUrl: string;
  /** A bearer token, or a function that returns a fresh one for each call. */
  token?: string | (() => string | Promise<string>);
  fetch?: typeof fetch;
}

export interface Download {
  /** The body, still streaming: pipe it somewhere; it is never read here. */
  stream: ReadableStream<Uint8Array>;
  /** From Content-Disposition: the name the file leaves the gateway with (`4411223.wav`). */
  fileName: string | undefined;
  contentType: string;
  /** Bytes to come, when the gateway knows (for a range: the range's). */
  contentLength: number | undefined;
  /** 200 for the whole file, 206 for a range. */
  status: number;
}

type DownloadPath =
  | '/v1/recordings'
  | '/v1/calls/{callId}/recordings'
  | '/v1/ivr-files'
  | '/v1/agent-recordings'
  | '/v1/recordings/playback/{playbackId}';

export interface GatewayClient {
  /** The typed openapi-fetch client: `api.GET('/v1/recordings', { params: { query: { fileName } } })`. */
  api: Client<paths>;
  /** A download as a stream, with its name; `range` (`bytes=0-1023`) asks for part of it. */
  download<P extends DownloadPath>(
    path: P,
    params: paths[P]['get']['parameters'] extends infer X ? Omit<X & object, 'header' | 'cookie'> : never,
    opts?: { range?: string; signal?: AbortSignal },
  ): Promise<Download>;
  /** A playback URL (absolute) for an <audio> element, and when it stops working. */
  playbackUrl(fileName: string): Promise<{ url: string; expiresAt: string }>;
  /**
   * Uploads a WAV (8 bit, 8000 Hz, mono, A-law or mu-law) as the raw body of `POST /v1/ivr-files`
   * (a JSON body is 415 there). `vdnId` is needed when the tenant has several VDNs.
   */
  upload(
    wav: Uint8Array | Blob | ReadableStream<Uint8Array>,
    opts?: { vdnId?: number; signal?: AbortSignal },
  ): Promise<Uploaded>;
  /**
   * Every call of a search, newest first, page after page (`next` followed until it is null):
   * `for await (const call of gw.searchCalls({ from, to, number }))`. Stop early with `break`.
   */
  searchCalls(query: CallQuery, opts?: { signal?: AbortSignal }): AsyncGenerator<CallItem, void, undefined>;
}

function fileNameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) return decodeURIComponent(star[1]!);
  return /filename="([^"]*)"/i.exec(disposition)?.[1];
}

export function createGatewayClient(opts: ClientOptions): GatewayClient {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const api = createClient<paths>({ baseUrl, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  api.use({
    async onRequest({ request }) {
      if (opts.token !== undefined && !request.headers.has('authorization')) {
        const token = typeof opts.token === 'function' ? await opts.token() : opts.token;
        request.headers.set('Authorization', `Bearer ${token}`);
      }
      return request;
    },
  });
  return {
    api,
    async download(path, params, o = {}) {
      const { response, error } = await (
        api.GET as (p: string, init: object) => Promise<{ response: Response; error?: unknown }>
      )(path, {
        params,
        parseAs: 'stream',
        headers: o.range ? { Range: o.range } : {},
        ...(o.signal ? { signal: o.signal } : {}),
      });
      if (!response.ok || !response.body) throw new GatewayProblem(response.status, error as Problem | undefined);
      const length = response.headers.get('content-length');
      return {
        stream: response.body,
        fileName: fileNameOf(response.headers.get('content-disposition')),
        contentType: response.headers.get('content-type') ?? 'application/octet-stream',
        contentLength: length === null ? undefined : Number(length),
        status: response.status,
      };
    },
    async upload(wav, o = {}) {
      const { data, error, response } = await api.POST('/v1/ivr-files', {
        params: { query: o.vdnId === undefined ? {} : { vdnId: String(o.vdnId) } },
        // The body goes as it is: openapi-fetch would serialise it as JSON.
        body: wav as never,
        bodySerializer: (body: unknown) => body,
        headers: { 'Content-Type': 'audio/wav' },
        ...(o.signal ? { signal: o.signal } : {}),
        // A stream body needs half-duplex in Node's fetch.
        ...(wav instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as never);
      if (!data) throw new GatewayProblem(response.status, error as Problem | undefined);
      return data as Uploaded;
    },
    async *searchCalls(query, o = {}) {
      let cursor: string | undefined;
      do {
        const { data, error, response } = await api.GET('/v1/calls', {
          params: { query: { ...query, ...(cursor ? { cursor } : {}) } },
          ...(o.signal ? { signal: o.signal } : {}),
        });
        if (!data) throw new GatewayProblem(response.status, error as Problem | undefined);
        yield* data.items;
        cursor = data.next ?? undefined;
      } while (cursor);
    },
    async playbackUrl(fileName) {
      const { data, error, response } = await api.POST('/v1/recordings/playback', { body: { fileName } });
      if (!data) throw new GatewayProblem(response.status, error as Problem | undefined);
      return { url: `${baseUrl}${data.url}`, expiresAt: data.expiresAt };
    },
  };
}
