-- wrk script of bench/list_pages_bench.py: the session cookie, and one machine-readable
-- line with requests, duration (us), p50/p95/p99/max latency (us) and errors.
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") or ""
wrk.headers["Accept-Language"] = "sv"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration=%d p50=%d p95=%d p99=%d max=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
