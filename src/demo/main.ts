/** `npm run demo`: the gateway and its simulators on loopback, ready tokens and curl lines. */
import { createLogger } from '../edge/logging.js';
import { startDemo } from './start.js';

const port = Number(process.env.DEMO_PORT ?? 8080);
const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
const demo = await startDemo({ port, logger });

const out = process.stdout;
out.write(`\ncc-file-gateway demo is running at ${demo.url}\n`);
out.write(`CC-FS simulator (verifies every auth-v2 signature): ${demo.ccfs.url}\n`);
out.write(`CC-Gateway simulator (agents 1001, 2001, 2002; Guid rotated every minute): ${demo.ccgw.url}\n\n`);
out.write('Tokens (HS256, all scopes, valid 12 hours):\n');
for (const [tenant, token] of Object.entries(demo.tokens)) out.write(`export ${tenant.toUpperCase()}_TOKEN=${token}\n`);
out.write('\nTry these (each line works as pasted; files land in the current folder):\n\n');
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
