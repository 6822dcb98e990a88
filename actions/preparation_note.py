"""The citizen's preparation note ("forberedelsesnotat"): their answers under headings, and a checklist.

Owns turning the guide's answer slots into a note in one language (`build_note(slots, ...,
language)`: the guide's headings and checklist in that language) and the note into plain text:
`render_full` for the web chat (also printed from the widget and stored with a shared note) and
`render_short` for SMS. The note's own words (title, "not filled in", the checklist heading) are
the section `note` of data/texts/actions.yml. Answers are kept exactly as written, in whatever
language the citizen wrote them (never cut, never translated), except that anything that looks
like a CPR number is masked again here, whatever the channel did before. The same answers can
be rendered with Danish headings for the caseworker and English ones for an English citizen.

Must not: store anything (that is `core.store.cases.notes`) or know about Rasa.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from actions.preparation_content import Guide, get_guide
from actions.preparation_flow import QUESTION_SLOTS, SKIPPED_ANSWER
from core.bilingual import DANISH, normalise
from core.privacy import mask_text
from core.texts import text

SECTION = "note"


@dataclass(frozen=True)
class NoteSection:
    number: int
    key: str
    heading: str
    answer: str | None  # None: skipped or not answered


@dataclass(frozen=True)
class PreparationNote:
    meeting_line: str | None  # e.g. "Til mødet med rehabiliteringsteamet tirsdag den 8. december ..."
    sections: tuple[NoteSection, ...]
    checklist: tuple[str, ...]
    short_checklist: tuple[str, ...]
    language: str = DANISH  # the language of the headings, checklist and meeting line

    def answers(self) -> dict[str, str | None]:
        """Question key → answer (None when skipped), as stored with a shared note."""
        return {section.key: section.answer for section in self.sections}

    @property
    def answered(self) -> int:
        return sum(1 for section in self.sections if section.answer)


def clean_answer(value: Any) -> str | None:
    """The answer as the citizen wrote it, CPR and phone numbers masked; None for skipped or empty."""
    if not isinstance(value, str) or value == SKIPPED_ANSWER or not value.strip():
        return None
    return mask_text(value.strip())


def build_note(
    slots: Mapping[str, Any],
    meeting_line: str | None = None,
    guide: Guide | None = None,
    language: str = DANISH,
) -> PreparationNote:
    """The note for the answers in `slots` (the guide's question slots), with headings in `language`."""
    language = normalise(language)
    guide = guide or get_guide(language)
    sections = tuple(
        NoteSection(
            number=index,
            key=key,
            heading=guide.question(key).heading,
            answer=clean_answer(slots.get(key)),
        )
        for index, key in enumerate(QUESTION_SLOTS, start=1)
    )
    return PreparationNote(
        meeting_line=meeting_line,
        sections=sections,
        checklist=tuple(item.text for item in guide.checklist),
        short_checklist=tuple(item.text for item in guide.checklist if item.short),
        language=language,
    )


def note_word(key: str, language: str = DANISH) -> str:
    """One of the note's own words ("title", "not_answered", ...) in `language`."""
    return text(SECTION, key, language)


def render_full(note: PreparationNote) -> str:
    """The whole note: every heading (skipped ones marked), then the full checklist."""
    lines = [note_word("title", note.language)]
    if note.meeting_line:
        lines.append(note.meeting_line)
    not_answered = note_word("not_answered", note.language)
    for section in note.sections:
        lines += ["", f"{section.number}. {section.heading}", section.answer or not_answered]
    lines += ["", f"{note_word('checklist_heading', note.language)}:"]
    lines += [f"- {item}" for item in note.checklist]
    return "\n".join(lines)


def render_short(note: PreparationNote) -> str:
    """The SMS version: only answered headings (answers in full) and the short checklist."""
    lines = [note_word("title", note.language)]
    if note.meeting_line:
        lines.append(note.meeting_line)
    for section in note.sections:
        if section.answer:
            lines += [f"{section.number}. {section.heading}:", section.answer]
    lines.append(f"{note_word('checklist_heading', note.language)}:")
    lines += [f"- {item}" for item in note.short_checklist]
    return "\n".join(lines)


def render_choices(note: PreparationNote) -> str:
    """The numbered list shown when the citizen chooses which answer to correct."""
    lines = [note_word("choices_heading", note.language)]
    lines += [f"{section.number}. {section.heading}" for section in note.sections]
    return "\n".join(lines)
