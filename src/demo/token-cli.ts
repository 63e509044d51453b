/** `npm run token -- --tenant acme [--scope "a b"] [--sub name] [--ttl 3600] [--config file]`: a development JWT. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseConfigText } from '../config/load.js';
import { DEMO_CONFIG, demoEnv } from './env.js';
import { ALL_SCOPES, mintToken } from './mint.js';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string', default: 'acme' },
    scope: { type: 'string' },
    sub: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
    config: { type: 'string' },
  },
});
const file = values.config ?? fileURLToPath(DEMO_CONFIG);
const config = parseConfigText(
  readFileSync(file, 'utf8'),
  demoEnv({ DEMO_CCFS_URL: 'http://127.0.0.1:1', DEMO_CCGW_URL: 'http://127.0.0.1:1' }),
);
const issuer = config.auth.issuers.find((i) => i.secret !== undefined);
if (!issuer) {
  process.stderr.write(`${file} has no shared-secret (HS*) issuer to mint for\n`);
  process.exit(2);
}
if (!config.tenants.some((t) => t.id === values.tenant)) {
  process.stderr.write(`unknown tenant ${values.tenant}; configured: ${config.tenants.map((t) => t.id).join(', ')}\n`);
  process.exit(2);
}
process.stdout.write(
  `${mintToken({
    secret: issuer.secret!,
    issuer: issuer.issuer,
    audience: Array.isArray(issuer.audience) ? issuer.audience[0]! : issuer.audience,
    tenant: values.tenant!,
    scopes: values.scope ? values.scope.split(/[ ,]+/) : ALL_SCOPES,
    subject: values.sub ?? `dev-${values.tenant}`,
    expiresInSec: Number(values.ttl),
    tenantClaim: config.auth.tenantClaim,
  })}\n`,
);
