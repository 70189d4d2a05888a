#!/usr/bin/env bash
# Real drivers' own test suites through pgwarden, next to a direct run against the same PostgreSQL.
#
#   bench/driver-suites.sh [options]
#
# One fresh PostgreSQL 17 (the binaries inside pgwarden-demo.jar) and one pgwarden (java -jar pgwarden.jar, as
# users run it) with, for each suite, a session-mode and a transaction-mode logical database on the same
# PostgreSQL database. Each suite runs three times, identically: direct (PostgreSQL's port), session (pgwarden,
# the session-mode database), transaction (pgwarden, the transaction-mode database). Writes
# bench/results/driver-suites[-TAG]-<date>.md (counts, and every test whose outcome differs between runs, with
# its first error line) and driver-suites[-TAG]-<date>.tsv (one line per test and run). Not run by CI.
#
# Suites:
#   pgjdbc        pgjdbc's own JUnit 5 suite at tag REL$PGJDBC_VERSION: its testkit and test sources compiled with
#                 javac against the released postgresql-$PGJDBC_VERSION.jar and the test dependencies of its
#                 build-logic (fetched by Maven from bench/driver-suites/pgjdbc/pom.xml; pgjdbc's own build is
#                 Gradle, which cannot be downloaded everywhere), run with the JUnit console launcher with the
#                 system properties its Gradle build passes (user.language=TR, -Xmx1536m, build.properties)
#   node-postgres packages/pg/test/integration/**/*-tests.js of brianc/node-postgres, each file run with node as
#                 its Makefile's test-integration does (a file stops at its first failure)
#
# Options:
#   --suites LIST        [pgjdbc,node-postgres]
#   --runs LIST          [direct,session,transaction]
#   --pgjdbc-select ARGS JUnit console selectors, e.g. "--select-package org.postgresql.test.jdbc2"
#                        [the classes in PGJDBC_CLASSES below]; "all" = every package but those needing what a loopback-only
#                        single server cannot give (see PGJDBC_EXCLUDE)
#   --timeout S          per pgjdbc run [3600]; per node-postgres file a tenth of it, at least 120 s
#   --test-timeout S     pgjdbc: a test running longer fails (JUnit's timeout, in a separate thread) [180]
#   --tag NAME           results named driver-suites-NAME-<date>
#   --out DIR            [bench/results]
#   --keep               keep the work directory
# Environment: PGWARDEN_JAR (default: build it), POSTGRES_JAR (see lib.sh), PGJDBC_SRC / NODE_PG_SRC (existing
# checkouts; default: git clone from GitHub into $DRIVER_CACHE), NODE_PG_REV (its revision, for the report when the
# checkout is not a git work tree), DRIVER_CACHE [/tmp/pgwarden-driver-suites]: sources,
# jars, compiled tests and node_modules, kept between runs. Needs root (PostgreSQL runs as user postgres), a JDK 17+,
# mvn or network for ./mvnw, git, psql, node and npm for node-postgres, python3.
#
# After a pgwarden change (e.g. pinning), rerun exactly as the report's first line says and compare the reports.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

PGJDBC_VERSION=42.7.13
# The default subset, identical in every run: what a proxy can break (statements, server-prepared statements,
# cursors and fetch sizes, transactions and savepoints, COPY, LISTEN/NOTIFY, large objects, session parameters,
# errors), without the heavily parameterised classes (BatchFailureTest alone ran > 8 min here on a loaded 2-core
# machine). The whole of jdbc2 + jdbc3 ("--select-package org.postgresql.test.jdbc2 --select-package
# org.postgresql.test.jdbc3") and "all" take far longer.
PGJDBC_CLASSES=(
  jdbc2.ArrayTest jdbc2.BlobTransactionTest jdbc2.CallableStmtTest jdbc2.ClientEncodingTest jdbc2.ConnectionTest
  jdbc2.CopyTest jdbc2.CursorFetchTest jdbc2.DateStyleTest jdbc2.NotifyTest jdbc2.ParameterStatusTest
  jdbc2.PreparedStatementTest jdbc2.RefCursorTest jdbc2.ResultSetTest jdbc2.SearchPathLookupTest
  jdbc2.ServerCursorTest jdbc2.ServerErrorTest jdbc2.ServerPreparedStmtTest jdbc2.StatementTest jdbc2.TimezoneTest
  jdbc2.TransactionStateTest jdbc2.UpsertTest
  jdbc3.CompositeTest jdbc3.GeneratedKeysTest jdbc3.Jdbc3SavepointTest jdbc3.ParameterMetaDataTest
  jdbc3.ProcedureTransactionTest jdbc3.TestReturningTest
)
PGJDBC_SELECT_DEFAULT="$(printf -- '--select-class org.postgresql.test.%s ' "${PGJDBC_CLASSES[@]}")"
PGJDBC_SELECT_DEFAULT="${PGJDBC_SELECT_DEFAULT% }"
# Not in "all": other servers (hostchooser: secondary servers on 5433/5434), Kerberos/SSPI, TLS on the server,
# OSGi container
PGJDBC_EXCLUDE=(org.postgresql.test.hostchooser org.postgresql.test.gss org.postgresql.test.sspi org.postgresql.test.ssl
                org.postgresql.test.osgi)

suites=pgjdbc,node-postgres runs=direct,session,transaction pgjdbc_select="$PGJDBC_SELECT_DEFAULT" timeout=3600
test_timeout=180
tag="" out="" keep=0
invocation="bench/driver-suites.sh $*"
while (($#)); do
  case "$1" in
    --suites) suites="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --pgjdbc-select) pgjdbc_select="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --test-timeout) test_timeout="$2"; shift 2 ;;
    *) common_option "$@"; shift "$OPTION_WORDS" ;;
  esac
done
IFS=, read -r -a SUITES <<<"$suites"
IFS=, read -r -a RUNS <<<"$runs"

[[ "$(id -u)" == 0 ]] || die "run as root: PostgreSQL is started as user postgres"
for tool in java javac git psql pg_isready python3 unzip xz runuser ss; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing"
done
[[ " ${SUITES[*]} " == *" node-postgres "* ]] && { command -v node >/dev/null && command -v npm >/dev/null || die "node-postgres needs node and npm"; }

DRIVER_CACHE="${DRIVER_CACHE:-/tmp/pgwarden-driver-suites}"
mkdir -p "$DRIVER_CACHE"
W="$(mktemp -d /tmp/pgwarden-driver-suites.XXXXXX)"
chmod 755 "$W"
date_tag="$(date -u +%Y-%m-%d)"
out="${out:-$BENCH_DIR/results}"
mkdir -p "$out"
base="$out/driver-suites${tag:+-$tag}-$date_tag"
RESULTS="$W/results.tsv" # suite run test status message
: >"$RESULTS"

PGW_PID=""
cleanup() {
  local rc=$?
  set +e
  stop_pgwarden
  stop_fresh_postgres
  if ((keep)) || ((rc != 0)); then echo "driver-suites.sh: work directory kept: $W" >&2; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- pgwarden jar
private_pgwarden_jar

# ---------------------------------------------------------------- drivers
source_of() { # NAME REPO REF ENVVALUE: a checkout of REPO at REF (or the given one)
  local dir="$DRIVER_CACHE/$1-src"
  if [[ -n "$4" ]]; then echo "$4"; return; fi
  if [[ ! -d "$dir" ]]; then
    say "git clone $2 ($3) into $dir"
    git clone -q --depth 1 ${3:+--branch "$3"} "https://github.com/$2.git" "$dir.tmp.$$" >&2 && mv "$dir.tmp.$$" "$dir"
  fi
  echo "$dir"
}

prepare_pgjdbc() {
  PGJDBC_SRC="$(source_of pgjdbc pgjdbc/pgjdbc "REL$PGJDBC_VERSION" "${PGJDBC_SRC:-}")"
  local lib="$DRIVER_CACHE/pgjdbc-$PGJDBC_VERSION-lib" classes="$DRIVER_CACHE/pgjdbc-$PGJDBC_VERSION-tests"
  if [[ ! -f "$lib/postgresql-$PGJDBC_VERSION.jar" ]]; then
    say "fetching pgjdbc $PGJDBC_VERSION and its test dependencies (Maven)"
    local mvn=mvn
    command -v mvn >/dev/null || mvn="$ROOT/mvnw"
    (cd "$BENCH_DIR/driver-suites/pgjdbc" && "$mvn" -q -B dependency:copy-dependencies -DoutputDirectory="$lib.tmp" \
      -Dpgjdbc.version="$PGJDBC_VERSION") >&2 && mv "$lib.tmp" "$lib"
  fi
  if [[ ! -f "$classes/.done" ]]; then
    say "compiling pgjdbc's testkit and test sources (javac)"
    rm -rf "$classes" && mkdir -p "$classes"
    find "$PGJDBC_SRC/testkit/src/main/java" "$PGJDBC_SRC/pgjdbc/src/test/java" -name '*.java' >"$W/pgjdbc-sources.txt"
    javac -nowarn -encoding UTF-8 -proc:none -d "$classes" -cp "$lib/*" @"$W/pgjdbc-sources.txt" 2>"$W/javac.log" \
      || die "javac failed: see $W/javac.log"
    cp -r "$PGJDBC_SRC/pgjdbc/src/test/resources/." "$classes/"
    touch "$classes/.done"
  fi
  PGJDBC_CP="$classes:$lib/*"
}

prepare_node_postgres() {
  NODE_PG_SRC="$(source_of node-postgres brianc/node-postgres "" "${NODE_PG_SRC:-}")"
  if [[ ! -d "$NODE_PG_SRC/node_modules/async" || ! -f "$NODE_PG_SRC/packages/pg-protocol/dist/index.js" ]]; then
    say "npm install and tsc --build in $NODE_PG_SRC"
    (cd "$NODE_PG_SRC" && npm install --no-audit --no-fund --ignore-scripts && npx tsc --build) >"$W/npm.log" 2>&1 \
      || die "npm install / tsc failed: see $W/npm.log"
  fi
}

for suite in "${SUITES[@]}"; do
  case "$suite" in
    pgjdbc) prepare_pgjdbc ;;
    node-postgres) prepare_node_postgres ;;
    *) die "unknown suite $suite" ;;
  esac
done

# ---------------------------------------------------------------- PostgreSQL and pgwarden
extract_postgres
say "PostgreSQL: initdb and start"
# pgjdbc's CI server (its docker/postgres-server scripts): logical decoding, prepared transactions for XA
start_fresh_postgres "max_connections = 300" "fsync = off" "synchronous_commit = off" "full_page_writes = off" \
  "wal_level = logical" "max_wal_senders = 10" "max_replication_slots = 10" "max_prepared_transactions = 64" \
  "max_locks_per_transaction = 256" "log_min_messages = warning"
psql_admin() { psql -X -q -h "$W/sock" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
# pgjdbc: user test/test (CREATE on its database, REPLICATION), database test and test_2 (LSN tests), hstore and lo;
# the superuser postgres is pgjdbc's privilegedUser. node-postgres: its own database, same user.
psql_admin -d postgres -c "ALTER ROLE postgres PASSWORD 'postgres'" \
  -c "CREATE ROLE test LOGIN REPLICATION PASSWORD 'test'" \
  -c "CREATE DATABASE test OWNER test" -c "CREATE DATABASE test_2 OWNER test" \
  -c "CREATE DATABASE node_test OWNER test" >/dev/null
psql_admin -d test -c "CREATE EXTENSION hstore" -c "CREATE EXTENSION lo" >/dev/null
PG_VERSION="$(psql_admin -d postgres -Atc 'SHOW server_version')"

# pgwarden: per suite a session-mode and a transaction-mode database on the same PostgreSQL database, logged in as
# its owner test; the suites' users (test, and pgjdbc's privilegedUser postgres) are services granted both.
PGW_PORT="$(pick_port)"
cat >"$W/pgwarden.yaml" <<EOF
listen: {host: 127.0.0.1, port: $PGW_PORT}
backends:
  main: {host: 127.0.0.1, port: $PG_PORT, admin_user: postgres, admin_password: postgres}
pool:
  pool_size: 20
  query_wait_timeout: 30s
  reset_query: DISCARD ALL
databases:
  test: {backend: main, dbname: test, user: test, password: test, pool_mode: session}
  test_tx: {backend: main, dbname: test, user: test, password: test, pool_mode: transaction}
  node_test: {backend: main, dbname: node_test, user: test, password: test, pool_mode: session}
  node_test_tx: {backend: main, dbname: node_test, user: test, password: test, pool_mode: transaction}
services:
  test: {password: test, databases: [test, test_tx, node_test, node_test_tx]}
  postgres: {password: postgres, databases: [test, test_tx, node_test, node_test_tx]}
EOF
say "pgwarden on 127.0.0.1:$PGW_PORT"
java -jar "$PGWARDEN_JAR" run --config "$W/pgwarden.yaml" >>"$W/pgwarden.log" 2>&1 &
PGW_PID=$!
PGPASSWORD=test await_port "$PGW_PORT" pgwarden "$W/pgwarden.log" test

port_of() { [[ "$1" == direct ]] && echo "$PG_PORT" || echo "$PGW_PORT"; }
db_of() { # RUN PHYSICAL-DATABASE
  case "$1" in direct|session) echo "$2" ;; transaction) echo "${2}_tx" ;; esac
}

# ---------------------------------------------------------------- runs
run_pgjdbc() { # RUN
  local run="$1" reports="$W/pgjdbc-$1" selectors=() pkg
  if [[ "$pgjdbc_select" == all ]]; then
    selectors=(--scan-classpath "$DRIVER_CACHE/pgjdbc-$PGJDBC_VERSION-tests")
    for pkg in "${PGJDBC_EXCLUDE[@]}"; do selectors+=(--exclude-package "$pkg"); done
  else
    read -r -a selectors <<<"$pgjdbc_select"
  fi
  say "pgjdbc $run: ${selectors[*]} (log $W/pgjdbc-$run.log)"
  local started=$SECONDS
  # pgjdbc's Gradle test task: -Xmx1536m, user.language/country TR, *Suite* classes excluded. Plus a time limit per
  # test, in a thread of its own: in transaction mode CopyTest.lockReleaseOnCancelFailure writes COPY data for ever
  # (its pg_terminate_backend(<driver PID>) finds no backend), which stalled a whole run until its backend was killed
  (cd "$PGJDBC_SRC/pgjdbc" && timeout "$timeout" java -Xmx1536m -Duser.language=TR -Duser.country=tr \
    -Dbuild.properties.relative.path="$PGJDBC_SRC/" \
    -Dtest.url.PGHOST=127.0.0.1 -Dtest.url.PGPORT="$(port_of "$run")" -Dtest.url.PGDBNAME="$(db_of "$run" test)" \
    -Duser=test -Dpassword=test -DprivilegedUser=postgres -DprivilegedPassword=postgres \
    -cp "$PGJDBC_CP" org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors \
    --details=summary --reports-dir "$reports" --exclude-classname '.*Suite.*' \
    --config junit.jupiter.execution.timeout.default="${test_timeout}s" \
    --config junit.jupiter.execution.timeout.thread.mode.default=SEPARATE_THREAD "${selectors[@]}") \
    >"$W/pgjdbc-$run.log" 2>&1 || true
  echo "pgjdbc	$run	$((SECONDS - started))" >>"$W/durations.tsv"
  # the launcher's own count: a class whose set-up fails shows there as a failed container, its tests as not run
  echo "- pgjdbc $run, JUnit's summary: $(grep -E '^\[ +[0-9]+ (tests|containers) (found|successful|failed|skipped|aborted)' \
    "$W/pgjdbc-$run.log" | tr -d '[]' | awk '{$1 = $1; print}' | paste -sd, | sed 's/,/, /g')" >>"$W/console.md"
  python3 "$BENCH_DIR/driver-suites/collect.py" junit "$reports/TEST-junit-jupiter.xml" "$run" >>"$RESULTS" \
    || say "pgjdbc $run: no report (see the log)"
}

run_node_postgres() { # RUN: every integration test file, as the Makefile's test-integration runs them
  local run="$1" file name log rc started=$SECONDS
  say "node-postgres $run"
  mkdir -p "$W/node-$run"
  while IFS= read -r file; do
    name="${file#test/integration/}"
    log="$W/node-$run/${name//\//_}.log"
    rc=0
    (cd "$NODE_PG_SRC/packages/pg" && PGHOST=127.0.0.1 PGPORT="$(port_of "$run")" PGUSER=test PGPASSWORD=test \
      PGDATABASE="$(db_of "$run" node_test)" timeout "$((timeout / 10 < 120 ? 120 : timeout / 10))" \
      node "$file" postgres://) >"$log" 2>&1 || rc=$?
    python3 "$BENCH_DIR/driver-suites/collect.py" node "$log" "$run" "$name" "$rc" >>"$RESULTS"
  done < <(cd "$NODE_PG_SRC/packages/pg" && find test/integration -name '*-tests.js' | sort)
  echo "node-postgres	$run	$((SECONDS - started))" >>"$W/durations.tsv"
}

for suite in "${SUITES[@]}"; do
  for run in "${RUNS[@]}"; do
    case "$suite" in
      pgjdbc) run_pgjdbc "$run" ;;
      node-postgres) run_node_postgres "$run" ;;
    esac
  done
done

# ---------------------------------------------------------------- report
{ printf 'suite\trun\ttest\tstatus\tmessage\n'; cat "$RESULTS"; } >"$base.tsv"
python3 "$BENCH_DIR/driver-suites/report.py" "$base.tsv" "$W/durations.tsv" >"$W/body.md"
{
  cat <<EOF
# Drivers' own test suites: direct vs pgwarden session mode vs transaction mode

Generated by \`$invocation\` on $(date -u '+%Y-%m-%d %H:%M UTC').

| | |
|---|---|
| Machine | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg) (now) |
| PostgreSQL | $PG_VERSION (binaries from pgwarden-demo.jar), fresh initdb, \`wal_level = logical\`, \`max_prepared_transactions = 64\` |
| pgwarden | built from \`$built_from\`, jar sha256 \`$(sha256sum "$PGWARDEN_JAR" | cut -c1-16)\`; pool_size 20, \`DISCARD ALL\` in session mode |
| Java | $(java -version 2>&1 | head -1) |
| pgjdbc | $( [[ " ${SUITES[*]} " == *" pgjdbc "* ]] && echo "postgresql-$PGJDBC_VERSION.jar (Maven Central), test sources of tag REL$PGJDBC_VERSION; selection: \`$pgjdbc_select\`, at most ${test_timeout} s per test" || echo "not run") |
| node-postgres | $( [[ " ${SUITES[*]} " == *" node-postgres "* ]] && echo "$(cd "$NODE_PG_SRC" && git log -1 --format='%h %cs' 2>/dev/null || echo "${NODE_PG_REV:-checkout in $NODE_PG_SRC}"), pg $(node -p "require('$NODE_PG_SRC/packages/pg/package.json').version"), node $(node --version)" || echo "not run") |

Runs: **direct** = PostgreSQL's port, database \`test\` / \`node_test\`; **session** = pgwarden, logical database
\`test\` / \`node_test\` (\`pool_mode: session\`); **transaction** = pgwarden, \`test_tx\` / \`node_test_tx\`
(\`pool_mode: transaction\`), both logged in as role \`test\` on the same PostgreSQL databases. Services \`test\`
(password test) and \`postgres\` (pgjdbc's privilegedUser) are granted all four; through pgwarden both reach
PostgreSQL as role \`test\`. Roles the tests create at run time are unknown to pgwarden.

EOF
  cat "$W/body.md"
  [[ -s "$W/console.md" ]] && { echo; cat "$W/console.md"; }
} >"$base.md"
say "wrote $base.md and $base.tsv"
