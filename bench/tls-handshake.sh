#!/usr/bin/env bash
# New TLS connections per second through pgwarden and PgBouncer, side by side, on this machine.
#
#   bench/tls-handshake.sh [--rounds N] [--duration S] [--warmup S] [--clients N] [--keys rsa,ec]
#                          [--parts rates,latency] [--out DIR] [--keep]
#
# --warmup (30 s) runs TLS connections through pgwarden before the first round, not recorded: the
# JIT compiles the JDK's TLS code, which would otherwise be counted as CPU per connection.
#
# Each pgbench transaction is a whole new connection (pgbench -C): TCP, SSLRequest, the TLS
# handshake, SCRAM-SHA-256 login, `SELECT 1`, close. With sslmode=require and sslmode=disable, the
# difference is what TLS costs. Both proxies listen with TLS optional (pgwarden listen.tls.mode
# prefer, PgBouncer client_tls_sslmode=prefer), the same server certificate (RSA 2048 or EC P-256,
# made here with openssl), the same SCRAM verifier (so neither derives a key per login) and a
# transaction pool of 20. Also records each proxy's CPU time per connection, from /proc: an upper
# bound of how long a handshake and login keep an event loop (pgwarden) or PgBouncer's one thread
# busy. Writes bench/results/tls-handshake-<date>.md. Needs root, pgbench, pgbouncer, openssl.
# Environment: PGWARDEN_JAR uses this jar instead of building it; POSTGRES_JAR is the jar the
# PostgreSQL binaries come from (default proxy/target/pgwarden-demo.jar).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

rounds=3 duration=10 warmup=30 clients=8 keys="rsa,ec" parts="rates,latency" out="$BENCH_DIR/results" keep=0
while (($#)); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --parts) parts="$2"; shift 2 ;;
    --keys) keys="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) die "unknown option $1" ;;
  esac
done
[[ "$(id -u)" == 0 ]] || die "run as root: PostgreSQL and PgBouncer are started as user postgres"
for tool in java unzip xz runuser ss pgbench pgbouncer psql pg_isready openssl; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing"
done

W="$(mktemp -d /tmp/pgwarden-tls-bench.XXXXXX)"
chmod 755 "$W"
chown postgres "$W"
PG_PID="" PGB_PIDFILE="$W/pgbouncer/pgbouncer.pid" PGW_PID=""
cleanup() {
  local rc=$?
  set +e
  stop_pgwarden
  stop_pgbouncer
  [[ -f "$W/pgdata/postmaster.pid" ]] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pgdata" -m immediate -w stop >/dev/null 2>&1
  if ((keep)) || ((rc != 0)); then echo "tls-handshake.sh: work directory kept: $W" >&2; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

private_pgwarden_jar
extract_postgres

# ---------------------------------------------------------------- PostgreSQL
PG_PORT="$(pick_port)"
mkdir -p "$W/sock" && chown postgres "$W/sock"
runuser -u postgres -- "$PG_BIN/initdb" -D "$W/pgdata" -U postgres -E UTF8 --locale=C \
  --auth-local=trust --auth-host=scram-sha-256 >"$W/initdb.log" 2>&1 || die "initdb failed: see $W/initdb.log"
printf '%s\n' "listen_addresses = '127.0.0.1'" "port = $PG_PORT" "unix_socket_directories = '$W/sock'" \
  "fsync = off" "log_min_messages = warning" >>"$W/pgdata/postgresql.conf"
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pgdata" -l "$W/postgres.log" -w -t 60 start >/dev/null
psql_admin() { psql -X -q -h "$W/sock" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
psql_admin -c "ALTER ROLE postgres PASSWORD 'postgres-pass'" -c "CREATE ROLE bench LOGIN PASSWORD 'bench-pass'" -c "CREATE DATABASE bench OWNER bench" >/dev/null
VERIFIER="$(psql_admin -Atc "SELECT rolpassword FROM pg_authid WHERE rolname = 'bench'")"
PG_VERSION="$(psql_admin -Atc 'SHOW server_version')"

# ---------------------------------------------------------------- proxies
start_pgbouncer() { # CERT_DIR
  local dir="$W/pgbouncer"
  PGB_PORT="$(pick_port)"
  mkdir -p "$dir"
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
bench = host=127.0.0.1 port=$PG_PORT dbname=bench user=bench password=bench-pass
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 20
max_client_conn = 10000
client_tls_sslmode = prefer
client_tls_cert_file = $1/server.crt
client_tls_key_file = $1/server.key
log_connections = 0
log_disconnections = 0
logfile = $dir/pgbouncer.log
pidfile = $PGB_PIDFILE
EOF
  printf '"bench" "%s"\n' "$VERIFIER" >"$dir/userlist.txt"
  chown -R postgres "$dir" && chmod 600 "$dir/userlist.txt"
  runuser -u postgres -- sh -c 'ulimit -n "$1" && exec pgbouncer -d "$2"' sh "$(ulimit -Hn)" "$dir/pgbouncer.ini" \
    >>"$dir/stdout.log" 2>&1 || die "PgBouncer did not start: see $dir/pgbouncer.log"
  await_port "$PGB_PORT" PgBouncer "$dir/pgbouncer.log" bench
}

start_pgwarden() { # CERT_DIR
  PGW_PORT="$(pick_port)"
  cat >"$W/pgwarden.yaml" <<EOF
listen:
  host: 127.0.0.1
  port: $PGW_PORT
  tls: {mode: prefer, cert: $1/server.crt, key: $1/server.key}
backends:
  main: {host: 127.0.0.1, port: $PG_PORT, admin_user: postgres, admin_password: postgres-pass}
pool: {pool_mode: transaction, pool_size: 20}
databases:
  bench: {backend: main, dbname: bench, user: bench, password: bench-pass}
services:
  bench: {password: '$VERIFIER', databases: [bench]}
EOF
  # shellcheck disable=SC2086
  java ${PGWARDEN_JAVA_OPTS:-} -jar "$PGWARDEN_JAR" run --config "$W/pgwarden.yaml" >>"$W/pgwarden.log" 2>&1 &
  PGW_PID=$!
  await_port "$PGW_PORT" pgwarden "$W/pgwarden.log" bench
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# pgwarden's event-loop threads only (comm is cut to 15 characters): the time handshakes and logins hold a loop
loop_ticks() {
  local total=0 task
  for task in /proc/"$1"/task/*; do
    [[ "$(cat "$task/comm" 2>/dev/null)" == epollEventLoop* ]] || continue
    total=$((total + $(awk '{print $14 + $15}' "$task/stat")))
  done
  echo "$total"
}
echo 'SELECT 1;' >"$W/select1.sql"

RESULTS="$W/results.tsv"
: >"$RESULTS"
measure() { # SETUP PORT PID SSLMODE KEY ROUND
  local before after tps ticks connections loops_before loops
  before="$(cpu_ticks "$3")" loops_before="$(loop_ticks "$3")"
  PGSSLMODE="$4" PGPASSWORD=bench-pass pgbench -n -C -c "$clients" -j 2 -T "$duration" -f "$W/select1.sql" \
    -h 127.0.0.1 -p "$2" -U bench bench >"$W/pgbench.out" 2>&1 || die "pgbench failed: $(tail -3 "$W/pgbench.out")"
  after="$(cpu_ticks "$3")"
  tps="$(awk '/^tps = / {print $3; exit}' "$W/pgbench.out")"
  connections="$(awk '/number of transactions actually processed/ {print $NF}' "$W/pgbench.out" | cut -d/ -f1)"
  ticks=$((after - before)) loops=$(($(loop_ticks "$3") - loops_before))
  ((connections > 0)) || connections=1
  # 100 ticks a second: µs of CPU per connection, the whole process and (pgwarden) its event loops
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$5" "$1" "$4" "$6" "$tps" "$((ticks * 10000 / connections))" \
    "$([[ "$1" == pgwarden ]] && echo $((loops * 10000 / connections)) || echo -)" >>"$RESULTS"
  say "$5 $1 sslmode=$4 round $6: $tps connections/s, $((ticks * 10000 / connections)) µs CPU each"
}

# Queries on connections already open, paced (2 clients, 100 a second each), alone and while 8
# other clients open TLS connections as fast as they can: what a burst of handshakes does to them.
LATENCY="$W/latency.tsv"
: >"$LATENCY"
p99_ms() { cat "$@" | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {if (NR) printf("%.2f", a[int(NR * 0.99) > 0 ? int(NR * 0.99) : 1] / 1000)}'; }
paced_queries() { # SETUP PORT KEY WHEN
  rm -f "$W"/lat.*
  PGPASSWORD=bench-pass pgbench -n -c 2 -j 1 -R 200 -T "$duration" -l --log-prefix="$W/lat" -f "$W/select1.sql" \
    -h 127.0.0.1 -p "$2" -U bench bench >"$W/paced.out" 2>&1 || die "pgbench failed: $(tail -3 "$W/paced.out")"
  printf '%s\t%s\t%s\t%s\n' "$3" "$1" "$4" "$(p99_ms "$W"/lat.*)" >>"$LATENCY"
  say "$3 $1 paced queries $4: p99 $(p99_ms "$W"/lat.*) ms"
}
latency_under_storm() { # SETUP PORT KEY
  local storm
  paced_queries "$1" "$2" "$3" alone
  PGSSLMODE=require PGPASSWORD=bench-pass pgbench -n -C -c "$clients" -j 2 -T "$((duration + 2))" -f "$W/select1.sql" \
    -h 127.0.0.1 -p "$2" -U bench bench >/dev/null 2>&1 &
  storm=$!
  sleep 1
  paced_queries "$1" "$2" "$3" "during a TLS connection storm"
  wait "$storm" || true
}

IFS=, read -r -a KEYS <<<"$keys"
for key in "${KEYS[@]}"; do
  make_certificates "$W/certs-$key" "$key"
  start_pgbouncer "$W/certs-$key"
  start_pgwarden "$W/certs-$key"
  # warm-up, not recorded: the JIT, the pools
  PGSSLMODE=require PGPASSWORD=bench-pass pgbench -n -C -c "$clients" -j 2 -T "$warmup" -f "$W/select1.sql" -h 127.0.0.1 -p "$PGW_PORT" -U bench bench >/dev/null 2>&1
  PGSSLMODE=require PGPASSWORD=bench-pass pgbench -n -C -c "$clients" -j 2 -T 3 -f "$W/select1.sql" -h 127.0.0.1 -p "$PGB_PORT" -U bench bench >/dev/null 2>&1
  for round in $(seq "$rounds"); do
    [[ ",$parts," == *,rates,* ]] || break
    for sslmode in require disable; do
      measure pgbouncer "$PGB_PORT" "$(cat "$PGB_PIDFILE")" "$sslmode" "$key" "$round"
      measure pgwarden "$PGW_PORT" "$PGW_PID" "$sslmode" "$key" "$round"
    done
  done
  for round in $(seq "$rounds"); do
    [[ ",$parts," == *,latency,* ]] || break
    latency_under_storm pgbouncer "$PGB_PORT" "$key"
    latency_under_storm pgwarden "$PGW_PORT" "$key"
  done
  grep "pgwarden listening" "$W/pgwarden.log" | tail -1 | sed 's/^.*pgwarden listening/pgwarden listening/' >"$W/startup-$key.txt"
  stop_pgwarden
  stop_pgbouncer
done

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mkdir -p "$out"
report="$out/tls-handshake-$(date -u +%Y-%m-%d).md"
{
  echo "# New TLS connections per second: pgwarden and PgBouncer"
  echo
  echo "\`bench/tls-handshake.sh --rounds $rounds --duration $duration --clients $clients --keys $keys\`, $(date -u +%Y-%m-%d), pgwarden \`$built_from\`"
  echo "(JDK provider, \`java -jar\`, no JVM options), PgBouncer $(pgbouncer --version | head -1 | awk '{print $2}'), PostgreSQL $PG_VERSION, pgbench 15"
  echo "(libpq 15: SSLRequest, TLS 1.3), $(nproc) cores shared by all of them. Each pgbench transaction is a new"
  echo "connection: TLS handshake (or none), SCRAM-SHA-256, \`SELECT 1\`, close; $clients clients, -j 2, ${duration} s a"
  echo "measurement, median of $rounds interleaved rounds after a ${warmup} s TLS warm-up through pgwarden. CPU: the proxy"
  echo "process's user + system time per connection (pgwarden's includes its JIT and GC threads), and the part spent on"
  echo "pgwarden's event-loop threads: how long each new connection holds a loop, all of it on one loop."
  echo
  echo "| server key | setup | sslmode | connections/s | proxy CPU µs per connection | of which pgwarden's event loops |"
  echo "|---|---|---|---:|---:|---:|"
  for key in "${KEYS[@]}"; do
    for setup in pgbouncer pgwarden; do
      for sslmode in require disable; do
        rate="$(awk -F'\t' -v k="$key" -v s="$setup" -v m="$sslmode" '$1 == k && $2 == s && $3 == m {print $5}' "$RESULTS" | median)"
        cpu="$(awk -F'\t' -v k="$key" -v s="$setup" -v m="$sslmode" '$1 == k && $2 == s && $3 == m {print $6}' "$RESULTS" | median)"
        loop="$(awk -F'\t' -v k="$key" -v s="$setup" -v m="$sslmode" '$1 == k && $2 == s && $3 == m {print $7}' "$RESULTS" | { grep -v -- - || true; } | median)"
        printf '| %s | %s | %s | %.0f | %s | %s |\n' "$key" "$setup" "$sslmode" "$rate" "$cpu" "${loop:-–}"
      done
    done
  done
  echo
  echo "p99 latency (ms) of \`SELECT 1\` on 2 connections already open, paced at 100 a second each (pgbench -R 200),"
  echo "alone and while $clients other clients open TLS connections as fast as they can (median of $rounds rounds):"
  echo
  echo "| server key | setup | alone | during a TLS connection storm |"
  echo "|---|---|---:|---:|"
  for key in "${KEYS[@]}"; do
    for setup in pgbouncer pgwarden; do
      alone="$(awk -F'\t' -v k="$key" -v s="$setup" '$1 == k && $2 == s && $3 == "alone" {print $4}' "$LATENCY" | median)"
      storm="$(awk -F'\t' -v k="$key" -v s="$setup" '$1 == k && $2 == s && $3 != "alone" {print $4}' "$LATENCY" | median)"
      printf '| %s | %s | %s | %s |\n' "$key" "$setup" "$alone" "$storm"
    done
  done
  echo
  echo "Every measurement (key, setup, sslmode, round, connections/s, µs CPU per connection, of which event loops):"
  echo
  echo '```'
  cat "$RESULTS"
  echo '```'
  echo
  echo "Every latency measurement (key, setup, when, p99 ms):"
  echo
  echo '```'
  cat "$LATENCY"
  echo '```'
  echo
  echo "pgwarden's startup lines:"
  echo
  echo '```'
  cat "$W"/startup-*.txt
  echo '```'
} >"$report"
say "wrote $report"
