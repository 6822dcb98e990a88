"""Write tests/stories/test_preparation.yml: Rasa test stories for the meeting-preparation guide.

The stories' slot events are computed by the real flow (`actions.preparation_flow`), so they
cannot drift from it; `tests/unit/test_preparation_flow.py` fails when the committed file is
not what this script writes. Run `make guide-stories` (or this script) after changing the flow.

Inside the form the citizen's messages are given with deliberately unrelated intents (faq,
ask_next_meeting, nlu_fallback, ...) and no text: Rasa must hand every message to the form,
whatever the NLU thinks it is. Messages outside the form carry text, so the NLU is tested too.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from actions.preparation_flow import (  # noqa: E402
    ACTIVE,
    CAN_SHARE_SLOT,
    FORM_NAME,
    REQUESTED_SLOT,
    STATUS_SLOT,
    interpret,
    next_slot,
)

OUTPUT = REPO / "tests" / "stories" / "test_preparation.yml"
# Intents used for messages inside the form: none of them may change what the form does.
IN_FORM_INTENTS = ("out_of_scope", "faq", "ask_next_meeting", "nlu_fallback", "greet", "help", "thank")


def _yaml_value(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Story:
    def __init__(self, name: str, identified: bool = False) -> None:
        self.name = name
        self.identified = identified
        self.lines: list[str] = [f"- story: {_yaml_value(name)}", "  steps:"]
        self.slots: dict[str, Any] = {}
        self.turn = 0

    def user(self, text: str, intent: str) -> "Story":
        self.lines += ["  - user: |", f"      {text}", f"    intent: {intent}"]
        return self

    def action(self, name: str) -> "Story":
        self.lines.append(f"  - action: {name}")
        return self

    def slot_events(self, values: dict[str, Any]) -> None:
        if values:
            self.lines.append("  - slot_was_set:")
            self.lines += [f"    - {key}: {_yaml_value(value)}" for key, value in values.items()]
        self.slots.update(values)

    def start(self, text: str = "hjælp mig med at forberede mig til mødet", resume: bool = False) -> "Story":
        self.user(text, "resume_preparation" if resume else "start_preparation")
        self.action("action_start_preparation")
        values: dict[str, Any] = {STATUS_SLOT: ACTIVE, CAN_SHARE_SLOT: self.identified}
        self.slot_events(values)
        self.action(FORM_NAME)
        self.lines.append(f"  - active_loop: {FORM_NAME}")
        self.slot_events({REQUESTED_SLOT: next_slot(self.slots)})
        return self

    def answer(self, text: str) -> "Story":
        """One message while the form is active (the text is what the validation action sees)."""
        intent = IN_FORM_INTENTS[self.turn % len(IN_FORM_INTENTS)]
        self.turn += 1
        self.lines.append(f"  - intent: {intent}  # the citizen writes: {text}")
        requested = self.slots.get(REQUESTED_SLOT)
        outcome = interpret(requested, text, {**self.slots, requested: text})
        self.action(FORM_NAME)
        values = dict(outcome.slots)
        self.slots.update(values)
        following = next_slot(self.slots)
        values[REQUESTED_SLOT] = following
        if following is None:
            self.lines.append("  - active_loop: null")
            values = {key: value for key, value in values.items() if key != REQUESTED_SLOT}
            self.slot_events(values)
            self.slot_events({REQUESTED_SLOT: None})
            self.action("action_preparation_finish")
        else:
            self.slot_events(values)
        return self

    def answers(self, *texts: str) -> "Story":
        for text in texts:
            self.answer(text)
        return self

    def finished(self) -> None:
        """The finishing action clears the guide unless it was paused (done in the action)."""

    def text(self) -> str:
        return "\n".join(self.lines)


ANSWERS = (
    "At de forstår, at jeg ikke kan arbejde fuld tid lige nu.",
    "Jeg vil gerne arbejde med dyr, måske et par timer om ugen.",
    "Hvornår er mit næste møde? Nej, undskyld: det er svært at sove, og jeg har ondt i ryggen.",
    "Fysioterapi har hjulpet. Et kursus i stort lokale hjalp ikke.",
    "Hvad sker der, hvis jeg siger nej til en praktik?",
    "Ja",
    "Jeg har brug for en pause efter en halv time.",
)


def stories() -> list[Story]:
    explanation = ("videre",) * 5
    result = []

    story = Story("guide: the whole guide, anonymous (no sharing offered)")
    story.start().answers(*explanation, "ja tak", *ANSWERS, "det er fint")
    result.append(story)

    story = Story("guide: identified citizen consents to share the note", identified=True)
    story.start().answers(*explanation, "Ja, hjælp mig", *ANSWERS, "Det er fint", "Ja, send det")
    result.append(story)

    story = Story("guide: identified citizen does not consent", identified=True)
    story.start().answers(*explanation, "Ja, hjælp mig", *ANSWERS, "Det er fint", "Nej tak")
    result.append(story)

    story = Story("guide: skipping the explanation and every question")
    story.start().answers("Spring over", "ja", *(("Spring over",) * 7), "det er fint")
    result.append(story)

    story = Story("guide: no help with the citizen's own words")
    story.start("jeg er nervøs for mødet").answers("spring over", "Nej tak")
    result.append(story)

    story = Story("guide: stopping halfway")
    story.start().answers("videre", "videre", "ja", "Stop")
    result.append(story)

    story = Story("guide: stopping in the middle of the questions")
    story.start().answers("spring over", "ja", ANSWERS[0], ANSWERS[1], "stop")
    result.append(story)

    story = Story("guide: going back and correcting answers")
    story.start().answers(
        "spring over",
        "ja",
        "Først et svar",
        "tilbage",
        ANSWERS[0],
        *ANSWERS[1:],
        "Ret et svar",
        "Ret 2",
        "Jeg vil gerne arbejde i en butik.",
        "Det er fint",
    )
    result.append(story)

    story = Story("guide: pausing, asking something else, and resuming", identified=True)
    story.start().answers("videre", "Pause")
    story.user("hvor længe varer et ressourceforløb?", "faq/forloeb_varighed")
    story.action("utter_faq")
    story.start("fortsæt forberedelsen", resume=True)
    story.answers("videre", "videre", "videre", "videre", "ja", *ANSWERS, "det er fint", "nej tak")
    result.append(story)

    story = Story("guide: pausing at the review and resuming", identified=True)
    story.start().answers("spring over", "ja", *ANSWERS, "pause")
    story.start("Fortsæt forberedelsen", resume=True)
    story.answers("det er fint", "ja send det")
    result.append(story)

    story = Story("guide: withdrawing a shared note")
    story.user("slet mit notat", "withdraw_note").action("action_withdraw_note")
    result.append(story)

    return result


def render() -> str:
    header = (
        'version: "3.1"\n'
        "# GENERATED by scripts/make_guide_stories.py from actions/preparation_flow.py: do not edit.\n"
        "# The meeting-preparation guide. Inside the form each message is labelled with an unrelated\n"
        "# intent on purpose: the form must take every message, whatever the NLU thinks it is.\n"
        "# The real actions (texts, storing, identity) are tested by pytest and the e2e tests.\n"
        "stories:\n"
    )
    return header + "\n\n".join(story.text() for story in stories()) + "\n"


def main() -> None:
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"Wrote {OUTPUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
