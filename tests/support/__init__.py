"""Helpers shared by the test folders (not tests themselves).

  servers         start the real action server and Rasa server once per pytest session
  databases       real SQLite files and PostgreSQL databases, migrated; a lock that makes reads wait
  demo            the demo data as written (DEMO_NOW is in its anchor week)
  channel_server  a real Sanic server with one input channel and a recording agent
  tcp_proxy       a TCP proxy a browser test can stop and start (connection trouble)
  netns           a second host in a network namespace (read-only root, forwarders to the services)
  cluster         the whole production shape (`make run-cluster`) on ports and databases of its own
  widget_client   a socket.io client that speaks the widget's protocol
  widget          Playwright helpers for the chat widget (open, ask, expect an answer, log in)
  trackers        rasa-sdk Trackers as the action server receives them (the action tests)
  sms             the SMS gateway simulator in the test process, the outbox without introductions
  citizens        login tokens and REST conversations as a citizen
  action_calls    crafted action-server calls (the secret, the identity checks)
  review          the review app's test accounts and pages
  fuzzing, fuzz_inputs  hypothesis profiles, tallies and hostile inputs

Test modules import from here and from conftest fixtures only, never from another test module.
"""
