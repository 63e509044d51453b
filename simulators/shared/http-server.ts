/** The listening part both simulators share: HTTP or HTTPS on 127.0.0.1, its URL, and a hard close. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface SimTls {
  key: Buffer;
  cert: Buffer;
}

export class SimHttpServer {
  readonly server: Server;
  private readonly scheme: 'http' | 'https';

  constructor(handler: (req: IncomingMessage, res: ServerResponse) => void, tls?: SimTls) {
    // The vendors keep connections a long time; a client's keep-alive must be the shorter one.
    this.server = tls
      ? createTlsServer({ keepAliveTimeout: 60_000, ...tls }, handler)
      : createServer({ keepAliveTimeout: 60_000 }, handler);
    this.scheme = tls ? 'https' : 'http';
    this.server.on(tls ? 'secureConnection' : 'connection', (socket: { once(e: 'close', f: () => void): void }) => {
      this.open += 1;
      socket.once('close', () => {
        this.open -= 1;
      });
    });
  }

  private open = 0;

  /** Client connections open now. */
  get openConnections(): number {
    return this.open;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, host, resolve));
    return this.url;
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    return `${this.scheme}://${a.address}:${a.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
