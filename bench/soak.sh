#!/usr/bin/env bash
# The soak benchmark (not in CI): does pgwarden creep? A long steady mixed load plus hostile traffic,
# with pgwarden sampled every second.
#
#   bench/soak.sh [--duration 30m] [--rate TPS] [--hostile N] [--scale N] [--tag NAME] [--out DIR] [--keep]
#
# One fresh PostgreSQL 17 (binaries from pgwarden-demo.jar) and pgwarden (java -jar pgwarden.jar, as users
# run it) with two databases on the same PostgreSQL database "bench": bench_tx (transaction mode,
# pool_size 10) and bench_session (session mode, pool_size 20). For --duration (default 30m; 90, 90s,
# 5m, 1h), all at once:
#   pgbench -S -M prepared  8 clients  through bench_tx       at --rate tps (default 100)
#   pgbench tpcb -M simple  4 clients  through bench_tx       at --rate/2
#   pgbench -S -M extended  4 clients  through bench_session  at --rate
#   pgbench tpcb -M prepared 2 clients through bench_session  at --rate/2
#   hostile traffic: the protocol fuzzer's sequences (io.pgwarden.frontend.FuzzTraffic, from the proxy's
#     test classes), --hostile clients (default 2) per database, logging in again whenever closed
# Rate-limited (pgbench -R) so that every run puts the same load on pgwarden. Every second: pgwarden's
# RSS (/proc/PID/status VmRSS), direct buffers and heap (/metrics: jvm_buffer_memory_used_bytes{id="direct"},
# jvm_memory_used_bytes{area="heap"}), open file descriptors (/proc/PID/fd), threads, backends of "bench"
# in pg_stat_activity, and SHOW POOLS (cl_active, sv_active, sv_idle per database; all servers summed).
# Writes bench/results/soak[-NAME]-<date>.{csv,md,png}: the samples, a summary (first, last, min, max,
# slope per minute over the run and over its second half) with the load's results, and a chart.
# Needs root (PostgreSQL runs as user postgres), a JDK 17+, pgbench and psql (postgresql-client), curl,
# unzip, xz. Environment: PGWARDEN_JAR, BENCH_JAR and FUZZ_CLASSES (the proxy's test classes) use these
# instead of building; POSTGRES_JAR is the jar the PostgreSQL binaries come from (default
# proxy/target/pgwarden-demo.jar); PGWARDEN_JAVA_OPTS are extra JVM options for pgwarden (none by default).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

duration=30m rate=100 hostile=2 scale=5 tag="" out="" keep=0
while (($#)); do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --hostile) hostile="$2"; shift 2 ;;
    --scale) scale="$2"; shift 2 ;;
    *) common_option "$@"; shift "$OPTION_WORDS" ;;
  esac
done
case "$duration" in
  *h) seconds=$((${duration%h} * 3600)) ;;
  *m) seconds=$((${duration%m} * 60)) ;;
  *s) seconds="${duration%s}" ;;
  *) seconds="$duration" ;;
esac
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -ge 10 ]] || die "--duration $duration: at least 10 s (90, 90s, 5m, 1h)"

[[ "$(id -u)" == 0 ]] || die "run as root: PostgreSQL is started as user postgres"
for tool in java pgbench psql pg_isready curl unzip xz runuser ss; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install -y postgresql-client curl unzip xz-utils)"
done
id postgres >/dev/null 2>&1 || die "no user postgres"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

W="$(mktemp -d /tmp/pgwarden-soak.XXXXXX)"
chmod 755 "$W"
date_tag="$(date -u +%Y-%m-%d)"
out="${out:-$BENCH_DIR/results}"
mkdir -p "$out"
name="soak${tag:+-$tag}-$date_tag"
SAMPLES="$W/samples.csv"

PGW_PID="" LOAD_PIDS=()
cleanup() {
  local rc=$?
  set +e
  for pid in "${LOAD_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  stop_pgwarden
  [[ -n "${PG_BIN:-}" && -f "$W/pgdata/postmaster.pid" ]] \
    && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pgdata" -m immediate -w stop >/dev/null 2>&1
  if ((keep)) || ((rc != 0)); then echo "soak.sh: work directory kept: $W" >&2; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- jars, fuzzer classes, PostgreSQL binaries
if [[ -z "${PGWARDEN_JAR:-}" || -z "${BENCH_JAR:-}" || -z "${FUZZ_CLASSES:-}" ]]; then
  say "building pgwarden.jar, pgwarden-bench.jar and the proxy's test classes (the fuzzer)"
  (cd "$ROOT" && { ./mvnw -q -B -o -pl bench -am package -DskipTests 2>/dev/null \
                   || ./mvnw -q -B -pl bench -am package -DskipTests; }) >&2 || die "build failed"
  PGWARDEN_JAR="$ROOT/proxy/target/pgwarden.jar" BENCH_JAR="$ROOT/bench/target/pgwarden-bench.jar"
  FUZZ_CLASSES="$ROOT/proxy/target/test-classes"
  built_from="$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown)"
fi
built_from="${built_from:-${PGWARDEN_BUILT_FROM:-jars given in PGWARDEN_JAR, BENCH_JAR, FUZZ_CLASSES}}"
# private copies: other builds may rewrite the originals during a 30-minute run
cp "$PGWARDEN_JAR" "$W/pgwarden.jar"; cp "$BENCH_JAR" "$W/bench.jar"; cp -r "$FUZZ_CLASSES" "$W/fuzz-classes"
PGWARDEN_JAR="$W/pgwarden.jar" BENCH_JAR="$W/bench.jar"
extract_postgres

# ---------------------------------------------------------------- PostgreSQL
PG_PORT="$(pick_port)"
say "PostgreSQL: initdb and start on 127.0.0.1:$PG_PORT"
mkdir -p "$W/sock" && chown postgres "$W" "$W/sock"
runuser -u postgres -- "$PG_BIN/initdb" -D "$W/pgdata" -U postgres -E UTF8 --locale=C \
  --auth-local=trust --auth-host=scram-sha-256 >"$W/initdb.log" 2>&1 || die "initdb failed: see $W/initdb.log"
{
  printf '%s\n' "listen_addresses = '127.0.0.1'" "max_connections = 100" "shared_buffers = 128MB" \
    "fsync = off" "synchronous_commit = off" "full_page_writes = off" "log_min_messages = warning"
  echo "port = $PG_PORT"
  echo "unix_socket_directories = '$W/sock'"
} >>"$W/pgdata/postgresql.conf"
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pgdata" -l "$W/postgres.log" -w -t 60 start >/dev/null \
  || die "PostgreSQL did not start: see $W/postgres.log"
psql_admin() { psql -X -q -h "$W/sock" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
psql_admin -d postgres -c "ALTER ROLE postgres PASSWORD 'postgres-pass'" -c "CREATE ROLE bench LOGIN PASSWORD 'bench-pass'" \
  -c "CREATE DATABASE bench OWNER bench" >/dev/null
PGPASSWORD=bench-pass pgbench -i -q -s "$scale" -h 127.0.0.1 -p "$PG_PORT" -U bench bench >"$W/pgbench-init.log" 2>&1 \
  || die "pgbench -i failed: see $W/pgbench-init.log"
psql_admin -d bench -c "SET ROLE bench" -c "CREATE TABLE fuzz_copy (n int)" >/dev/null # the fuzzer's COPY FROM STDIN
PG_VERSION="$(psql_admin -d postgres -Atc 'SHOW server_version')"

# ---------------------------------------------------------------- pgwarden
PGW_PORT="$(pick_port)"
HTTP_PORT="$(pick_port)"
cat >"$W/pgwarden.yaml" <<YAML
listen: {host: 127.0.0.1, port: $PGW_PORT}
http: {host: 127.0.0.1, port: $HTTP_PORT}
backends:
  main: {host: 127.0.0.1, port: $PG_PORT, admin_user: postgres, admin_password: postgres-pass}
pool:
  query_wait_timeout: 30s
  server_idle_timeout: 10m
  server_lifetime: 1h
databases:
  bench_tx: {backend: main, dbname: bench, user: bench, password: bench-pass, pool_mode: transaction, pool_size: 10}
  bench_session: {backend: main, dbname: bench, user: bench, password: bench-pass, pool_mode: session, pool_size: 20}
services:
  bench: {password: bench-pass, databases: [bench_tx, bench_session]}
  # the fuzzer's raw client speaks md5 only
  hostile: {password: hostile-pass, auth: md5, databases: [bench_tx, bench_session]}
  ops: {password: ops-pass}
admin_services: [ops]
YAML
# shellcheck disable=SC2206
opts=(${PGWARDEN_JAVA_OPTS:-})
java "${opts[@]}" -jar "$PGWARDEN_JAR" run --config "$W/pgwarden.yaml" >>"$W/pgwarden.log" 2>&1 &
PGW_PID=$!
await_port "$PGW_PORT" pgwarden "$W/pgwarden.log" bench_tx

# ---------------------------------------------------------------- sampling
# SHOW POOLS through the admin console: "database,cl_active,sv_active,sv_idle,servers" per pool
pools() {
  PGPASSWORD=ops-pass psql -X -h 127.0.0.1 -p "$PGW_PORT" -U ops -d pgwarden -A -F, -c "SHOW POOLS" 2>/dev/null | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    col["database"] && $col["database"] != "" && NF > 5 {
      servers = $col["sv_active"] + $col["sv_idle"] + $col["sv_used"] + $col["sv_tested"] + $col["sv_login"]
      print $col["database"] "," $col["cl_active"] "," $col["sv_active"] "," $col["sv_idle"] "," servers
    }'
}
metric() { # NAME-AND-LABELS FILE: the sum of the matching samples
  awk -v m="$1" 'index($0, m) == 1 { sum += $NF; found = 1 } END { if (found) printf "%.1f", sum / 1048576 }' "$2"
}
sample() { # SECOND: one line of the CSV; a value that cannot be read is left empty
  local rss fds threads direct heap backends pools_now tx session servers
  rss="$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$PGW_PID/status" 2>/dev/null || true)"
  threads="$(awk '/^Threads:/ {print $2}' "/proc/$PGW_PID/status" 2>/dev/null || true)"
  fds="$(find "/proc/$PGW_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
  curl -s -m 1 "http://127.0.0.1:$HTTP_PORT/metrics" >"$W/metrics.txt" 2>/dev/null || : >"$W/metrics.txt"
  direct="$(metric 'jvm_buffer_memory_used_bytes{id="direct"' "$W/metrics.txt")"
  heap="$(metric 'jvm_memory_used_bytes{area="heap"' "$W/metrics.txt")"
  backends="$(psql_admin -d postgres -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = 'bench' AND backend_type = 'client backend'" 2>/dev/null || true)"
  pools_now="$(pools || true)"
  tx="$(grep '^bench_tx,' <<<"$pools_now" | cut -d, -f2-4 || true)"
  session="$(grep '^bench_session,' <<<"$pools_now" | cut -d, -f2-4 || true)"
  servers="$(awk -F, '{ n += $5 } END { if (NR) print n }' <<<"$pools_now")"
  echo "$1,$rss,$direct,$heap,$fds,$threads,$backends,$servers,${tx:-,,},${session:-,,}"
}
echo "seconds,rss_mib,direct_mib,heap_mib,fds,threads,pg_backends,pool_servers,tx_cl_active,tx_sv_active,tx_sv_idle,session_cl_active,session_sv_active,session_sv_idle" >"$SAMPLES"

# ---------------------------------------------------------------- the load
half=$(((rate + 1) / 2))
seed="${SOAK_SEED:-$RANDOM$RANDOM}"
mkdir -p "$W/pglog"
LOADS=(
  "pgbench -n -S -M prepared -c 8 -j 2 -R $rate -T $seconds bench_tx"
  "pgbench -n -M simple -c 4 -j 1 -R $half -T $seconds bench_tx"
  "pgbench -n -S -M extended -c 4 -j 1 -R $rate -T $seconds bench_session"
  "pgbench -n -M prepared -c 2 -j 1 -R $half -T $seconds bench_session"
)
say "soak: $seconds s, ${#LOADS[@]} pgbench loads and $hostile hostile clients per database (seed $seed) on pgwarden pid $PGW_PID"
sample 0 >>"$SAMPLES"
start="${EPOCHREALTIME/./}"
for i in "${!LOADS[@]}"; do
  # shellcheck disable=SC2086
  set -- ${LOADS[$i]}
  db="${!#}"
  (cd "$W/pglog" && PGPASSWORD=bench-pass exec "${@:1:$#-1}" -h 127.0.0.1 -p "$PGW_PORT" -U bench "$db") \
    >"$W/load-$i.out" 2>"$W/load-$i.err" &
  LOAD_PIDS+=($!)
done
java -cp "$W/fuzz-classes:$PGWARDEN_JAR" io.pgwarden.frontend.FuzzTraffic --port "$PGW_PORT" --user hostile \
  --password hostile-pass --databases bench_tx,bench_session --clients "$hostile" --seconds "$seconds" --seed "$seed" \
  >"$W/hostile.out" 2>&1 &
LOAD_PIDS+=($!)

for ((s = 1; s <= seconds; s++)); do
  # sleep to the next whole second since the start; a slow sample shortens the next sleep, not the run
  wait_us=$((start + s * 1000000 - ${EPOCHREALTIME/./}))
  ((wait_us > 0)) && sleep "$(printf '%d.%06d' $((wait_us / 1000000)) $((wait_us % 1000000)))"
  sample "$s" >>"$SAMPLES"
  ((s % 60 == 0)) && say "  $((s / 60)) min: $(tail -1 "$SAMPLES")"
done
# a load still running 30 s after its end hangs (a client waiting for an answer that never comes):
# what the console says about the clients then goes into the report, and the load is stopped
alive() { local i n=0; for i in "${!LOAD_PIDS[@]}"; do kill -0 "${LOAD_PIDS[$i]}" 2>/dev/null && n=$((n + 1)); done; echo "$n"; }
for _ in $(seq 150); do (($(alive) == 0)) && break; sleep 0.2; done
HUNG=() clients_when_hung=""
if (($(alive) > 0)); then
  clients_when_hung="$(PGPASSWORD=ops-pass psql -X -h 127.0.0.1 -p "$PGW_PORT" -U ops -d pgwarden -A -F' ' \
    -c "SHOW CLIENTS" 2>&1 | awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i } NR > 1 && NF > 5 && $c["user"] != "ops" {
      print $c["database"], $c["state"], "port", $c["port"], "link", ($c["link"] == "" ? "-" : $c["link"]), $c["application_name"] }' || true)"
  for i in "${!LOAD_PIDS[@]}"; do
    if kill -0 "${LOAD_PIDS[$i]}" 2>/dev/null; then HUNG+=("$i"); kill "${LOAD_PIDS[$i]}"; fi
  done
fi
for pid in "${LOAD_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
LOAD_PIDS=()

# after the load: every client gone, so every pool must read cl_active 0 and sv_active 0
after=""
for _ in $(seq 50); do
  after="$(pools || true)"
  awk -F, '$2 != 0 || $3 != 0 { busy = 1 } END { exit busy }' <<<"$after" && break
  sleep 0.2
done

# ---------------------------------------------------------------- the report
load_line() { # N: what pgbench N reported
  local f="$W/load-$1.out" status=ok
  [[ " ${HUNG[*]} " == *" $1 "* ]] && status="**hung**, stopped 30 s after its end"
  printf '%s | %s | %s | %s | %s' "$status" "$(awk '/^tps = / {print $3; exit}' "$f")" \
    "$(awk -F'[: ]+' '/^number of transactions actually processed/ {print $6; exit}' "$f")" \
    "$(awk -F'[: ]+' '/^number of failed transactions/ {print $5; exit}' "$f")" \
    "$(grep -m1 -iE 'error|fatal|abort' "$W/load-$1.err" | tr '|' '/' | cut -c1-120 || true)"
}
{
  echo "# Soak: pgwarden for $duration under mixed load and hostile traffic"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM," \
       "load average before $(cut -d' ' -f1-3 /proc/loadavg) at the end; PostgreSQL $PG_VERSION, $(java -version 2>&1 | sed -n 1p)," \
       "pgwarden built from $built_from, JVM options: ${PGWARDEN_JAVA_OPTS:-none}. Made by \`bench/soak.sh --duration $duration --rate $rate --hostile $hostile --scale $scale\`."
  echo
  echo "## Load (all at once, through pgwarden; \`pgbench -i -s $scale\`)"
  echo
  echo "| load | status | tps | transactions | failed | first error |"
  echo "|---|---|---:|---:|---:|---|"
  for i in "${!LOADS[@]}"; do echo "| \`${LOADS[$i]}\` | $(load_line "$i") |"; done
  echo
  echo "Hostile traffic (\`FuzzTraffic\`, the protocol fuzzer's sequences, seed $seed): $(grep -m1 'outcomes' "$W/hostile.out" | sed 's/^fuzz-traffic: //' || echo 'no summary: see below')."
  if grep -q 'violation\|fuzz-traffic: bench' "$W/hostile.out"; then
    echo
    echo "What the hostile clients saw broken (first lines):"
    echo
    echo '```text'
    grep -A3 'violation\|fuzz-traffic: bench' "$W/hostile.out" | sed -n '1,40p' # sed reads to the end: no SIGPIPE under pipefail
    echo '```'
  fi
  echo
  if [[ -n "$clients_when_hung" ]]; then
    echo "SHOW CLIENTS while a load hung (database, state, port, link to a server, application):"
    echo
    echo '```text'
    echo "$clients_when_hung"
    echo '```'
    echo
  fi
  echo "Netty leak reports in pgwarden's log: $(grep -c 'LEAK:' "$W/pgwarden.log" || true);" \
       "ERROR lines: $(grep -c ' ERROR ' "$W/pgwarden.log" || true)."
  echo
  echo "SHOW POOLS once the load stopped (database, cl_active, sv_active, sv_idle, servers):" \
       "$(tr '\n' ';' <<<"$after" | sed 's/;$//; s/;/; /g')."
  echo
  echo "## Samples, every second"
  echo
  echo "MiB for memory; \`pool_servers\` is every server SHOW POOLS counts, to compare with \`pg_backends\`" \
       "(the backends of database bench in pg_stat_activity). The slope is the least-squares fit, per minute;" \
       "the second half leaves warm-up out."
  echo
} >"$W/header.md"
cp "$SAMPLES" "$out/$name.csv"
java -cp "$BENCH_JAR" io.pgwarden.bench.report.SoakReport "$SAMPLES" "$W/header.md" "$out/$name.md" "$out/$name.png" \
  "pgwarden soak, $duration, $date_tag"
say "wrote $out/$name.md, $out/$name.png and $out/$name.csv"
