#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the connector-sync tests (and for trying the PostgreSQL
# backend by hand). Nothing is installed or left behind in the system: the cluster lives in a
# temporary directory, trusts only loopback connections and listens on a free 127.0.0.1 port.
#
#   eval "$(scripts/pg-test-cluster.sh start)"   # exports SYNC_TEST_PG_URL and SYNC_TEST_PG_DIR
#   cargo test -p connector-sync
#   scripts/pg-test-cluster.sh stop "$SYNC_TEST_PG_DIR"
#
# Needs Debian's `postgresql` package (server binaries in /usr/lib/postgresql/<version>/bin).
# Run as root, the cluster runs as the `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail

find_bin() {
  if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then echo "$PG_BIN"; return 0; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

as_pg() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  local port i
  for i in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

start() {
  local bin dir port
  bin=$(find_bin) || { echo "pg-test-cluster: no PostgreSQL server found (apt-get install -y postgresql)" >&2; exit 2; }
  dir=$(mktemp -d /tmp/sync-pg.XXXXXX)
  if [ "$(id -u)" = "0" ]; then chown postgres:postgres "$dir"; fi
  chmod 700 "$dir"
  as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-instructions >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(free_port) || { echo "pg-test-cluster: no free port" >&2; exit 1; }
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  echo "$port" >"$dir/port"
  echo "$bin" >"$dir/bin"
  echo "export SYNC_TEST_PG_URL='postgres://postgres@127.0.0.1:$port/postgres'"
  echo "export SYNC_TEST_PG_DIR='$dir'"
  echo "pg-test-cluster: PostgreSQL ($bin) on 127.0.0.1:$port, data in $dir" >&2
}

stop() {
  local dir=${1:-${SYNC_TEST_PG_DIR:-}}
  [ -n "$dir" ] && [ -d "$dir/data" ] || { echo "pg-test-cluster: usage: stop DIR" >&2; exit 2; }
  as_pg "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-start}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
