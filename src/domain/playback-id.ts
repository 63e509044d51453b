/**
 * Contract 3.4: a playback id is the credential for one recording. It is sealed with AES-256-GCM
 * under a key every gateway instance shares, so any instance can open it and none holds state;
 * the tenant is both inside the payload and the additional data, so an id cannot change tenant.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface PlaybackGrant {
  tenantId: string;
  /** The vendor's playVoice token; never leaves the gateway in the clear. */
  vendorToken: string;
  fileName: string;
  expiresAtMs: number;
}

const VERSION = 1;

export function derivePlaybackKey(secret: string): Buffer {
  return createHash('sha256').update('cc-file-gateway/playback/v1\0').update(secret).digest();
}

export function sealPlaybackId(key: Buffer, grant: PlaybackGrant): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const plain = Buffer.from(
    JSON.stringify([VERSION, grant.tenantId, grant.vendorToken, grant.fileName, grant.expiresAtMs]),
  );
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

export type OpenResult = { ok: true; grant: PlaybackGrant } | { ok: false; reason: 'malformed' | 'expired' };

export function openPlaybackId(key: Buffer, id: string, nowMs: number): OpenResult {
  if (id.length < 40 || id.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(id)) return { ok: false, reason: 'malformed' };
  const raw = Buffer.from(id, 'base64url');
  if (raw.length < 12 + 16 + 2) return { ok: false, reason: 'malformed' };
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const plain = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
    const parsed: unknown = JSON.parse(plain.toString('utf8'));
    if (!Array.isArray(parsed) || parsed[0] !== VERSION) return { ok: false, reason: 'malformed' };
    const [, tenantId, vendorToken, fileName, expiresAtMs] = parsed as [number, string, string, string, number];
    if (expiresAtMs <= nowMs) return { ok: false, reason: 'expired' };
    return { ok: true, grant: { tenantId, vendorToken, fileName, expiresAtMs } };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}
