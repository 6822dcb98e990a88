#!/usr/bin/env bash
# Start Mødeklar in the foreground: the supervisor (bot/tools/supervisor) prepares the databases
# (migrations, demo data), starts the action server, the Rasa server (REST, socket.io and SMS
# channels), the demo web site with the chat widget, the caseworkers' review app, the local SMS
# gateway simulator, the reminder scheduler and the daily retention purge; a process that stops
# is started again; Ctrl-C stops them all.
# `scripts/run.sh --shell` starts the action server and a terminal chat instead.
# Called by `make run` / `make shell`, which set up the venv and the model first.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every development default (ports, secrets, URLs) is set in ONE place: the Makefile, which
# exports them before it calls this script. Run it through `make run` / `make shell`.
for name in MODEL RASA_PORT ACTION_PORT WEB_PORT REVIEW_PORT SMS_DEMO_PORT REMINDER_EVERY_S \
            RASA_PUBLIC_URL ACTION_ENDPOINT_URL ACTION_SERVER_TOKEN; do
  if [ -z "${!name:-}" ]; then echo "$name is not set: start Mødeklar with \`make run\`." >&2; exit 2; fi
done

if [ "${1:-}" != "--shell" ]; then
  exec .venv/bin/python -m bot.tools.supervisor run
fi

mkdir -p var/log
.venv/bin/python -m bot migrate >/dev/null
.venv/bin/python -m bot seed-demo >/dev/null
echo "Starting the action server on port $ACTION_PORT (log: var/log/actions.log) ..."
.venv/bin/python -m actions --port "$ACTION_PORT" >var/log/actions.log 2>&1 &
actions=$!
trap 'kill $actions 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "http://localhost:$ACTION_PORT/health" 2>/dev/null && break
  kill -0 $actions 2>/dev/null || { echo "The action server stopped while starting; see var/log/" >&2; exit 1; }
  sleep 1
done
.venv/bin/rasa shell --model "$MODEL" --endpoints endpoints.yml
