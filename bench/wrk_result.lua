-- wrk's done hook of the benchmark scripts: one machine-readable line with req/s, p50, p99,
-- requests and errors. The scripts append it to their own wrk script (headers, body).
-- rps counts every answer; served_rps leaves out the 4xx/5xx ones (a 429 from nginx's rate
-- limit costs a fraction of a served GET, so it must not count as throughput).
done = function(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT rps=%.1f served_rps=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d errors=%d non2xx=%d\n",
    summary.requests / seconds, (summary.requests - e.status) / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status))
end
