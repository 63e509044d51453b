/**
 * Listening and graceful shutdown: the inbound limits Node enforces, in-flight tracking, and the
 * drain (readiness first, then the listener, then the in-flight requests within a grace period).
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from './config/schema.js';

export interface GatewayServer {
  server: Server;
  /** True from the start of `close()`: readiness reports it so load balancers look elsewhere. */
  readonly draining: boolean;
  listen(port: number, host: string): Promise<string>;
  /**
   * Marks the instance draining, waits `drainDelayMs`, stops accepting and closes idle sockets,
   * lets in-flight requests finish within `graceMs`, then cuts what is left.
   */
  close(graceMs: number, drainDelayMs: number): Promise<void>;
}

/**
 * At most `cap` open connections per peer address (0: no cap). One address opening thousands of
 * idle connections would use up the process's sockets for everybody; its connections past the cap
 * are closed as they are accepted, before any byte is read. The peer is the socket's: behind a
 * proxy every client shares the proxy's address, so the cap must allow for the proxy's pool.
 */
function capConnectionsPerAddress(server: Server, cap: number): void {
  if (cap === 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    const n = (open.get(address) ?? 0) + 1;
    if (n > cap) {
      socket.destroy();
      return;
    }
    open.set(address, n);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

export function createGatewayServer(app: RequestListener, cfg: GatewayConfig['server']): GatewayServer {
  const server = createServer(
    {
      maxHeaderSize: cfg.maxHeaderBytes,
      headersTimeout: cfg.headersTimeoutMs,
      requestTimeout: cfg.requestTimeoutMs,
      keepAliveTimeout: cfg.keepAliveTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default): a slowloris would outlive them.
      connectionsCheckingInterval: Math.min(1000, Math.ceil(cfg.headersTimeoutMs / 2)),
    },
    app,
  );
  // Node would answer `100 Continue` at once; the route that reads a body sends it after its checks.
  server.on('checkContinue', (req, res) => server.emit('request', req, res));
  capConnectionsPerAddress(server, cfg.maxConnectionsPerAddress);

  let draining = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  server.on('request', (_req, res) => {
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
  });

  return {
    server,
    get draining() {
      return draining;
    },
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const a = server.address() as AddressInfo;
      return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    },
    async close(graceMs, drainDelayMs) {
      draining = true;
      if (drainDelayMs > 0 && server.listening) await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => {
            drained = resolve;
          }),
          new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
