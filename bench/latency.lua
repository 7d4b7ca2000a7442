-- wrk prints the 50th, 75th, 90th and 99th percentiles; the benchmark also wants the 95th.
done = function(summary, latency, requests)
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("percentile %d %d\n", p, latency:percentile(p)))
  end
end
