import { parseCli } from '../src/cli.js';

const USAGE = `usage: npm run demo [-- --port <n>] [--player-port <n>]

Starts the CC-FS and CC-Gateway simulators, the gateway (http://127.0.0.1:<port>, default 8080 or
DEMO_PORT) and a player page on loopback, then prints tokens and working curl lines.

  --port <n>          the gateway's port (0: any free port)
  --player-port <n>   the player page's port (default: any free port)
  -h, --help          this text
      --version       the version

Environment: DEMO_PORT (the gateway's port), LOG_LEVEL (the gateway's log level: warn by default;
info shows a line per request, debug more). Downloads land in .demo/files/, the audit trail in
.demo/audit.log.
`;

export function parseDemoArgs(argv: string[]): { port: number; playerPort: number } {
  const v = parseCli(argv, {
    name: 'cc-file-gateway demo',
    usage: USAGE,
    options: { port: { type: 'string' }, 'player-port': { type: 'string' } },
  });
  const num = (value: unknown, fallback: number, what: string) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      process.stderr.write(`cc-file-gateway demo: ${what} must be a port number\n\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  return {
    port: num(v.port ?? process.env.DEMO_PORT, 8080, '--port'),
    playerPort: num(v['player-port'], 0, '--player-port'),
  };
}
