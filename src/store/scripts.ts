/**
 * The Lua scripts behind the shared state. Each runs atomically in Redis and reads the time from
 * Redis (`TIME`), so instances on hosts whose clocks disagree still agree on what has expired.
 */
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS[1] the instance registry; ARGV instance, ttl ms. Refreshes one instance, forgets the dead, returns the live count. */
export const HEARTBEAT = `${NOW}
redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2]))
local all = redis.call('HGETALL', KEYS[1])
local live = 0
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) < now then redis.call('HDEL', KEYS[1], all[i]) else live = live + 1 end
end
return live`;

/** KEYS[1] the instance registry; ARGV instance. Leaves it; returns how many live instances remain. */
export const LEAVE = `${NOW}
redis.call('HDEL', KEYS[1], ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
local live = 0
for i = 1, #all, 2 do if tonumber(all[i + 1]) >= now then live = live + 1 end end
return live`;

/**
 * KEYS[1] a slot hash (instance -> streams held), KEYS[2] the instance registry; ARGV instance,
 * cap, key ttl ms. Drops the counts of dead instances, then takes a slot if fewer than cap are held.
 */
export const SLOT_ACQUIRE = `${NOW}
local all = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #all, 2 do
  local alive = tonumber(redis.call('HGET', KEYS[2], all[i]) or '0')
  if alive < now then redis.call('HDEL', KEYS[1], all[i]) else total = total + tonumber(all[i + 1]) end
end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** KEYS[1] a slot hash; ARGV instance. Gives one slot back (never below zero: a dead-declared instance's count is gone). */
export const SLOT_RELEASE = `local n = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if n <= 1 then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HINCRBY', KEYS[1], ARGV[1], -1) end
return n`;

/**
 * KEYS[1] a lease, KEYS[2] the agent's record; ARGV instance, lease ttl ms, record ttl ms.
 * 1: still ours, renewed. 2: it had vanished (Redis lost it) and is ours again. 0: someone else holds it.
 */
export const LEASE_RENEW = `local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2]) redis.call('PEXPIRE', KEYS[2], ARGV[3]) return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 2`;

/** KEYS[1] a lease; ARGV instance. Deletes it only if it is ours. */
export const LEASE_RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * KEYS[1] an agent's record (hash: v version, g generation, s sealed credentials); ARGV
 * generation, sealed, expected version ('' for none), record ttl ms. Writes unless the record
 * moved past the expected version or to a newer generation; returns the new version, or 0.
 */
export const RECORD_WRITE = `local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
local g = tonumber(redis.call('HGET', KEYS[1], 'g') or '0')
if ARGV[3] ~= '' and tonumber(ARGV[3]) ~= v then return 0 end
if tonumber(ARGV[1]) < g then return 0 end
redis.call('HSET', KEYS[1], 'v', v + 1, 'g', ARGV[1], 's', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return v + 1`;
