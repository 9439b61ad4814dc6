#!/usr/bin/env bash
# Usage: .ci/with-debian-postgres.sh COMMAND [ARGS...]
#
# Starts a throwaway PostgreSQL 15 cluster (Debian's postgresql-15 package) on
# a free 127.0.0.1 port, runs COMMAND with
#   VERITY_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres
# and stops/removes the cluster on exit. Trust auth, loopback only, fsync off:
# for tests only. Installs postgresql-15 if missing (needs root + apt).
# Set VERITY_PG_MAJOR to use another Debian major version.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

major="${VERITY_PG_MAJOR:-15}"
pkg="postgresql-$major"

find_pg_bin() {
  dpkg -L "$pkg" 2>/dev/null | grep -E '/bin/initdb$' | head -n1 | xargs -r dirname
}

bindir="$(find_pg_bin || true)"
if [[ -z "$bindir" ]]; then
  log "$pkg is not installed; installing it"
  apt_install "$pkg"
  bindir="$(find_pg_bin || true)"
fi
for b in initdb pg_ctl; do
  if [[ ! -x "$bindir/$b" ]]; then
    echo "error: $b not found in $pkg (bindir: '${bindir}')" >&2
    exit 1
  fi
done

# PostgreSQL refuses to run as root: run the server as the `postgres` OS user
# (the Debian package creates it; create it if someone removed it).
as_pg() { "$@"; }
if [[ "$(id -u)" == 0 ]]; then
  if ! id -u postgres >/dev/null 2>&1; then
    log "creating OS user 'postgres'"
    if getent group postgres >/dev/null; then
      useradd --system --gid postgres --no-create-home --shell /usr/sbin/nologin postgres
    else
      useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
    fi
  fi
  as_pg() { runuser -u postgres -- "$@"; }
fi

# World-writable scratch dir (the cluster's data dir and unix socket live here).
tmp="$(mktemp -d "${TMPDIR:-/tmp}/verity-pg${major}.XXXXXX")"
chmod 0777 "$tmp"
data="$tmp/data"
mkdir -m 0700 "$data"
if [[ "$(id -u)" == 0 ]]; then chown postgres: "$data"; fi

started=0
cleanup() {
  local rc=$?
  if [[ "$started" == 1 ]]; then
    (cd "$tmp" && as_pg "$bindir/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1) || true
  fi
  if [[ "$rc" != 0 && -s "$tmp/postgres.log" && "${VERITY_CI_SHOW_PG_LOG:-1}" == 1 ]]; then
    echo "----- PostgreSQL $major server log (tail) -----" >&2
    tail -n 50 "$tmp/postgres.log" >&2 || true
    echo "----- end of server log -----" >&2
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "initdb ($bindir) in $data"
(cd "$tmp" && as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust \
  --encoding=UTF8 --locale=C --no-sync >"$tmp/initdb.log" 2>&1) || {
  cat "$tmp/initdb.log" >&2
  exit 1
}

for attempt in 1 2 3; do
  port="$(free_port)"
  log "starting PostgreSQL $major on 127.0.0.1:$port"
  if (cd "$tmp" && as_pg "$bindir/pg_ctl" -D "$data" -l "$tmp/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null); then
    started=1
    break
  fi
  if [[ "$attempt" == 3 ]] || ! grep -qiE 'could not bind|address already in use' "$tmp/postgres.log"; then
    echo "error: PostgreSQL $major failed to start" >&2
    exit 1
  fi
done

export VERITY_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
log "VERITY_TEST_DATABASE_URL=$VERITY_TEST_DATABASE_URL"
log "running: $*"
set +e
"$@"
rc=$?
set -e
exit "$rc"
