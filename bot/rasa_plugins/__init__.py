"""The Rasa server's plug-ins: everything that runs inside a Rasa process.

  channels             REST, socket.io and SMS webhooks, their checks and limits
  nlu/                 the NLU components (normaliser, classifier, follow-ups, crisis words)
  sms/                 the SMS worker, the gateway client, SMS text and replies
  tracker_store        the conversation store (masking, windows)
  lock_store           conversation locks in Redis (several processes)
  language             which language a message is in, the fixed replies in other languages
  nlg                  the response generator (review notice, guide offer, "Se også")
  clarification        "Mente du …?" rendered in the Rasa process
  conversation_window  what the policies see of a long conversation
  event_types          Rasa's event classes by name
  heap                 the garbage collector frozen after start-up
  health               alive, ready and degraded parts (for /health and /ready)
  metrics              the Prometheus metrics of one Rasa process (/metrics)
  json_logs            JSON lines in the log (LOG_JSON=true), personal numbers masked

Must not: import another runtime (web, review, tools, actions).
"""
