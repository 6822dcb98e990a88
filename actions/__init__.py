"""The action server: thin Rasa SDK actions over the case repository."""

from bot.privacy import install_log_filter

# Mask CPR numbers in everything the action server logs (logging is configured before
# rasa_sdk imports this package).
install_log_filter()
