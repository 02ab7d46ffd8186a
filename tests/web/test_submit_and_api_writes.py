"""Submitting a paper (arXiv replayed on loopback) and the token-authenticated API writes."""

from datetime import UTC, datetime, timedelta

import pytest

from paperboy.accounts import service
from paperboy.store import users
from tests.conftest import FIXTURES
from tests.replay import ReplayServer, Reply
from tests.web.community import fresh_client, post, sign_up
from tests.web.conftest import build_hub

SUBMITTED = "2611.04242"
TEMPLATE = (FIXTURES / "arxiv_atom" / "submit.xml").read_text()


def atom_entry(published: datetime) -> bytes:
    stamp = published.strftime("%Y-%m-%dT%H:%M:%SZ")
    return TEMPLATE.replace("{ID}", SUBMITTED).replace("{PUBLISHED}", stamp).encode()


@pytest.fixture
def arxiv():
    with ReplayServer() as server:
        yield server


@pytest.fixture
def hub(tmp_path):
    return build_hub(tmp_path / "hub.db")


def submitter(hub, arxiv):
    return fresh_client(hub, arxiv_api_url=arxiv.url("/api/query"), request_interval=0,
                        max_retries=0)


def test_a_recent_paper_joins_todays_listing(hub, arxiv):
    arxiv.route("/api/query", [Reply(body=atom_entry(datetime.now(UTC) - timedelta(days=3)))])
    with submitter(hub, arxiv) as client:
        sign_up(client, "ada")
        response = post(client, "/submit", {"paper": f"https://arxiv.org/abs/{SUBMITTED}v1"},
                        form_page="/submit")
        assert response.status_code == 303
        assert response.headers["location"] == f"/papers/{SUBMITTED}"
        assert arxiv.hits[0].query == {"id_list": SUBMITTED, "max_results": "1"}
        paper = client.get(f"/api/papers/{SUBMITTED}").json()
        assert paper["title"] == "Paged Attention for Tiny Devices"
        today = datetime.now(UTC).date().isoformat()
        listed = client.get(f"/api/daily_papers?date={today}").json()
        item = next(i for i in listed if i["paper"]["id"] == SUBMITTED)
        assert item["submittedBy"]["name"] == "ada"
        assert SUBMITTED in client.get("/u/ada").text
        again = post(client, "/submit", {"paper": SUBMITTED}, form_page="/submit")
        assert again.status_code == 400 and "already listed here" in again.text
        assert len(arxiv.hits) == 1  # the duplicate was refused without asking arXiv


def test_old_papers_are_refused(hub, arxiv):
    arxiv.route("/api/query", [Reply(body=atom_entry(datetime.now(UTC) - timedelta(days=30)))])
    with submitter(hub, arxiv) as client:
        sign_up(client, "ada")
        response = post(client, "/submit", {"paper": SUBMITTED}, form_page="/submit")
        assert response.status_code == 400 and "more than 14 days ago" in response.text
        assert client.get(f"/api/papers/{SUBMITTED}").status_code == 404


@pytest.mark.parametrize(("reply", "message"), [
    (Reply(body=b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
                b"<title>empty</title></feed>"), "arXiv has no paper"),
    (Reply(503), "could not be asked"),
    (Reply(body=b"<html><body>Oops</body></html>"), "could not be asked"),
])
def test_unknown_papers_and_arxiv_trouble_are_said_clearly(hub, arxiv, reply, message):
    arxiv.route("/api/query", [reply])
    with submitter(hub, arxiv) as client:
        sign_up(client, "ada")
        response = post(client, "/submit", {"paper": SUBMITTED}, form_page="/submit")
        assert response.status_code == 400 and message in response.text


@pytest.mark.parametrize("given", ["", "not an id", "https://evil.example/abs/2611.04242x",
                                   "x" * 300])
def test_what_is_not_an_arxiv_id_is_refused_without_asking(hub, arxiv, given):
    with submitter(hub, arxiv) as client:
        sign_up(client, "ada")
        response = post(client, "/submit", {"paper": given}, form_page="/submit")
        assert response.status_code in (400, 422)
    assert arxiv.hits == []


def test_submit_needs_an_account(hub):
    with fresh_client(hub) as client:
        assert client.get("/submit").headers["location"] == "/login?next=%2Fsubmit"


@pytest.fixture
def token(hub):
    with fresh_client(hub) as client:
        sign_up(client, "ada")
        with client.app.state.db.engine.begin() as conn:
            return service.new_token(conn, users.by_name(conn, "ada"), "tests")


def test_api_writes_with_a_token(hub, token):
    auth = {"Authorization": f"Bearer {token}"}
    with fresh_client(hub) as client:
        up = client.post("/api/papers/2411.10440/upvote", headers=auth)
        assert up.status_code == 200 and up.json()["upvotes"] == 113
        assert client.post("/api/papers/2411.10440/upvote", headers=auth).json()["changed"] is False
        assert client.delete("/api/papers/2411.10440/upvote", headers=auth).json()["upvotes"] == 112
        made = client.post("/api/papers/2411.10440/comments", headers=auth,
                           json={"comment": "Via the API <b>"})
        assert made.status_code == 201
        assert made.json()["author"] == "ada" and made.json()["comment"] == "Via the API <b>"
        reply = client.post("/api/papers/2411.10440/comments", headers=auth,
                            json={"comment": "a reply", "parentCommentId": made.json()["id"]})
        assert reply.json()["parentCommentId"] == made.json()["id"]
        missing = client.post("/api/collections/reading/papers", headers=auth,
                              json={"paperId": "2411.10440"})
        assert missing.status_code == 404 and "no collection" in missing.json()["error"]


@pytest.mark.parametrize("header", [None, "Bearer pb_wrong", "Basic abc", "Bearer ",
                                    "Bearer " + "x" * 5000])
def test_api_writes_without_a_valid_token_are_401(hub, header):
    with fresh_client(hub) as client:
        headers = {"Authorization": header} if header else {}
        response = client.post("/api/papers/2411.10440/upvote", headers=headers)
        assert response.status_code == 401 and "token" in response.json()["error"]


@pytest.mark.parametrize("body", [{}, {"comment": ""}, {"comment": "x" * 10_001},
                                  {"comment": "ok", "parentCommentId": "x"}])
def test_bad_api_comments_are_422(hub, token, body):
    with fresh_client(hub) as client:
        response = client.post("/api/papers/2411.10440/comments", json=body,
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 422 and response.json()["error"]


def test_api_writes_on_unknown_papers_are_404(hub, token):
    with fresh_client(hub) as client:
        response = client.post("/api/papers/2499.99999/upvote",
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404


def test_subscriptions_through_the_api(hub, token):
    auth = {"Authorization": f"Bearer {token}"}
    with fresh_client(hub) as client:
        made = client.post("/api/subscriptions", headers=auth,
                           json={"kind": "query", "value": "kv cache"})
        assert made.status_code == 201
        assert made.json()["description"] == "search 'kv cache'"
        client.post("/api/subscriptions", headers=auth, json={"kind": "trending", "value": 5})
        listed = client.get("/api/subscriptions", headers=auth).json()
        assert [(s["kind"], s["value"]) for s in listed] == [("query", "kv cache"),
                                                               ("trending", "5")]
        gone = client.delete(f"/api/subscriptions/{made.json()['id']}", headers=auth)
        assert gone.json()["removed"] is True
        again = client.delete(f"/api/subscriptions/{made.json()['id']}", headers=auth)
        assert again.status_code == 404
        assert client.get("/api/subscriptions").status_code == 401


@pytest.mark.parametrize(("body", "message"), [
    ({"kind": "weather", "value": "x"}, "kind"),
    ({"kind": "category", "value": "not a category!"}, "category"),
    ({"kind": "trending", "value": 1000}, "trending"),
    ({"kind": "query", "value": ""}, "empty"),
    ({"value": "x"}, "kind"),
])
def test_bad_subscriptions_are_422_naming_the_field(hub, token, body, message):
    with fresh_client(hub) as client:
        response = client.post("/api/subscriptions", json=body,
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 422 and message in response.json()["error"]
