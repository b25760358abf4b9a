#!/usr/bin/env bash
# Install (if needed) and start a PostgreSQL server on loopback for the storage/API tests,
# then print the SQLAlchemy URL to export as COMMENT_ANALYZER_TEST_POSTGRES_URL.
#
# Idempotent: safe to run again while the server is up. Needs root on Debian (apt-get, su).
# Everything but the final URL goes to stderr, so callers can do
#   export COMMENT_ANALYZER_TEST_POSTGRES_URL="$(bash .ci/start-postgres.sh)"
set -euo pipefail

DB_USER="${PG_TEST_USER:-analyzer}"
DB_PASSWORD="${PG_TEST_PASSWORD:-analyzer}"
DB_NAME="${PG_TEST_DB:-analyzer_test}"
PORT="${PG_TEST_PORT:-5432}"

log() { echo "start-postgres: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    log "installing postgresql from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"

# The Debian package normally creates the "main" cluster; create it if a minimal image did not.
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION main"; then
    log "creating cluster $VERSION/main on port $PORT"
    pg_createcluster --port "$PORT" "$VERSION" main >&2
fi

# Listen on loopback only.
CONF="/etc/postgresql/$VERSION/main/postgresql.conf"
if ! grep -q "^listen_addresses = '127.0.0.1'" "$CONF"; then
    echo "listen_addresses = '127.0.0.1'" >> "$CONF"
fi

STATUS="$(pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $4}')"
if [ "$STATUS" != "online" ]; then
    log "starting cluster $VERSION/main"
    pg_ctlcluster "$VERSION" main start >&2
fi
CLUSTER_PORT="$(pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $3}')"

for _ in $(seq 1 30); do
    if su postgres -c "pg_isready -q -h 127.0.0.1 -p $CLUSTER_PORT"; then break; fi
    sleep 1
done
su postgres -c "pg_isready -h 127.0.0.1 -p $CLUSTER_PORT" >&2

psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -q -p $CLUSTER_PORT -tA -c \"$1\""; }

if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'")" != "1" ]; then
    log "creating role $DB_USER"
    psql_admin "CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD'" >&2
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")" != "1" ]; then
    log "creating database $DB_NAME"
    psql_admin "CREATE DATABASE $DB_NAME OWNER $DB_USER" >&2
fi

echo "postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$CLUSTER_PORT/$DB_NAME"
