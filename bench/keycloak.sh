#!/usr/bin/env bash
# A real Keycloak server on PostgreSQL 17, direct and through pgwarden in session and transaction mode
# (a compatibility check, not in CI): does Keycloak boot, migrate its schema, serve tokens and boot again
# through pgwarden exactly as it does on a direct connection?
#
#   bench/keycloak.sh [--keycloak DIR | --keycloak-version 26.7.3] [--setups direct,session,transaction]
#                     [--pool 5] [--tokens 50] [--parallel 10] [--idle SECONDS] [--pinned-idle-timeout DURATION]
#                     [--second-instance] [--kc-opt OPTION]...
#                     [--boot-timeout 600] [--tag NAME] [--out DIR] [--keep]
#
# One PostgreSQL 17 (the binaries inside pgwarden-demo.jar, initdb'd into a temporary directory,
# 127.0.0.1, a free port) with role keycloak_owner. For each setup, in turn, on a FRESH database
# keycloak_db (dropped and created again, owned by keycloak_owner):
#   direct       Keycloak's JDBC URL points at PostgreSQL itself (database keycloak_db, user keycloak_owner)
#   session      at pgwarden (logical database keycloak -> keycloak_db, service keycloak-service with its
#   transaction  own SCRAM password), pool_mode session or transaction, pool_size --pool (default 5);
#                pgwarden is started for the setup and stopped after it
# and for each setup:
#   a. a fresh copy of the Keycloak distribution is started (kc.sh start-dev --db postgres, bootstrap admin
#      from KC_BOOTSTRAP_ADMIN_USERNAME/PASSWORD, a free HTTP port) until /realms/master answers: first
#      boot, with Keycloak's Liquibase migration (and, in a fresh copy, Quarkus' re-augmentation for
#      --db postgres, the same in every setup)
#   b. admin REST API with curl: admin token (password grant, realm master, client admin-cli), create realm
#      bench, user alice with a password, public client bench-app with direct access grants; a token for
#      alice and userinfo; then --tokens password grants (each followed by userinfo) and as many refresh
#      grants, with a user update, a role mapping and a session listing in between; then --tokens password
#      grants + userinfo again from --parallel concurrent clients (Keycloak's pool opens more connections);
#      failures counted. With --second-instance, a second Keycloak (another fresh copy) is then booted on the
#      same database while the first still runs (a two-node cluster, or a rolling update), serves one login
#      and is stopped. With --idle, the first Keycloak is then left idle that long and the concurrent logins
#      are made again.
#      pgwarden's metrics are read while Keycloak still runs (pinned clients, server connections)
#   c. Keycloak stopped (SIGTERM) and started again on the same database (second boot: nothing to migrate),
#      then a token for alice and userinfo again
#   d. Keycloak's log scanned for ERROR/WARN lines about SQL, statements, transactions or connections;
#      pgwarden's log for ERROR/WARN lines
# PostgreSQL logs every statement (log_statement = all): the report lists the statements of session state
# (SET, RESET, DISCARD, LISTEN, PREPARE, advisory locks, temporary tables) each setup sent, with counts.
# --kc-opt adds an option to every kc.sh start-dev (e.g. --kc-opt --db-pool-max-size=5).
# --pinned-idle-timeout sets pgwarden's pinned_idle_timeout (default: pgwarden's, 10m); with --idle
# longer than it, this shows what Keycloak makes of a pinned connection pgwarden has ended.
# Writes bench/results/keycloak[-NAME]-<date>.md. Exits 1 (after writing it) when a setup did not boot,
# failed a request, or logged SQL-related ERROR/WARN lines.
# Needs root (PostgreSQL runs as user postgres), a JDK 17+ for pgwarden, a JDK 21+ for Keycloak 26
# (KC_JAVA_HOME, default /usr/lib/jvm/temurin-25-jdk-amd64), psql and pg_isready, curl, jq, unzip, xz.
# Without --keycloak the distribution (org.keycloak:keycloak-quarkus-dist:<version>:zip) is downloaded
# from Maven Central into /tmp/keycloak-dist once and checked against its .sha1. PGWARDEN_JAR uses that jar
# instead of building; POSTGRES_JAR is the jar the PostgreSQL binaries come from.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

kc_dist="" kc_version=26.7.3 setups="direct,session,transaction" pool=5 tokens=50 boot_timeout=600
parallel=10 idle=0 pinned_idle_timeout="" second_instance=0 KC_OPTS=()
tag="" out="" keep=0
while (($#)); do
  case "$1" in
    --keycloak) kc_dist="$2"; shift 2 ;;
    --keycloak-version) kc_version="$2"; shift 2 ;;
    --setups) setups="$2"; shift 2 ;;
    --pool) pool="$2"; shift 2 ;;
    --tokens) tokens="$2"; shift 2 ;;
    --parallel) parallel="$2"; shift 2 ;;
    --idle) idle="$2"; shift 2 ;;
    --pinned-idle-timeout) pinned_idle_timeout="$2"; shift 2 ;;
    --second-instance) second_instance=1; shift ;;
    --kc-opt) KC_OPTS+=("$2"); shift 2 ;;
    --boot-timeout) boot_timeout="$2"; shift 2 ;;
    *) common_option "$@"; shift "$OPTION_WORDS" ;;
  esac
done
IFS=, read -r -a SETUPS <<<"$setups"
KC_JAVA_HOME="${KC_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"

[[ "$(id -u)" == 0 ]] || die "run as root: PostgreSQL is started as user postgres"
for tool in java psql pg_isready curl jq unzip xz runuser ss setsid; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install -y postgresql-client curl jq unzip xz-utils)"
done
[[ -x "$KC_JAVA_HOME/bin/java" ]] || die "no $KC_JAVA_HOME/bin/java (KC_JAVA_HOME: a JDK 21+ for Keycloak)"
id postgres >/dev/null 2>&1 || die "no user postgres"

W="$(mktemp -d /tmp/pgwarden-keycloak.XXXXXX)"
chmod 755 "$W"
date_tag="$(date -u +%Y-%m-%d)"
out="${out:-$BENCH_DIR/results}"
mkdir -p "$out"
name="keycloak${tag:+-$tag}-$date_tag"

PGW_PID="" KC_PID="" first=()
stop_keycloak() { # SIGTERM to kc.sh (it passes it on to Keycloak's JVM), then to its process group, then KILL
  [[ -n "$KC_PID" ]] || return 0
  kill -TERM "$KC_PID" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$KC_PID" 2>/dev/null || break; sleep 0.1; done
  kill -TERM -- "-$KC_PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 -- "-$KC_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$KC_PID" 2>/dev/null || true
  wait "$KC_PID" 2>/dev/null || true
  KC_PID=""
}
cleanup() {
  local rc=$?
  set +e
  stop_keycloak
  if ((${#first[@]})); then KC_PID="${first[0]}"; stop_keycloak; fi # the first of two instances
  stop_pgwarden
  stop_fresh_postgres
  if ((keep)) || ((rc != 0)); then echo "keycloak.sh: work directory kept: $W" >&2; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- Keycloak distribution
if [[ -z "$kc_dist" ]]; then
  cache="/tmp/keycloak-dist"
  kc_dist="$cache/keycloak-$kc_version"
  if [[ ! -x "$kc_dist/bin/kc.sh" ]]; then
    url="https://repo.maven.apache.org/maven2/org/keycloak/keycloak-quarkus-dist/$kc_version/keycloak-quarkus-dist-$kc_version.zip"
    mkdir -p "$cache"
    say "downloading $url"
    curl -sSf --max-time 900 -o "$cache/kc-$kc_version.zip.part" "$url" || die "download failed: $url"
    want="$(curl -sSf --max-time 30 "$url.sha1" | cut -c1-40)"
    [[ "$(sha1sum "$cache/kc-$kc_version.zip.part" | cut -c1-40)" == "$want" ]] || die "SHA-1 of $url is not $want"
    rm -rf "$cache/unpack.$$" && mkdir -p "$cache/unpack.$$"
    unzip -q "$cache/kc-$kc_version.zip.part" -d "$cache/unpack.$$"
    mv "$cache/unpack.$$/keycloak-$kc_version" "$kc_dist" 2>/dev/null || true
    rm -rf "$cache/unpack.$$" "$cache/kc-$kc_version.zip.part"
  fi
fi
[[ -x "$kc_dist/bin/kc.sh" ]] || die "no Keycloak distribution in $kc_dist (bin/kc.sh)"
KC_VERSION="$(sed -n 's/.*Version //p' "$kc_dist/version.txt" 2>/dev/null || echo "$kc_version")"
KC_JAVA_VERSION="$("$KC_JAVA_HOME/bin/java" -version 2>&1 | sed -n 1p)"

# ---------------------------------------------------------------- jar, PostgreSQL
private_pgwarden_jar
extract_postgres

start_fresh_postgres "max_connections = 100" "shared_buffers = 128MB" "fsync = off" "synchronous_commit = off" \
  "full_page_writes = off" "log_min_messages = warning" "log_line_prefix = '%m [%p] %u@%d '" "log_statement = 'all'"
psql_admin() { psql -X -q -h "$W/sock" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
psql_admin -d postgres -c "ALTER ROLE postgres PASSWORD 'postgres-pass'" \
  -c "CREATE ROLE keycloak_owner LOGIN PASSWORD 'owner-pass'" >/dev/null
PG_VERSION="$(psql_admin -d postgres -Atc 'SHOW server_version')"
fresh_database() {
  psql_admin -d postgres -c "DROP DATABASE IF EXISTS keycloak_db WITH (FORCE)" \
    -c "CREATE DATABASE keycloak_db OWNER keycloak_owner" >/dev/null
}

# ---------------------------------------------------------------- pgwarden
SERVICE_PASS="kc-service-pass"
SERVICE_VERIFIER="$(printf '%s\n' "$SERVICE_PASS" | java -jar "$PGWARDEN_JAR" scram-verifier)"
start_pgwarden() { # MODE
  PGW_PORT="$(pick_port)" PGW_HTTP_PORT="$(pick_port)"
  cat >"$W/pgwarden-$1.yaml" <<YAML
listen: {host: 127.0.0.1, port: $PGW_PORT}
http: {host: 127.0.0.1, port: $PGW_HTTP_PORT}
backends:
  main: {host: 127.0.0.1, port: $PG_PORT, admin_user: postgres, admin_password: postgres-pass}
databases:
  keycloak: {backend: main, dbname: keycloak_db, user: keycloak_owner, password: owner-pass, pool_mode: $1, pool_size: $pool${pinned_idle_timeout:+, pinned_idle_timeout: $pinned_idle_timeout}}
services:
  keycloak-service: {password: "$SERVICE_VERIFIER", databases: [keycloak]}
YAML
  # shellcheck disable=SC2206
  local opts=(${PGWARDEN_JAVA_OPTS:-})
  java "${opts[@]}" -jar "$PGWARDEN_JAR" run --config "$W/pgwarden-$1.yaml" >>"$W/pgwarden-$1.log" 2>&1 &
  PGW_PID=$!
  for _ in $(seq 300); do
    PGPASSWORD="$SERVICE_PASS" psql -X -q -h 127.0.0.1 -p "$PGW_PORT" -U keycloak-service -d keycloak -Atc 'SELECT 1' \
      >/dev/null 2>&1 && return 0
    kill -0 "$PGW_PID" 2>/dev/null || break
    sleep 0.2
  done
  die "pgwarden ($1) is not accepting connections on port $PGW_PORT: see $W/pgwarden-$1.log"
}

# ---------------------------------------------------------------- Keycloak
ADMIN_USER=kc-admin ADMIN_PASS=kc-admin-pass
# SETUP BOOT [COPY]: starts Keycloak (distribution copy $W/kc-SETUP, or COPY) in the background; sets
# KC_PID, KC_LOG, KC_URL
start_keycloak() {
  local setup="$1" boot="$2" home="${3:-$W/kc-$1}" url user pass
  case "$setup" in
    direct) url="jdbc:postgresql://127.0.0.1:$PG_PORT/keycloak_db" user=keycloak_owner pass=owner-pass ;;
    *) url="jdbc:postgresql://127.0.0.1:$PGW_PORT/keycloak" user=keycloak-service pass="$SERVICE_PASS" ;;
  esac
  KC_HTTP_PORT="$(pick_port)" KC_MGMT_PORT="$(pick_port)"
  KC_URL="http://127.0.0.1:$KC_HTTP_PORT"
  KC_LOG="$W/keycloak-$setup-boot$boot.log"
  KC_ARGS=(start-dev --db postgres --db-url "$url" --db-username "$user" --db-password "$pass"
           --http-host 127.0.0.1 --http-port "$KC_HTTP_PORT" --http-management-port "$KC_MGMT_PORT" --cache local ${KC_OPTS[@]+"${KC_OPTS[@]}"})
  echo "$(date -u +%H:%M:%S) kc.sh ${KC_ARGS[*]}" >"$W/keycloak-$setup-boot$boot.cmd"
  KC_T0="$EPOCHREALTIME"
  JAVA_HOME="$KC_JAVA_HOME" KC_BOOTSTRAP_ADMIN_USERNAME="$ADMIN_USER" KC_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASS" \
    setsid "$home/bin/kc.sh" "${KC_ARGS[@]}" >"$KC_LOG" 2>&1 </dev/null &
  KC_PID=$!
}
# Waits until /realms/master answers 200; prints the seconds since start_keycloak, or returns 1
await_keycloak() {
  local deadline=$((${EPOCHREALTIME%.*} + boot_timeout))
  while ((${EPOCHREALTIME%.*} < deadline)); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$KC_URL/realms/master")" == 200 ]]; then
      awk -v a="$KC_T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
      return 0
    fi
    kill -0 "$KC_PID" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}
kc_started_in() { sed -n 's/.*started in \([0-9.]*\)s\..*/\1/p' "$1" | tail -1; } # Keycloak's own figure

# ---------------------------------------------------------------- the REST calls
# Every call appends "STEP HTTP-CODE ok|fail" to $W/calls-SETUP.txt (calls run in subshells: the file
# is the count), a failure also its body
CALLS=""
call() { # STEP EXPECTED-CODE CURL-ARGS... : prints the body on success
  local step="$1" want="$2" code body
  shift 2
  body="$(curl -s -m 30 -w '\n%{http_code}' "$@" 2>&1)" || true
  code="${body##*$'\n'}" body="${body%$'\n'*}"
  if [[ "$code" == "$want" ]]; then
    echo "$step $code ok" >>"$CALLS"; printf '%s' "$body"; return 0
  fi
  echo "$step $code fail" >>"$CALLS"
  printf '  FAILED %s: HTTP %s (want %s): %s\n' "$step" "$code" "$want" "$(head -c 400 <<<"$body")" >>"$CALLS"
  return 1
}
admin_token() {
  call admin-token 200 -X POST "$KC_URL/realms/master/protocol/openid-connect/token" \
    -d grant_type=password -d client_id=admin-cli --data-urlencode "username=$ADMIN_USER" \
    --data-urlencode "password=$ADMIN_PASS" | jq -r .access_token
}
user_token() { # [STEP]: prints the whole token response
  call "${1:-user-token}" 200 -X POST "$KC_URL/realms/bench/protocol/openid-connect/token" \
    -d grant_type=password -d client_id=bench-app -d username=alice -d password=alice-pass -d scope=openid
}
userinfo() { # ACCESS-TOKEN [STEP]
  call "${2:-userinfo}" 200 -H "Authorization: Bearer $1" "$KC_URL/realms/bench/protocol/openid-connect/userinfo" \
    | jq -e '.preferred_username == "alice"' >/dev/null
}
exercise() { # the first boot's calls
  local at tok rt i uid
  at="$(admin_token)" || return 0
  local auth=(-H "Authorization: Bearer $at" -H 'Content-Type: application/json')
  call create-realm 201 -X POST "$KC_URL/admin/realms" "${auth[@]}" -d '{"realm":"bench","enabled":true}' >/dev/null || true
  call create-user 201 -X POST "$KC_URL/admin/realms/bench/users" "${auth[@]}" -d '{"username":"alice","enabled":true,
    "email":"alice@example.com","emailVerified":true,"firstName":"Alice","lastName":"Bench",
    "credentials":[{"type":"password","value":"alice-pass","temporary":false}]}' >/dev/null || true
  call create-client 201 -X POST "$KC_URL/admin/realms/bench/clients" "${auth[@]}" -d '{"clientId":"bench-app",
    "enabled":true,"publicClient":true,"directAccessGrantsEnabled":true,"standardFlowEnabled":false}' >/dev/null || true
  call create-role 201 -X POST "$KC_URL/admin/realms/bench/roles" "${auth[@]}" -d '{"name":"reader"}' >/dev/null || true
  uid="$(call find-user 200 "${auth[@]}" "$KC_URL/admin/realms/bench/users?username=alice&exact=true" | jq -r '.[0].id')" || true
  local role
  role="$(call get-role 200 "${auth[@]}" "$KC_URL/admin/realms/bench/roles/reader")" || true
  call map-role 204 -X POST "${auth[@]}" "$KC_URL/admin/realms/bench/users/$uid/role-mappings/realm" -d "[$role]" >/dev/null || true
  for ((i = 1; i <= tokens; i++)); do
    tok="$(user_token)" || continue
    userinfo "$(jq -r .access_token <<<"$tok")" || true
    rt="$(jq -r .refresh_token <<<"$tok")"
    call refresh-token 200 -X POST "$KC_URL/realms/bench/protocol/openid-connect/token" \
      -d grant_type=refresh_token -d client_id=bench-app -d "refresh_token=$rt" >/dev/null || true
    if ((i % 10 == 0)); then
      call update-user 204 -X PUT "${auth[@]}" "$KC_URL/admin/realms/bench/users/$uid" \
        -d "{\"firstName\":\"Alice$i\",\"lastName\":\"Bench\",\"email\":\"alice@example.com\"}" >/dev/null || true
      call user-sessions 200 "${auth[@]}" "$KC_URL/admin/realms/bench/users/$uid/sessions" >/dev/null || true
    fi
  done
  call count-users 200 "${auth[@]}" "$KC_URL/admin/realms/bench/users/count" >/dev/null || true
  burst parallel
}
burst() { # PREFIX: --tokens logins from --parallel concurrent clients
  local j k pids=()
  for ((j = 0; j < parallel; j++)); do
    (for ((k = j; k < tokens; k += parallel)); do login "$1"; done) &
    pids+=($!)
  done
  wait "${pids[@]}" # not a bare wait: Keycloak is a child too
}
login() { # PREFIX: a password grant and userinfo
  local tok
  tok="$(user_token "$1-token")" || return 0
  userinfo "$(jq -r .access_token <<<"$tok")" "$1-userinfo" || true
}
metrics_snapshot() { # pgwarden's pool and pins for the database, while Keycloak runs
  curl -s -m 5 "http://127.0.0.1:$PGW_HTTP_PORT/metrics" 2>/dev/null \
    | grep -E '^pgwarden_(pinned_clients|pinned_server_connections|backend_connections|client_connections|server_connections|pins_total)[{ ]' \
    | grep -v ' 0\.0$' || true
}
after_restart() { # the second boot's calls
  local tok
  admin_token >/dev/null || true
  tok="$(user_token reboot-token)" || return 0
  userinfo "$(jq -r .access_token <<<"$tok")" reboot-userinfo || true
}

# Keycloak's ERROR/WARN lines about SQL, statements, transactions or connections, and every line naming a
# PostgreSQL error (stack traces' "Caused by: org.postgresql.util.PSQLException: ERROR: ...")
LEVEL='^[0-9-]+ [0-9:,]+ +(ERROR|WARN) '
SQL_PATTERN='sql|jdbc|prepared statement|statement|does not exist|already exists|current transaction is aborted|transaction|08P01|26000|42P05|25P0|0A000|57P0|53300|53400|hibernate|liquibase|agroal|connection|database'
sql_lines() { cat "$@" 2>/dev/null | grep -E "$LEVEL|PSQLException|SQLState" | grep -iE "$SQL_PATTERN|PSQLException|SQLState" || true; }
block() { printf '\n%s\n\n```\n%s\n```\n' "$1" "$2"; } # TITLE TEXT: a paragraph and a fenced block

# ---------------------------------------------------------------- the setups
ROWS=() DETAILS=() BAD=()
for setup in "${SETUPS[@]}"; do
  case "$setup" in direct|session|transaction) ;; *) die "unknown setup $setup" ;; esac
  say "$setup: fresh database keycloak_db"
  fresh_database
  [[ "$setup" == direct ]] || start_pgwarden "$setup"
  rm -rf "$W/kc-$setup" && cp -a "$kc_dist" "$W/kc-$setup"
  CALLS="$W/calls-$setup.txt" boot_failed=0
  pg_log_from=$(($(wc -l <"$W/postgres.log") + 1))
  : >"$CALLS"

  say "$setup: Keycloak first boot"
  start_keycloak "$setup" 1
  second="–" boot1="" boot2="" started1="" started2="" migrated="no" booted="no" booted2="no" changesets="?"
  if boot1="$(await_keycloak)"; then
    booted=yes
    started1="$(kc_started_in "$KC_LOG")"
    say "$setup: up after $boot1 s (Keycloak: started in ${started1:-?} s); REST calls"
    exercise
    [[ "$setup" == direct ]] || metrics_snapshot >"$W/metrics-running-$setup.txt"
    if ((second_instance)); then
      first=("$KC_PID" "$KC_URL" "$KC_LOG" "$KC_T0")
      rm -rf "$W/kc-$setup-b" && cp -a "$kc_dist" "$W/kc-$setup-b"
      say "$setup: a second Keycloak on the same database, the first still running"
      start_keycloak "$setup" 1b "$W/kc-$setup-b"
      if boot1b="$(await_keycloak)"; then
        say "$setup: second instance up after $boot1b s"
        second="yes ($boot1b s)"
        login second-instance
      else
        second="no"
        echo "second-instance-boot - fail" >>"$CALLS"
        say "$setup: the second instance did not answer: see $KC_LOG"
      fi
      [[ "$setup" == direct ]] || metrics_snapshot >"$W/metrics-second-$setup.txt"
      stop_keycloak
      KC_PID="${first[0]}" KC_URL="${first[1]}" KC_LOG="${first[2]}" KC_T0="${first[3]}"
      first=()
    fi
    if ((idle > 0)); then
      say "$setup: Keycloak left idle for $idle s"
      sleep "$idle"
      [[ "$setup" == direct ]] || metrics_snapshot >"$W/metrics-idle-$setup.txt"
      burst after-idle
    fi
  else
    boot1="" boot_failed=1
    say "$setup: Keycloak did not answer within $boot_timeout s: see $KC_LOG"
  fi
  changesets="$(psql_admin -d keycloak_db -Atc "SELECT count(*) FROM databasechangelog" 2>/dev/null || echo none)"
  grep -qiE 'Failed to start server|liquibase.*(exception|error)|MigrationFailed|ValidationFailed' "$KC_LOG" \
    || [[ "$changesets" == none || "$changesets" == 0 ]] || migrated=yes
  stop_keycloak

  if [[ "$booted" == yes ]]; then
    say "$setup: Keycloak second boot, same database"
    start_keycloak "$setup" 2
    if boot2="$(await_keycloak)"; then
      booted2=yes
      started2="$(kc_started_in "$KC_LOG")"
      say "$setup: up again after $boot2 s"
      after_restart
    else
      boot2="" boot_failed=1
      say "$setup: second boot did not answer within $boot_timeout s: see $KC_LOG"
    fi
    stop_keycloak
  fi

  pins="–"
  if [[ "$setup" != direct ]]; then
    curl -s -m 5 "http://127.0.0.1:$PGW_HTTP_PORT/metrics" >"$W/metrics-$setup.txt" 2>/dev/null || true
    pins="$(grep '^pgwarden_pins_total{' "$W/metrics-$setup.txt" | awk '$NF > 0 { sub(/.*reason="/, "", $1); sub(/".*/, "", $1); printf "%s%s=%.0f", s, $1, $NF; s = ", " }' || true)"
    pins="${pins:-none}"
    stop_pgwarden
  fi
  OK="$(grep -c ' ok$' "$CALLS" || true)" FAILED="$(grep -c ' fail$' "$CALLS" || true)"
  tokens_col=""
  for step in user parallel second-instance after-idle reboot; do
    n="$(grep -c "^$step-token " "$CALLS" || true)"
    ((n)) || continue
    f="$(grep -c "^$step-\(token\|userinfo\) .* fail$" "$CALLS" || true)"
    tokens_col+="${tokens_col:+, }${step/user/sequential}: $f of $n failed"
  done
  set_lines="$(tail -n "+$pg_log_from" "$W/postgres.log" | grep -E '(statement|execute [^:]*): ' \
    | sed -E 's/^.*(statement|execute [^:]*): //' \
    | grep -iE '^\s*(SET|RESET|DISCARD|LISTEN|UNLISTEN|PREPARE|DEALLOCATE|DECLARE|CREATE (GLOBAL |LOCAL )?TEMP)|advisory|set_config' \
    | cut -c1-200 | sort | uniq -c | sort -rn || true)"
  mapfile -t sql < <(sql_lines "$W"/keycloak-"$setup"-boot*.log)
  pgw_lines=0
  [[ "$setup" == direct ]] || pgw_lines="$(grep -cE ' (ERROR|WARN) ' "$W/pgwarden-$setup.log" || true)"
  ROWS+=("| $setup | $booted / $booted2 | $migrated ($changesets changesets) | $second | ${boot1:-–} (${started1:-–}) | ${boot2:-–} (${started2:-–}) | ${tokens_col:-none} | $OK ok, $FAILED failed | ${#sql[@]} | $pgw_lines | $pins |")
  d="#### $setup"$'\n'
  d+="$(block "REST calls by step (step, HTTP code: count):" \
    "$(grep -v '^  FAILED' "$CALLS" | awk '{print $1, $2}' | sort | uniq -c | awk '{printf "%s %s: %s\n", $2, $3, $1}')")"$'\n'
  if grep -q '^  FAILED' "$CALLS"; then
    d+="$(block "Failed calls (first 5 of $FAILED):" "$(grep '^  FAILED' "$CALLS" | head -5)")"$'\n'
  fi
  d+="$(block "Statements of session state PostgreSQL received in this setup (count, statement; pgwarden's own included):" "${set_lines:-none}")"$'\n'
  if [[ -s "$W/metrics-idle-$setup.txt" ]]; then
    d+="$(block "pgwarden's metrics after $idle s idle, before the logins after it (non-zero):" "$(cat "$W/metrics-idle-$setup.txt")")"$'\n'
  fi
  if [[ -s "$W/metrics-second-$setup.txt" ]]; then
    d+="$(block "pgwarden's metrics with both Keycloak instances running (non-zero):" "$(cat "$W/metrics-second-$setup.txt")")"$'\n'
  fi
  if [[ -s "$W/metrics-running-$setup.txt" ]]; then
    d+="$(block "pgwarden's metrics while Keycloak still ran after the calls of its first boot (non-zero):" "$(cat "$W/metrics-running-$setup.txt")")"$'\n'
  fi
  if ((${#sql[@]})); then
    d+="$(block "SQL-related ERROR/WARN lines in Keycloak's log (first 10 of ${#sql[@]}):" \
      "$(printf '%s\n' "${sql[@]}" | head -10 | cut -c1-600)")"$'\n'
  fi
  if [[ "$setup" != direct ]] && ((pgw_lines)); then
    d+="$(block "ERROR/WARN lines in pgwarden's log (first 10 of $pgw_lines):" \
      "$(grep -E ' (ERROR|WARN) ' "$W/pgwarden-$setup.log" | head -10 | cut -c1-600)")"$'\n'
  fi
  other="$(cat "$W"/keycloak-"$setup"-boot*.log | grep -E "$LEVEL" | grep -viE "$SQL_PATTERN" \
    | sed -E 's/^[0-9-]+ [0-9:,]+ +//; s/\((build-|executor-thread-|vert.x-)[^)]*\)/(...)/' | sort | uniq -c | sort -rn | head -8 || true)"
  [[ -z "$other" ]] || d+="$(block "Other ERROR/WARN lines in Keycloak's log, both boots (count, line):" "$(cut -c1-300 <<<"$other")")"$'\n'
  DETAILS+=("$d")
  [[ "$booted" == yes && "$booted2" == yes && "$migrated" == yes && "$FAILED" == 0 && "$boot_failed" == 0 && ${#sql[@]} == 0 ]] \
    || BAD+=("$setup: booted $booted/$booted2, migration $migrated, $FAILED failed calls, ${#sql[@]} SQL-related log lines")
done

# ---------------------------------------------------------------- the report
{
  echo "# Keycloak through pgwarden: direct, session mode, transaction mode"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores (shared with other work, so every time here is noisy)," \
       "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM. Keycloak $KC_VERSION (keycloak-quarkus-dist," \
       "Maven Central) on $KC_JAVA_VERSION; PostgreSQL $PG_VERSION (pgwarden-demo.jar's binaries); pgwarden built from" \
       "$built_from on $(java -version 2>&1 | sed -n 1p), pool_size $pool. Made by" \
       "\`bench/keycloak.sh --setups $setups --pool $pool --tokens $tokens --parallel $parallel$( ((idle)) && echo " --idle $idle")$( ((second_instance)) && echo " --second-instance")$(for o in ${KC_OPTS[@]+"${KC_OPTS[@]}"}; do printf ' --kc-opt %s' "$o"; done)${pinned_idle_timeout:+ --pinned-idle-timeout $pinned_idle_timeout}\`."
  echo
  echo "Keycloak: \`kc.sh start-dev --db postgres --db-url jdbc:postgresql://127.0.0.1:PORT/DB --db-username USER" \
       "--db-password PASS --http-host 127.0.0.1 --http-port PORT --http-management-port PORT --cache local${KC_OPTS[*]+ ${KC_OPTS[*]}}\`" \
       "with KC_BOOTSTRAP_ADMIN_USERNAME/PASSWORD, in a fresh copy of the distribution per setup, on a fresh" \
       "keycloak_db per setup (direct: \`/keycloak_db\` as keycloak_owner; pgwarden: \`/keycloak\` as keycloak-service)."
  echo
  echo "| setup | booted (1st / 2nd) | Liquibase migration | 2nd instance booted beside the 1st | 1st boot s (Keycloak's \"started in\") | 2nd boot s (\"started in\") | user token requests (password grant + userinfo) | all REST calls | SQL-related ERROR/WARN lines in Keycloak's log | ERROR/WARN lines in pgwarden's log | pgwarden pins |"
  echo "|---|---|---|---|---|---|---|---|---:|---:|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Boot seconds: from launching kc.sh to /realms/master answering 200; the first boot includes Quarkus'" \
       "re-augmentation of the fresh distribution copy for \`--db postgres\` (the same work in every setup) and" \
       "the Liquibase migration of the empty database; Keycloak's own \"started in\" figure is in brackets." \
       "User token requests: after boot 1, $tokens sequential password grants (each followed by userinfo and a" \
       "refresh grant), then $tokens from $parallel concurrent clients$( ((idle)) && echo " (and with --second-instance one login from a second Keycloak booted beside the first), then $tokens from $parallel concurrent clients again after $idle s idle" );" \
       "one after boot 2. Changesets: rows in databasechangelog after boot 1."
  echo
  if ((${#BAD[@]})); then
    echo "**Differences from a clean run:**"
    echo
    printf -- '- %s\n' "${BAD[@]}"
  else
    echo "Every setup booted twice, migrated, answered every REST call and logged no SQL-related ERROR/WARN line."
  fi
  echo
  echo "### Per setup"
  echo
  printf '%s\n' "${DETAILS[@]}"
} >"$out/$name.md"
say "wrote $out/$name.md"
cat "$out/$name.md" >&2
((${#BAD[@]} == 0)) || exit 1
