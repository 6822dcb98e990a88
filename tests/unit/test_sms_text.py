"""SMS text rules (core/sms): GSM 03.38 or UCS-2, segment counts, cutting, numbered options."""

from __future__ import annotations

import pytest

from bot.rasa_plugins.sms.formatting import (
    MORE_HINT,
    FormattedTurn,
    Option,
    continue_remainder,
    format_turn,
    options_block,
)
from core.sms.encoding import GSM, MAX_SEGMENTS, UCS2, SmsText, measure, normalise, prepare


def all_parts(turn: FormattedTurn) -> list[SmsText | None]:
    """The first SMS of a turn and every part "MERE" would bring."""
    parts = [turn.message]
    rest = turn.remainder
    while rest:
        part, rest = continue_remainder(rest)
        parts.append(part)
    return parts


DANISH = "Hvornår er mødet med rehabiliteringsteamet? Æbler, østers og ål."


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", GSM, 0, 1),
        ("a" * 160, GSM, 160, 1),
        ("a" * 161, GSM, 161, 2),
        ("æøåÆØÅé" * 20, GSM, 140, 1),  # Danish letters are in the basic set: 1 septet each
        ("ø" * 306, GSM, 306, 2),
        ("ø" * 307, GSM, 307, 3),
        ("€" * 80, GSM, 160, 1),  # € is in the extension table: 2 septets
        ("€" * 81, GSM, 162, 2),
        ("[]{}\\^~|", GSM, 16, 1),
        ("a" * 69 + "ł", UCS2, 70, 1),
        ("a" * 70 + "ł", UCS2, 71, 2),
        ("Hej 😀", UCS2, 6, 1),  # an emoji is two UTF-16 units
        ("a" * 134 + "ł", UCS2, 135, 3),
    ],
)
def test_encoding_units_and_segments(text: str, encoding: str, units: int, segments: int) -> None:
    measured = measure(text)
    assert (measured.encoding, measured.units, measured.segments) == (encoding, units, segments)


def test_an_escape_pair_never_straddles_two_segments() -> None:
    # 306 septets is 2 x 153, but € (2 septets) cannot start at septet 153 of segment one:
    # it moves to segment two, and the last "a" needs a third.
    straddling = "a" * 152 + "€" + "a" * 152
    assert measure(straddling).units == 306 and measure(straddling).segments == 3
    assert measure("a" * 151 + "€" + "a" * 153).segments == 2


def test_a_surrogate_pair_never_straddles_two_segments() -> None:
    assert measure("ł" * 66 + "😀" + "ł" * 66).segments == 3
    assert measure("ł" * 65 + "😀" + "ł" * 67).segments == 2


def test_normalise_keeps_danish_and_removes_what_forces_ucs2() -> None:
    raw = "“Hvad nu?” – spurgte hun… 😀👍🏽 «stop»\u00a0og\u200bså 👨‍👩‍👧"
    clean = normalise(raw)
    assert clean == '"Hvad nu?" - spurgte hun... "stop" også'
    assert prepare(raw).encoding == GSM
    assert prepare(DANISH).text == DANISH and prepare(DANISH).encoding == GSM


def test_normalise_removes_control_characters_and_keeps_lines() -> None:
    assert normalise("Hej\x00 der\r\nlinje 2\x1b\x07") == "Hej der\nlinje 2"


def test_a_name_outside_gsm_makes_the_message_ucs2_and_is_kept() -> None:
    message = prepare("Din sagsbehandler er Łucja Nowak.")
    assert message.encoding == UCS2 and "Łucja" in message.text


def test_short_answer_is_one_sms_with_inline_numbered_options() -> None:
    turn = format_turn(
        [
            {"text": "Trin 1 af 5: Hvorfor holder vi mødet?"},
            {
                "text": "Mødet handler om dig.",
                "buttons": [
                    {"title": "Videre", "payload": "Videre"},
                    {"title": "Spring over", "payload": "Spring over"},
                    {"title": "Stop", "payload": "Stop"},
                ],
            },
        ]
    )
    assert turn.message is not None
    assert turn.message.text == (
        "Trin 1 af 5: Hvorfor holder vi mødet?\n\nMødet handler om dig.\n"
        "Svar 1 for Videre, 2 for Spring over eller 3 for Stop."
    )
    assert turn.remainder is None
    assert [o.payload for o in turn.options] == ["Videre", "Spring over", "Stop"]


def test_payloads_are_never_shown() -> None:
    buttons = [
        {"title": "Mit næste møde", "payload": "Hvornår er mit næste møde?"},
        {"title": "Hvad er et ressourceforløb?", "payload": "/faq_secret_payload"},
        {"title": "Tal med et menneske", "payload": "Jeg vil gerne tale med et menneske"},
        {"title": "Ydelsen", "payload": "Hvad får jeg udbetalt?"},
    ]
    turn = format_turn([{"text": "Vælg et emne.", "buttons": buttons}])
    assert turn.message is not None
    text = turn.message.text
    assert "payload" not in text and "/faq_secret_payload" not in text and "Hvad får jeg udbetalt" not in text
    assert text.endswith(
        "Svar med et tal:\n1) Mit næste møde\n2) Hvad er et ressourceforløb?\n"
        "3) Tal med et menneske\n4) Ydelsen"
    )


def test_options_named_in_the_text_are_not_listed_again() -> None:
    options = [Option("FORBERED", "Hjælp mig med at forberede mig til mødet")]
    assert options_block(options, "Vil du forberede dig? Svar FORBERED.") == ""
    assert options_block(options, "Vil du forberede dig?") == "Svar 1 for FORBERED."


def test_long_answer_is_cut_at_a_sentence_with_more_and_the_rest_kept() -> None:
    sentences = [f"Sætning nummer {n} handler om ressourceforløb og dine rettigheder." for n in range(1, 16)]
    buttons = [{"title": "Videre", "payload": "Videre"}]
    turn = format_turn([{"text": " ".join(sentences), "buttons": buttons}])
    assert turn.message is not None and turn.remainder is not None
    assert turn.message.segments <= MAX_SEGMENTS
    assert turn.message.text.endswith("og dine rettigheder.\nSvar 1 for Videre.\n" + MORE_HINT)
    sent_sentences = turn.message.text.removesuffix("\nSvar 1 for Videre.\n" + MORE_HINT)
    assert sent_sentences.startswith(sentences[0]) and sentences[-1] in turn.remainder
    # MERE, MERE: the rest, every part within 3 segments, the options at the very end.
    second, rest = continue_remainder(turn.remainder)
    assert rest is not None and second.text.endswith("Svar 1 for Videre.\n" + MORE_HINT)
    third, rest = continue_remainder(rest)
    assert rest is None and max(second.segments, third.segments) <= MAX_SEGMENTS
    assert third.text.endswith("rettigheder.\nSvar 1 for Videre.")


def test_every_part_of_a_very_long_answer_fits_and_nothing_is_lost() -> None:
    text = " ".join(["Ordet ressourceforløbsydelse står her."] * 60) + " " + "x" * 600
    parts = all_parts(format_turn([{"text": text}]))
    assert all(p is not None and p.segments <= MAX_SEGMENTS for p in parts)
    joined = "".join(p.text.removesuffix("\n" + MORE_HINT).replace("\n", " ") for p in parts if p)
    assert joined.replace(" ", "") == text.replace(" ", "")


def test_ucs2_answers_are_cut_to_three_ucs2_segments() -> None:
    text = " ".join(["Łucja siger hej."] * 30)
    turn = format_turn([{"text": text}])
    assert turn.message is not None and turn.message.encoding == UCS2
    assert turn.message.segments <= MAX_SEGMENTS and turn.remainder


def test_custom_payloads_and_empty_turns_send_nothing() -> None:
    assert format_turn([{"custom": {"moedeklar": {"kind": "preparation_note"}}}]).message is None
    assert format_turn([]).message is None


def test_a_long_options_list_is_never_split_between_two_sms() -> None:
    buttons = [{"title": f"Emne nummer {n} om ressourceforløb?", "payload": f"p{n}"} for n in range(1, 8)]
    text = " ".join(["Her er en lang forklaring om mødet og dine rettigheder."] * 7)
    turn = format_turn([{"text": text, "buttons": buttons}])
    assert turn.message is not None and turn.remainder is not None
    last, rest = continue_remainder(turn.remainder)
    while rest:
        last, rest = continue_remainder(rest)
    assert last.text.count(")") == 7 and "Svar med et tal:" in last.text
    assert "Svar med et tal:" in turn.message.text  # the options come with every part
    assert turn.message.segments <= MAX_SEGMENTS


def test_options_too_long_to_go_with_the_text_come_after_it() -> None:
    buttons = [
        {"title": f"Et meget langt emne nummer {n} om ressourceforløb og rettigheder?", "payload": f"p{n}"}
        for n in range(1, 7)
    ]
    parts = all_parts(
        format_turn([{"text": " ".join(["En sætning om mødet og din plan."] * 12), "buttons": buttons}])
    )
    assert all(p is not None and p.segments <= MAX_SEGMENTS for p in parts)
    assert parts[-1] is not None and parts[-1].text.endswith("om ressourceforløb og rettigheder?")
