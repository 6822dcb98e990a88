"""Mødeklar's shared core: what two or more runtimes use, and the store.

The runtimes sit on top and import downwards only (import-linter, `make lint`):

    bot.rasa_plugins   bot.web   bot.review   bot.tools   actions
                  \\          |          |          |         /
                              core/  (this package)

Modules:
  settings          every environment variable, read once per process
  startup           the start-up check every server runs
  limits            the entry points' limits (incoming and outgoing sizes, rates)
  municipality      the municipality's settings (data/municipality.yml)
  bilingual         Danish and English texts side by side in the data files, and picking one
  language          which language a message is in (data/languages.yml)
  texts             the citizen-facing texts that used to live in Python (data/texts/*.yml)
  vocabulary        the words of the case data and their meanings
  clock             time, always Europe/Copenhagen for citizens
  phone             phone numbers (E.164, as citizens read them)
  privacy           masking CPR and phone numbers in text and logs
  tokens            citizen tokens (JWT)
  passwords         password hashing (argon2)
  message_metadata  the metadata contract between the channels and the actions
  records           the case and SMS records the runtimes pass around
  review_records    the review app's records
  demo_data         the demo citizens, their meetings moved to this week
  care              crisis, distress and worry words, and the texts around answers
  clarification     topic titles, "Mente du …?" candidates and "Se også" buttons
  answer_decision   answer, ask or ask again: the decision rule and the outcome of a reply
  answer_dates      the dates of the FAQ answers (checked, review_by)
  conversation_events  what a stored conversation's events mean (review app, purge)
  training_data     labelled examples, known topics and corrections as NLU data
  rate_limit        the shared rate-limit counters (Redis or the database)
  audit_export      the audit log as CSV
  sms/              SMS as a domain (encoding, pseudonyms, schedule, sender, settings)
  store/            the database, the only place that talks SQL

Must not: import a runtime, Rasa, rasa-sdk, Sanic or aiohttp, or do work at import time.
"""
