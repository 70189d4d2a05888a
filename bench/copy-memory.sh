#!/usr/bin/env bash
# COPY through pgwarden with its memory watched (not in CI): does what pgwarden holds stay bounded,
# whatever the message sizes, in both directions and both pool modes, and with either end slow?
#
#   bench/copy-memory.sh [--size 2G] [--slow-size 256M] [--cases LIST] [--modes session,transaction]
#                        [--rss-bound MIB] [--direct-bound MIB] [--tag NAME] [--out DIR] [--keep]
#
# Cases (--cases, comma-separated; default all), each run direct to PostgreSQL and through pgwarden in
# each pool mode (--modes), one after the other, with real psql:
#   from-tiny         psql's \copy FROM STDIN of --size as 3-byte rows ("abc\n"). psql 15 packs the lines it
#                     reads into CopyData of ~8 KB (the counter rises by the input, not 2.25 times it), so
#                     the one-CopyData-per-row worst case is CopyRowsIT's (pgjdbc's CopyIn), not this one
#   from-large        \copy FROM STDIN of --size as 100 KiB rows
#   to-tiny           COPY (SELECT 'abc' ...) TO STDOUT of --size: one 3-byte row per CopyData, from the server
#   to-large          COPY TO STDOUT of --size as 100 KiB rows
#   from-slow-server  \copy FROM STDIN of --slow-size as 3-byte rows into a server that sleeps 20 ms every
#                     ~10,000 rows (... WHERE random() >= 0.0001 OR pg_sleep(0.02) IS NOT NULL): at most ~2 MiB/s;
#                     these rows are stored, and counted after the COPY (every row must be there once)
#   to-slow-reader    COPY TO STDOUT of --slow-size as 3-byte rows to a client that reads 16 KiB, then
#                     sleeps 10 ms (python3, behind psql's stdout): at most 1.6 MiB/s
# The other COPY FROM cases end in "WHERE false": PostgreSQL reads and parses every row and
# stores none, so the disk is not what is measured. pgwarden: java -jar pgwarden.jar (no JVM options unless
# PGWARDEN_JAVA_OPTS), databases copy_session (session mode) and copy_tx (transaction mode), pool_size 1
# each, on two event loops (pgwarden's default on 2 cores): consecutive clients land on alternate loops,
# so a client's server is on its own loop or on the other one.
# Every second: pgwarden's RSS (/proc/PID/status), its direct buffers (jvm_buffer_memory_used_bytes{id="direct"}
# on /metrics) and pgwarden_bytes_total{direction="client_to_server"}. Exits 1 (after writing the report) when
# pgwarden's RSS passes its RSS before the first case + --rss-bound (default 200 MiB), its direct buffers pass
# theirs + --direct-bound (default 64 MiB), a COPY fails or stalls (no end at 512 KiB/s, at least 2 minutes),
# a COPY TO brings fewer bytes than it should, or the client_to_server counter stands still for most of a
# COPY FROM through pgwarden (it counts bytes as they are forwarded, not at the COPY's end).
# Writes bench/results/copy-memory[-NAME]-<date>.{md,csv} (the report; the samples).
# Needs root (PostgreSQL runs as user postgres), a JDK 17+, psql and pg_isready (postgresql-client), python3,
# curl, unzip, xz. PGWARDEN_JAR uses that jar instead of building; POSTGRES_JAR is the jar the PostgreSQL
# binaries come from (default proxy/target/pgwarden-demo.jar).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

size=2G slow_size=256M cases="from-tiny,from-large,to-tiny,to-large,from-slow-server,to-slow-reader"
modes="session,transaction" rss_bound=200 direct_bound=64 tag="" out="" keep=0
while (($#)); do
  case "$1" in
    --size) size="$2"; shift 2 ;;
    --slow-size) slow_size="$2"; shift 2 ;;
    --cases) cases="$2"; shift 2 ;;
    --modes) modes="$2"; shift 2 ;;
    --rss-bound) rss_bound="$2"; shift 2 ;;
    --direct-bound) direct_bound="$2"; shift 2 ;;
    *) common_option "$@"; shift "$OPTION_WORDS" ;;
  esac
done
bytes_of() { # 2G, 512M, 64K or a number of bytes
  case "$1" in
    *G) echo $((${1%G} * 1024 * 1024 * 1024)) ;;
    *M) echo $((${1%M} * 1024 * 1024)) ;;
    *K) echo $((${1%K} * 1024)) ;;
    *) [[ "$1" =~ ^[0-9]+$ ]] || die "size $1: a number of bytes, or with K, M or G"; echo "$1" ;;
  esac
}
SIZE="$(bytes_of "$size")" SLOW_SIZE="$(bytes_of "$slow_size")"
IFS=, read -r -a CASES <<<"$cases"
IFS=, read -r -a MODES <<<"$modes"

[[ "$(id -u)" == 0 ]] || die "run as root: PostgreSQL is started as user postgres"
for tool in java psql pg_isready python3 curl unzip xz runuser ss yes; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install -y postgresql-client curl unzip xz-utils python3)"
done
id postgres >/dev/null 2>&1 || die "no user postgres"

W="$(mktemp -d /tmp/pgwarden-copy-memory.XXXXXX)"
chmod 755 "$W"
date_tag="$(date -u +%Y-%m-%d)"
out="${out:-$BENCH_DIR/results}"
mkdir -p "$out"
name="copy-memory${tag:+-$tag}-$date_tag"
SAMPLES="$W/samples.csv" RUNS="$W/runs.tsv"

PGW_PID="" SAMPLER_PID=""
cleanup() {
  local rc=$?
  set +e
  [[ -n "$SAMPLER_PID" ]] && kill "$SAMPLER_PID" 2>/dev/null
  stop_pgwarden
  stop_fresh_postgres
  if ((keep)) || ((rc != 0)); then echo "copy-memory.sh: work directory kept: $W" >&2; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- jar, PostgreSQL
private_pgwarden_jar
extract_postgres

PG_SETTINGS=("max_connections = 20" "shared_buffers = 128MB" "fsync = off" "synchronous_commit = off"
             "full_page_writes = off" "log_min_messages = warning")
start_fresh_postgres "${PG_SETTINGS[@]}"
psql_admin() { psql -X -q -h "$W/sock" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
psql_admin -d postgres -c "ALTER ROLE postgres PASSWORD 'postgres-pass'" -c "CREATE ROLE bench LOGIN PASSWORD 'bench-pass'" \
  -c "CREATE DATABASE bench OWNER bench" >/dev/null
psql_admin -d bench -c "SET ROLE bench" -c "CREATE TABLE sink (v text)" >/dev/null
PG_VERSION="$(psql_admin -d postgres -Atc 'SHOW server_version')"

# ---------------------------------------------------------------- pgwarden
PGW_PORT="$(pick_port)"
HTTP_PORT="$(pick_port)"
cat >"$W/pgwarden.yaml" <<YAML
listen: {host: 127.0.0.1, port: $PGW_PORT}
http: {host: 127.0.0.1, port: $HTTP_PORT}
backends:
  main: {host: 127.0.0.1, port: $PG_PORT, admin_user: postgres, admin_password: postgres-pass}
databases:
  copy_session: {backend: main, dbname: bench, user: bench, password: bench-pass, pool_mode: session, pool_size: 1}
  copy_tx: {backend: main, dbname: bench, user: bench, password: bench-pass, pool_mode: transaction, pool_size: 1}
services:
  bench: {password: bench-pass, databases: [copy_session, copy_tx]}
YAML
# shellcheck disable=SC2206
opts=(${PGWARDEN_JAVA_OPTS:-})
java "${opts[@]}" -jar "$PGWARDEN_JAR" run --config "$W/pgwarden.yaml" >>"$W/pgwarden.log" 2>&1 &
PGW_PID=$!
await_port "$PGW_PORT" pgwarden "$W/pgwarden.log" copy_session

# ---------------------------------------------------------------- sampling, every second, for the whole run
sample() { # epoch seconds, RSS MiB, direct buffers MiB, client_to_server bytes (all databases), heap used and committed MiB
  local direct c2s heap committed
  curl -s -m 1 "http://127.0.0.1:$HTTP_PORT/metrics" >"$W/metrics.txt" 2>/dev/null || : >"$W/metrics.txt"
  direct="$(metric_sum 'jvm_buffer_memory_used_bytes{id="direct"' "$W/metrics.txt")"
  c2s="$(grep 'direction="client_to_server"' "$W/metrics.txt" | metric_sum 'pgwarden_bytes_total{' /dev/stdin || true)"
  heap="$(metric_sum 'jvm_memory_used_bytes{area="heap"' "$W/metrics.txt")"
  committed="$(metric_sum 'jvm_memory_committed_bytes{area="heap"' "$W/metrics.txt")"
  echo "${EPOCHREALTIME%.*},$(rss_mib "$PGW_PID"),$(mib "$direct"),$c2s,$(mib "$heap"),$(mib "$committed")"
}
mib() { awk -v b="$1" 'BEGIN { if (b != "") printf "%.1f", b / 1048576 }'; }
echo "epoch,rss_mib,direct_mib,client_to_server_bytes,heap_used_mib,heap_committed_mib" >"$SAMPLES"
(while kill -0 "$PGW_PID" 2>/dev/null; do sample >>"$SAMPLES"; sleep 1; done) &
SAMPLER_PID=$!

# ---------------------------------------------------------------- the cases
LARGE_ROW="$(head -c 102399 /dev/zero | tr '\0' x)" # + "\n": 100 KiB rows
conn() { # SETUP: psql's connection arguments
  case "$1" in
    direct) echo "-h 127.0.0.1 -p $PG_PORT -U bench -d bench" ;;
    session) echo "-h 127.0.0.1 -p $PGW_PORT -U bench -d copy_session" ;;
    transaction) echo "-h 127.0.0.1 -p $PGW_PORT -U bench -d copy_tx" ;;
  esac
}
SLOW_READER='import sys, time
n = 0
r = sys.stdin.buffer.raw
while True:
    b = r.read(16384)
    if not b:
        break
    n += len(b)
    time.sleep(0.01)
print(n)'
rows_of() { yes "$1" | head -c "$2" || true; } # ROW BYTES: yes ends on SIGPIPE, which is no failure
# CASE SETUP BYTES: runs one COPY; prints the bytes the client sent or received
copy() {
  local c rows
  # shellcheck disable=SC2046
  read -r -a c <<<"$(conn "$2")"
  local psql=(psql -X -q -v ON_ERROR_STOP=1 "${c[@]}")
  case "$1" in
    from-tiny) rows_of abc "$3" | "${psql[@]}" -c '\copy sink from pstdin where false' >/dev/null && echo "$3" ;;
    from-large) rows_of "$LARGE_ROW" "$3" | "${psql[@]}" -c '\copy sink from pstdin where false' >/dev/null && echo "$3" ;;
    from-slow-server) rows_of abc "$3" \
      | "${psql[@]}" -c '\copy sink from pstdin where random() >= 0.0001 or pg_sleep(0.02) is not null' >/dev/null && echo "$3" ;;
    to-tiny) rows=$(($3 / 4))
      "${psql[@]}" -c "COPY (SELECT 'abc' FROM (SELECT generate_series(1, $rows)) s) TO STDOUT" | wc -c ;;
    to-large) rows=$(($3 / 102400))
      "${psql[@]}" -c "COPY (SELECT repeat('x', 102399) FROM (SELECT generate_series(1, $rows)) s) TO STDOUT" | wc -c ;;
    to-slow-reader) rows=$(($3 / 4))
      "${psql[@]}" -c "COPY (SELECT 'abc' FROM (SELECT generate_series(1, $rows)) s) TO STDOUT" | python3 -c "$SLOW_READER" ;;
    *) die "unknown case $1" ;;
  esac
}
expected_bytes() { # CASE BYTES: what a COPY TO must bring (whole rows)
  case "$1" in
    to-tiny|to-slow-reader) echo $(($2 / 4 * 4)) ;;
    to-large) echo $(($2 / 102400 * 102400)) ;;
    *) echo "$2" ;;
  esac
}

export PGPASSWORD=bench-pass LARGE_ROW SLOW_READER PG_PORT PGW_PORT
FUNCS="$(declare -f say die conn rows_of copy)" # each COPY runs under timeout, in a bash of its own
say "warm-up: a little of each case through pgwarden"
for m in "${MODES[@]}"; do
  copy from-tiny "$m" $((4 * 1024 * 1024)) >/dev/null || die "warm-up COPY FROM through pgwarden ($m) failed: see $W/pgwarden.log"
  copy to-tiny "$m" $((4 * 1024 * 1024)) >/dev/null || die "warm-up COPY TO through pgwarden ($m) failed"
done
sleep 3
BASE_RSS="$(rss_mib "$PGW_PID")"
BASE_DIRECT="$(tail -1 "$SAMPLES" | cut -d, -f3)"
RSS_LIMIT="$(awk -v b="$BASE_RSS" -v d="$rss_bound" 'BEGIN { printf "%.1f", b + d }')"
DIRECT_LIMIT="$(awk -v b="${BASE_DIRECT:-0}" -v d="$direct_bound" 'BEGIN { printf "%.1f", b + d }')"
say "pgwarden before the cases: RSS $BASE_RSS MiB (limit $RSS_LIMIT), direct buffers ${BASE_DIRECT:-?} MiB (limit $DIRECT_LIMIT)"

FAILURES=()
: >"$RUNS"
for case_ in "${CASES[@]}"; do
  bytes="$SIZE"
  [[ "$case_" == *slow* ]] && bytes="$SLOW_SIZE"
  limit=$((bytes / (512 * 1024)))
  ((limit < 120)) && limit=120
  for setup in direct "${MODES[@]}"; do
    load="$(cut -d' ' -f1 /proc/loadavg)"
    say "$case_, $setup: $((bytes / 1048576)) MiB (at most $limit s)"
    t0="$EPOCHREALTIME"
    status=ok rc=0
    moved="$(timeout "$limit" bash -c "$FUNCS; copy \"\$@\"" copy "$case_" "$setup" "$bytes" 2>"$W/$case_-$setup.err")" || rc=$?
    t1="$EPOCHREALTIME"
    ((rc == 0)) || status="failed (exit $rc)"
    ((rc == 124)) && status="stalled: no end within $limit s"
    if [[ "$case_" == from-slow-server && "$status" == ok ]]; then
      stored="$(psql_admin -d bench -Atc "SELECT count(*) FROM sink")"
      [[ "$stored" == $((bytes / 4)) ]] || status="lost rows: $stored of $((bytes / 4)) stored"
    fi
    psql_admin -d bench -c "TRUNCATE sink" >/dev/null
    want="$(expected_bytes "$case_" "$bytes")"
    if [[ "$status" == ok && "$moved" != "$want" ]]; then
      status="short: $moved of $want bytes"
    fi
    [[ "$status" == ok ]] || FAILURES+=("$case_ $setup: $status $(head -c 200 "$W/$case_-$setup.err" | tr '\n' ' ')")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case_" "$setup" "${moved:-0}" "$t0" "$t1" "$status" "$load" >>"$RUNS"
    sleep 2 # a gap between runs in the samples
  done
done
sleep 1
kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""

# ---------------------------------------------------------------- judging and the report
# CASE SETUP BYTES T0 T1 STATUS LOAD -> one table row (and failures appended to $W/failures)
row() {
  awk -F, -v t0="$4" -v t1="$5" -v rssl="$RSS_LIMIT" -v dirl="$DIRECT_LIMIT" -v setup="$2" -v c="$1" -v bytes="$3" \
      -v status="$6" -v load="$7" -v fails="$W/failures" '
    NR == 1 { next }
    $1 >= int(t0) && $1 <= t1 + 1 {
      n++
      if (n == 1) rss0 = $2
      if ($2 > rssmax) rssmax = $2
      if ($4 == "") next # /metrics did not answer within 1 s (a busy machine): no direct, heap or counter in this sample
      m++
      if (m == 1) { dir0 = $3; heap0 = $6; c2s0 = $4 }
      if ($3 > dirmax) dirmax = $3
      if ($6 > heapmax) heapmax = $6
      if (m > 1 && $4 > c2s) moved++
      c2s = $4
      if ($2 > rssl) { over = "RSS " $2 " MiB over " rssl }
      if ($3 != "" && $3 > dirl) { dover = "direct buffers " $3 " MiB over " dirl }
    }
    END {
      secs = t1 - t0
      mibs = secs > 0 ? bytes / 1048576 / secs : 0
      if (setup == "direct") {
        printf "| %s | direct | %.0f | %.1f | %.2f | – | – | – | – | %s | %s |\n", c, bytes / 1048576, secs, mibs, load, status
        exit
      }
      cnt = "–"
      if (c ~ /^from/) {
        cnt = sprintf("+%.0f MiB; rose in %d of %d samples", (c2s - c2s0) / 1048576, moved, m - 1)
        if (secs >= 4 && moved < (m - 1) / 2) print c " " setup ": client_to_server rose in only " moved " of " m - 1 " samples" >> fails
      }
      if (over != "") print c " " setup ": " over >> fails
      if (dover != "") print c " " setup ": " dover >> fails
      printf "| %s | %s | %.0f | %.1f | %.2f | %.0f → %.0f (+%.0f) | %.1f → %.1f | %.0f → %.0f | %s | %s | %s |\n", c, setup,
        bytes / 1048576, secs, mibs, rss0, rssmax, rssmax - rss0, dir0, dirmax, heap0, heapmax, cnt, load, status
    }' "$SAMPLES"
}
: >"$W/failures"
ROWS="$(while IFS=$'\t' read -r c s b t0 t1 st ld; do row "$c" "$s" "$b" "$t0" "$t1" "$st" "$ld"; done <"$RUNS")"
for f in "${FAILURES[@]}"; do echo "$f" >>"$W/failures"; done
PEAK_RSS="$(awk -F, 'NR > 1 && $2 > m { m = $2 } END { print m }' "$SAMPLES")"
PEAK_DIRECT="$(awk -F, 'NR > 1 && $3 > m { m = $3 } END { print m + 0 }' "$SAMPLES")"
{
  echo "# COPY through pgwarden: memory with tiny and large rows, both directions, both pool modes, a slow end"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores (shared), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM;" \
       "PostgreSQL $PG_VERSION, $(psql --version), $(java -version 2>&1 | sed -n 1p); pgwarden built from $built_from," \
       "JVM options: ${PGWARDEN_JAVA_OPTS:-none}. Made by \`bench/copy-memory.sh --size $size --slow-size $slow_size" \
       "--cases $cases --modes $modes --rss-bound $rss_bound --direct-bound $direct_bound\`."
  echo
  echo "pgwarden before the first case (after a 4 MiB warm-up COPY each way in each mode): RSS $BASE_RSS MiB," \
       "direct buffers ${BASE_DIRECT:-?} MiB. Bounds asserted: RSS ≤ $RSS_LIMIT MiB (+$rss_bound), direct buffers ≤" \
       "$DIRECT_LIMIT MiB (+$direct_bound), at every 1-second sample. Peak over the run: RSS $PEAK_RSS MiB, direct $PEAK_DIRECT MiB."
  echo
  echo "| case | setup | MiB | s | MiB/s | pgwarden RSS MiB: start → peak (growth) | direct MiB: start → peak | heap committed MiB: start → peak | pgwarden_bytes_total client_to_server | load avg | result |"
  echo "|---|---|---:|---:|---:|---|---|---|---|---:|---|"
  echo "$ROWS"
  echo
  echo "MiB is what the client sent (COPY FROM, psql's input) or received (COPY TO). psql 15 packs the rows it reads" \
       "into CopyData of ~8 KB, so the counter rises by about the input; COPY TO's 3-byte rows come from PostgreSQL as" \
       "one 9-byte CopyData each. \"rose in k of n samples\": the samples in which the counter moved while the COPY ran" \
       "(it counts at every flush, not at the COPY's end); samples whose /metrics read timed out (1 s) are left out."
  echo "The load average is the 1-minute one as each run began (a machine shared with other work)."
  echo
  if [[ -s "$W/failures" ]]; then
    echo "**Failed:**"
    echo
    sed 's/^/- /' "$W/failures"
  else
    echo "Every bound held; every COPY ended with the bytes it should."
  fi
  echo
  echo "Netty leak reports in pgwarden's log: $(grep -c 'LEAK:' "$W/pgwarden.log" || true);" \
       "ERROR lines: $(grep -c ' ERROR ' "$W/pgwarden.log" || true)."
} >"$out/$name.md"
cp "$SAMPLES" "$out/$name.csv"
say "wrote $out/$name.md and $out/$name.csv"
cat "$out/$name.md" >&2
[[ ! -s "$W/failures" ]] || { say "FAILED: $(wc -l <"$W/failures") bound(s) or run(s)"; exit 1; }
