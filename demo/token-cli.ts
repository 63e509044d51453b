/** `npm run token -- --tenant acme [--scope "a b"] [--sub name] [--ttl 3600] [--config file]`: a development JWT. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCli } from '../src/cli.js';
import { ConfigError, parseConfigText } from '../src/config/load.js';
import type { GatewayConfig } from '../src/config/schema.js';
import { DEMO_CONFIG, demoEnv } from './env.js';
import { ALL_SCOPES, mintToken } from './mint.js';

const USAGE = `usage: npm run token -- [--tenant <id>] [--scope "<scope> <scope>"] [--sub <name>] [--ttl <seconds>] [--config <file>]

Mints an HS256 token for the first shared-secret issuer of the configuration (the demo's by default).

      --tenant <id>     the tenant claim (default acme)
      --scope <list>    space- or comma-separated scopes (default: all of them)
      --sub <name>      the subject (default dev-<tenant>)
      --ttl <seconds>   lifetime (default 3600)
      --config <file>   a configuration with an HS* issuer (default config/demo.yaml)
  -h, --help            this text
      --version         the version
`;

const fail = (message: string): never => {
  process.stderr.write(`token: ${message}\n`);
  process.exit(2);
};

const values = parseCli(process.argv.slice(2), {
  name: 'cc-file-gateway token',
  usage: USAGE,
  options: {
    tenant: { type: 'string' },
    scope: { type: 'string' },
    sub: { type: 'string' },
    ttl: { type: 'string' },
    config: { type: 'string' },
  },
});
const tenant = (values.tenant as string | undefined) ?? 'acme';
const ttl = Number(values.ttl ?? 3600);
if (!Number.isInteger(ttl) || ttl <= 0) fail('--ttl must be a whole number of seconds');
const file = (values.config as string | undefined) ?? fileURLToPath(DEMO_CONFIG);
let config: GatewayConfig | undefined;
try {
  config = parseConfigText(
    readFileSync(file, 'utf8'),
    demoEnv({ DEMO_CCFS_URL: 'http://127.0.0.1:1', DEMO_CCGW_URL: 'http://127.0.0.1:1' }),
  );
} catch (err) {
  fail(
    err instanceof ConfigError
      ? `${file}: ${err.message}`
      : `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
  );
}
const cfg = config!;
const issuer =
  cfg.auth.issuers.find((i) => i.secret !== undefined) ?? fail(`${file} has no shared-secret (HS*) issuer to mint for`);
if (!cfg.tenants.some((t) => t.id === tenant))
  fail(`unknown tenant ${tenant}; configured: ${cfg.tenants.map((t) => t.id).join(', ')}`);
const scope = values.scope as string | undefined;
process.stdout.write(
  `${mintToken({
    secret: issuer.secret!,
    issuer: issuer.issuer,
    audience: Array.isArray(issuer.audience) ? issuer.audience[0]! : issuer.audience,
    tenant,
    scopes: scope ? scope.split(/[ ,]+/) : ALL_SCOPES,
    subject: (values.sub as string | undefined) ?? `dev-${tenant}`,
    expiresInSec: ttl,
    tenantClaim: cfg.auth.tenantClaim,
  })}\n`,
);
