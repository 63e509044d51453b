/**
 * AES-256-GCM sealing: what the gateway hands out (playback ids) or keeps in a shared store (agent
 * Guids and cookies) is unreadable and tamper-evident without the configured secret. Each use derives
 * its own key from its secret with a label, so that one sealed value is never valid as another.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export function deriveKey(label: string, secret: string): Buffer {
  return createHash('sha256').update(`cc-file-gateway/${label}\0`).update(secret).digest();
}

/** iv (12 bytes) | ciphertext | tag (16 bytes); `aad` binds the value to where it belongs. */
export function seal(key: Buffer, plain: Buffer, aad?: Buffer): Buffer {
  const iv = randomBytes(12);
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
