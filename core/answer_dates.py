"""Answers that know their date: `checked` and `review_by` of every FAQ answer.

Every FAQ answer (`utter_faq/<key>` in data/nlu/faq_*.yml) carries `metadata.checked` (the date
its facts were last checked) and, where it depends on a rule that may change, `review_by`.
Dates pass at run time, not at training time, so the check is made when an answer is sent
(bot/rasa_plugins/nlg.py) and by `python -m bot stale-answers` (bot/tools/cli/answers.py), always against
`core.clock` (tests fix it).

Owns `AnswerDates` (one answer's dates, read from its metadata), `notice_for()` (the line an
answer past its review date gets) and `stale_answers()` (every answer past it, from the files).

Must not: import Rasa or an app, or change an answer's own text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from babel.dates import format_date

from core.bilingual import DANISH, ENGLISH, normalise
from core.care import support_text
from core.settings import REPO_ROOT

NLU_DIR = REPO_ROOT / "data" / "nlu"
FAQ_RESPONSE_PREFIX = "utter_faq/"


@dataclass(frozen=True)
class AnswerDates:
    """One answer's `checked` and `review_by` (None when the metadata has none or a bad one)."""

    key: str
    checked: date | None
    review_by: date | None

    def past_review(self, today: date) -> bool:
        """True from the `review_by` date on (the answer must be checked again)."""
        return self.review_by is not None and today >= self.review_by


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def dates_of(key: str, metadata: Mapping[str, Any] | None) -> AnswerDates:
    """The dates in one response's `metadata` (the key is `utter_faq/<key>` or `faq/<key>`)."""
    metadata = metadata if isinstance(metadata, Mapping) else {}
    return AnswerDates(key, _as_date(metadata.get("checked")), _as_date(metadata.get("review_by")))


def danish_date(day: date) -> str:
    """E.g. "23. november 2026"."""
    return format_date(day, format="d. MMMM y", locale="da_DK")


def answer_date(day: date, language: str = DANISH) -> str:
    """E.g. "23. november 2026", in English "23 November 2026"."""
    if normalise(language) == ENGLISH:
        return format_date(day, format="d MMMM y", locale="en_GB")
    return danish_date(day)


def notice_for(dates: AnswerDates, today: date, language: str = DANISH) -> str | None:
    """The line for an answer past its review date ("check with your caseworker"), else None."""
    if not dates.past_review(today):
        return None
    if dates.checked:
        checked = answer_date(dates.checked, language)
    else:
        checked = "last" if normalise(language) == ENGLISH else "sidst"
    return support_text("review_notice", language).format(checked=checked)


def faq_answer_dates(nlu_dir: Path = NLU_DIR) -> list[AnswerDates]:
    """The dates of every FAQ answer in data/nlu/faq_*.yml, in file order."""
    found: list[AnswerDates] = []
    for path in sorted(nlu_dir.glob("faq_*.yml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (loaded.get("responses") or {}).items():
            if not isinstance(name, str) or not name.startswith(FAQ_RESPONSE_PREFIX):
                continue
            first = variations[0] if isinstance(variations, list) and variations else {}
            found.append(dates_of(name.removeprefix("utter_"), first.get("metadata")))
    return found


def stale_answers(today: date, nlu_dir: Path = NLU_DIR) -> list[AnswerDates]:
    """The FAQ answers past their `review_by` date on `today`."""
    return [dates for dates in faq_answer_dates(nlu_dir) if dates.past_review(today)]
