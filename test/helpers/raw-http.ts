/**
 * HTTP/1.1 over a bare socket, for what a normal client hides: when the server answers relative
 * to how much of the body was sent, and what it sends before `100 Continue`.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  /** Every byte the server sent, as latin1 text. */
  text: string;
  status: number;
  /** Body bytes the test managed to send before the answer came or the socket closed. */
  bodySent: number;
}

/**
 * Sends `head` (request line and headers, without the blank line), then calls `nextChunk` for
 * body pieces while the server has not answered; stops at the first answer byte or `undefined`.
 */
export function rawRequest(
  url: string,
  head: string,
  nextChunk: (sent: number) => Buffer | undefined,
  opts: { pauseMs?: number } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    let bodySent = 0;
    let answered = false;
    const pump = () => {
      if (answered || socket.destroyed) return;
      const chunk = nextChunk(bodySent);
      if (!chunk) return;
      socket.write(chunk, () => {
        bodySent += chunk.length;
        setTimeout(pump, opts.pauseMs ?? 0);
      });
    };
    socket.on('connect', () => {
      socket.write(`${head}\r\n\r\n`);
      setTimeout(pump, opts.pauseMs ?? 0);
    });
    socket.on('data', (d: Buffer) => {
      answered = true;
      text += d.toString('latin1');
      // A whole answer is in (its Content-Length of body): done, whether or not the server closes.
      if (complete(text)) socket.destroy();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (!answered && e.code !== 'ECONNRESET' && e.code !== 'EPIPE') reject(e);
    });
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(finalAnswer(text));
      resolve({ text, status: m ? Number(m[1]) : 0, bodySent });
    });
    // An answer without a length ends with the connection; give up on anything else.
    setTimeout(() => socket.destroy(), 5000).unref();
  });
}

/** The answer after any interim `100 Continue`. */
const finalAnswer = (text: string) => text.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');

/** Whether `text` holds a final answer's headers and all of the body its Content-Length announces. */
function complete(text: string): boolean {
  const answer = finalAnswer(text);
  const end = answer.indexOf('\r\n\r\n');
  if (!/^HTTP\/1\.1 \d{3}/.test(answer) || end < 0) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(answer.slice(0, end))?.[1];
  return length !== undefined && answer.length - end - 4 >= Number(length);
}
