/** Contract section 3: download headers derived from the bytes and the file name. */

export const MIN_SNIFF_BYTES = 12;

export function sniffContentType(head: Uint8Array): string {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'audio/wav';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'application/zip';
  return 'application/octet-stream';
}

/** The last segment of a vendor path (`\` or `/` separated). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || 'download';
}

/**
 * `attachment` with a quoted ASCII name, plus RFC 5987 `filename*` when the name is not plain
 * ASCII; quotes, backslashes and control characters never reach the header.
 */
export function contentDisposition(fileName: string): string {
  const safe = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_') || 'download';
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return safe === fileName ? `attachment; filename="${safe}"` : `attachment; filename="${safe}"; filename*=UTF-8''${encoded}`;
}

/** For a download by call: a zip is named after the call, a single recording after the call too. */
export function callDownloadName(callId: string, contentType: string): string {
  return contentType === 'application/zip' ? `${callId}.zip` : contentType === 'audio/wav' ? `${callId}.wav` : callId;
}

/** Characters of the base64 text of `bytes` bytes (padding included). */
export const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);
