/**
 * The audit trail (issue 5): one JSON line per access to a recording or file, on a channel of its
 * own (not the application log), with the bytes actually sent, even when the transfer was cut.
 */
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
  /** The entries of a zip a read by call id returned, from its central directory. */
  files?: string[];
  /** Items a search answered. */
  count?: number;
  /** Present when the vendor cut the stream and it was asked for again. */
  resumes?: { attempts: number; resumed: number; mismatched: number; failed: number };
}

export interface Audit {
  /** False when the destination is `off`: the request lines then stand in for the audit lines. */
  readonly enabled: boolean;
  record(r: AuditRecord): void;
  /** Flushes and closes a file destination. */
  close(): Promise<void>;
}

/**
 * `stdout`, `stderr`, `off`, or a file path (appended, created mode 0600). A line is written when
 * the request ends, synchronously, like pino's own standard output: nothing waits in a buffer to be
 * lost with the process, and no thread-pool round trip is paid per request (a write stream cost
 * about five futex calls, an eventfd write and read, and a loop turn per line).
 */
export function createAudit(destination: string): Audit {
  if (destination === 'off') return { enabled: false, record: () => undefined, close: async () => undefined };
  const file =
    destination === 'stdout' || destination === 'stderr'
      ? undefined
      : pino.destination({ dest: destination, sync: true, append: true, mode: 0o600 });
  const logger: Logger = pino(
    { base: { channel: 'audit' }, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'event' },
    file ?? pino.destination(destination === 'stdout' ? 1 : 2),
  );
  return {
    enabled: true,
    record: (r) => logger.info(r, 'access'),
    close: async () => {
      file?.end();
    },
  };
}
