#!/bin/sh
# RPC throughput: requests per second and p50/p99 latency of one command
# over loopback with wrk, on 1 and on 64 keep-alive connections.  The
# command is `status` when the node has it (the chain plugin), else `help`.
#   sh bench/bench_rpc.sh [BUILD_DIR]        (tools/run-bench passes it)
# MN_BENCH_SECONDS sets the length of each run (default 5).
set -eu
build="${1:-build}"
seconds="${MN_BENCH_SECONDS:-5}"
bin="$build/bin"

if ! command -v wrk >/dev/null 2>&1; then
  echo "SKIP: wrk is not installed (tools/install-deps --bench)"
  exit 0
fi
for f in minimad minima-cli; do
  if [ ! -x "$bin/$f" ]; then
    echo "SKIP: $bin/$f is not built"
    exit 0
  fi
done

tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# A port nobody uses: try a few from a range picked by our pid.
port=""
for i in 0 1 2 3 4 5 6 7 8 9; do
  p=$(( 20000 + ($$ * 7 + i * 101) % 40000 ))
  rm -rf "$tmp/data"
  "$bin/minimad" --profile all --data-dir "$tmp/data" --port $((p + 10)) \
    --set rpc.port=$p --set node.log_level=warn >"$tmp/node.log" 2>&1 &
  pid=$!
  n=0
  while [ $n -lt 100 ]; do
    if "$bin/minima-cli" -p $p help >/dev/null 2>&1; then
      port=$p
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
    n=$((n + 1))
  done
  [ -n "$port" ] && break
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
done
if [ -z "$port" ]; then
  echo "bench_rpc: the node did not start; its log:" >&2
  cat "$tmp/node.log" >&2
  exit 1
fi

cmd=help
if "$bin/minima-cli" -p $port __complete commands | grep -qx status; then
  cmd=status
fi
echo "command: $cmd, $seconds s per run, node $("$bin/minimad" --version)"

for conns in 1 64; do
  threads=1
  [ $conns -gt 1 ] && threads=2
  wrk -t$threads -c$conns -d${seconds}s --latency \
    "http://127.0.0.1:$port/$cmd" >"$tmp/wrk.txt"
  awk -v c=$conns '
    /Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = $2 }
    $1 == "99%" { p99 = $2 }
    /Non-2xx or 3xx responses/ { bad = $NF }
    /Socket errors/ { errs = $0 }
    END {
      printf "rpc %-6s %2d connection%s: %10.0f requests/s  p50 %-8s p99 %s\n",
        "'"$cmd"'", c, (c == 1 ? " " : "s"), rps, p50, p99
      if (bad != "") printf "  WARNING: %s replies were not 200\n", bad
      if (errs != "") printf "  WARNING: %s\n", errs
    }' "$tmp/wrk.txt"
done
