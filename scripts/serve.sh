#!/usr/bin/env bash
# Serves the portal over ASGI and runs the django-q2 job worker beside it; Ctrl-C stops both.
set -euo pipefail
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

"$BIN/python" manage.py qcluster &
worker=$!
"$BIN/uvicorn" config.asgi:application --host "$HOST" --port "$PORT" --log-level warning &
web=$!
trap 'kill $worker $web 2>/dev/null; wait $worker $web 2>/dev/null; exit 0' INT TERM

echo
echo "The clinic portal is running at http://$HOST:$PORT/  (Ctrl-C stops the web server and the job worker)"
echo
# Whichever stops first stops the other: a portal without its worker would silently send nothing.
wait -n $worker $web
status=$?
kill $worker $web 2>/dev/null || true
exit $status
