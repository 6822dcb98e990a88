"""The SMS queue in the database (core/store/sms/) on real SQLite and PostgreSQL.

Exactly once and in order: a retried webhook is stored once; a conversation is handled by one
worker at a time (leases, FOR UPDATE SKIP LOCKED on PostgreSQL); replies, opt-out and options are
written in one transaction or not at all; the outbox sends in order, retries with backoff, waits
for a delivery report when unsure, and expires; reminders are scheduled once per meeting time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from core.clock import LOCAL_TZ
from core.municipality import SmsPractice
from core.records import SmsDeliveryReport, SmsOutgoing, SmsReceived
from core.sms.pseudonym import conversation_id
from core.store.cases.importer import CaseWriter
from core.store.database import Database
from core.store.errors import SmsLeaseLost
from core.store.sms.conversations import STOP_CONFIRMATION, SmsConversations, TurnResult
from core.store.sms.outbox import Outbox
from core.store.sms.reminders import SmsReminders
from tests.support.demo import load_demo_cases

KEY = b"dev-only-integration"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
ANNA_PHONE = "+4520123456"
ANNA = conversation_id(ANNA_PHONE, KEY)
LEASE_S = 60.0


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    database = Database(db_url, timeout_s=10)
    yield database
    database.close()


@pytest.fixture
def conversations(database: Database) -> SmsConversations:
    return SmsConversations(database)


@pytest.fixture
def outbox(database: Database) -> Outbox:
    return Outbox(database)


def received(
    provider_id: str, text: str = "hej", conversation: str = ANNA, at: datetime = NOW
) -> SmsReceived:
    msisdn = ANNA_PHONE if conversation == ANNA else "+4529999999"
    return SmsReceived(f"gatewayapi:{provider_id}", conversation, msisdn, text, at)


def reply(text: str, kind: str = "reply") -> SmsOutgoing:
    return SmsOutgoing(text=text, encoding="GSM", segments=1, kind=kind)


def handle_next(conversations: SmsConversations, owner: str, now: datetime = NOW, **result: object) -> int:
    message = conversations.next_message(ANNA)
    assert message is not None
    conversations.complete(ANNA, owner, now, TurnResult(inbox_id=message.id, **result))  # type: ignore[arg-type]
    return message.id


# --- Receiving and claiming --------------------------------------------------------------------
def test_a_retried_webhook_is_stored_once(conversations: SmsConversations) -> None:
    assert conversations.receive(received("1001")) is True
    assert conversations.receive(received("1001")) is False
    assert conversations.claim("a", NOW, LEASE_S) == [ANNA]
    handle_next(conversations, "a", outcome="answered")
    assert conversations.next_message(ANNA) is None


def test_one_worker_at_a_time_and_a_dead_workers_lease_runs_out(conversations: SmsConversations) -> None:
    conversations.receive(received("1"))
    assert conversations.claim("a", NOW, LEASE_S) == [ANNA]
    assert conversations.claim("b", NOW + timedelta(seconds=30), LEASE_S) == []
    later = NOW + timedelta(seconds=LEASE_S + 1)
    assert conversations.claim("b", later, LEASE_S) == [ANNA]
    # "a" comes back too late: nothing it wants to write is written.
    with pytest.raises(SmsLeaseLost):
        handle_next(conversations, "a", later, outcome="answered", outgoing=[reply("for sent")])
    handle_next(conversations, "b", later, outcome="answered", outgoing=[reply("svar")])
    assert [row["text"] for row in Outbox(conversations.database).rows_for(ANNA)] == ["svar"]


def test_a_restarted_process_frees_its_own_leases_at_once(conversations: SmsConversations) -> None:
    conversations.receive(received("1"))
    assert conversations.claim("host:5005", NOW, LEASE_S) == [ANNA]
    assert conversations.release_owner("host:5005") == 1
    assert conversations.claim("host:5005", NOW, LEASE_S) == [ANNA]


def test_messages_come_out_in_the_order_they_came_in(conversations: SmsConversations) -> None:
    for n in range(1, 6):
        conversations.receive(received(str(n), f"besked {n}", at=NOW + timedelta(seconds=n)))
    conversations.claim("a", NOW, LEASE_S)
    seen = []
    while (message := conversations.next_message(ANNA)) is not None:
        seen.append(message.text)
        conversations.complete(ANNA, "a", NOW, TurnResult("answered", inbox_id=message.id))
    assert seen == [f"besked {n}" for n in range(1, 6)]


def test_rate_counting_and_options_and_more_are_stored(conversations: SmsConversations) -> None:
    for n in range(3):
        conversations.receive(received(str(n), at=NOW + timedelta(minutes=n)))
    last = conversations.next_message(ANNA)
    assert last is not None
    assert conversations.received_since(ANNA, NOW + timedelta(seconds=30), last.id + 2) == 2
    assert conversations.received_since(ANNA, NOW - timedelta(seconds=30), last.id) == 1
    conversations.claim("a", NOW, LEASE_S)
    options = ({"title": "Videre", "payload": "Videre"},)
    handle_next(
        conversations, "a", outcome="answered", options=options, remainder="resten", rate_notified=True
    )
    state = conversations.get(ANNA)
    assert state is not None
    assert state.options == options and state.remainder == "resten" and state.rate_notified_at == NOW


def test_stop_cancels_everything_unsent_but_its_confirmation(
    conversations: SmsConversations, outbox: Outbox
) -> None:
    conversations.receive(received("1"))
    conversations.receive(received("2", "STOP"))
    conversations.claim("a", NOW, LEASE_S)
    handle_next(conversations, "a", outcome="answered", outgoing=[reply("svar 1")])
    handle_next(
        conversations,
        "a",
        outcome="opted_out",
        opt_out=True,
        outgoing=[reply("Du er afmeldt.", STOP_CONFIRMATION)],
    )
    states = {row["text"]: row["state"] for row in outbox.rows_for(ANNA)}
    assert states == {"svar 1": "cancelled", "Du er afmeldt.": "pending"}
    claimed = outbox.claim("a", NOW, LEASE_S)
    assert [c.text for c in claimed] == ["Du er afmeldt."]
    state = conversations.get(ANNA)
    assert state is not None and state.opted_out


# --- The outbox -------------------------------------------------------------------------------------
def queue(conversations: SmsConversations, *texts: str) -> None:
    conversations.receive(received("q"))
    conversations.claim("w", NOW, LEASE_S)
    handle_next(conversations, "w", outcome="answered", outgoing=[reply(t) for t in texts])
    conversations.release(ANNA, "w")


def test_outbox_sends_in_order_and_retries_with_backoff(
    conversations: SmsConversations, outbox: Outbox
) -> None:
    queue(conversations, "første", "anden")
    first = outbox.claim("s", NOW, LEASE_S)
    assert [c.text for c in first] == ["første"]  # "anden" waits for "første"
    assert outbox.retry(first[0].id, "s", "HTTP 503", NOW + timedelta(seconds=2))
    assert outbox.claim("s", NOW + timedelta(seconds=1), LEASE_S) == []
    again = outbox.claim("s", NOW + timedelta(seconds=2), LEASE_S)
    assert [(c.text, c.attempts) for c in again] == [("første", 1)]
    assert outbox.sent(again[0].id, "s", "421332671", NOW)
    assert [c.text for c in outbox.claim("s", NOW, LEASE_S)] == ["anden"]


def test_unsure_send_waits_for_the_delivery_report_and_never_sends_twice(
    conversations: SmsConversations, outbox: Outbox
) -> None:
    queue(conversations, "svar")
    [claimed] = outbox.claim("s", NOW, LEASE_S)
    outbox.unconfirmed(claimed.id, "s", "TimeoutError", NOW + timedelta(seconds=300))
    report = SmsDeliveryReport(
        claimed.id, ANNA_PHONE, "DELIVERED", "99", None, None, NOW + timedelta(seconds=5)
    )
    assert outbox.report(report)
    assert outbox.claim("s", NOW + timedelta(seconds=301), LEASE_S) == []
    [row] = outbox.rows_for(ANNA)
    assert (row["state"], row["delivery_status"]) == ("sent", "DELIVERED")


def test_unsure_send_without_a_report_is_sent_again_later(
    conversations: SmsConversations, outbox: Outbox
) -> None:
    queue(conversations, "svar")
    [claimed] = outbox.claim("s", NOW, LEASE_S)
    outbox.unconfirmed(claimed.id, "s", "TimeoutError", NOW + timedelta(seconds=300))
    assert outbox.claim("s", NOW + timedelta(seconds=299), LEASE_S) == []
    assert [c.id for c in outbox.claim("s", NOW + timedelta(seconds=300), LEASE_S)] == [claimed.id]


def test_a_process_that_died_while_sending_leaves_the_sms_unconfirmed(
    conversations: SmsConversations, outbox: Outbox
) -> None:
    queue(conversations, "svar")
    outbox.claim("dead", NOW, LEASE_S)
    swept = outbox.sweep(NOW + timedelta(seconds=LEASE_S + 1), 300)
    assert swept["unconfirmed"] == 1
    [row] = outbox.rows_for(ANNA)
    assert row["state"] == "unconfirmed"


def test_reports_for_other_numbers_or_unknown_ids_change_nothing(
    conversations: SmsConversations, outbox: Outbox
) -> None:
    queue(conversations, "svar")
    [claimed] = outbox.claim("s", NOW, LEASE_S)
    outbox.sent(claimed.id, "s", "1", NOW)
    assert not outbox.report(SmsDeliveryReport(claimed.id, "+4511111111", "DELIVERED", "1", None, None, NOW))
    assert not outbox.report(SmsDeliveryReport(999999, ANNA_PHONE, "DELIVERED", "1", None, None, NOW))
    assert outbox.report(SmsDeliveryReport(claimed.id, ANNA_PHONE, "DELIVERED", "1", None, None, NOW))
    # A transient state after the final one is ignored.
    assert outbox.report(SmsDeliveryReport(claimed.id, ANNA_PHONE, "ENROUTE", "1", None, None, NOW))
    assert outbox.rows_for(ANNA)[0]["delivery_status"] == "DELIVERED"


def test_unsent_sms_expire(conversations: SmsConversations, outbox: Outbox) -> None:
    queue(conversations, "svar")
    assert outbox.sweep(NOW + timedelta(hours=25), 300)["expired"] == 1
    assert outbox.claim("s", NOW + timedelta(hours=25), LEASE_S) == []


# --- Reminders ------------------------------------------------------------------------------------
PRACTICE = SmsPractice()


@pytest.fixture
def demo_db(db_url: str) -> str:
    load_demo_cases(db_url)
    return db_url


def cph(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, 0, tzinfo=LOCAL_TZ)


def test_reminders_are_scheduled_once_at_the_right_time(demo_db: str, database: Database) -> None:
    reminders = SmsReminders(database)

    def schedule(now: datetime) -> tuple[int, int, int]:
        report = reminders.schedule(now, PRACTICE, lambda e164: conversation_id(e164, KEY))
        return report.scheduled, report.already, report.opted_out

    assert reminders.for_meeting("M-1001-2") == []
    assert schedule(cph(5, 8)) == (0, 0, 0)  # Anna's meeting 8 Dec 10.00: opens 5 Dec 9.00
    assert schedule(cph(5, 9)) == (1, 0, 0)
    assert schedule(cph(5, 9)) == (0, 1, 0)  # a second run at the same time: nothing new
    [reminder] = reminders.for_meeting("M-1001-2")
    assert reminder.conversation_id == ANNA and reminder.state == "scheduled"
    assert reminder.deliver_before == cph(5, 19)
    assert reminder.still_valid(cph(5, 10))


def test_no_reminder_at_night_for_a_cancelled_meeting_or_after_stop(demo_db: str, database: Database) -> None:
    reminders = SmsReminders(database)
    key = lambda e164: conversation_id(e164, KEY)  # noqa: E731
    assert reminders.schedule(cph(6, 22), PRACTICE, key).scheduled == 0
    # Anna said STOP.
    conversations = SmsConversations(database)
    conversations.receive(received("s", "STOP", at=cph(5, 8)))
    conversations.claim("w", cph(5, 8), LEASE_S)
    message = conversations.next_message(ANNA)
    assert message is not None
    conversations.complete(ANNA, "w", cph(5, 8), TurnResult("opted_out", inbox_id=message.id, opt_out=True))
    assert reminders.schedule(cph(5, 9), PRACTICE, key).opted_out == 1
    assert reminders.for_meeting("M-1001-2") == []


def test_a_moved_meeting_gets_a_new_reminder_and_a_cancelled_one_none(
    demo_db: str, database: Database
) -> None:
    from dataclasses import replace

    from bot.tools.case_file import load_file, to_bundles
    from core.demo_data import DEMO_FILE

    reminders = SmsReminders(database)
    key = lambda e164: conversation_id(e164, KEY)  # noqa: E731
    assert reminders.schedule(cph(5, 9), PRACTICE, key).scheduled == 1
    citizens, _ = load_file(DEMO_FILE)
    bundles = to_bundles(citizens)
    anna = next(b for b in bundles if b.citizen.id == "c-1001")
    moved = [replace(m, starts_at=cph(9, 13)) if m.id == "M-1001-2" else m for m in anna.meetings]
    CaseWriter(database.url).upsert([replace(anna, meetings=tuple(moved))])
    [old] = reminders.for_meeting("M-1001-2")
    assert not old.still_valid(cph(6, 9))  # the worker will skip it: the meeting moved
    assert reminders.schedule(cph(6, 9), PRACTICE, key).scheduled == 1
    assert [r.meeting_starts_at for r in reminders.for_meeting("M-1001-2")] == [cph(8, 10), cph(9, 13)]
    cancelled = [replace(m, cancelled=True) if m.id == "M-1002-1" else m for m in bundles[1].meetings]
    CaseWriter(database.url).upsert([replace(bundles[1], meetings=tuple(cancelled))])
    # Jonas's meeting 2 Dec 13.30 would be due from 29 Nov 9.00, but it is cancelled.
    assert reminders.schedule(datetime(2026, 11, 29, 10, 0, tzinfo=LOCAL_TZ), PRACTICE, key).scheduled == 0


# --- Two workers, one database -----------------------------------------------------------------------
def test_two_workers_handle_every_message_exactly_once_and_in_order(db_url: str) -> None:
    conversations_count, per_conversation = 8, 5
    setup = SmsConversations(Database(db_url, timeout_s=10))
    ids = [conversation_id(f"+452000{n:04d}", KEY) for n in range(conversations_count)]
    for n, cid in enumerate(ids):
        for m in range(per_conversation):
            msisdn = f"+452000{n:04d}"
            setup.receive(SmsReceived(f"gw:{n}:{m}", cid, msisdn, f"{m}", NOW + timedelta(milliseconds=m)))
    setup.database.close()
    handled: list[tuple[str, str, str]] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(owner: str) -> None:
        database = Database(db_url, timeout_s=20)
        store = SmsConversations(database)
        try:
            idle = 0
            while idle < 3:
                claimed = store.claim(owner, NOW, LEASE_S, limit=2)
                idle = 0 if claimed else idle + 1
                for cid in claimed:
                    while (message := store.next_message(cid)) is not None:
                        with lock:
                            handled.append((owner, cid, message.text or ""))
                        result = TurnResult(
                            "answered", outgoing=[reply(f"svar {message.text}")], inbox_id=message.id
                        )
                        store.complete(cid, owner, NOW, result)
                    store.release(cid, owner)
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(handled) == conversations_count * per_conversation
    assert len({(cid, text) for _, cid, text in handled}) == len(handled)  # nothing twice
    check = Outbox(Database(db_url, timeout_s=10))
    for cid in ids:
        assert [row["text"] for row in check.rows_for(cid)] == [f"svar {m}" for m in range(per_conversation)]
    check.database.close()


def test_old_texts_are_purged_but_open_sms_and_opt_outs_are_kept(
    conversations: SmsConversations, outbox: Outbox
) -> None:
    queue(conversations, "gammelt svar", "venter stadig")
    [first] = outbox.claim("s", NOW, LEASE_S)
    outbox.sent(first.id, "s", "1", NOW)
    assert outbox.purge(NOW + timedelta(days=31)) == 2  # the handled message and the sent SMS
    assert [row["text"] for row in outbox.rows_for(ANNA)] == ["venter stadig"]
    assert conversations.get(ANNA) is not None
