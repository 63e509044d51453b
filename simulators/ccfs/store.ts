/**
 * The simulator's file server: vendor paths (`Y:/53/0/...`, backslashes allowed) mapped onto a
 * local folder, one subfolder per drive letter, as the vendor's file server maps its drives.
 */
import { createWriteStream, mkdirSync, readdirSync, readFileSync, type Stats, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const DEFAULT_DRIVE = 'Y';

export interface VendorPath {
  drive: string;
  segments: string[];
  /** Canonical form, e.g. `Y:/53/0/x.V3`. */
  canonical: string;
}

/** Parses a vendor path; undefined for anything a file server would refuse or misread. */
export function parseVendorPath(input: string): VendorPath | undefined {
  const s = input.replace(/\\/g, '/');
  const m = /^(?:([A-Za-z]):)?(\/.*)$/.exec(s);
  if (!m) return undefined;
  const drive = (m[1] ?? DEFAULT_DRIVE).toUpperCase();
  const segments = m[2]!.split('/').slice(1);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the vendor refuses control characters in a path segment
  if (segments.some((seg) => seg === '' || seg === '.' || seg === '..' || /[\0-\x1f:*?"<>|%]/.test(seg)))
    return undefined;
  return { drive, segments, canonical: `${drive}:/${segments.join('/')}` };
}

/** The VDN a path belongs to: `/{vdn}/...`, or `/3rdfile|voice|record/{vdn}/...` (cc-protocol 4). */
export function vdnOfPath(p: VendorPath): number | undefined {
  const seg = ['3rdfile', 'voice', 'record'].includes(p.segments[0] ?? '') ? p.segments[1] : p.segments[0];
  return seg !== undefined && /^\d+$/.test(seg) ? Number(seg) : undefined;
}

export class FileStore {
  readonly root: string;
  private readonly calls = new Map<string, string[]>();

  constructor(root: string) {
    this.root = root;
    mkdirSync(root, { recursive: true });
  }

  diskPath(p: VendorPath): string {
    return join(this.root, p.drive, ...p.segments);
  }

  /** Stores a file; the path must parse. Returns its canonical vendor path. */
  async put(vendorPath: string, data: Buffer | Readable): Promise<string> {
    const p = parseVendorPath(vendorPath);
    if (!p) throw new Error(`not a vendor path: ${vendorPath}`);
    const disk = this.diskPath(p);
    mkdirSync(dirname(disk), { recursive: true });
    if (Buffer.isBuffer(data)) writeFileSync(disk, data);
    else await pipeline(data, createWriteStream(disk));
    return p.canonical;
  }

  /** A stored file's bytes (small files: tests compare them with what they downloaded). */
  read(vendorPath: string): Buffer {
    const p = parseVendorPath(vendorPath);
    if (!p) throw new Error(`not a vendor path: ${vendorPath}`);
    return readFileSync(this.diskPath(p));
  }

  stat(p: VendorPath): Stats | undefined {
    try {
      return statSync(this.diskPath(p));
    } catch {
      return undefined;
    }
  }

  /** The regular files directly inside a directory (mode 1 of ivr/downloadFile). */
  filesIn(p: VendorPath): string[] | undefined {
    try {
      return readdirSync(this.diskPath(p), { withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => d.name)
        .sort();
    } catch {
      return undefined;
    }
  }

  addCall(callId: string, fileNames: string[]): void {
    this.calls.set(callId, fileNames);
  }

  call(callId: string): string[] | undefined {
    return this.calls.get(callId);
  }
}
