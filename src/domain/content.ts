/** Contract section 3: download headers derived from the bytes and the file name. */
import formatDisposition from 'content-disposition';

export const MIN_SNIFF_BYTES = 12;

export function sniffContentType(head: Uint8Array): string {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'audio/wav';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)
    return 'application/zip';
  return 'application/octet-stream';
}

/** The last segment of a vendor path (`\` or `/` separated). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || 'download';
}

/**
 * The Content-Disposition of a download: `attachment`, or `inline` for playback in a page, with a
 * quoted name and, when the name is not plain ASCII, RFC 5987 `filename*` (the
 * `content-disposition` package, which keeps quotes and control characters out).
 */
export function contentDisposition(fileName: string, type: 'attachment' | 'inline' = 'attachment'): string {
  return formatDisposition(fileName || 'download', { type });
}

const EXTENSION: Readonly<Record<string, string>> = { 'audio/wav': '.wav', 'application/zip': '.zip' };

/**
 * The name a file leaves the gateway with: its extension follows what it is, so a player or an
 * unzipper opens it (the vendor's `4411223.V3` is a WAV: `4411223.wav`). Unknown types keep theirs.
 */
export function downloadName(name: string, contentType: string): string {
  const ext = EXTENSION[contentType];
  if (!ext || name.toLowerCase().endsWith(ext)) return name;
  const dot = name.lastIndexOf('.');
  return `${dot > 0 ? name.slice(0, dot) : name}${ext}`;
}

/** Characters of the base64 text of `bytes` bytes (padding included). */
export const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);
