/**
 * A TLS handshake that failed (untrusted or expired certificate, wrong name, protocol mismatch):
 * a configuration problem, never worth a retry. Node and undici report it by code, on the error
 * or on its cause.
 */
const TLS_CODE = /CERT|TLS|SSL|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|SELF_SIGNED|EPROTO/;

export function isTlsFailure(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    e = e.cause as typeof e, depth += 1
  ) {
    if (typeof e.code === 'string' && TLS_CODE.test(e.code)) return true;
  }
  return false;
}
