#!/usr/bin/env bash
# A flame graph of pgwarden's event loops from a JFR recording made with bench/run.sh --jfr FILE:
#   bench/scripts/jfr-flame.sh FILE OUT.png [TITLE]
# Folds the stacks of jdk.ExecutionSample (Java code) and jdk.NativeMethodSample (threads in a
# native call: epoll_wait, writev, send, read...) of the event-loop threads into OUT.folded (one
# "root;...;leaf count" line per stack, frames shortened to pgwarden./netty./java. + Class.method)
# and draws OUT.png with the bench module (BenchMain flame). Needs jfr (JDK) and
# bench/target/pgwarden-bench.jar (or BENCH_JAR).
set -euo pipefail
file="${1:?usage: jfr-flame.sh FILE OUT.png [TITLE]}"
out="${2:?usage: jfr-flame.sh FILE OUT.png [TITLE]}"
title="${3:-pgwarden event loops: $(basename "$file")}"
bench_jar="${BENCH_JAR:-$(cd "$(dirname "$0")/.." && pwd)/target/pgwarden-bench.jar}"
folded="${out%.png}.folded"
jfr print --events jdk.ExecutionSample,jdk.NativeMethodSample --stack-depth 64 "$file" | awk '
  function short(f,   parts, n, cls, m) {
    sub(/^[ \t]+/, "", f); sub(/\(.*$/, "", f); sub(/[ \t]+line:.*$/, "", f)
    n = split(f, parts, ".")
    if (n < 2) return f
    m = parts[n]; cls = parts[n - 1]
    if (f ~ /^io\.pgwarden\./) return "pgwarden." parts[3] "." cls "." m
    if (f ~ /^io\.netty\./) return "netty." cls "." m
    return "java." cls "." m
  }
  /^jdk\.(ExecutionSample|NativeMethodSample)/ { n = 0; keep = 0; instack = 0; native = ($0 ~ /Native/) }
  /sampledThread = "(epoll|nio)EventLoopGroup/ { keep = 1 }
  /stackTrace = \[/ { instack = 1; next }
  instack && /^[ \t]*\]/ {
    instack = 0
    if (keep && n > 0) {
      line = ""
      for (i = n; i >= 1; i--) line = line (line == "" ? "" : ";") frame[i]
      if (native) line = line ";native"
      print line
    }
    next
  }
  instack && /[A-Za-z]/ && $0 !~ /^[ \t]*\.\.\./ { frame[++n] = short($0) }
' | sort | uniq -c | awk '{c = $1; $1 = ""; sub(/^ /, ""); print $0, c}' >"$folded"
java -cp "$bench_jar" io.pgwarden.bench.BenchMain flame --folded "$folded" --out "$out" --title "$title"
echo "wrote $out ($(awk '{s += $NF} END {print s}' "$folded") samples; folded stacks in $folded)"
