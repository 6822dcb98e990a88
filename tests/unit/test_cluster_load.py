"""The pure parts of benchmarks/cluster_load.py: how a reply is classified, how the audit counts
stored turns, and the summary's arithmetic (no servers, no network)."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from benchmarks.cluster_load import (
    BUSY,
    ERROR,
    FAILURE_PHRASE,
    FAILURE_TEXTS,
    OK,
    RATE_LIMITED,
    RETRIED,
    SMS_INTRODUCTION,
    SMS_REMINDER_PREFIX,
    UNAVAILABLE,
    Attempt,
    LoadResult,
    Message,
    NumberPool,
    apportion,
    classify,
    count_turns,
    is_answer_sms,
    needs_resend,
    outcome_of,
    settle,
    source_address,
    user_turns,
)
from bot.rasa_plugins.channels.input_check import BUSY_TEXT, RATE_LIMITED_TEXT, WAIT_FOR_ANSWER_TEXT
from bot.rasa_plugins.sms import messages as sms_messages
from core.phone import to_e164


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [
        (Attempt(status=200, reply="Et ressourceforløb varer højst 3 år."), OK),
        (Attempt(reply="Trin 2 af 5"), OK),  # socket.io: no HTTP status
        (Attempt(status=503, reply=BUSY_TEXT), BUSY),
        (Attempt(status=503, reply="<html>No server is available</html>"), BUSY),
        (Attempt(reply=BUSY_TEXT), BUSY),
        (Attempt(reply=WAIT_FOR_ANSWER_TEXT), BUSY),
        (Attempt(status=429, reply=RATE_LIMITED_TEXT), RATE_LIMITED),
        (Attempt(reply=RATE_LIMITED_TEXT), RATE_LIMITED),
        (Attempt(status=200, reply=sms_messages.text(sms_messages.RATE_LIMITED)), RATE_LIMITED),
        (Attempt(status=503, reply=FAILURE_PHRASE + ", ikke noget, du har gjort."), UNAVAILABLE),
        (Attempt(reply=sms_messages.text(sms_messages.NO_ANSWER)), UNAVAILABLE),
        (Attempt(status=500, reply="x"), ERROR),
        (Attempt(status=502), ERROR),
        (Attempt(status=400, reply="x"), ERROR),
        (Attempt(status=200, reply="  "), ERROR),
        (Attempt(error="timeout"), ERROR),
        (Attempt(error="connection: ServerDisconnectedError", connection_error=True), ERROR),
    ],
)
def test_one_attempt_is_classified(attempt: Attempt, expected: str) -> None:
    assert classify(attempt) == expected


def test_connection_errors_502_and_503_are_sent_again_nothing_else() -> None:
    assert needs_resend(Attempt(error="connection: x", connection_error=True))
    assert needs_resend(Attempt(status=502)) and needs_resend(Attempt(status=503, reply=BUSY_TEXT))
    for attempt in (Attempt(status=500), Attempt(status=429), Attempt(error="timeout"), Attempt(status=200)):
        assert not needs_resend(attempt)


def test_a_resent_message_is_retried_never_ok_and_a_failed_resend_keeps_its_class() -> None:
    failed = Attempt(status=502)
    assert outcome_of(failed, Attempt(status=200, reply="svar", acked_at=2.0)) == RETRIED
    assert outcome_of(failed, Attempt(status=503, reply=BUSY_TEXT)) == BUSY
    assert outcome_of(Attempt(status=200, reply="svar"), None) == OK


def _message(
    text: str,
    conversation: str = "rest:a",
    *,
    outcome: str = OK,
    attempts: int = 1,
    channel: str = "rest",
    sent_at: float = 100.0,
    acked_at: float | None = None,
) -> Message:
    acknowledged = outcome in (OK, RETRIED)
    return Message(
        citizen=0,
        kind={"rest": "faq", "socketio": "guide", "sms": "sms"}[channel],
        channel=channel,
        conversation_id=conversation,
        text=text,
        marker=text.rsplit(maxsplit=1)[-1],
        sent_at=sent_at,
        acked_at=acked_at if acked_at is not None else (sent_at + 0.1 if acknowledged else None),
        attempts=attempts,
        outcome=outcome,
    )


def test_settle_records_the_ack_only_for_an_answer() -> None:
    message = settle(
        _message("hej bcdfgh"), Attempt(status=502), Attempt(status=200, reply="Hej!", acked_at=5.0)
    )
    assert (message.outcome, message.attempts, message.acked_at) == (RETRIED, 2, 5.0)
    assert message.error == "first attempt: http 502"
    busy = settle(_message("hej bcdfgj"), Attempt(status=503, reply=BUSY_TEXT, acked_at=6.0), None)
    assert (busy.outcome, busy.acked_at, busy.error) == (BUSY, None, "http 503")


def test_the_audit_counts_lost_duplicated_and_unacknowledged_turns() -> None:
    sent = [
        _message("a bbbbbb"),  # stored once: fine
        _message("b cccccc"),  # acknowledged, not stored: lost
        _message("c dddddd"),  # acknowledged, stored twice: a bug
        _message("d ffffff", outcome=RETRIED, attempts=2),  # re-sent, stored twice: allowed
        _message("e gggggg", outcome=ERROR),  # no answer, but stored
        _message("f hhhhhh", outcome=BUSY),  # shed: not stored
    ]
    stored = {"rest:a": ["a bbbbbb", "c dddddd", "c dddddd", "d ffffff", "d ffffff", "e gggggg", "zz"]}
    report = count_turns(sent, stored)
    assert report["sent"] == 6 and report["acknowledged"] == 4 and report["conversations"] == 1
    assert report["lost"] == 1 and report["lost_examples"] == [
        {"channel": "rest", "kind": "faq", "marker": "cccccc"}
    ]
    assert report["duplicated"] == 2
    assert report["duplicated_acknowledged"] == 1
    assert report["duplicated_after_unacknowledged_resend"] == 1
    assert report["duplicated_unacknowledged"] == 0
    assert report["unacknowledged_stored"] == 1 and report["unacknowledged_not_stored"] == 1
    assert report["unmatched_stored"] == 1
    assert report["stored"] == 6
    assert report["by_channel"]["rest"]["lost"] == 1 and report["by_channel"]["sms"]["sent"] == 0


def test_the_audit_matches_repeated_commands_by_count_per_conversation() -> None:
    guide = [
        _message("Videre", "g1", channel="socketio"),
        _message("Videre", "g1", channel="socketio", outcome=ERROR),  # timed out, never stored
        _message("Videre", "g1", channel="socketio"),
    ]
    other = [_message("Videre", "g2", channel="socketio")]
    report = count_turns(guide + other, {"g1": ["Videre", " Videre "], "g2": []})
    assert report["conversations"] == 2 and report["lost"] == 1  # g2's only acknowledged turn
    assert report["by_channel"]["socketio"]["unacknowledged_not_stored"] == 1
    assert report["duplicated"] == 0 and report["unmatched_stored"] == 0
    three = count_turns(guide[:1], {"g1": ["Videre", "Videre"]})
    assert three["duplicated_acknowledged"] == 1


def test_only_user_events_of_the_run_are_read() -> None:
    events = [
        SimpleNamespace(type_name="user", data={"text": "old", "timestamp": 10.0}),
        SimpleNamespace(type_name="bot", data={"text": "svar", "timestamp": 100.0}),
        SimpleNamespace(type_name="user", data={"text": "ny", "timestamp": 100.0}),
        SimpleNamespace(type_name="user", data={"text": None, "timestamp": 101.0}),
    ]
    assert user_turns(events, since=50.0) == ["ny", ""]
    assert user_turns(events) == ["old", "ny", ""]


def test_the_summary_arithmetic() -> None:
    messages = [_message(f"q {i}", sent_at=100.0, acked_at=100.0 + (i + 1) / 10) for i in range(10)]
    messages += [_message("s x", channel="sms", sent_at=100.0, acked_at=101.5, outcome=RETRIED, attempts=2)]
    messages += [_message("b y", outcome=BUSY), _message("r z", outcome=RATE_LIMITED)]
    messages += [_message("e w", outcome=ERROR, channel="socketio")]
    result = LoadResult(
        citizens=4,
        duration_s=20.0,
        seed=0,
        started_at=1000.0,
        ended_at=1020.0,
        cpu_user_s=1.5,
        cpu_sys_s=0.5,
        mix={"faq": 4},
        messages=messages,
    )
    summary = result.summary()
    assert summary["sent"] == 14 and summary["acknowledged"] == 11
    assert summary["throughput_per_s"] == 0.55
    assert summary["outcomes"] == {OK: 10, RETRIED: 1, BUSY: 1, UNAVAILABLE: 0, RATE_LIMITED: 1, ERROR: 1}
    assert summary["outcomes_pct_of_sent"][BUSY] == 7.14 and summary["resent"] == 1
    rest = summary["latency_ms"]["rest"]
    assert (rest["n"], rest["p50_ms"], rest["p95_ms"], rest["p99_ms"]) == (10, 500.0, 1000.0, 1000.0)
    assert summary["latency_ms"]["sms"]["p50_ms"] == 1500.0
    assert summary["latency_ms"]["socketio"] == {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None}
    assert summary["latency_ms"]["overall"]["n"] == 11
    assert summary["load_generator_cpu"] == {"user_s": 1.5, "sys_s": 0.5, "pct_of_one_core": 10.0}
    assert summary["targets_met"] == {
        "errors_zero": False,
        "rate_limited_zero": False,
        "busy_below_1_pct": False,
    }


def test_the_mix_is_apportioned_to_the_shares() -> None:
    assert sorted(apportion(10)) == sorted(["faq"] * 5 + ["case"] * 2 + ["guide"] * 2 + ["sms"])
    fifty = apportion(50)
    assert (fifty.count("faq"), fifty.count("case"), fifty.count("guide"), fifty.count("sms")) == (
        23,
        10,
        10,
        7,
    )
    assert all(len(apportion(n)) == n for n in range(1, 120))


def test_every_citizen_has_its_own_loopback_address() -> None:
    addresses = [source_address(k) for k in range(600)]
    assert len(set(addresses)) == 600 and all(a.startswith("127.") for a in addresses)
    assert "127.0.0.1" not in addresses


def test_registered_numbers_are_lent_once_at_a_time_and_within_the_sms_limit() -> None:
    pool = NumberPool(["+4520123456"], random.Random(1), limit=10, window_s=600)
    rng = random.Random(2)
    number, registered = pool.lease(True, 4, rng, now=0.0)
    assert (number, registered) == ("+4520123456", True)
    other, registered = pool.lease(True, 4, rng, now=0.0)  # lent out: an unknown number instead
    assert not registered and other.startswith("+4540") and len(other) == 11
    unknown = {pool.lease(False, 2, rng, now=0.0)[0] for _ in range(300)}
    assert len(unknown) == 300 and all(to_e164(n) == n for n in unknown)  # valid, so never a 422
    for t in range(6):
        pool.sent(number, float(t))
    pool.release(number)
    assert pool.lease(True, 4, rng, now=10.0)[1] is False  # 6 + 4 would reach the limit
    assert pool.lease(True, 3, rng, now=10.0)[1] is True
    pool.release(number)
    assert pool.lease(True, 4, rng, now=700.0)[1] is True  # the window has passed


def test_the_introduction_and_reminders_answer_no_message() -> None:
    from core.texts import text

    assert text("reminder", "text", "da").startswith(SMS_REMINDER_PREFIX)
    assert not is_answer_sms(SMS_INTRODUCTION)
    assert not is_answer_sms(SMS_REMINDER_PREFIX + "et møde i morgen kl. 10.")
    assert is_answer_sms("Et ressourceforløb varer højst 3 år.")


def test_every_failure_reply_says_the_failure_phrase() -> None:
    from bot.rasa_plugins.channels import input_check
    from core.texts import text as data_text

    texts = [*FAILURE_TEXTS, data_text("replies", "login_not_available", "da"), input_check.UNAVAILABLE_TEXT]
    assert all(FAILURE_PHRASE in text for text in texts)
    failed = settle(_message("hej bcdfgk"), Attempt(status=503, reply=texts[-1]), None)
    assert failed.outcome == UNAVAILABLE and failed.error.startswith("failure reply")
