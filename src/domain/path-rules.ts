/**
 * Contract section 2: vendor path notation, normalised first and then decided by pure functions.
 * Every CC-FS and CC-Gateway path is ASCII (cc-protocol 5.5), so anything else is refused rather
 * than guessed at: a Windows file server may map look-alike characters onto `.` or `/`.
 */

/** `downloadRecord` and `requestPlayVoice` document `fileName` as String(1-225) (cc-protocol 3.2). */
export const MAX_PATH_LENGTH = 225;
/** Where the vendor documents no limit (ivr/downloadFile, recordfile): a Windows path (MAX_PATH 260, less the NUL). */
export const MAX_WINDOWS_PATH_LENGTH = 259;

export type NormalizedPath = {
  ok: true;
  /** The path as it is sent to the vendor: drive letter upper-cased, slashes only. */
  path: string;
  /** The part the rules apply to: everything after the drive letter, starting with `/`. */
  rest: string;
};
export type Rejection = { ok: false; reason: string };

const reject = (reason: string): Rejection => ({ ok: false, reason });

/** Decodes at most one layer of percent-encoding; `undefined` when the encoding is broken. */
function decodeOnce(s: string): string | undefined {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

export function normalizePath(input: string, maxLength = MAX_PATH_LENGTH): NormalizedPath | Rejection {
  if (input.length === 0) return reject('path is empty');
  if (input.length > maxLength * 3) return reject('path is too long');
  const decoded = decodeOnce(input.replaceAll('\\', '/'));
  if (decoded === undefined) return reject('path has broken percent-encoding');
  // eslint-disable-next-line no-control-regex
  if (/[^\x20-\x7e]/.test(decoded)) return reject('path holds control or non-ASCII characters');
  const s = decoded.replaceAll('\\', '/');
  if (s.includes('%')) return reject('path is still percent-encoded after one decoding');
  if (s.length > maxLength) return reject('path is too long');

  let drive = '';
  let rest = s;
  const m = /^([A-Za-z]):/.exec(s);
  if (m) {
    drive = `${m[1]!.toUpperCase()}:`;
    rest = s.slice(2);
  }
  if (rest.includes(':')) return reject('path holds a ":" outside a leading drive letter');
  if (!rest.startsWith('/')) return reject('path must be absolute');
  const segments = rest.slice(1).split('/');
  for (const seg of segments) {
    if (seg === '') return reject('path holds an empty segment');
    if (seg === '.' || seg === '..') return reject('path holds a dot segment');
    // Windows drops trailing dots and spaces from names, so "..." or ".. " could mean "..".
    if (/[. ]$/.test(seg) || /^ /.test(seg))
      return reject('path segment begins with a space or ends with a dot or space');
    // Windows opens the device, not a file, for these names, whatever the folder or extension.
    if (/^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i.test(seg)) return reject('path segment is a Windows device name');
    // `;` separates prefixes in the vendor's own rule notation, and Java servers read it as a path parameter.
    if (/[*?"<>|;]/.test(seg)) return reject('path holds a wildcard or reserved character');
  }
  return { ok: true, path: drive + rest, rest };
}

/**
 * Expands a vendor rule (`;`-separated prefixes, `%VDNNO%` = each VDN id) into prefixes without a
 * trailing slash. A prefix that does not normalise cleanly is dropped: it could never match.
 */
export function expandRule(rule: string, vdnIds: readonly number[]): string[] {
  const out = new Set<string>();
  for (const raw of rule.split(';')) {
    const part = raw.trim();
    if (!part) continue;
    const variants = part.includes('%VDNNO%') ? vdnIds.map((v) => part.replaceAll('%VDNNO%', String(v))) : [part];
    for (const v of variants) {
      const trimmed = v.length > 1 ? v.replace(/\/+$/, '') : v;
      const n = normalizePath(trimmed);
      if (n.ok && n.path === n.rest) out.add(n.rest);
    }
  }
  return [...out];
}

export type PathKind = 'file' | 'dir';

export type PathDecision = { allowed: true; path: string } | { allowed: false; reason: string };

/**
 * A file must lie strictly below a prefix; a directory may also be the prefix itself (mode 1 of
 * `ivr/downloadFile` names the rule's own folder). Matching is on whole segments only.
 */
export function decidePath(
  input: string,
  prefixes: readonly string[],
  kind: PathKind = 'file',
  maxLength = MAX_PATH_LENGTH,
): PathDecision {
  const n = normalizePath(input, maxLength);
  if (!n.ok) return { allowed: false, reason: n.reason };
  const inside = prefixes.some((p) => n.rest.startsWith(p === '/' ? '/' : `${p}/`) || (kind === 'dir' && n.rest === p));
  return inside ? { allowed: true, path: n.path } : { allowed: false, reason: 'outside the rule' };
}
