"""The citizen's "forberedelsesnotat": their answers under clear headings, plus a checklist.

Owns turning the guide's answer slots into a note (`build_note`) and the note into plain text:
`render_full` for the web chat (also printed from the widget) and `render_short` for SMS.
Answers are kept exactly as written (never cut), except that anything that looks like a CPR
number is masked again here, whatever the channel did before.

Must not: store anything (that is `core.store.cases.notes`) or know about Rasa.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from actions.preparation_content import Guide, get_guide
from actions.preparation_flow import QUESTION_SLOTS, SKIPPED_ANSWER
from core.privacy import mask_text

TITLE = "Mit forberedelsesnotat"
NOT_ANSWERED = "(Ikke udfyldt)"
CHECKLIST_HEADING = "Husk"


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
    slots: Mapping[str, Any], meeting_line: str | None = None, guide: Guide | None = None
) -> PreparationNote:
    """The note for the answers in `slots` (the guide's question slots)."""
    guide = guide or get_guide()
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
    )


def render_full(note: PreparationNote) -> str:
    """The whole note: every heading (skipped ones marked), then the full checklist."""
    lines = [TITLE]
    if note.meeting_line:
        lines.append(note.meeting_line)
    for section in note.sections:
        lines += ["", f"{section.number}. {section.heading}", section.answer or NOT_ANSWERED]
    lines += ["", f"{CHECKLIST_HEADING}:"]
    lines += [f"- {item}" for item in note.checklist]
    return "\n".join(lines)


def render_short(note: PreparationNote) -> str:
    """The SMS version: only answered headings (answers in full) and the short checklist."""
    lines = [TITLE]
    if note.meeting_line:
        lines.append(note.meeting_line)
    for section in note.sections:
        if section.answer:
            lines += [f"{section.number}. {section.heading}:", section.answer]
    lines.append(f"{CHECKLIST_HEADING}:")
    lines += [f"- {item}" for item in note.short_checklist]
    return "\n".join(lines)


def render_choices(note: PreparationNote) -> str:
    """The numbered list shown when the citizen chooses which answer to correct."""
    lines = ["Hvilket svar vil du rette?"]
    lines += [f"{section.number}. {section.heading}" for section in note.sections]
    return "\n".join(lines)
