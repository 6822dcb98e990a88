"""The supervisor: starts every process of Mødeklar, restarts one that dies, stops them together.

  plan      which processes run (`make run`: one Rasa server; `make run-cluster`: several behind
            HAProxy) with their commands, start order and readiness URLs
  haproxy   the proxy's configuration, rendered from deploy/haproxy/haproxy.cfg.j2
  prepare   before anything starts: databases created if missing, migrations, the demo data
  loop      the supervising loop (pid files, logs, restarts with back-off, an orderly stop)
  banner    what `make run` prints once everything answers

Must not: import another runtime, or hold anything the servers need (they share only the
databases and Redis; the supervisor may die and restart without a citizen noticing).
"""
