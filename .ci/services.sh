#!/usr/bin/env bash
# Make sure the local services the tests use are running, starting any that is down, and make sure
# Debian's Chromium and nginx are there for browser and deployment tests. Safe to run again and again.
set -u
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_up() { for _ in $(seq 1 30); do up "$1" && return 0; sleep 1; done; echo "service on port $1 did not start" >&2; return 1; }

if ! up 5432 && command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start && wait_up 5432
fi
if ! up 6379 && command -v redis-server >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no && wait_up 6379
fi
if ! up 3306 && [ -x /usr/sbin/mariadbd ]; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd && wait_up 3306
fi
# Browser tests drive Debian's Chromium; the deployment tests put a real nginx in front.
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
if [ -n "$missing" ] && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && apt-get install -y -qq $missing >/dev/null) || echo "could not install:$missing" >&2
fi
exit 0
