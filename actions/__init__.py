"""The action server: thin Rasa SDK actions over the shared store (`core`).

Started with `python -m actions` (actions/__main__.py), which checks the settings and the
municipality file before it serves. Importing this package does nothing else: it never reads
files or settings, so tests, tools and rasa-sdk's action discovery can import it freely.

Must not: import Rasa itself (only rasa-sdk; checked by import-linter), or the `bot` apps.
"""
