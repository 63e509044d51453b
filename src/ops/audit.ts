/**
 * The audit trail (issue 5): one JSON line per access to a recording or file, on a channel of its
 * own (not the application log), with the bytes actually sent, even when the transfer was cut.
 */
import { createWriteStream } from 'node:fs';
import pino, { type Logger } from 'pino';

export interface AuditRecord {
  requestId: string;
  tenant: string | undefined;
  subject: string | undefined;
  operation: string;
  /** A path or a call id; never a playback id or vendor token. */
  target: string;
  status: number;
  bytesSent: number;
  durationMs: number;
  clientAddress: string | undefined;
  /** False when the answer ended before it was complete. */
  complete: boolean;
}

export interface Audit {
  /** False when the destination is `off`: the request lines then stand in for the audit lines. */
  readonly enabled: boolean;
  record(r: AuditRecord): void;
  /** Flushes and closes a file destination. */
  close(): Promise<void>;
}

/** `stdout`, `stderr`, `off`, or a file path (appended, created mode 0600). */
export function createAudit(destination: string): Audit {
  if (destination === 'off') return { enabled: false, record: () => undefined, close: async () => undefined };
  const file =
    destination === 'stdout' || destination === 'stderr'
      ? undefined
      : createWriteStream(destination, { flags: 'a', mode: 0o600 });
  const logger: Logger = pino(
    { base: { channel: 'audit' }, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'event' },
    file ?? pino.destination(destination === 'stdout' ? 1 : 2),
  );
  return {
    enabled: true,
    record: (r) => logger.info(r, 'access'),
    close: () => new Promise<void>((resolve) => (file ? file.end(resolve) : resolve())),
  };
}
