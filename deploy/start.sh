#!/usr/bin/env bash
# The service's production-like topology on one machine, from Debian's packages (apt-get install
# haproxy pgbouncer): three instances of the build (`npm run build` first) behind HAProxy, with
# PostgreSQL reached through PgBouncer in transaction pooling mode and the rate limits in Redis.
#
#   deploy/start.sh                 everything, in the foreground; Ctrl-C (or SIGTERM) stops it all
#   deploy/start.sh render          only writes PgBouncer's configuration into $RUN_DIR
#   deploy/start.sh pgbouncer       one process, in the foreground (exec): for a supervisor
#   deploy/start.sh instance 1|2|3    (systemd, runit, ...) or a test that signals each one
#   deploy/start.sh haproxy
#
# Settings (environment; defaults in brackets):
#   HTTP_ADDR, HTTP_PORT          where HAProxy listens [127.0.0.1, 8080]
#   INSTANCE_1_PORT .. _3_PORT    the instances' ports, on 127.0.0.1 [3001, 3002, 3003]
#   PGBOUNCER_PORT                PgBouncer's port, on 127.0.0.1 [6432]
#   PG_HOST, PG_PORT, PG_DATABASE, PG_USER
#                                 the PostgreSQL database [127.0.0.1, 5432, users_organizations, postgres]
#   REDIS_URL                     [redis://127.0.0.1:6379]
#   RUN_DIR                       rendered configuration, HAProxy's socket [var/deploy]
#   PGBOUNCER_OS_USER             the account PgBouncer runs as when started by root, which it
#                                 refuses to run as [postgres]
# The instances get HOST=127.0.0.1, their PORT, DATABASE_URL (PgBouncer), REDIS_URL, and unless
# set otherwise TRUST_PROXY=loopback (HAProxy's X-Forwarded-For) and
# SHUTDOWN_READINESS_DELAY_MS=2000 (HAProxy's checks see the drain before the listener closes).
# Everything else in the environment goes to the instances as it is: NODE_ENV=production and
# the secrets and mail settings it requires (see .env.example), LOG_LEVEL, DB_POOL_MAX, ...
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

export HTTP_ADDR=${HTTP_ADDR:-127.0.0.1}
export HTTP_PORT=${HTTP_PORT:-8080}
export INSTANCE_1_PORT=${INSTANCE_1_PORT:-3001}
export INSTANCE_2_PORT=${INSTANCE_2_PORT:-3002}
export INSTANCE_3_PORT=${INSTANCE_3_PORT:-3003}
PGBOUNCER_PORT=${PGBOUNCER_PORT:-6432}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_DATABASE=${PG_DATABASE:-users_organizations}
PG_USER=${PG_USER:-postgres}
RUN_DIR=${RUN_DIR:-$root/var/deploy}
export HAPROXY_STATS_SOCKET=${HAPROXY_STATS_SOCKET:-$RUN_DIR/haproxy.sock}

# deploy/pgbouncer.ini with this run's ports, database and auth file (PgBouncer reads no
# environment variables).
render() {
  mkdir -p "$RUN_DIR"
  local auth_file=$RUN_DIR/pgbouncer-users.txt
  printf '"%s" ""\n' "$PG_USER" >"$auth_file"
  sed -e "s|^users_organizations = host=127.0.0.1 port=5432 dbname=users_organizations |$PG_DATABASE = host=$PG_HOST port=$PG_PORT dbname=$PG_DATABASE |" \
    -e "s|^listen_port = 6432\$|listen_port = $PGBOUNCER_PORT|" \
    -e "s|^auth_file = userlist.txt\$|auth_file = $auth_file|" \
    "$here/pgbouncer.ini" >"$RUN_DIR/pgbouncer.ini"
  # every line that must change did, or the run would use the defaults without a word
  grep -q "^$PG_DATABASE = host=$PG_HOST port=$PG_PORT dbname=$PG_DATABASE " "$RUN_DIR/pgbouncer.ini"
  grep -q "^listen_port = $PGBOUNCER_PORT\$" "$RUN_DIR/pgbouncer.ini"
  grep -q "^auth_file = $auth_file\$" "$RUN_DIR/pgbouncer.ini"
}

run_pgbouncer() {
  render
  if [ "$(id -u)" = 0 ]; then
    exec pgbouncer -u "${PGBOUNCER_OS_USER:-postgres}" "$RUN_DIR/pgbouncer.ini"
  fi
  exec pgbouncer "$RUN_DIR/pgbouncer.ini"
}

run_instance() {
  local port_var="INSTANCE_${1:?instance 1, 2 or 3}_PORT"
  local port=${!port_var:?no such instance: $1}
  cd "$root"
  # The readiness delay outlasts HAProxy's two failed checks 500 ms apart: by the time the
  # instance stops accepting connections, HAProxy sends it nothing new.
  PORT=$port HOST=127.0.0.1 \
    DATABASE_URL="postgres://$PG_USER@127.0.0.1:$PGBOUNCER_PORT/$PG_DATABASE" \
    DB_PREPARED_STATEMENTS=false \
    REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379} \
    TRUST_PROXY=${TRUST_PROXY:-loopback} \
    SHUTDOWN_READINESS_DELAY_MS=${SHUTDOWN_READINESS_DELAY_MS:-2000} \
    exec node dist/main.js
}

run_haproxy() {
  mkdir -p "$RUN_DIR"
  exec haproxy -f "$here/haproxy.cfg"
}

wait_for_port() {
  local seconds=${2:-10}
  for _ in $(seq 1 $((seconds * 10))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1 after $seconds s" >&2
  return 1
}

run_all() {
  local pgbouncer_pid instance_pids=() haproxy_pid=''
  stop_all() {
    trap - INT TERM EXIT
    # The balancer first, then the instances (each answers what it holds), then the pooler.
    if [ -n "$haproxy_pid" ]; then
      kill -TERM "$haproxy_pid" 2>/dev/null || true
      wait "$haproxy_pid" 2>/dev/null || true
    fi
    for pid in "${instance_pids[@]}"; do
      kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${instance_pids[@]}"; do
      wait "$pid" 2>/dev/null || true
    done
    kill -TERM "$pgbouncer_pid" 2>/dev/null || true
    wait "$pgbouncer_pid" 2>/dev/null || true
  }
  trap stop_all INT TERM EXIT
  "$0" pgbouncer &
  pgbouncer_pid=$!
  wait_for_port "$PGBOUNCER_PORT"
  for n in 1 2 3; do
    "$0" instance "$n" &
    instance_pids+=("$!")
  done
  for n in 1 2 3; do
    local port_var="INSTANCE_${n}_PORT"
    wait_for_port "${!port_var}" 60
  done
  "$0" haproxy &
  haproxy_pid=$!
  wait_for_port "$HTTP_PORT"
  echo "users-organizations: http://$HTTP_ADDR:$HTTP_PORT (HAProxy), 3 instances, PgBouncer on 127.0.0.1:$PGBOUNCER_PORT" >&2
  # until one of them ends (or Ctrl-C), then all of them
  wait -n || true
}

case "${1:-all}" in
  all) run_all ;;
  render) render ;;
  pgbouncer) run_pgbouncer ;;
  instance) run_instance "${2:-}" ;;
  haproxy) run_haproxy ;;
  *)
    sed -n '2,26p' "$0" >&2
    exit 2
    ;;
esac
