/**
 * Wall-clock times in a tenant's zone: the vendor's `yyyy-MM-dd HH:mm:ss` (no zone, cdr-index
 * 2.3 and 5.4) to and from instants, and instants written with the zone's offset for callers.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface Fields {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function fieldsAt(ms: number, timeZone: string): Fields {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { y: parts.year!, mo: parts.month!, d: parts.day!, h: parts.hour!, mi: parts.minute!, s: parts.second! };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The zone's offset from UTC at `ms`, in milliseconds (whole seconds). */
export function offsetAt(ms: number, timeZone: string): number {
  const f = fieldsAt(ms, timeZone);
  const wall = Date.UTC(f.y, f.mo - 1, f.d, f.h, f.mi, f.s);
  return wall - Math.floor(ms / 1000) * 1000;
}

/** `yyyy-MM-dd HH:mm:ss` in the zone. */
export function toWallClock(ms: number, timeZone: string): string {
  const f = fieldsAt(ms, timeZone);
  return `${pad(f.y, 4)}-${pad(f.mo)}-${pad(f.d)} ${pad(f.h)}:${pad(f.mi)}:${pad(f.s)}`;
}

/** `yyyyMMdd` in the zone. */
export function toDay(ms: number, timeZone: string): string {
  const f = fieldsAt(ms, timeZone);
  return `${pad(f.y, 4)}${pad(f.mo)}${pad(f.d)}`;
}

/** The number in `s` from `from` to `to` (exclusive), or -1 when a character is no digit. */
function digitsAt(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i += 1) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The instant a wall-clock time (`yyyy-MM-dd HH:mm:ss`, or a T for the space) names in the zone;
 * undefined when it does not parse or is no real date. In a repeated hour (clocks going back) the
 * earlier instant is taken. Read character by character: a bill file holds millions of them.
 */
export function fromWallClock(text: string, timeZone: string): number | undefined {
  const t = text.length === 19 ? text : text.trim();
  if (t.length !== 19 || t[4] !== '-' || t[7] !== '-' || (t[10] !== ' ' && t[10] !== 'T')) return undefined;
  if (t[13] !== ':' || t[16] !== ':') return undefined;
  const y = digitsAt(t, 0, 4);
  const mo = digitsAt(t, 5, 7);
  const d = digitsAt(t, 8, 10);
  const h = digitsAt(t, 11, 13);
  const mi = digitsAt(t, 14, 16);
  const s = digitsAt(t, 17, 19);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
    return undefined;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(asUtc).getUTCDate() !== d) return undefined;
  return asUtc - offsetOfWallHour(asUtc - (mi * 60 + s) * 1000, timeZone);
}

/**
 * The zone's offset for a wall-clock hour (its instant read as UTC), cached per zone: Intl costs
 * microseconds a call. Zones change their offset on the hour or the half hour; a time in the half
 * hour after a half-hour change is the one rare miss this allows.
 */
const hourOffsets = new Map<string, Map<number, number>>();
function offsetOfWallHour(wallHourAsUtc: number, timeZone: string): number {
  let zone = hourOffsets.get(timeZone);
  if (!zone) {
    if (hourOffsets.size > 1000) hourOffsets.clear();
    zone = new Map();
    hourOffsets.set(timeZone, zone);
  }
  let off = zone.get(wallHourAsUtc);
  if (off === undefined) {
    off = offsetOfWall(wallHourAsUtc, timeZone);
    if (zone.size > 100_000) zone.clear();
    zone.set(wallHourAsUtc, off);
  }
  return off;
}

const DAY_MS = 86_400_000;

/**
 * The offset that makes a wall-clock time (read as UTC) an instant of the zone: of the offsets in
 * force a day before and a day after, and the one two rounds settle on, the largest that holds at
 * the instant it gives. In a repeated hour two hold, and the larger is the earlier instant; in a
 * skipped hour none does, and the two rounds' is taken.
 */
function offsetOfWall(wall: number, timeZone: string): number {
  const settled = offsetAt(wall - offsetAt(wall, timeZone), timeZone);
  const candidates = [offsetAt(wall - DAY_MS, timeZone), offsetAt(wall + DAY_MS, timeZone), settled];
  for (const o of candidates.sort((x, y) => y - x)) if (offsetAt(wall - o, timeZone) === o) return o;
  return settled;
}

/** ISO 8601 with the zone's offset: `2026-11-25T09:12:03+08:00`. */
export function toIsoInZone(ms: number, timeZone: string): string {
  const off = offsetAt(ms, timeZone) / 60_000;
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${toWallClock(ms, timeZone).replace(' ', 'T')}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
