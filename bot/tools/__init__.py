"""The operators' tools: run by hand, by cron or by `make`, never inside a server.

  cli/               `python -m bot <command>`: migrate, import, seed the demo, reminders,
                     purge, review accounts, tokens, answers past review
  gateway_simulator  a local GatewayAPI with a phone page (development only)
  supervisor         starts every process (`make run`, `make run-cluster`), restarts what dies
  case_file          the case export's file format (validation, records)
  nlu_evaluation     held-out single messages, scored as the citizen gets them
  dialogue_evaluation  the last turn of a played dialogue, scored the same way

Must not: import another runtime.
"""
