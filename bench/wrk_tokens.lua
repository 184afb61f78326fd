-- wrk script of bench/rollout_bench.sh and tests/ha (scenario c): each wrk thread sends the
-- Authorization header of its own token of BENCH_TOKENS (space-separated JWTs, used in turn).
-- nginx limits each token to 10,000 req/s (nginx/dev.conf.in): GET by id on a quiet 2-core
-- machine passes that with one token for all of wrk, and its 429s are not GETs served.
-- Appended to by bench scripts that also want bench/wrk_result.lua's summary line.
local tokens, threads = {}, 0
for token in os.getenv("BENCH_TOKENS"):gmatch("%S+") do tokens[#tokens + 1] = token end
function setup(thread)
  threads = threads + 1
  thread:set("token", tokens[(threads - 1) % #tokens + 1])
end
function init(args)
  wrk.headers["Authorization"] = "Bearer " .. token
end
