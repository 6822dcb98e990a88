"""The review app's pages: list, filters, search, transcript, review work, meetings, overview, audit.

Real SQLite and PostgreSQL; the conversations were stored through the real tracker store.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import quote

import pytest

from core.store.review.store import ReviewStore
from tests.integration.review.conftest import NOTE_TEXT
from tests.support.databases import BACKENDS
from tests.support.review import ADMIN, ANNA, JONAS, METTE, ReviewClient, Turn, store_conversation

pytestmark = pytest.mark.parametrize("backend", BACKENDS)
SignIn = Callable[[str], Awaitable[ReviewClient]]
ROW = re.compile(r'href="/samtale/([^"]+)"')


def listed(html: str) -> list[str]:
    """The conversation ids of a list page, in order."""
    from urllib.parse import unquote

    return [unquote(found) for found in ROW.findall(html)]


def audit_actions(store: ReviewStore) -> list[tuple[str, str, str | None, tuple[str, ...], str]]:
    return [(e.username, e.action, e.conversation_id, e.citizen_ids, e.detail) for e in store.audit.export()]


async def test_list_is_newest_first_with_channel_counts_identity_and_flags(
    as_user: SignIn, conversations: dict
) -> None:
    admin = await as_user(ADMIN)
    html = await admin.text("/")
    assert listed(html) == [
        "rest:mixed",
        "rest:lars-1",
        "sms:Zk3pseudonym",
        "rest:jonas-1",
        "rest:anon-1",
        "rest:anna-1",
    ]
    anna_row = html[html.index(quote("rest:anna-1", safe="")) :].split("</tr>")[0]
    assert "Anna Jensen" in anna_row and "Bad om et menneske" in anna_row and "Notat delt" in anna_row
    assert "<td>6</td>" in anna_row  # three citizen messages, three answers
    sms_row = html[html.index(quote("sms:Zk3pseudonym", safe="")) :].split("</tr>")[0]
    assert "<td>SMS</td>" in sms_row and "Anonym" in sms_row
    assert "Flere borgere" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("flag=unsure", ["rest:lars-1", "rest:anon-1"]),  # utter_clarify; nlu_fallback/utter_please_rephrase
        ("flag=handoff", ["sms:Zk3pseudonym", "rest:anna-1"]),
        ("flag=crisis", ["rest:jonas-1"]),
        ("flag=note", ["rest:anna-1"]),
        ("flag=handoff&flag=note", ["rest:anna-1"]),
        ("kanal=sms", ["sms:Zk3pseudonym"]),
        ("kanal=web&identitet=nej", ["rest:anon-1"]),
        ("identitet=ja&flag=unsure", ["rest:lars-1"]),
        ("fra=2026-11-21&til=2026-11-22", ["sms:Zk3pseudonym", "rest:jonas-1", "rest:anon-1"]),
        ("fra=2026-11-23", ["rest:mixed", "rest:lars-1"]),
        ("q=tolk", ["sms:Zk3pseudonym", "rest:anna-1"]),
        ("q=TOLK", ["sms:Zk3pseudonym", "rest:anna-1"]),
        ("q=tolk+mødet", ["rest:anna-1"]),
        ("q=ressourceforløb", ["rest:anon-1"]),
        ("q=ingen-saadan-ord-findes", []),
        ("q=%27%3B+DROP+TABLE+review_audit%3B--", []),  # parameterised: just words
        ("gennemset=ja", []),
    ],
)
async def test_filters_and_search(
    as_user: SignIn, conversations: dict, query: str, expected: list[str]
) -> None:
    admin = await as_user(ADMIN)
    html = await admin.text(f"/?{query}")
    assert listed(html) == expected
    if not expected:
        assert "Ingen samtaler passer til filtrene." in html


async def test_search_is_only_in_the_citizens_words(as_user: SignIn, conversations: dict) -> None:
    admin = await as_user(ADMIN)
    assert listed(await admin.text("/?q=Svar+fra+Mødeklar")) == []  # the assistant's words are not searched


async def test_server_side_pagination(as_user: SignIn, conversations: dict, tracker_store: object) -> None:
    for number in range(55):
        turn = Turn(
            f"spørgsmål nummer {number}", "faq", f"2026-11-10T08:{number:02d}:00", topic="faq/ydelse_satser"
        )
        await store_conversation(tracker_store, f"rest:bulk-{number:02d}", [turn])
    admin = await as_user(ADMIN)
    first = await admin.text("/?q=spørgsmål")
    assert len(listed(first)) == 50 and listed(first)[0] == "rest:bulk-54"
    assert "Næste side" in first and "Forrige side" not in first
    second = await admin.text("/?q=spørgsmål&side=2")
    assert listed(second) == [f"rest:bulk-{n:02d}" for n in range(4, -1, -1)]
    assert "Forrige side" in second and "Næste side" not in second


async def test_transcript_shows_messages_topics_confidence_actions_and_the_note(
    as_user: SignIn, conversations: dict
) -> None:
    mette = await as_user(METTE)
    html = await mette.text(f"/samtale/{quote('rest:anna-1', safe='')}")
    assert html.index("kan jeg få en tolk med til mødet?") < html.index("jeg vil gerne tale med et menneske")
    assert "Forstået som: <strong>faq/moede_min_rolle</strong>, sikkerhed 81 %" in html
    assert "Forstået som: <strong>human_handoff</strong>, sikkerhed 93 %" in html
    assert "action_human_handoff" in html and "action_preparation_finish" in html
    assert "action_listen" not in html
    assert "Svar fra Mødeklar." in html
    assert '<time datetime="2026-11-20T10:00:00+01:00">10:00:00</time>' in html  # Copenhagen time
    assert NOTE_TEXT.split("\\n")[1] in html and "Delt med samtykke" in html


async def test_citizen_text_is_shown_as_text(as_user: SignIn, conversations: dict) -> None:
    admin = await as_user(ADMIN)
    html = await admin.text(f"/samtale/{quote('rest:anon-1', safe='')}")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<script" not in html  # the app sends no script at all


async def test_mark_comment_and_correct(
    as_user: SignIn, conversations: dict, review_store: ReviewStore
) -> None:
    mette = await as_user(METTE)
    page = f"/samtale/{quote('rest:anon-1', safe='')}"
    html = await mette.text(page)
    event_ids = re.findall(r'name="besked" value="(\d+)"', html)
    assert len(event_ids) == 2
    assert (await mette.post(f"{page}/gennemset", {"gennemset": "ja"})).status == 303
    assert (
        await mette.post(f"{page}/kommentar", {"kommentar": "Borgeren <b>ringede</b> bagefter, 20123456"})
    ).status == 303
    response = await mette.post(f"{page}/rettelse", {"besked": event_ids[1], "emne": "faq/forloeb_hvad_er"})
    assert response.status == 303
    html = await mette.text(page)
    assert "Ja, af mette" in html
    assert "Borgeren &lt;b&gt;ringede&lt;/b&gt; bagefter, [telefonnummer fjernet]" in html
    assert "Rettet til <strong>faq/forloeb_hvad_er</strong> af mette" in html
    assert listed(await mette.text("/?gennemset=ja")) == ["rest:anon-1"]
    corrections = review_store.work.all_corrections()
    assert [(c.message_text, c.predicted, c.topic) for c in corrections] == [
        ("flimflam blabla", "nlu_fallback", "faq/forloeb_hvad_er")
    ]
    # correcting again replaces; unmarking works
    await mette.post(f"{page}/rettelse", {"besked": event_ids[1], "emne": "out_of_scope"})
    assert [c.topic for c in review_store.work.all_corrections()] == ["out_of_scope"]
    await mette.post(f"{page}/gennemset", {"gennemset": "nej"})
    assert listed(await mette.text("/?gennemset=ja")) == []


async def test_every_view_search_and_export_is_audited(
    as_user: SignIn, conversations: dict, review_store: ReviewStore
) -> None:
    mette = await as_user(METTE)
    await mette.text("/?flag=handoff")
    await mette.text("/?q=tolk")
    await mette.text(f"/samtale/{quote('rest:anna-1', safe='')}")
    await mette.text("/moeder")
    admin = await as_user(ADMIN)
    await admin.text("/admin/log")
    csv = await admin.text(f"/admin/log.csv?borger={ANNA}")
    rows = audit_actions(review_store)
    by_mette = [
        (action, conversation, citizens) for user, action, conversation, citizens, _ in rows if user == METTE
    ]
    assert by_mette == [
        ("login", None, ()),
        ("list", None, (ANNA, "c-1003")),  # the first page after signing in: Anna's and Lars's
        ("list", None, (ANNA,)),
        ("search", None, (ANNA,)),
        ("view", "rest:anna-1", (ANNA,)),
        ("meetings", None, (ANNA,)),  # Lars has no coming meeting
    ]
    search = next(detail for user, action, _, _, detail in rows if action == "search")
    assert '"q": "tolk"' in search
    assert [action for user, action, *_ in rows if user == ADMIN][-2:] == ["audit_view", "audit_export"]
    lines = csv.strip().splitlines()
    assert lines[0] == "tidspunkt,bruger,rolle,handling,samtale,borgere,detaljer,fra"
    assert any(",mette,caseworker,view,rest:anna-1,c-1001," in line for line in lines)
    assert all(ANNA in line.split(",")[5] for line in lines[1:])  # only entries about Anna
    assert not any(JONAS in line for line in lines)


async def test_meetings_page_shows_own_citizens_upcoming_meetings_and_shared_notes(
    as_user: SignIn, conversations: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.demo import DEMO_NOW

    monkeypatch.setattr("bot.review.meetings.utc_now", lambda: DEMO_NOW)
    mette = await as_user(METTE)
    html = await mette.text("/moeder")
    assert "Anna Jensen" in html and "Jonas Nielsen" not in html
    assert "8. dec. 2026 kl. 10:00" in html
    assert "At de lytter." in html and "Intet delt notat." in html
    sara = await as_user("sara")
    html = await sara.text("/moeder")
    assert "Anna Jensen" not in html and "Jonas Nielsen" in html


async def test_overview_counts_per_day_topics_and_an_svg_chart(as_user: SignIn, conversations: dict) -> None:
    mette = await as_user(METTE)
    html = await mette.text("/overblik?fra=2026-11-20&til=2026-11-23")
    assert "<strong>6</strong> samtaler" in html
    assert "<strong>2</strong> bad om et menneske" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    assert '<title id="chart-title">Samtaler pr. dag fra 20.11.2026 til 23.11.2026</title>' in html
    assert "<tr><td>21.11.2026</td><td>1</td><td>100 %</td><td>0</td></tr>" in html
    assert "<tr><td>23.11.2026</td><td>2</td><td>50 %</td><td>0</td></tr>" in html
    topics = html[html.index("Mest spurgte emner") :]
    assert "human_handoff: 2" in topics and "greet: 2" in topics
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing external


BAD_QUERIES = [
    "/?side=0",
    "/?side=abc",
    "/?side=99999999999",
    "/?flag=ukendt",
    "/?kanal=fax",
    "/?fra=2026-13-01",
    "/?fra=i+går",
    "/?fra=2026-11-23&til=2026-11-01",
    "/?identitet=måske",
    "/?gennemset=1",
    "/?ukendt=1",
    "/?q=" + "a" * 201,
    "/?q=" + "a" * 3000,
    "/overblik?fra=2020-01-01&til=2026-01-01",
    "/overblik?til=xyz",
    "/admin/log?side=-1",
    "/admin/log?borger=" + "x" * 65,
    f"/samtale/{'x' * 300}",
]


async def test_bad_query_strings_get_a_clear_400(as_user: SignIn, conversations: dict) -> None:
    admin = await as_user(ADMIN)
    for path in BAD_QUERIES:
        response = await admin.get(path)
        body = await response.text()
        assert response.status == 400, (path, response.status)
        assert '<p role="alert">' in body and "Traceback" not in body


async def test_bad_forms_get_a_clear_4xx(as_user: SignIn, conversations: dict) -> None:
    admin = await as_user(ADMIN)
    page = f"/samtale/{quote('rest:anna-1', safe='')}"
    cases = [
        (f"{page}/kommentar", {}),
        (f"{page}/kommentar", {"kommentar": "   "}),
        (f"{page}/kommentar", {"kommentar": "x" * 2001}),
        (f"{page}/rettelse", {"besked": "abc", "emne": "greet"}),
        (f"{page}/rettelse", {"besked": "1" * 30, "emne": "greet"}),
        (f"{page}/rettelse", {"besked": "999999", "emne": "greet"}),
        (f"{page}/rettelse", {"besked": "1", "emne": "findes_ikke"}),
        ("/admin/konti", {"username": "x", "role": "admin", "password": "lang-nok-adgangskode"}),
        ("/admin/konti", {"username": "ny-bruger", "role": "konge", "password": "lang-nok-adgangskode"}),
        ("/admin/konti", {"username": "ny-bruger", "role": "admin", "password": "kort"}),
        (
            "/admin/konti",
            {
                "username": "ny-bruger",
                "role": "admin",
                "password": "lang-nok-adgangskode",
                "email": "ikke-en-mail",
            },
        ),
        ("/admin/konti", {"username": ADMIN, "role": "admin", "password": "lang-nok-adgangskode"}),
        ("/admin/konti/findes-ikke/status", {"aktiv": "nej"}),
    ]
    for path, data in cases:
        response = await admin.post(path, data)
        assert 400 <= response.status < 500, (path, data, response.status)
    login = ReviewClient(admin.client)
    for username, password in (("", "x"), ("x" * 65, "lang-nok-adgangskode"), (METTE, "x" * 300)):
        response = await login.login(
            username,
            password,
            expect=400 if len(password) > 256 or not username or len(username) > 64 else 401,
        )
        assert "Traceback" not in await response.text()
    big = await admin.client.post(
        f"{page}/kommentar", data={"kommentar": "x" * 70_000, "csrf_token": admin.csrf}
    )
    assert big.status == 413
    wrong_method = await admin.client.delete("/")
    assert wrong_method.status in (403, 405)  # no CSRF token, and no such route
