import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface KeyPair {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function rsaKey(kid: string): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey };
}

/** A JWKS endpoint on 127.0.0.1 that counts its fetches and can be switched off. */
export async function startJwksServer(keys: KeyPair[]) {
  let fetches = 0;
  let down = false;
  const server: Server = createServer((_req, res) => {
    fetches += 1;
    if (down) {
      res.writeHead(503).end();
      return;
    }
    const jwks = {
      keys: keys.map((k) => ({
        ...(k.publicKey.export({ format: 'jwk' }) as object),
        kid: k.kid,
        use: 'sig',
        alg: 'RS256',
      })),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    setDown(v: boolean) {
      down = v;
    },
    keys,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
