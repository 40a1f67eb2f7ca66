#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server on 127.0.0.1, so the store's tests also run
# against PostgreSQL: WORKBOOK_TEST_DATABASE_URL points at it while the command runs.
#   scripts/with-postgres.sh make test
# Needs Debian's postgresql package (its binaries, not its service). Works as root or as a user.
set -euo pipefail
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pgbin" ] || { echo "PostgreSQL is not installed (Debian: apt-get install postgresql)" >&2; exit 1; }
port=${WORKBOOK_PG_PORT:-55432}
dir=$(mktemp -d)
as_owner() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else bash -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
cleanup() { as_owner "'$pgbin/pg_ctl' -D '$dir/data' -m fast stop" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
as_owner "'$pgbin/initdb' -D '$dir/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
as_owner "'$pgbin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w start \
  -o \"-c listen_addresses=127.0.0.1 -p $port -k '$dir'\"" >/dev/null
export WORKBOOK_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL on 127.0.0.1:$port for this run"
"$@"
