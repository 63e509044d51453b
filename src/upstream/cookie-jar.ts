/**
 * The CC-Gateway session's cookies (the NSLB's stickiness, cc-protocol 2.4). Set-Cookie lines are
 * parsed by undici; `Max-Age` wins over `Expires` (RFC 6265 5.3), a cookie whose lifetime is over
 * is removed, and an expired cookie is never sent.
 */
import { parseCookie } from 'undici';

export interface StoredCookie {
  value: string;
  /** Undefined: a session cookie, kept for as long as the agent session. */
  expiresAtMs: number | undefined;
}

export type CookieJar = ReadonlyMap<string, StoredCookie>;

/** What a batch of Set-Cookie lines, received at `receivedAtMs`, says about each cookie. */
export function cookiesFromSetCookie(lines: readonly string[], receivedAtMs: number): Array<[string, StoredCookie]> {
  return lines.flatMap((line): Array<[string, StoredCookie]> => {
    const c = parseCookie(line);
    if (!c || c.name === '') return [];
    const expires = c.expires === undefined ? undefined : new Date(c.expires).getTime();
    const expiresAtMs =
      c.maxAge !== undefined ? receivedAtMs + c.maxAge * 1000 : Number.isNaN(expires) ? undefined : expires;
    return [[c.name, { value: c.value, expiresAtMs }]];
  });
}

/** The jar after `updates`, without the cookies that are over at `nowMs`. */
export function updateJar(
  jar: CookieJar,
  updates: ReadonlyArray<[string, StoredCookie]>,
  nowMs: number,
): Map<string, StoredCookie> {
  const next = new Map(jar);
  for (const [name, cookie] of updates) next.set(name, cookie);
  for (const [name, cookie] of next)
    if (cookie.expiresAtMs !== undefined && cookie.expiresAtMs <= nowMs) next.delete(name);
  return next;
}

/** The Cookie header for a call made at `nowMs`, or undefined when no cookie is live. */
export function cookieHeader(jar: CookieJar, nowMs: number): string | undefined {
  const live = [...jar].filter(([, c]) => c.expiresAtMs === undefined || c.expiresAtMs > nowMs);
  return live.length > 0 ? live.map(([name, c]) => `${name}=${c.value}`).join('; ') : undefined;
}
