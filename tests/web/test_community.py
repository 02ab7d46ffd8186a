"""Upvotes, comments, collections, reads, user pages and admin moderation, on a real database
through the pages' own forms."""

import feedparser
import pytest
from lxml import html

from paperboy.store import users
from tests.web.community import csrf, fresh_client, post, sign_in, sign_up
from tests.web.conftest import HOSTILE_ID, build_hub, by_class, card_ids, text

PAPER = "2411.10440"  # in the daily listing of 18 Nov 2024, with 112 upvotes imported


@pytest.fixture
def hub(tmp_path):
    return build_hub(tmp_path / "hub.db")


@pytest.fixture
def ada(hub):
    with fresh_client(hub) as client:
        sign_up(client, "ada")
        yield client


def upvotes_shown(client, path=f"/papers/{PAPER}"):
    doc = html.fromstring(client.get(path).text)
    return text(by_class(doc, "votes")[0].xpath(".//*[@class='count']")[0])


def test_upvote_once_and_take_it_back(ada):
    assert upvotes_shown(ada) == "112"
    for _ in range(2):  # a second upvote is the same upvote
        response = post(ada, f"/papers/{PAPER}/upvote", {"next": "/papers/date/2024-11-18"},
                        form_page="/account")
        assert response.headers["location"] == "/papers/date/2024-11-18"
    assert upvotes_shown(ada) == "113"
    assert 'aria-pressed="true"' in ada.get(f"/papers/{PAPER}").text
    api = ada.get(f"/api/papers/{PAPER}").json()
    assert api["upvotes"] == 113
    post(ada, f"/papers/{PAPER}/upvote", {"undo": "1"}, form_page="/account")
    assert upvotes_shown(ada) == "112"


def test_upvotes_sort_the_listing(hub):
    week = "/papers/week/2025-W23?sort=upvotes"  # two papers, no upvotes imported
    with fresh_client(hub) as client:
        before = card_ids(html.fromstring(client.get(week).text))
        assert len(before) == 2
        sign_up(client, "ada")
        post(client, f"/papers/{before[-1]}/upvote", form_page="/account")
        assert card_ids(html.fromstring(client.get(week).text)) == before[::-1]


def test_strangers_are_asked_to_sign_in_to_vote(hub):
    with fresh_client(hub) as client:
        link = html.fromstring(client.get(f"/papers/{PAPER}").text).xpath("//a[@class='votes']")
        assert link[0].get("href") == f"/login?next=%2Fpapers%2F{PAPER}"


def test_comment_reply_edit_delete(hub):
    with fresh_client(hub) as ada, fresh_client(hub) as bob:
        sign_up(ada, "ada")
        sign_up(bob, "bob")
        response = post(ada, f"/papers/{PAPER}/comments", {"body": "Nice *result*, @bob."},
                        form_page="/account")
        first = int(response.headers["location"].rsplit("#c", 1)[1])
        post(bob, f"/papers/{PAPER}/comments", {"body": "Thanks!", "parent": str(first)},
             form_page="/account")
        doc = html.fromstring(ada.get(f"/papers/{PAPER}").text)
        comment = doc.xpath(f"//li[@id='c{first}']")[0]
        assert comment.xpath(".//em")[0].text == "result"
        assert comment.xpath(".//div[@class='body']//a/@href") == ["/u/bob"]
        reply = comment.xpath("./ol/li")[0]
        assert "Thanks!" in text(reply) and "bob" in text(reply.xpath(".//p[@class='by']")[0])
        # Only the author edits; a deleted comment with replies keeps its place.
        assert bob.get(f"/comments/{first}/edit").status_code == 403
        assert post(bob, f"/comments/{first}/delete", form_page="/account").status_code == 403
        post(ada, f"/comments/{first}/edit", {"body": "Nice result."}, form_page="/account")
        assert "edited" in ada.get(f"/papers/{PAPER}").text
        post(ada, f"/comments/{first}/delete", form_page="/account")
        doc = html.fromstring(ada.get(f"/papers/{PAPER}").text)
        assert "[comment deleted]" in text(doc.xpath(f"//li[@id='c{first}']")[0])
        assert "Thanks!" in text(doc.xpath(f"//li[@id='c{first}']")[0])


def test_comment_count_counts_this_hubs_comments(ada):
    def count():
        listed = ada.get("/api/daily_papers?date=2024-11-18").json()
        return next(item["numComments"] for item in listed if item["paper"]["id"] == PAPER)

    before = count()
    post(ada, f"/papers/{PAPER}/comments", {"body": "First!"}, form_page="/account")
    assert count() == before + 1


@pytest.mark.parametrize("body", ["", "   ", "x" * 10_001])
def test_empty_and_huge_comments_are_refused(ada, body):
    response = post(ada, f"/papers/{PAPER}/comments", {"body": body}, form_page="/account")
    assert response.status_code in (400, 422)


def test_a_reply_to_a_comment_of_another_paper_is_refused(ada):
    response = post(ada, f"/papers/{PAPER}/comments", {"body": "hi"}, form_page="/account")
    first = response.headers["location"].rsplit("#c", 1)[1]
    other = post(ada, "/papers/1706.03762/comments", {"body": "hi", "parent": first},
                 form_page="/account")
    assert other.status_code == 400


def test_hostile_comments_render_as_text(ada):
    hostile = ('<script>alert(1)</script> <img src=x onerror=alert(1)> '
               '[click](javascript:alert(1)) $a<b$ & <b>bold</b>')
    post(ada, f"/papers/{HOSTILE_ID}/comments", {"body": hostile}, form_page="/account")
    page = ada.get(f"/papers/{HOSTILE_ID}").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert 'href="javascript:' not in page and "<b>bold</b>" not in page
    body = html.fromstring(page).xpath("//div[@class='body']")[0]
    assert "<script>alert(1)</script>" in text(body) and "$a<b$ &" in text(body)


def test_collections_public_and_private(hub):
    with fresh_client(hub) as ada, fresh_client(hub) as bob:
        sign_up(ada, "ada")
        post(ada, "/collections", {"name": "KV caches & more!", "public": "1", "paper": PAPER,
                                   "note": "read §3"}, form_page="/account")
        post(ada, "/collections", {"name": "Secret", "paper": PAPER}, form_page="/account")
        public = bob.get("/u/ada/c/kv-caches-more")
        assert public.status_code == 200 and "read §3" in public.text
        assert PAPER in card_ids(html.fromstring(public.text))
        assert bob.get("/u/ada/c/secret").status_code == 404
        assert ada.get("/u/ada/c/secret").status_code == 200
        paper = html.fromstring(bob.get(f"/papers/{PAPER}").text)
        assert text(paper.xpath("//section[@id='collections']")[0]).count("KV caches") == 1
        assert "Secret" not in text(paper.xpath("//section[@id='collections']")[0])
        feed = feedparser.parse(bob.get("/u/ada/c/kv-caches-more/feed.atom").content)
        assert not feed.bozo and [e.link.rsplit("/", 1)[1] for e in feed.entries] == [PAPER]
        assert bob.get("/u/ada/c/secret/feed.rss").status_code == 404
        # Only the owner changes it; then it goes.
        sign_up(bob, "bob")
        assert post(bob, "/u/ada/c/kv-caches-more/delete",
                    form_page="/account").status_code == 403
        post(ada, f"/papers/{PAPER}/collect", {"collection": "secret", "remove": "1"},
             form_page="/account")
        assert "No papers here yet" in ada.get("/u/ada/c/secret").text
        post(ada, "/u/ada/c/secret/delete", form_page="/account")
        assert ada.get("/u/ada/c/secret").status_code == 404


def test_mark_as_read(ada):
    post(ada, f"/papers/{PAPER}/read", {"read": "1"}, form_page="/account")
    assert "Read ✓" in ada.get(f"/papers/{PAPER}").text
    post(ada, f"/papers/{PAPER}/read", {"read": "0"}, form_page="/account")
    assert "Mark as read" in ada.get(f"/papers/{PAPER}").text


def test_user_page_and_feed(ada):
    post(ada, f"/papers/{PAPER}/upvote", form_page="/account")
    doc = html.fromstring(ada.get("/u/ada").text)
    assert PAPER in card_ids(doc)
    assert doc.xpath("//link[@rel='alternate']/@href") == ["/u/ada/feed.rss", "/u/ada/feed.atom"]
    feed = feedparser.parse(ada.get("/u/ada/feed.rss").content)
    assert not feed.bozo and len(feed.entries) == 1
    assert ada.get("/u/nobody").status_code == 404


def test_admins_hide_papers_and_comments_and_suspend_users(hub):
    with fresh_client(hub) as admin, fresh_client(hub) as eve:
        sign_up(admin, "root-admin")
        sign_up(eve, "eve")
        with admin.app.state.db.engine.begin() as conn:
            users.set_admin(conn, users.by_name(conn, "root-admin").id, True)
        made = post(eve, f"/papers/{PAPER}/comments", {"body": "spam spam"}, form_page="/account")
        comment = made.headers["location"].rsplit("#c", 1)[1]
        assert post(eve, f"/admin/papers/{PAPER}/hide", form_page="/account").status_code == 403
        post(admin, f"/comments/{comment}/hide", form_page="/account")
        assert "spam spam" not in eve.get(f"/papers/{PAPER}").text
        assert "hidden by an admin" in admin.get(f"/papers/{PAPER}").text
        post(admin, f"/admin/papers/{PAPER}/hide", form_page="/account")
        assert eve.get(f"/papers/{PAPER}").status_code == 404
        assert eve.get(f"/api/papers/{PAPER}").status_code == 404
        assert PAPER not in eve.get("/papers/date/2024-11-18").text
        assert PAPER in admin.get("/admin").text
        post(admin, f"/admin/papers/{PAPER}/hide", {"hidden": "0"}, form_page="/account")
        assert eve.get(f"/papers/{PAPER}").status_code == 200
        post(admin, "/admin/users/eve/suspend", form_page="/account")
        assert eve.get("/account").status_code == 303  # signed out
        assert sign_in(eve, "eve").status_code == 400
        assert admin.get("/u/eve").status_code == 404


def test_admin_pages_are_for_admins(ada):
    assert ada.get("/admin").status_code == 403
    token = csrf(ada, "/account")
    assert ada.post("/admin/users/ada/suspend", data={"csrf_token": token}).status_code == 403


def test_hidden_papers_leave_search_too(hub):
    with fresh_client(hub) as admin:
        sign_up(admin, "root-admin")
        with admin.app.state.db.engine.begin() as conn:
            users.set_admin(conn, users.by_name(conn, "root-admin").id, True)
        query = "/api/papers/search?q=zebrafish"
        assert HOSTILE_ID in [i["paper"]["id"] for i in admin.get(query).json()]
        post(admin, f"/admin/papers/{HOSTILE_ID}/hide", form_page="/account")
        assert HOSTILE_ID not in [i["paper"]["id"] for i in admin.get(query).json()]
        assert HOSTILE_ID not in admin.get("/search?q=zebrafish").text
