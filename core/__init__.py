"""Mødeklar's shared core: settings, domain rules and storage, used by every app.

The apps sit on top and import downwards only:

    bot/ (Rasa server plug-ins, web site, CLI)     actions/ (the action server, rasa-sdk only)
                         \\                         /
                          core/  (this package)

Owns: every environment variable (`settings`), the start-up check every server runs (`startup`),
the entry points' limits (`limits`), the municipality's settings (`municipality`),
the words of the case data (`vocabulary`), time (`clock`), phone numbers (`phone`), CPR masking
(`privacy`), citizen tokens (`tokens`), the metadata contract between channels and actions
(`message_metadata`), the case-data file format and demo data (`case_file`, `demo_data`) and the
database (`store/`, the only place that talks SQL).

Must not: import anything from `bot`, `actions`, Rasa, rasa-sdk, Sanic or aiohttp (checked by
import-linter in `make lint`), or do work at import time (reading files, checking settings).
"""
