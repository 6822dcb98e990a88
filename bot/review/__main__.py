"""`python -m bot.review`: serve the review app (see bot/review/app.py)."""

import sys

from bot.review.app import main

if __name__ == "__main__":
    sys.exit(main())
