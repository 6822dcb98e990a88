"""Mødeklar: everything that runs in or beside the Rasa server (channels, NLU components, CLI)."""
