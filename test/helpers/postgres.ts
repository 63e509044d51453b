/**
 * A real PostgreSQL (Debian's `postgresql` package, installed by scripts/setup-test-deps.sh) in a
 * temporary data directory on a free loopback port, tuned for tests (no fsync: a killed server
 * keeps what it committed, a crashed machine would not). Run as the
 * package's `postgres` user when the tests run as root, since the server refuses root.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { eventually } from './eventually.js';
import { freePort } from './redis.js';

export interface PostgresServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('PostgreSQL is not installed: run scripts/setup-test-deps.sh');
  return join('/usr/lib/postgresql', versions[0]!, 'bin');
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pg-test-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot)
    chownSync(
      dir,
      Number(execFileSync('id', ['-u', 'postgres']).toString()),
      Number(execFileSync('id', ['-g', 'postgres']).toString()),
    );
  const run = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
  const [initCmd, initArgs] = run('initdb', ['-D', data, '-U', 'gateway', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });
  const url = `postgres://gateway@127.0.0.1:${port}/postgres`;
  let proc: ChildProcess | undefined;
  const ping = async () => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  const start = async () => {
    const [cmd, args] = run('postgres', [
      '-D',
      data,
      '-p',
      String(port),
      '-h',
      '127.0.0.1',
      '-k',
      dir,
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
    ]);
    proc = spawn(cmd, args, { stdio: 'ignore' });
    await eventually(ping, 'postgres answers', 30_000);
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    // Immediate shutdown, as a crash would: clients are cut off at once. Through pg_ctl, since
    // runuser does not pass a signal on to the server.
    const [cmd, args] = run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    await new Promise<void>((resolve) => execFile(cmd, args, () => resolve()));
    await exited;
  };
  await start();
  return {
    url,
    port,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
