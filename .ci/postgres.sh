#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests: its data and its unix socket live in one
# temporary directory, it listens on no TCP address, and it is gone after `stop`.
#
#   .ci/postgres.sh start STATE   # prints the server's URL on stdout (and writes STATE/url)
#   .ci/postgres.sh stop STATE    # stops the server and removes its files
#
# STATE is a directory of the caller's where the script notes where the server lives.
#
# It looks for initdb/pg_ctl on PATH, then under /usr/lib/postgresql/*/bin (the newest first),
# and fails loudly when there are none.  initdb refuses to run as root, so as root the server
# runs as the `postgres` user (or `nobody` when there is no such user).
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }

find_bin() {
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return
    fi
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return
        fi
    done
    die "PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin);
install it (Debian: apt-get install postgresql) or set OVERDUE_TEST_POSTGRES_URL to a server"
}

as_owner() {
    if [ "$(id -u)" = "0" ]; then
        local user=postgres
        id "$user" >/dev/null 2>&1 || user=nobody
        runuser -u "$user" -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local state=$1 bin port dir user=""
    bin=$(find_bin)
    mkdir -p "$state"
    # The server's own directory is made here (not under the caller's, whose parents may be
    # closed to the server's user); STATE only remembers where it is.
    dir=$(mktemp -d "${TMPDIR:-/tmp}/overdue-pg.XXXXXX")
    if [ "$(id -u)" = "0" ]; then
        user=postgres
        id "$user" >/dev/null 2>&1 || user=nobody
        chown "$user" "$dir"
    fi
    echo "$dir" >"$state/server"
    echo "$bin" >"$state/bin"
    port=$(free_port)
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$dir' -p $port -c fsync=off" \
        start >/dev/null || { cat "$dir/server.log" >&2; die "pg_ctl start failed"; }
    local url="postgresql://postgres@/postgres?host=$dir&port=$port"
    echo "$url" >"$state/url"
    echo "$url"
}

stop() {
    local state=$1 dir bin
    [ -f "$state/server" ] || return 0
    dir=$(cat "$state/server")
    bin=$(cat "$state/bin" 2>/dev/null || find_bin)
    if [ -d "$dir/data" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$dir" in
        */overdue-pg.*) rm -rf "$dir" ;;
    esac
    rm -f "$state/server"
}

case "${1:-}" in
    start) [ $# -eq 2 ] || die "usage: $0 start STATE"; start "$2" ;;
    stop) [ $# -eq 2 ] || die "usage: $0 stop STATE"; stop "$2" ;;
    *) die "usage: $0 start|stop STATE" ;;
esac
