/**
 * Lua run inside Redis so a write and its index update are one atomic step, with expiry computed
 * from the server's clock (TIME) — several Drawbridge hosts never have to agree on the time.
 *
 * Every key is indexed in a sorted set per `:`-terminated prefix, scored by its expiry, so
 * `list(prefix)` reads one small set instead of SCANning the database; expired members are pruned
 * on every write and list, so the sets do not grow with dead records.
 */

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS[1] = key, KEYS[2..] = index sets. ARGV: mode ('set' | 'nx' | 'cas' | 'del'), value, ttl ms
 * ('' = none), expected present ('0' | '1'), expected value, cas action ('set' | 'del').
 * Returns 1 when written (for 'del': when something was deleted), 0 otherwise.
 */
export const WRITE_SCRIPT = `${NOW}
local mode = ARGV[1]
local action = 'set'
if mode == 'del' then action = 'del' end
if mode == 'nx' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
elseif mode == 'cas' then
  local cur = redis.call('GET', KEYS[1])
  if ARGV[4] == '0' then
    if cur then return 0 end
  elseif cur ~= ARGV[5] then
    return 0
  end
  action = ARGV[6]
end
local result = 1
if action == 'del' then
  result = redis.call('DEL', KEYS[1])
  for i = 2, #KEYS do redis.call('ZREM', KEYS[i], KEYS[1]) end
else
  local score = '+inf'
  if ARGV[3] ~= '' then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
    score = now + tonumber(ARGV[3])
  else
    redis.call('SET', KEYS[1], ARGV[2])
  end
  for i = 2, #KEYS do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
    redis.call('ZADD', KEYS[i], score, KEYS[1])
  end
end
if mode == 'cas' then return 1 end
return result`;

/** KEYS[1] = index set. Returns [key, value, key, value, …] for every live member. */
export const LIST_SCRIPT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local out = {}
for _, k in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local v = redis.call('GET', k)
  if v then
    out[#out + 1] = k
    out[#out + 1] = v
  else
    redis.call('ZREM', KEYS[1], k)
  end
end
return out`;
