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
 * `attachment` with a quoted name and, when the name is not plain ASCII, RFC 5987 `filename*`
 * (the `content-disposition` package, which keeps quotes and control characters out).
 */
export function contentDisposition(fileName: string): string {
  return formatDisposition(fileName || 'download', { type: 'attachment' });
}

/** For a download by call: a zip is named after the call, a single recording after the call too. */
export function callDownloadName(callId: string, contentType: string): string {
  return contentType === 'application/zip' ? `${callId}.zip` : contentType === 'audio/wav' ? `${callId}.wav` : callId;
}

/** Characters of the base64 text of `bytes` bytes (padding included). */
export const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);
