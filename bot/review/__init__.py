"""The caseworkers' review app (aiohttp, server-rendered): `python -m bot.review`, port REVIEW_PORT.

Caseworkers read conversations (list, filters, search, transcript), mark them reviewed, comment,
correct misunderstood messages, and read the preparation notes their citizens shared before a
meeting; administrators also manage accounts and read and export the audit log.

  config      settings the app needs (from core.settings), the app's shared objects
  auth        the authentication seam: sessions, CSRF, sign-in with a password (docs/review.md
              says how a municipality plugs in its single sign-on instead)
  params      parsing query strings and forms within core.limits; bad input -> 400
  rendering   Jinja2 (autoescape), Danish dates and numbers
  audit_trail the audit entry for a page, and who the account reads as
  conversations, meetings, overview (+ chart), admin   the pages
  app         building and running the app, the error pages, security headers

Must not: import the action server, talk SQL (core.store does), or show anything to an account
that `core.store.review.queries` did not return for it.
"""
