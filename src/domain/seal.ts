/**
 * AES-256-GCM sealing: what the gateway hands out (playback ids) or keeps in a shared store (agent
 * Guids and cookies) is unreadable and tamper-evident without the configured secret. Each use derives
 * its own key from its secret with a label, so that one sealed value is never valid as another.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export function deriveKey(label: string, secret: string): Buffer {
  return createHash('sha256').update(`cc-file-gateway/${label}\0`).update(secret).digest();
}

/**
 * Fresh random IVs, drawn from a pool filled 4 KiB at a time: OpenSSL's generator costs about as
 * much per call as the whole sealing, whatever the size asked. Like Node's own randomUUID cache,
 * it holds nothing secret (an IV is public) and each IV is used once.
 */
const IV_BYTES = 12;
let pool = Buffer.alloc(0);
let next = 0;
function freshIv(): Buffer {
  if (next + IV_BYTES > pool.length) {
    pool = randomBytes(4096 - (4096 % IV_BYTES));
    next = 0;
  }
  next += IV_BYTES;
  return pool.subarray(next - IV_BYTES, next);
}

/** iv (12 bytes) | ciphertext | tag (16 bytes); `aad` binds the value to where it belongs. */
export function seal(key: Buffer, plain: Buffer, aad?: Buffer): Buffer {
  const iv = freshIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad) cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]);
}

/** The plain bytes, or undefined when the value is too short, was tampered with or sealed elsewhere. */
export function unseal(key: Buffer, raw: Buffer, aad?: Buffer): Buffer | undefined {
  if (raw.length < 12 + 16) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
  } catch {
    return undefined;
  }
}
