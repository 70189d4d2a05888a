#!/usr/bin/env bash
# Top hot spots of a JFR recording made with bench/run.sh --jfr FILE:
#   bench/scripts/jfr-hotspots.sh FILE [N]
# Prints (1) the N most frequent top frames of jdk.ExecutionSample (self time), (2) the N most
# frequent io.pgwarden methods anywhere on the sampled stacks (inclusive time), (3) the N busiest
# threads, (4) garbage-collection pauses. Counts are samples; JFR's profile settings sample Java
# threads every 10 ms (20 ms by default).
set -euo pipefail
file="${1:?usage: jfr-hotspots.sh FILE [N]}"
n="${2:-15}"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
jfr print --events jdk.ExecutionSample --stack-depth 64 "$file" >"$tmp"
total="$(grep -c 'jdk.ExecutionSample' "$tmp" || true)"
echo "samples: $total"
echo
echo "== top frames (self) =="
awk '/stackTrace = \[/ {getline; sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*/, ""); print}' "$tmp" \
  | sort | uniq -c | sort -rn | head -n "$n" | awk -v t="$total" '{c=$1; $1=""; printf "%6d %5.1f%% %s\n", c, 100*c/t, $0}'
echo
echo "== io.pgwarden methods on the stack (inclusive) =="
awk '/jdk.ExecutionSample/ {delete seen}
     /^[ \t]+io\.pgwarden\./ {m=$0; sub(/^[ \t]+/, "", m); sub(/[ \t]+line:.*/, "", m); if (!(m in seen)) {seen[m]=1; print m}}' "$tmp" \
  | sort | uniq -c | sort -rn | head -n "$n" | awk -v t="$total" '{c=$1; $1=""; printf "%6d %5.1f%% %s\n", c, 100*c/t, $0}'
echo
echo "== threads =="
awk '/sampledThread = / {sub(/.*sampledThread = /, ""); sub(/ \(javaThreadId.*/, ""); print}' "$tmp" \
  | sort | uniq -c | sort -rn | head -n "$n"
echo
echo "== garbage collection =="
jfr print --events jdk.GarbageCollection "$file" \
  | awk '/name = / {n++} /sumOfPauses = / {v=$3; u=$4; ms = (u ~ /^s/) ? v*1000 : (u ~ /^us/ ? v/1000 : v); s+=ms; if (ms>m) m=ms}
         END {printf "collections: %d, pauses: total %.1f ms, longest %.1f ms\n", n, s, m}'
