"""`python -m bot.review`: serve the review app (see bot/review/app.py)."""

from bot.review.app import main

if __name__ == "__main__":
    main()
