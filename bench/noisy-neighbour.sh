#!/usr/bin/env bash
# The noisy-neighbour benchmark (issue 5): does one flooded database take the others down with it?
#
#   bench/noisy-neighbour.sh [--rounds N] [--duration S] [--warmup S] [--calm-rate R] [--name NAME] [--out DIR] [--keep]
#                            [--setups "baseline pgwarden-alone direct pgbouncer pgwarden"] [--report-from WORKDIR]
#
# One fresh PostgreSQL 17 (binaries from pgwarden-demo.jar) with max_connections = 60 and three databases.
# Database noisy: 300 clients in a tight loop of BEGIN; SELECT pg_sleep(0.01); UPDATE flood ...; COMMIT.
# Databases calm1 and calm2: 10 clients each, SELECT v FROM kv WHERE id = $1 (autocommit), each client
# starting one every 1/R s (--calm-rate R, default 100: 1,000 transactions/s per database, latency counted
# from when a transaction was due), or back to back with --calm-rate 0 (then the calm clients measure the
# CPU left over on the machine more than the connections they get).
# Five setups, interleaved per round (a a' b c d, a a' b c d, ...):
#   (a) baseline   calm1 + calm2 alone, direct to PostgreSQL, no flood
#   (a') pgwarden-alone  calm1 + calm2 alone through pgwarden (what the proxy itself costs them)
#   (a'') pgwarden-cpu   the same with two CPU-bound processes beside it and no flood (not in the default
#                  --setups: CPU contention alone, without any database or connection contention)
#   (b) direct     everyone direct to PostgreSQL (one server connection per client; most of the flood
#                  cannot connect and retries every 200 ms, each failed attempt counted as an error)
#   (c) pgbouncer  PgBouncer 1.18, transaction mode, per-database pool_size = max_db_connections:
#                  noisy 32, calm1 10, calm2 10 (sum 52 = 60 - 3 superuser-reserved - 5 spare)
#   (d) pgwarden   transaction mode, budget read from the instance (max_connections 0, headroom 5 -> 52),
#                  pool_size noisy 50, calm1/calm2 10, equal weights
# Clients are pgjdbc (prepareThreshold=0 everywhere: PgBouncer 1.18 cannot keep server-prepared
# statements in transaction mode), each client thread with its own client connection, SCRAM-SHA-256.
# Every proxy is started fresh for its measurement and stopped after it (their idle server
# connections would otherwise count against max_connections during the other setups).
# Before each measurement the script waits (up to 15 min) until no other benchmark runs
# (pgrep -f 'pgbench|pgwarden-bench' outside this run). Writes bench/results/NAME-<date>.{md,png,tsv}
# (NAME: noisy-neighbour, or noisy-neighbour-closed-loop with --calm-rate 0).
# Needs root, a JDK 17+, pgbouncer, postgresql-client, unzip, xz.
# Environment: PGWARDEN_JAR, BENCH_JAR use these jars instead of building them; POSTGRES_JAR is the jar
# the PostgreSQL binaries come from (default proxy/target/pgwarden-demo.jar).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

rounds=2 duration=20 warmup=10 out="" keep=0 CALM_RATE=100 name="" report_from="" SETUPS="baseline pgwarden-alone direct pgbouncer pgwarden"
FLOOD=300 CALM=10 MAX_CONNECTIONS=60 HEADROOM=5 BUDGET=52 PGB_NOISY=32 PGB_CALM=10 PGW_NOISY=50 PGW_CALM=10
while (($#)); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --calm-rate) CALM_RATE="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --setups) SETUPS="$2"; shift 2 ;;
    --report-from) report_from="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
PG_SETTINGS=(
  "listen_addresses = '127.0.0.1'"
  "max_connections = $MAX_CONNECTIONS"
  "superuser_reserved_connections = 3"
  "shared_buffers = 256MB"
  "fsync = off"
  "synchronous_commit = off"
  "full_page_writes = off"
  "log_min_messages = warning"
)

if [[ -n "$report_from" ]]; then # render the report of a kept work directory again
  W="$(cd "$report_from" && pwd)"
  [[ -f "$W/meta.env" && -f "$W/results.tsv" ]] || die "$W has no meta.env and results.tsv (kept with --keep?)"
  # shellcheck disable=SC1091
  . "$W/meta.env"
  PGWARDEN_JAR="$W/pgwarden.jar" BENCH_JAR="$W/bench.jar" RESULTS="$W/results.tsv" NOTES="$W/notes.txt" keep=1
  out="${out:-$BENCH_DIR/results}"
else
[[ "$(id -u)" == 0 ]] || die "run as root: PostgreSQL and PgBouncer are started as user postgres"
for tool in java unzip xz runuser ss pgbouncer psql pg_isready; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install -y pgbouncer postgresql-client unzip xz-utils)"
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

W="$(mktemp -d /tmp/pgwarden-noisy.XXXXXX)"
chmod 755 "$W"
date_tag="$(date -u +%Y-%m-%d)"
out="${out:-$BENCH_DIR/results}"
mkdir -p "$out"
RESULTS="$W/results.tsv"
: >"$RESULTS"
NOTES="$W/notes.txt"
: >"$NOTES"

PG_PID="" PGB_PIDFILE="$W/pgbouncer/pgbouncer.pid" PGW_PID=""
cleanup() {
  local rc=$?
  set +e
  stop_hogs; stop_pgwarden; stop_pgbouncer
  [[ -n "${PG_BIN:-}" && -f "$W/pgdata/postmaster.pid" ]] \
    && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pgdata" -m immediate -w stop >/dev/null 2>&1
  if ((keep)) || ((rc != 0)); then echo "noisy-neighbour.sh: work directory kept: $W" >&2; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- jars, PostgreSQL binaries
if [[ -z "${PGWARDEN_JAR:-}" || -z "${BENCH_JAR:-}" ]]; then
  say "building pgwarden.jar and pgwarden-bench.jar"
  (cd "$ROOT" && ./mvnw -q -B -o -pl bench -am package -DskipTests) >&2 || die "build failed"
  PGWARDEN_JAR="$ROOT/proxy/target/pgwarden.jar" BENCH_JAR="$ROOT/bench/target/pgwarden-bench.jar"
fi
cp "$PGWARDEN_JAR" "$W/pgwarden.jar"; cp "$BENCH_JAR" "$W/bench.jar"   # private copies
PGWARDEN_JAR="$W/pgwarden.jar" BENCH_JAR="$W/bench.jar"

extract_postgres


# ---------------------------------------------------------------- PostgreSQL
PG_PORT="$(pick_port)"
say "PostgreSQL: initdb and start on 127.0.0.1:$PG_PORT (max_connections $MAX_CONNECTIONS)"
mkdir -p "$W/sock" && chown postgres "$W" "$W/sock"
runuser -u postgres -- "$PG_BIN/initdb" -D "$W/pgdata" -U postgres -E UTF8 --locale=C \
  --auth-local=trust --auth-host=scram-sha-256 >"$W/initdb.log" 2>&1 || die "initdb failed: see $W/initdb.log"
{ printf '%s\n' "${PG_SETTINGS[@]}"; echo "port = $PG_PORT"; echo "unix_socket_directories = '$W/sock'"; } >>"$W/pgdata/postgresql.conf"
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pgdata" -l "$W/postgres.log" -w -t 60 start >/dev/null \
  || die "PostgreSQL did not start: see $W/postgres.log"
psql_admin() { psql -X -q -h "$W/sock" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
psql_admin -d postgres -c "ALTER ROLE postgres PASSWORD 'postgres-pass'" -c "CREATE ROLE bench LOGIN PASSWORD 'bench-pass'" >/dev/null
for db in noisy calm1 calm2; do psql_admin -d postgres -c "CREATE DATABASE $db OWNER bench" >/dev/null; done
psql_admin -d noisy -c "SET ROLE bench" -c "CREATE TABLE flood (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0)" \
  -c "INSERT INTO flood (id) SELECT generate_series(1, 1000)" -c "VACUUM ANALYZE flood" >/dev/null
for db in calm1 calm2; do
  psql_admin -d "$db" -c "SET ROLE bench" -c "CREATE TABLE kv (id int PRIMARY KEY, v text NOT NULL)" \
    -c "INSERT INTO kv SELECT i, md5(i::text) FROM generate_series(1, 10000) i" -c "VACUUM ANALYZE kv" >/dev/null
done
PG_VERSION="$(psql_admin -d postgres -Atc 'SHOW server_version')"
PG_RESERVED="$(psql_admin -d postgres -Atc 'SHOW superuser_reserved_connections')"
declare -p PG_PORT PG_VERSION PG_RESERVED rounds duration warmup CALM_RATE SETUPS date_tag name >"$W/meta.env"

# ---------------------------------------------------------------- PgBouncer
start_pgbouncer() {
  local dir="$W/pgbouncer"
  PGB_PORT="$(pick_port)"
  mkdir -p "$dir"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
noisy = host=127.0.0.1 port=$PG_PORT dbname=noisy user=bench password=bench-pass pool_size=$PGB_NOISY max_db_connections=$PGB_NOISY
calm1 = host=127.0.0.1 port=$PG_PORT dbname=calm1 user=bench password=bench-pass pool_size=$PGB_CALM max_db_connections=$PGB_CALM
calm2 = host=127.0.0.1 port=$PG_PORT dbname=calm2 user=bench password=bench-pass pool_size=$PGB_CALM max_db_connections=$PGB_CALM
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = $PGB_CALM
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 2000
max_db_connections = 0
query_wait_timeout = 30
server_idle_timeout = 600
server_lifetime = 3600
ignore_startup_parameters = extra_float_digits
log_connections = 0
log_disconnections = 0
logfile = $dir/pgbouncer.log
pidfile = $PGB_PIDFILE
INI
  echo '"bench" "bench-pass"' >"$dir/userlist.txt"
  chown -R postgres "$dir"; chmod 600 "$dir/userlist.txt"
  runuser -u postgres -- sh -c 'ulimit -n "$1" && exec pgbouncer -d "$2"' sh "$(ulimit -Hn)" "$dir/pgbouncer.ini" \
    >>"$dir/stdout.log" 2>&1 || die "PgBouncer did not start: see $dir/pgbouncer.log"
  await_port "$PGB_PORT" PgBouncer "$dir/pgbouncer.log" calm1
}

# ---------------------------------------------------------------- pgwarden
start_pgwarden() {
  PGW_PORT="$(pick_port)"
  cat >"$W/pgwarden.yaml" <<YAML
listen: {host: 127.0.0.1, port: $PGW_PORT}
backends:
  main: {host: 127.0.0.1, port: $PG_PORT, admin_user: postgres, admin_password: postgres-pass, max_connections: 0, headroom: $HEADROOM}
pool:
  pool_mode: transaction
  query_wait_timeout: 30s
  server_idle_timeout: 10m
  server_lifetime: 1h
databases:
  noisy: {backend: main, dbname: noisy, user: bench, password: bench-pass, pool_size: $PGW_NOISY, weight: 1}
  calm1: {backend: main, dbname: calm1, user: bench, password: bench-pass, pool_size: $PGW_CALM, weight: 1}
  calm2: {backend: main, dbname: calm2, user: bench, password: bench-pass, pool_size: $PGW_CALM, weight: 1}
services:
  bench: {password: bench-pass, databases: [noisy, calm1, calm2]}
  ops: {password: ops-pass}
admin_services: [ops]
YAML
  java -jar "$PGWARDEN_JAR" run --config "$W/pgwarden.yaml" >>"$W/pgwarden.log" 2>&1 &
  PGW_PID=$!
  await_port "$PGW_PORT" pgwarden "$W/pgwarden.log" calm1
}

# ---------------------------------------------------------------- CPU hogs (setup pgwarden-cpu)
HOG_PIDS=()
start_hogs() { # as many busy loops as CPUs, at normal priority
  for _ in $(seq "$(nproc)"); do
    (trap 'exit 0' TERM; while :; do :; done) &
    HOG_PIDS+=($!)
  done
}
stop_hogs() {
  ((${#HOG_PIDS[@]})) || return 0
  kill "${HOG_PIDS[@]}" 2>/dev/null || true
  wait "${HOG_PIDS[@]}" 2>/dev/null || true
  HOG_PIDS=()
}

# ---------------------------------------------------------------- measuring
others_busy() { pgrep -af 'pgbench|pgwarden-bench' | grep -vF "$W" | grep -v ' pgrep ' || true; }
wait_quiet() { # up to 15 minutes; then measure anyway and say so
  local waited=0 busy
  while busy="$(others_busy)"; [[ -n "$busy" ]]; do
    if ((waited >= 900)); then
      say "another benchmark still runs after 15 min; measuring anyway"
      echo "- $1: measured while another benchmark was running: $(head -1 <<<"$busy" | cut -c1-120)" >>"$NOTES"
      return 0
    fi
    ((waited == 0)) && say "waiting for another benchmark to finish: $(head -1 <<<"$busy" | cut -c1-100)"
    sleep 10; waited=$((waited + 10))
  done
  ((waited == 0)) || echo "- $1: waited ${waited} s for another benchmark to finish first" >>"$NOTES"
}

measure() { # SETUP ROUND
  local setup="$1" r="$2" port flood=$FLOOD load
  wait_quiet "$setup round $r"
  case "$setup" in
    baseline) port=$PG_PORT flood=0 ;;
    direct) port=$PG_PORT ;;
    pgbouncer) start_pgbouncer; port=$PGB_PORT ;;
    pgwarden) start_pgwarden; port=$PGW_PORT ;;
    pgwarden-alone) start_pgwarden; port=$PGW_PORT flood=0 ;;
    pgwarden-cpu) start_pgwarden; port=$PGW_PORT flood=0; start_hogs ;;
  esac
  load="$(cut -d' ' -f1 /proc/loadavg)"
  local cmd=(java -Xss512k -cp "$BENCH_JAR" io.pgwarden.bench.noisy.NoisyNeighbour load
             --base "jdbc:postgresql://127.0.0.1:$port/" --user bench --password bench-pass
             --flood "$flood" --calm "$CALM" --calm-rate "$CALM_RATE" --warmup "$warmup" --duration "$duration" --retry-ms 200
             --props prepareThreshold=0
             --monitor "jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" --monitor-user postgres --monitor-password postgres-pass)
  local generic="${cmd[*]}"
  generic="${generic//$W\/bench.jar/bench\/target\/pgwarden-bench.jar}"
  generic="${generic//127.0.0.1:$PG_PORT\//127.0.0.1:\$DIRECT_PORT\/}"
  local portname="${setup%-alone}"; portname="${portname%-cpu}"
  generic="${generic//127.0.0.1:$port\//127.0.0.1:\$${portname^^}_PORT\/}"
  grep -qxF -- "$generic" "$W/commands.txt" 2>/dev/null || echo "$generic" >>"$W/commands.txt"
  if [[ "$setup" == pgwarden ]]; then # SHOW POOLS in the middle of the measurement
    (sleep $((warmup + duration / 2)); PGPASSWORD=ops-pass psql -X -h 127.0.0.1 -p "$port" -U ops -d pgwarden \
      -c 'SHOW POOLS' >"$W/show-pools-round$r.txt" 2>&1) &
    SHOW_PID=$!
  fi
  local rc=0
  "${cmd[@]}" >"$W/load-$setup-$r.out" 2>"$W/load-$setup-$r.err" || rc=$?
  ((rc == 0)) || say "  load generator exit $rc: $(tail -1 "$W/load-$setup-$r.err")"
  while IFS= read -r line; do
    printf 'noisy-neighbour\t%s\t%s\t%s\t%s\n' "$setup" "$r" "$load" "$line" >>"$RESULTS"
    say "  $setup round $r: $(cut -f1,2,3,5,6,7,9 <<<"$line")"
  done <"$W/load-$setup-$r.out"
  case "$setup" in
    pgbouncer) stop_pgbouncer ;;
    pgwarden) wait "$SHOW_PID" 2>/dev/null || true; stop_pgwarden ;;
    pgwarden-alone) stop_pgwarden ;;
    pgwarden-cpu) stop_hogs; stop_pgwarden ;;
  esac
  sleep 2 # let PostgreSQL reap the closed backends
}

for ((r = 1; r <= rounds; r++)); do
  for setup in $SETUPS; do
    say "round $r: $setup"
    measure "$setup" "$r"
  done
done
echo "PGW_PORT=${PGW_PORT:-0}" >>"$W/meta.env"
fi

# ---------------------------------------------------------------- report
if [[ -z "$name" ]]; then
  if [[ "$CALM_RATE" == 0 ]]; then name=noisy-neighbour-closed-loop; else name=noisy-neighbour; fi
fi
base="$out/$name-$date_tag"
{ echo "scenario	setup	round	load1	figure	status	value1	value2	value3	value4	failed	note	servers_mean	servers_max	connect_failures	cpu_busy"; cat "$RESULTS"; } >"$base.tsv"
BUDGET_LOG="$(grep -m1 -o 'connection budget [0-9]* ([^)]*)' "$W/pgwarden.log" || echo 'not logged')"
{
  cat <<MD
# noisy-neighbour: one flooded database next to two calm ones, max_connections = $MAX_CONNECTIONS

Generated by \`bench/noisy-neighbour.sh --rounds $rounds --duration $duration --warmup $warmup --calm-rate $CALM_RATE\` on $(date -u '+%Y-%m-%d %H:%M UTC').

## Machine and versions

| | |
|---|---|
| CPU | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores |
| Memory | $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) |
| OS | $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r) |
| Java | $(java -version 2>&1 | head -1) |
| PostgreSQL | $PG_VERSION (binaries from pgwarden-demo.jar), max_connections $MAX_CONNECTIONS, superuser_reserved_connections $PG_RESERVED |
| PgBouncer | $(pgbouncer --version | head -1) |
| pgwarden | $(java -jar "$PGWARDEN_JAR" --version 2>/dev/null), jar sha256 \`$(sha256sum "$PGWARDEN_JAR" | cut -c1-16)\`; pgwarden log: \`$BUDGET_LOG\` |

## The setup

- PostgreSQL settings: $(printf '`%s`, ' "${PG_SETTINGS[@]}" | sed 's/, $//').
- \`noisy\`: $FLOOD clients, each in a tight loop of \`BEGIN; SELECT pg_sleep(0.01); UPDATE flood SET n = n + 1 WHERE id = \$1; COMMIT\`
  (1,000-row table, random id): holds a server connection ~11 ms per transaction.
- \`calm1\`, \`calm2\`: $CALM clients each, \`SELECT v FROM kv WHERE id = \$1\` (10,000-row table, random id, autocommit),
  $(if [[ "$CALM_RATE" == 0 ]]; then echo "back to back (a closed loop: their TPS is whatever the machine has left)."; else echo "each client starting one every $(awk "BEGIN {print 1000 / $CALM_RATE}") ms on a fixed schedule (random phase): $(awk "BEGIN {printf \"%d\", $CALM * $CALM_RATE}") transactions/s offered per database. Latency counts from when a transaction was due, so a stall also counts against the transactions queued behind it."; fi)
- Clients: pgjdbc, one client thread = one client connection of its own (opened at its first transaction, kept), SCRAM-SHA-256,
  \`prepareThreshold=0\` for every setup (PgBouncer 1.18 in transaction mode cannot keep pgjdbc's server-prepared statements).
  A client whose connection cannot be opened counts an error and tries again after 200 ms; a failed transaction counts an error,
  the client goes on. Every client opens its connection first (the noisy ones are started first, so direct to
  PostgreSQL they take the slots); only when all $((FLOOD + 2 * CALM)) have connected, or failed to, do they start their
  transactions, all at once: a storm of logins (each a SCRAM key derivation in the load generator's JVM) is not
  part of the workload.
- (a) **baseline**: calm1 + calm2 alone, direct, no flood. (a') calm1 + calm2 alone through pgwarden (what the
  proxy itself costs them; not a target). (b) **direct**: everyone direct to PostgreSQL:
  $MAX_CONNECTIONS - $PG_RESERVED = $((MAX_CONNECTIONS - PG_RESERVED)) connections for $((FLOOD + 2 * CALM)) clients.
  (c) **PgBouncer 1.18**, transaction mode, per-database \`pool_size\` = \`max_db_connections\`: noisy $PGB_NOISY, calm1 $PGB_CALM,
  calm2 $PGB_CALM (sum $((PGB_NOISY + 2 * PGB_CALM)), the same number of server connections pgwarden's budget allows; PgBouncer 1.18
  has no limit across databases, so the operator splits the instance by hand). (d) **pgwarden**, transaction mode,
  \`backends.main.max_connections: 0\`, \`headroom: $HEADROOM\` (budget read from the instance: $MAX_CONNECTIONS - $PG_RESERVED - $HEADROOM = $BUDGET),
  \`pool_size\` noisy $PGW_NOISY, calm1/calm2 $PGW_CALM, all \`weight: 1\`.
- Each proxy is started fresh for its measurement and stopped after it. Each measurement: ${warmup} s warm-up (not
  recorded: connections opening, pgwarden's shares converging), then ${duration} s measured. Rounds: $rounds, setups interleaved
  a a' b c d per round. Server connections per database are sampled from \`pg_stat_activity\` every 250 ms by a superuser
  connection (it uses a reserved slot).

### PgBouncer configuration (ports vary per run)

\`\`\`ini
$(sed "s/port=$PG_PORT/port=\$DIRECT_PORT/; s/listen_port = .*/listen_port = \$PGBOUNCER_PORT/; s#$W#\$WORK#g" "$W/pgbouncer/pgbouncer.ini" 2>/dev/null || echo "(not started)")
\`\`\`

### pgwarden configuration

\`\`\`yaml
$(sed "s/port: $PG_PORT/port: \$DIRECT_PORT/; s/port: $PGW_PORT/port: \$PGWARDEN_PORT/" "$W/pgwarden.yaml" 2>/dev/null || echo "(not started)")
\`\`\`

## Commands

\`\`\`sh
bench/noisy-neighbour.sh --rounds $rounds --duration $duration --warmup $warmup --calm-rate $CALM_RATE
# which runs, per setup and round:
$(cat "$W/commands.txt")
\`\`\`

Raw measurements: [\`$(basename "$base.tsv")\`]($(basename "$base.tsv")) (one line per database, setup and round,
with the 1-minute load average before it).
MD
  if [[ -s "$NOTES" ]]; then echo; echo "Other benchmarks on the machine:"; echo; cat "$NOTES"; fi
} >"$W/header.md"
java -Djava.awt.headless=true -cp "$BENCH_JAR" io.pgwarden.bench.noisy.NoisyNeighbour report --results "$base.tsv" \
  --header "$W/header.md" --out "$base.md" --chart "$base.png" --budget "$BUDGET"
{
  echo
  echo "![TPS per database and setup]($(basename "$base.png"))"
  echo
  echo "![calm p99 per setup]($(basename "$base-p99.png"))"
  echo
  echo "## What pgwarden did under the flood"
  echo
  echo "pgwarden's \`SHOW POOLS\` in the middle of the last round's measurement:"
  echo
  echo '```text'
  cat "$W/show-pools-round$rounds.txt" 2>/dev/null || echo "(not captured)"
  echo '```'
  echo
  echo "Server connections per database at the start of the last pgwarden measurement (pg_stat_activity every 250 ms;"
  echo "t = 0 when the $FLOOD noisy and $((2 * CALM)) calm clients start connecting; their transactions start once all have"
  echo "connected, and the measurement ${warmup} s after that):"
  echo
  echo '```text'
  grep -s '^timeline' "$W/load-pgwarden-$rounds.err" | cut -f2- | awk -F'\t' 'NR == 1 || $1 <= 12000' | column -t || true
  echo '```'
  echo
  echo "Per second of the last pgwarden measurement (s = 0 when the transactions start; measured from s = ${warmup}):"
  echo "transactions that ended in that second and the slowest of them, per database:"
  echo
  echo '```text'
  grep -s '^latency' "$W/load-pgwarden-$rounds.err" | cut -f2- | column -t || true
  echo '```'
  echo
  echo "The same for direct (b) and PgBouncer (c), last round, first 3 s:"
  echo
  for s in direct pgbouncer; do
    [[ -f "$W/load-$s-$rounds.err" ]] || continue
    echo "$s:"; echo; echo '```text'
    grep '^timeline' "$W/load-$s-$rounds.err" | cut -f2- | awk -F'\t' 'NR == 1 || $1 <= 3000' | column -t
    echo '```'; echo
  done
} >>"$base.md"
say "wrote $base.md, $base.png, $base-p99.png, $base.tsv (work directory $W $( ((keep)) && echo kept || echo removed))"
