#!/usr/bin/env bash
# Start the action server, the Rasa server (REST, socket.io and SMS channels), the demo web site
# with the chat widget, the caseworkers' review app and the local SMS gateway simulator with its
# phone page, in the foreground; Ctrl-C stops them all. Every few minutes it schedules the SMS
# meeting reminders; the retention purge (`python -m bot purge`) runs at start-up and once a day.
# `scripts/run.sh --shell` starts the action server and a terminal chat instead.
# Called by `make run` / `make shell`, which set up the venv, model and demo data first.
set -euo pipefail
cd "$(dirname "$0")/.."

RASA=.venv/bin/rasa
# Every development default (ports, secrets, URLs) is set in ONE place: the Makefile, which
# exports them before it calls this script. Run it through `make run` / `make shell`.
for name in MODEL RASA_PORT ACTION_PORT WEB_PORT REVIEW_PORT SMS_DEMO_PORT REMINDER_EVERY_S \
            RASA_PUBLIC_URL ACTION_ENDPOINT_URL ACTION_SERVER_TOKEN; do
  if [ -z "${!name:-}" ]; then echo "$name is not set: start Mødeklar with \`make run\`." >&2; exit 2; fi
done
mkdir -p var/log

pids=()
stop_all() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo; echo "Stopping Mødeklar ..."
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop_all INT TERM EXIT

wait_for() {  # wait_for URL NAME SECONDS
  for _ in $(seq 1 "$3"); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "$2 stopped while starting; see var/log/" >&2; exit 1; }; done
    sleep 1
  done
  echo "$2 did not start within $3 s; see var/log/" >&2; exit 1
}

echo "Starting the action server on port $ACTION_PORT (log: var/log/actions.log) ..."
.venv/bin/python -m actions --port "$ACTION_PORT" >var/log/actions.log 2>&1 &
pids+=($!)
wait_for "http://localhost:$ACTION_PORT/health" "The action server" 60

if [ "${1:-}" = "--shell" ]; then
  $RASA shell --model "$MODEL" --endpoints endpoints.yml
  exit 0
fi

echo "Starting the Rasa server on port $RASA_PORT (log: var/log/rasa.log) ..."
$RASA run --model "$MODEL" --port "$RASA_PORT" --credentials credentials.yml \
  --endpoints endpoints.yml --cors "*" >var/log/rasa.log 2>&1 &
pids+=($!)
wait_for "http://localhost:$RASA_PORT/" "The Rasa server" 180

echo "Starting the web site with the chat widget on port $WEB_PORT (log: var/log/web.log) ..."
.venv/bin/python -m bot.web >var/log/web.log 2>&1 &
pids+=($!)
wait_for "http://localhost:$WEB_PORT/health" "The web site" 30

echo "Starting the SMS gateway simulator on port $SMS_DEMO_PORT (log: var/log/sms-simulator.log) ..."
.venv/bin/python -m bot.tools.gateway_simulator --port "$SMS_DEMO_PORT" >var/log/sms-simulator.log 2>&1 &
pids+=($!)
wait_for "http://localhost:$SMS_DEMO_PORT/_sim/state" "The SMS gateway simulator" 30

# Meeting reminders: schedule what is due now and every REMINDER_EVERY_S seconds (cron's job in
# production; the SMS worker inside Rasa delivers them).
( while true; do .venv/bin/python -m bot send-reminders >>var/log/reminders.log 2>&1; sleep "$REMINDER_EVERY_S"; done ) &
pids+=($!)

echo "Starting the review app on port $REVIEW_PORT (log: var/log/review.log) ..."
DEMO_SIGN_IN=$(.venv/bin/python -m bot demo-review-accounts 2>&1 || true)
.venv/bin/python -m bot.review >var/log/review.log 2>&1 &
pids+=($!)
wait_for "http://localhost:$REVIEW_PORT/health" "The review app" 30
# Retention (data/municipality.yml, conversation_log): now, then every 24 hours.
.venv/bin/python -m bot purge --repeat-hours 24 >>var/log/purge.log 2>&1 &
pids+=($!)

cat <<MSG

Mødeklar is running.
  Web chat:      open http://localhost:$WEB_PORT/ and click "Chat med Mødeklar"
                 ("Log ind med MitID (demo)" on that page picks a demo citizen)
  REST channel:  POST http://localhost:$RASA_PORT/webhooks/rest/webhook
  Try it:        curl -s localhost:$RASA_PORT/webhooks/rest/webhook \\
                   -H 'Content-Type: application/json' \\
                   -d '{"sender": "demo", "message": "hvor længe varer et ressourceforløb?"}'
  As a demo citizen: add "metadata": {"auth_token": "<token>"} with a token from
                   make -s demo-token CITIZEN=c-1001
  Terminal chat: make shell (in another terminal)
  socket.io:     $RASA_PUBLIC_URL/socket.io (used by the widget)
  SMS phone:     open http://localhost:$SMS_DEMO_PORT/ (development gateway simulator; pick a
                 demo citizen's number or an unknown one and text the assistant)
  Review app:    open http://localhost:$REVIEW_PORT/ (caseworkers; demo sign-in, development only:)
$DEMO_SIGN_IN
  Retention:     python -m bot purge runs daily (log: var/log/purge.log)
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "A server stopped unexpectedly; see var/log/." >&2
exit 1
