"""The forberedelsesnotat (actions/preparation_note.py): headings in the citizen's language, nothing lost.

The same answers render with Danish headings (the default, and always the caseworker's view) and
with English headings for an English citizen; the answers themselves are never changed.
"""

from __future__ import annotations

from actions.preparation_content import get_guide
from actions.preparation_flow import QUESTION_SLOTS, SKIPPED_ANSWER
from actions.preparation_note import (
    build_note,
    note_word,
    render_choices,
    render_full,
    render_short,
)

TITLE = note_word("title")
NOT_ANSWERED = note_word("not_answered")

ANSWERS = {
    "prep_q_priority": "At de forstår, at jeg ikke kan arbejde fuld tid.",
    "prep_q_goal": "Arbejde med dyr, et par timer om ugen.",
    "prep_q_hard": "Søvn og smerter i ryggen.",
    "prep_q_helped": "Fysioterapi hjalp. Store hold hjalp ikke.",
    "prep_q_questions": "Hvad sker der bagefter?",
    "prep_q_bisidder": "Ja, min søster.",
    "prep_q_practical": "Pauser undervejs.",
}


def test_full_note_has_every_heading_and_every_answer_in_order() -> None:
    note = build_note(ANSWERS, "Til møde med rehabiliteringsteamet tirsdag den 8. december kl. 10.00.")
    text = render_full(note)
    lines = text.splitlines()
    assert lines[0] == TITLE == "Mit forberedelsesnotat"
    assert lines[1].startswith("Til møde med rehabiliteringsteamet")
    positions = []
    for number, key in enumerate(QUESTION_SLOTS, start=1):
        heading = f"{number}. {get_guide().question(key).heading}"
        assert heading in lines
        assert ANSWERS[key] in text
        positions.append(lines.index(heading))
    assert positions == sorted(positions)
    assert "Husk:" in lines
    assert "- Har din sagsbehandler bedt om en lægeattest" in text


def test_skipped_questions_are_marked_in_the_full_note_and_left_out_of_the_sms() -> None:
    slots = {**ANSWERS, "prep_q_hard": SKIPPED_ANSWER, "prep_q_helped": None}
    note = build_note(slots)
    full, short = render_full(note), render_short(note)
    assert full.count(NOT_ANSWERED) == 2
    assert "Det er svært lige nu" in full and "Det er svært lige nu" not in short
    assert NOT_ANSWERED not in short
    assert note.answers()["prep_q_hard"] is None
    assert note.answered == 5


def test_very_long_answers_are_kept_whole() -> None:
    long_answer = ("Jeg har haft det svært i lang tid, og det påvirker alt. " * 120).strip()
    note = build_note({**ANSWERS, "prep_q_hard": long_answer})
    assert long_answer in render_full(note)
    assert long_answer in render_short(note)
    assert note.answers()["prep_q_hard"] == long_answer


def test_cpr_numbers_in_answers_are_masked() -> None:
    note = build_note({**ANSWERS, "prep_q_questions": "Mit cpr er 010190-1234, kan I se min sag?"})
    text = render_full(note)
    assert "010190-1234" not in text and "1234" not in text.split("Mine spørgsmål")[1].split("\n\n")[0]
    assert "kan I se min sag?" in text
    assert "010190-1234" not in str(note.answers())


def test_short_version_keeps_only_the_short_checklist() -> None:
    note = build_note(ANSWERS)
    short = render_short(note)
    full = render_full(note)
    assert len(short) < len(full)
    for item in get_guide().checklist:
        assert (item.text in short) == item.short


def test_choices_list_numbers_every_question() -> None:
    text = render_choices(build_note(ANSWERS))
    assert text.startswith("Hvilket svar vil du rette?")
    assert "7. Praktiske behov" in text


ANSWERS_EN = {
    "prep_q_priority": "That they understand I cannot work full time.",
    "prep_q_goal": "Work with animals, a few hours a week.",
    "prep_q_hard": "Sleep and back pain.",
}


def test_english_note_has_english_headings_and_the_answers_as_written() -> None:
    guide = get_guide("en")
    note = build_note({**ANSWERS_EN, "prep_q_goal": "Arbejde med dyr."}, "For the meeting ...", language="en")
    text = render_full(note)
    lines = text.splitlines()
    assert lines[0] == note_word("title", "en") == "My preparation note"
    assert lines[1] == "For the meeting ..."
    for number, key in enumerate(QUESTION_SLOTS, start=1):
        assert f"{number}. {guide.question(key).heading}" in lines
    assert "Arbejde med dyr." in text  # a Danish answer stays Danish
    assert ANSWERS_EN["prep_q_hard"] in text
    assert text.count("(Not filled in)") == 4
    assert "Remember:" in lines
    assert all(f"- {item.text}" in text for item in guide.checklist)
    assert "Mit forberedelsesnotat" not in text and "Husk:" not in text
    assert render_choices(note).startswith("Which answer do you want to change?\n1. ")
    short = render_short(note)
    assert short.startswith("My preparation note") and "(Not filled in)" not in short


def test_the_same_answers_render_with_danish_headings_for_the_caseworker() -> None:
    english = build_note(ANSWERS_EN, language="en")
    danish = build_note(ANSWERS_EN)
    assert english.answers() == danish.answers()
    assert danish.language == "da" and english.language == "en"
    assert "1. Det vigtigste for mig på mødet\n" + ANSWERS_EN["prep_q_priority"] in render_full(danish)
    assert render_full(danish).startswith("Mit forberedelsesnotat")


def test_an_unknown_language_is_danish() -> None:
    assert build_note(ANSWERS, language="fr").language == "da"
