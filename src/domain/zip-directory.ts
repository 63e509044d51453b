/**
 * The entry names of a zip, read from its central directory, which sits at the end of the file
 * (APPNOTE 4.3.12 to 4.3.16). A streamed zip keeps only its last bytes (`TAIL_BYTES`) to name what
 * it held once it has passed: the audit line of a read by call id. Pure: the tail in, the names
 * out, or undefined when they cannot be read from it (a directory larger than the tail, zip64,
 * not a zip). Never throws on any input.
 */

/** What a streamed answer keeps of its end: the end record with its longest comment, and a directory of a few hundred entries. */
export const TAIL_BYTES = 128 * 1024;

const END_SIGNATURE = 0x06054b50;
const ENTRY_SIGNATURE = 0x02014b50;
const END_FIXED = 22;
const ENTRY_FIXED = 46;
/** The names an audit line carries at most. */
const MAX_NAMES = 64;

/**
 * `tail`: the last bytes of a zip of `total` bytes in all. The names in directory order (at most
 * 64, each cut at 256 characters), or undefined.
 */
export function zipEntryNames(tail: Buffer, total: number): string[] | undefined {
  if (tail.length < END_FIXED || total < tail.length) return undefined;
  // The end record is the last thing in the file but for its comment (at most 65,535 bytes).
  for (let at = tail.length - END_FIXED; at >= Math.max(0, tail.length - END_FIXED - 0xffff); at -= 1) {
    if (tail.readUInt32LE(at) !== END_SIGNATURE) continue;
    if (at + END_FIXED + tail.readUInt16LE(at + 20) !== tail.length) continue;
    return directory(tail, total, at);
  }
  return undefined;
}

function directory(tail: Buffer, total: number, end: number): string[] | undefined {
  const entries = tail.readUInt16LE(end + 10);
  const size = tail.readUInt32LE(end + 12);
  const offset = tail.readUInt32LE(end + 16);
  if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) return undefined; // zip64
  // Where the directory starts within the tail, if it does.
  let at = offset - (total - tail.length);
  if (at < 0 || at + size > end) return undefined;
  const names: string[] = [];
  for (let i = 0; i < entries; i += 1) {
    if (at + ENTRY_FIXED > end || tail.readUInt32LE(at) !== ENTRY_SIGNATURE) return undefined;
    const nameLength = tail.readUInt16LE(at + 28);
    const next = at + ENTRY_FIXED + nameLength + tail.readUInt16LE(at + 30) + tail.readUInt16LE(at + 32);
    if (next > end) return undefined;
    // Bit 11: UTF-8 names; without it CP437, which for the ASCII names seen in practice reads the same.
    const encoding = tail.readUInt16LE(at + 8) & 0x800 ? 'utf8' : 'latin1';
    if (names.length < MAX_NAMES)
      names.push(tail.toString(encoding, at + ENTRY_FIXED, at + ENTRY_FIXED + nameLength).slice(0, 256));
    at = next;
  }
  return names;
}

/** Keeps the last `TAIL_BYTES` of a stream of chunks, without copying them as they pass. */
export class TailKeeper {
  private chunks: Buffer[] = [];
  private held = 0;
  total = 0;
  /** The stream's first four bytes (a zip's local header signature). */
  start: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    if (this.start.length < 4) this.start = Buffer.concat([this.start, chunk.subarray(0, 4 - this.start.length)]);
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.held += chunk.length;
    while (this.chunks.length > 1 && this.held - this.chunks[0]!.length >= TAIL_BYTES) {
      this.held -= this.chunks.shift()!.length;
    }
  }

  tail(): Buffer {
    const all = Buffer.concat(this.chunks);
    return all.length > TAIL_BYTES ? all.subarray(all.length - TAIL_BYTES) : all;
  }
}
