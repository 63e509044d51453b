import { createLogger } from '../../src/edge/logging.js';

/** A real pino logger whose every line is kept, to assert on what was logged. */
export function captureLogger(level = 'debug') {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (s: string) => void lines.push(s) });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
