import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface KeyPair {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function rsaKey(kid: string): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg: 'RS256', privateKey, publicKey };
}

export function ecKey(kid: string): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg: 'ES256', privateKey, publicKey };
}

/**
 * A JWKS endpoint on 127.0.0.1 that counts its fetches. Its keys can change (rotation), it can
 * be down (503), stall after its headers, or publish extra raw JWKs (an `oct` key, say).
 */
export async function startJwksServer(initial: KeyPair[], opts: { tls?: { key: Buffer; cert: Buffer } } = {}) {
  let fetches = 0;
  /** Stalled fetches their client gave up on (its deadline). */
  let abandoned = 0;
  let mode: 'up' | 'down' | 'stall' = 'up';
  let keys = [...initial];
  let extra: object[] = [];
  const stalled = new Set<ServerResponse>();
  const handler = (_req: unknown, res: ServerResponse) => {
    fetches += 1;
    if (mode === 'down') {
      res.writeHead(503).end();
      return;
    }
    const jwks = {
      keys: [
        ...keys.map((k) => ({
          ...(k.publicKey.export({ format: 'jwk' }) as object),
          kid: k.kid,
          use: 'sig',
          alg: k.alg,
        })),
        ...extra,
      ],
    };
    const body = JSON.stringify(jwks);
    if (mode === 'stall') {
      // Headers and a first byte, then nothing: a fetch without a total deadline would hang here.
      res
        .writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) })
        .write(body.slice(0, 1));
      stalled.add(res);
      res.once('close', () => {
        stalled.delete(res);
        abandoned += 1;
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  };
  const server: Server = opts.tls ? createTlsServer(opts.tls, handler) : createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    get abandoned() {
      return abandoned;
    },
    setDown(v: boolean) {
      mode = v ? 'down' : 'up';
    },
    setMode(m: 'up' | 'down' | 'stall') {
      mode = m;
    },
    setKeys(next: KeyPair[], raw: object[] = []) {
      keys = [...next];
      extra = raw;
    },
    get keys() {
      return keys;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of stalled) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
