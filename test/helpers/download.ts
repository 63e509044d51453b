import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Response as AgentResponse } from 'supertest';

/** A supertest `.parse()` that keeps a small binary body as a Buffer. */
export function binaryBody(res: AgentResponse, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

export interface DownloadResult {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: number;
  sha256: string;
  /** Set when the connection ended before a complete body. */
  error?: Error;
}

/** A plain client that hashes as it reads, so no test holds a large body in memory; a GET unless `body` is given (then a POST). */
export function download(
  url: string,
  headers: Record<string, string> = {},
  opts: { abortAfterBytes?: number; body?: string } = {},
): Promise<DownloadResult> {
  return new Promise((resolve, reject) => {
    const method = opts.body === undefined ? 'GET' : 'POST';
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      let settled = false;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          bytes,
          sha256: hash.digest('hex'),
          ...(error ? { error } : {}),
        });
      };
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
        if (opts.abortAfterBytes !== undefined && bytes >= opts.abortAfterBytes) {
          req.destroy();
          finish(new Error('aborted by the test'));
        }
      });
      res.on('end', () => finish(res.complete ? undefined : new Error('incomplete body')));
      res.on('error', (e) => finish(e));
      res.on('aborted', () => finish(new Error('aborted')));
    });
    req.on('error', (e) => reject(e));
    req.end(opts.body);
  });
}
