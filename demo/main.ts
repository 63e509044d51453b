/** `npm run demo`: the gateway and its simulators on loopback, ready tokens, curl lines and a player page. */
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createLogger } from '../src/edge/logging.js';
import { parseDemoArgs } from './args.js';
import { startDemo } from './start.js';

const args = parseDemoArgs(process.argv.slice(2));
const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
// The audit trail goes to a file the demo names, not into the terminal between the curl lines.
const auditFile = join(process.cwd(), '.demo', 'audit.log');
// What the curl lines download goes to a folder of its own, not among the project's files.
const outDir = join(process.cwd(), '.demo', 'files');
mkdirSync(outDir, { recursive: true });
const demo = await startDemo({ port: args.port, logger, audit: auditFile, playerPort: args.playerPort, outDir });

const out = process.stdout;
out.write(`\ncc-file-gateway demo is running at ${demo.url}\n`);
out.write(`  CC-FS simulator (verifies every auth-v2 signature): ${demo.ccfs.url}\n`);
out.write(`  CC-Gateway simulator (agents 1001, 2001, 2002; Guid rotated every minute): ${demo.ccgw.url}\n`);
out.write(`  Player page (another origin, allowed by CORS; plays and seeks): ${demo.playerUrl}\n`);
out.write(`  Audit trail: ${demo.auditFile}\n\n`);
out.write('Paste these first (tokens: HS256, all scopes, valid 12 hours):\n\n');
for (const line of demo.exports) out.write(`${line}\n`);
out.write(
  `\nThen try these (files land in ${relative(process.cwd(), outDir)}/; playback lines make a fresh URL each time):\n\n`,
);
for (const line of demo.curlLines) out.write(`${line}\n`);
out.write('\nMore tokens: npm run token -- --tenant globex --scope recordings:read\nCtrl-C stops the demo.\n');

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  demo.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
