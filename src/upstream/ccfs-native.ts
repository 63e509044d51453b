/**
 * Contract 3.7: a partner's envelope, already checked by the route, wrapped in the vendor's
 * envelope, signed for the tenant (auth-v2) and sent through the tenant's CC-FS endpoint like
 * every other vendor call: same pool, timeouts, TLS and breakers. Only the gateway's own headers
 * reach the vendor; the vendor's answer comes back as it came, minus hop-by-hop headers and cookies.
 */

import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { CCFS_ENVELOPE_VERSION } from '../protocol/ccfs.js';
import { type CcfsTenant, sendCcfsPost } from './ccfs.js';
import type { CcfsNative, NativeAnswer } from './ports.js';
import { uploadFileBody } from './upload-body.js';
import { refuseNon200 } from './vendor-errors.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
]);
/** Vendor cookies are load-balancer stickiness for the gateway's own connection, never the caller's. */
const NEVER_PASSED = new Set(['set-cookie', 'set-guid']);

/** The vendor's headers a partner may see: end-to-end ones only. */
function passableHeaders(headers: Dispatcher.ResponseData['headers']): NativeAnswer['headers'] {
  const named = new Set(
    String(headers.connection ?? '')
      .toLowerCase()
      .split(',')
      .map((s) => s.trim()),
  );
  const out: NativeAnswer['headers'] = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || NEVER_PASSED.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

export function createCcfsNative({
  tenants,
  now,
  logger,
}: {
  tenants: ReadonlyMap<string, CcfsTenant>;
  now: () => number;
  logger: Logger;
}): CcfsNative {
  return {
    async forward(call, signal) {
      const t = tenants.get(call.tenantId);
      if (!t) throw new Error(`no CC-FS credentials for tenant ${call.tenantId}`);
      // Serialised once, from checked fields only: what is signed is what was checked. An upload's
      // data is re-encoded from the checked file as it is signed and sent.
      const body =
        'file' in call
          ? uploadFileBody(call.file)
          : JSON.stringify({ request: { version: CCFS_ENVELOPE_VERSION }, msgBody: call.msgBody });
      // Through the tenant's breakers (fail fast while CC-FS is failing); never retried.
      return t.guarded(
        call.operation,
        async () => {
          const res = await sendCcfsPost(t, call.operation, call.query, body, now(), signal);
          // Any status but 200 is ours to explain: a load balancer's error page is not passed on.
          refuseNon200(res, 'ccfs', call.operation, logger);
          return { headers: passableHeaders(res.headers), body: res.body };
        },
        { signal },
      );
    },
  };
}
