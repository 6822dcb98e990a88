"""What `make run` and `make run-cluster` print once every server answers: where to go next.

Must not: print a secret (the demo sign-in is development-only and shown only outside production).
"""

from __future__ import annotations

from core.settings import Settings


def running_banner(settings: Settings, demo_sign_in: str, cluster: bool) -> str:
    port = settings.rasa_port
    if cluster:
        shape = (
            f"  Cluster:       {settings.rasa_processes} Rasa servers "
            f"(ports {port + 1}-{port + settings.rasa_processes}) behind HAProxy on port {port}\n"
            f"                 conversations and cases in PostgreSQL, locks and rate limits in Redis\n"
            f"                 pids in {settings.run_dir / 'run'}, logs in {settings.run_dir / 'log'}\n"
            f"  Health:        curl localhost:{port}/ready   (and /health, /metrics on every Rasa server)\n"
        )
    else:
        shape = f"  Logs:          {settings.run_dir / 'log'}\n"
    return f"""
Mødeklar is running.
{shape}  Web chat:      open http://localhost:{settings.web_port}/ and click "Chat med Mødeklar"
                 ("Log ind med MitID (demo)" on that page picks a demo citizen)
  REST channel:  POST http://localhost:{port}/webhooks/rest/webhook
  Try it:        curl -s localhost:{port}/webhooks/rest/webhook \\
                   -H 'Content-Type: application/json' \\
                   -d '{{"sender": "demo", "message": "hvor længe varer et ressourceforløb?"}}'
  As a demo citizen: add "metadata": {{"auth_token": "<token>"}} with a token from
                   make -s demo-token CITIZEN=c-1001
  Terminal chat: make shell (in another terminal)
  socket.io:     {settings.rasa_public_url}/socket.io (used by the widget)
  SMS phone:     open http://localhost:{settings.sms_demo_port}/ (development gateway simulator; pick a
                 demo citizen's number or an unknown one and text the assistant)
  Review app:    open http://localhost:{settings.review_port}/ (caseworkers; demo sign-in, development only:)
{demo_sign_in}
  Retention:     python -m bot purge runs daily; reminders every {settings.reminder_every_s:.0f} s
A server that stops is started again. Press Ctrl-C to stop everything.
"""
