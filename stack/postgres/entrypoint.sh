#!/bin/bash
# Postgres for the lab: initdb on first start, WAL archiving to /var/lib/postgresql/wal-archive.
set -euo pipefail
export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
ARCHIVE=/var/lib/postgresql/wal-archive
PGBIN=/usr/lib/postgresql/15/bin
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"
[ -n "${POSTGRES_PASSWORD:-}" ] || { echo "postgres: POSTGRES_PASSWORD is required" >&2; exit 1; }

as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

mkdir -p "$PGDATA" "$ARCHIVE" /run/postgresql
chown -R postgres:postgres "$PGDATA" "$ARCHIVE" /run/postgresql
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "postgres: initialising $PGDATA"
  pwfile="$(mktemp)"; chown postgres "$pwfile"; chmod 600 "$pwfile"
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  as_pg "$PGBIN/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --auth-host=scram-sha-256 \
    --auth-local=trust --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  cat >> "$PGDATA/postgresql.conf" <<CONF

# driftdock lab
listen_addresses = '*'
password_encryption = 'scram-sha-256'
wal_level = replica
archive_mode = on
max_wal_senders = 3
unix_socket_directories = '/run/postgresql'
CONF
  cat > "$PGDATA/pg_hba.conf" <<HBA
local   all   all                    trust
host    all   all   127.0.0.1/32     scram-sha-256
host    all   all   0.0.0.0/0        scram-sha-256
host    replication all 0.0.0.0/0    scram-sha-256
HBA
  # Start on the socket only, create the postgres role and database, stop.
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$POSTGRES_USER" != postgres ]; then
    as_pg psql -v ON_ERROR_STOP=1 -qAt -U "$POSTGRES_USER" -d postgres \
      -c "CREATE ROLE postgres SUPERUSER LOGIN" >/dev/null
  fi
  if [ "$POSTGRES_DB" != postgres ]; then
    as_pg psql -v ON_ERROR_STOP=1 -qAt -U "$POSTGRES_USER" -d postgres \
      -c "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\"" >/dev/null
  fi
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  echo "postgres: initialised (user $POSTGRES_USER, db $POSTGRES_DB)"
fi

# Archiving is set on every start (not only at initdb), so a cluster made by an older image
# gets it too. Segments are gzipped: one that archive_timeout closed early is mostly zeros and
# shrinks from 16 MB to a few kB. restore_command reads both forms.
cat > "$PGDATA/driftdock-archive.conf" <<CONF
archive_command = 'test ! -f $ARCHIVE/%f.gz && gzip -1 < %p > $ARCHIVE/%f.gz.tmp && mv $ARCHIVE/%f.gz.tmp $ARCHIVE/%f.gz'
archive_timeout = 60s
CONF
chown postgres:postgres "$PGDATA/driftdock-archive.conf"
grep -q "driftdock-archive.conf" "$PGDATA/postgresql.conf" ||
  echo "include_if_exists = 'driftdock-archive.conf'" >> "$PGDATA/postgresql.conf"

exec setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/postgres" -D "$PGDATA"
