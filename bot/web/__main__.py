"""`python -m bot.web`: serve the demo web site (see bot/web/app.py)."""

import sys

from bot.web.app import main

if __name__ == "__main__":
    sys.exit(main())
