#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis named by DATABASE_URL and REDIS_URL answer: on this
# machine it starts the local servers, or installs them with apt-get (as root) when missing.
set -euo pipefail

pg_answers() { pg_isready -q -d "$DATABASE_URL" 2>/dev/null; }
redis_answers() { [ "$(redis-cli -u "$REDIS_URL" ping 2>/dev/null)" = "PONG" ]; }

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "Need $* but not root: install it, or set DATABASE_URL/REDIS_URL to servers that answer." >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v pg_isready >/dev/null || ! command -v pg_ctlcluster >/dev/null; then
  apt_install postgresql postgresql-contrib
fi
if ! pg_answers; then
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
  for _ in $(seq 1 30); do pg_answers && break; sleep 1; done
fi
pg_answers || { echo "PostgreSQL at $DATABASE_URL does not answer." >&2; exit 1; }

if ! command -v redis-server >/dev/null; then
  apt_install redis-server
fi
if ! redis_answers; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis_answers && break; sleep 1; done
fi
redis_answers || { echo "Redis at $REDIS_URL does not answer." >&2; exit 1; }
echo "PostgreSQL and Redis answer."
