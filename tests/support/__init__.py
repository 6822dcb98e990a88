"""Helpers shared by the test folders (not tests themselves).

  servers         start the real action server and Rasa server once per pytest session
  databases       real SQLite files and PostgreSQL databases, migrated; a lock that makes reads wait
  demo            the demo data as written (DEMO_NOW is in its anchor week)
  channel_server  a real Sanic server with one input channel and a recording agent
  tcp_proxy       a TCP proxy a browser test can stop and start (connection trouble)
  widget          Playwright helpers for the chat widget (open, ask, expect an answer, log in)

Test modules import from here and from conftest fixtures only, never from another test module.
"""
