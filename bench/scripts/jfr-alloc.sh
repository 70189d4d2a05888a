#!/usr/bin/env bash
# Bytes allocated by pgwarden's event-loop threads per transaction, from a JFR recording made with
# bench/run.sh --jfr FILE (JFR's jdk.ThreadAllocationStatistics: each thread's allocated bytes so
# far, sampled every second):
#   bench/scripts/jfr-alloc.sh FILE TRANSACTIONS
# TRANSACTIONS: how many transactions went through pgwarden while it recorded (sum of tps x
# duration of the measurements, warm-up included: bench/run.sh --jfr records from the JVM's start).
# Prints per thread and in all.
set -euo pipefail
file="${1:?usage: jfr-alloc.sh FILE TRANSACTIONS}"
tx="${2:?usage: jfr-alloc.sh FILE TRANSACTIONS}"
jfr print --events jdk.ThreadAllocationStatistics "$file" | awk -v tx="$tx" '
  function bytes(v, u) { return u ~ /^kB/ ? v * 1024 : u ~ /^MB/ ? v * 1048576 : u ~ /^GB/ ? v * 1073741824 : v }
  /allocated = / { gsub(/,/, "", $3); b = bytes($3, $4) }
  /thread = "(epoll|nio)EventLoopGroup/ { t = $3; gsub(/"/, "", t); n[t]++; if (!(t in lo) || b < lo[t]) lo[t] = b; if (b > hi[t]) hi[t] = b }
  END {
    # a thread seen once started during the recording (JFR started with the JVM): all it allocated counts
    for (t in n) if (n[t] == 1) lo[t] = 0
    for (t in hi) { d = hi[t] - lo[t]; all += d; printf "%-28s %12.0f bytes  %8.1f bytes/transaction\n", t, d, d / tx }
    printf "%-28s %12.0f bytes  %8.1f bytes/transaction\n", "event loops", all, all / tx
  }'
