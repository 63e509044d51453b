/**
 * A real redis-server (Debian's package, installed by scripts/setup-test-deps.sh) on a free
 * loopback port, with nothing persisted: stopped and started again on the same port, it comes
 * back empty, as a Redis without persistence does after a crash.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { eventually } from './eventually.js';

export interface RedisServer {
  url: string;
  port: number;
  /** A client of the test's own, for looking at what the gateway stored. */
  client(): Redis;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export interface RedisOptions {
  password?: string;
  /** Serve TLS only, with this certificate and key (rediss://), clients trusting `ca`. */
  tls?: { cert: string; key: string; ca: string };
}

export async function startRedis(extraArgs: string[] = [], opts: RedisOptions = {}): Promise<RedisServer> {
  const { password } = opts;
  const port = await freePort();
  const tlsArgs = opts.tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        opts.tls.cert,
        '--tls-key-file',
        opts.tls.key,
        '--tls-ca-cert-file',
        opts.tls.ca,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  const tlsClient = opts.tls ? { tls: { ca: readFileSync(opts.tls.ca) } } : {};
  let proc: ChildProcess | undefined;
  const clients: Redis[] = [];
  const ping = async () => {
    const c = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      ...(password ? { password } : {}),
      ...tlsClient,
    });
    c.on('error', () => undefined);
    try {
      await c.connect();
      return (await c.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      c.disconnect();
    }
  };
  const start = async () => {
    proc = spawn(
      'redis-server',
      [...tlsArgs, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
      { stdio: 'ignore' },
    );
    await eventually(ping, 'redis-server answers', 10_000);
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `${opts.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    port,
    client() {
      const c = new Redis({
        port,
        host: '127.0.0.1',
        maxRetriesPerRequest: 1,
        ...(password ? { password } : {}),
        ...tlsClient,
      });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    stop,
    start,
    async close() {
      for (const c of clients) c.disconnect();
      await stop();
    },
  };
}
