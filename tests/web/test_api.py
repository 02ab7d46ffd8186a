"""The JSON API in the daily-papers shape, over a real migrated database."""

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperboy.config import load_settings
from paperboy.ingest import import_files
from paperboy.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "paperboy" / "samples" / "demo.jsonl"
DAILY = ROOT / "tests" / "fixtures" / "daily_papers" / "2024-11-18.json"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ITEM_KEYS = {"paper", "publishedAt", "title", "summary", "numComments", "submittedBy",
             "isAuthorParticipating"}
PAPER_KEYS = {"id", "authors", "publishedAt", "title", "summary", "upvotes", "githubRepo",
              "projectPage"}
LISTED_ON_18 = ["2411.11504", "2411.10440", "2411.10323", "2411.09944"]  # newest v1 first


def client_for(db):
    url = db.engine.url.render_as_string(hide_password=False)
    return TestClient(create_app(load_settings(database_url=url)))


@pytest.fixture
def client(db):
    """A hub holding the demo sample (48 papers, announced 10-25 Nov 2026) and the
    daily-papers listing of 18 Nov 2024 (5 papers, one of them first shown on the 16th)."""
    import_files(db, [str(DEMO), str(DAILY)])
    with client_for(db) as test_client:
        yield test_client


def ids(response):
    assert response.status_code == 200, response.text
    return [item["paper"]["id"] for item in response.json()]


def test_a_day_in_the_daily_papers_shape(client):
    response = client.get("/api/daily_papers", params={"date": "2024-11-18"})
    assert response.headers["content-type"] == "application/json"
    items = response.json()
    assert [item["paper"]["id"] for item in items] == LISTED_ON_18
    for item in items:
        assert set(item) >= ITEM_KEYS, item.keys()
        assert set(item["paper"]) >= PAPER_KEYS, item["paper"].keys()
        assert item["isAuthorParticipating"] is False
        assert item["title"] == item["paper"]["title"]
        assert item["summary"] == item["paper"]["summary"]
        for stamp in (item["publishedAt"], item["paper"]["publishedAt"],
                      item["paper"]["submittedOnDailyAt"]):
            assert TIMESTAMP.match(stamp), stamp
    llava = items[1]
    assert llava["paper"] | {"authors": None} == {
        "id": "2411.10440", "authors": None,
        "publishedAt": "2024-11-15T18:58:19.000Z",
        "submittedOnDailyAt": "2024-11-18T00:00:00.000Z",
        "title": "LLaVA-o1: Let Vision Language Models Reason Step-by-Step",
        "summary": llava["summary"], "upvotes": 112,
        "githubRepo": "https://github.com/PKU-YuanGroup/LLaVA-o1",
        "projectPage": "https://example.org/llava-o1",
        "organization": {"name": "PKU Yuan Group", "fullname": "PKU Yuan Group"},
        "submittedOnDailyBy": {"user": "akhaliq", "fullname": "akhaliq", "type": "user"},
    }
    assert llava["paper"]["authors"][0] == {"name": "Guowei Xu", "hidden": False}
    assert len(llava["paper"]["authors"]) == 6
    assert llava["summary"].startswith("A vision-language model is trained")
    assert llava["publishedAt"] == "2024-11-15T18:58:19.000Z"
    assert llava["numComments"] == 3
    assert llava["submittedBy"] == {"name": "akhaliq", "fullname": "akhaliq", "type": "user"}


def test_papers_without_links_or_submitter_say_so_with_null(client):
    item = client.get("/api/daily_papers", params={"date": "2026-11-25"}).json()[0]
    assert item["submittedBy"] is None
    assert item["numComments"] == 0
    assert item["paper"]["projectPage"] is None
    assert "submittedOnDailyAt" not in item["paper"]


def test_no_period_is_the_latest_day_that_has_papers(client):
    latest = client.get("/api/daily_papers").json()
    assert len(latest) == 4
    assert ids(client.get("/api/daily_papers")) == ids(
        client.get("/api/daily_papers", params={"date": "2026-11-25"}))
    # with a submitter: that submitter's latest day
    assert ids(client.get("/api/daily_papers", params={"submitter": "jt-zhang"})) == [
        "2411.10958"]


def test_weeks_and_months(client):
    assert ids(client.get("/api/daily_papers", params={"week": "2024-W47"})) == LISTED_ON_18
    assert ids(client.get("/api/daily_papers", params={"week": "2024-W46"})) == ["2411.10958"]
    month = ids(client.get("/api/daily_papers", params={"month": "2024-11"}))
    assert sorted(month) == sorted([*LISTED_ON_18, "2411.10958"])
    assert len(ids(client.get("/api/daily_papers", params={"month": "2026-11"}))) == 48
    # 2026-W48: Monday 23 to Sunday 29 November, three days of four demo papers
    assert len(ids(client.get("/api/daily_papers", params={"week": "2026-W48"}))) == 12
    assert client.get("/api/daily_papers", params={"date": "1999-01-01"}).json() == []


def test_submitter(client):
    month = {"month": "2024-11"}
    assert ids(client.get("/api/daily_papers", params=month | {"submitter": "akhaliq"})) == [
        "2411.10440"]
    assert ids(client.get("/api/daily_papers", params=month | {"submitter": "AKhaliq"})) == [
        "2411.10440"]
    assert ids(client.get("/api/daily_papers", params=month | {"submitter": "nobody"})) == []


def test_pages_cover_the_period_once(client):
    month = {"month": "2026-11"}
    everything = ids(client.get("/api/daily_papers", params=month | {"limit": 100}))
    pages = [ids(client.get("/api/daily_papers", params=month | {"limit": 10, "p": n}))
             for n in range(6)]
    assert [len(page) for page in pages] == [10, 10, 10, 10, 8, 0]
    assert [paper for page in pages for paper in page] == everything
    assert ids(client.get("/api/daily_papers", params=month))[:48] == everything[:48]


def test_trending_and_newest_first_order_differently(db, tmp_path):
    """A week-old paper with many votes, and a fresh one with fewer, posted earlier."""
    lines = [
        {"id": "2411.00001", "title": "Old and loved", "published": "2024-11-17",
         "announced": "2024-11-18", "upvotes": 100},
        {"id": "2411.00002", "title": "Fresh", "published": "2024-11-10",
         "announced": "2024-11-24", "upvotes": 20},
        {"id": "2411.00003", "title": "Fresh, unloved", "published": "2024-11-09",
         "announced": "2024-11-24", "upvotes": 1},
    ]
    path = tmp_path / "week.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    import_files(db, [str(path)])
    week = {"week": "2024-W47"}
    with client_for(db) as client:
        newest = ids(client.get("/api/daily_papers", params=week | {"sort": "publishedAt"}))
        hot = ids(client.get("/api/daily_papers", params=week | {"sort": "trending"}))
        default = ids(client.get("/api/daily_papers", params=week))
        second = ids(client.get("/api/daily_papers",
                                params=week | {"sort": "trending", "limit": 1, "p": 1}))
    assert newest == default == ["2411.00001", "2411.00002", "2411.00003"]
    # scored at the end of the week: 100 / 170 ** 1.8 < 20 / 26 ** 1.8
    assert hot == ["2411.00002", "2411.00001", "2411.00003"]
    assert second == ["2411.00001"]


def test_one_paper(client):
    response = client.get("/api/papers/2411.10440")
    assert response.status_code == 200
    listed = client.get("/api/daily_papers", params={"date": "2024-11-18"}).json()[1]
    assert response.json() == listed["paper"]
    assert client.get("/api/papers/2411.10440v2").json()["id"] == "2411.10440"
    demo = client.get("/api/papers/1706.03762").json()
    assert demo["title"] == "Attention Is All You Need"
    assert TIMESTAMP.match(demo["publishedAt"])


def test_related_papers(client):
    """The demo hub has no embeddings: neighbours by words, the paper itself never among them."""
    response = client.get("/api/papers/2305.14314/related", params={"limit": 5})  # QLoRA
    related = ids(response)
    assert len(related) == 5 and "2305.14314" not in related
    assert {"2106.09685", "2306.00978", "2210.17323"} & set(related)  # LoRA, AWQ, GPTQ
    assert set(response.json()[0]) >= ITEM_KEYS
    assert ids(client.get("/api/papers/2305.14314v2/related", params={"limit": 5})) == related
    assert len(ids(client.get("/api/papers/2305.14314/related"))) == 10
    refused = client.get("/api/papers/2305.14314/related", params={"limit": 51})
    assert refused.status_code == 422 and refused.json()["error"].startswith("limit: ")


@pytest.mark.parametrize("path", ["/api/papers/2499.99999", "/api/papers/nope",
                                  "/api/papers/hep-th/9901001", "/papers/2499.99999.md",
                                  "/papers/%3Cscript%3E.md", "/api/papers/2499.99999/related"])
def test_a_missing_paper_is_a_404_in_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert "not found" in response.json()["error"]


def test_old_style_ids_are_found(db, tmp_path):
    path = tmp_path / "old.jsonl"
    path.write_text('{"id": "hep-th/9901001", "title": "Strings", "announced": "1999-01-04"}\n')
    import_files(db, [str(path)])
    with client_for(db) as client:
        assert client.get("/api/papers/hep-th/9901001").json()["id"] == "hep-th/9901001"
        assert client.get("/api/papers/hep-th/9901001/related").json() == []  # nothing near
        assert client.get("/papers/hep-th/9901001.md").text.startswith("# Strings\n")


def test_a_paper_as_markdown(client):
    response = client.get("/papers/2411.10440.md")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    text = response.text
    assert text.startswith("# LLaVA-o1: Let Vision Language Models Reason Step-by-Step\n")
    for line in ("- **Authors:** Guowei Xu, Peng Jin, Li Hao, Yibing Song, Lichao Sun, Li Yuan",
                 "- **Published:** 2024-11-15", "- **Listed:** 2024-11-18",
                 "- **Upvotes:** 112",
                 "- **Links:** [arXiv](https://arxiv.org/abs/2411.10440) · "
                 "[PDF](https://arxiv.org/pdf/2411.10440) · "
                 "[Code](https://github.com/PKU-YuanGroup/LLaVA-o1) · "
                 "[Project page](https://example.org/llava-o1)",
                 "## Abstract"):
        assert f"\n{line}\n" in text, line
    assert "stage-level beam search" in text


def test_markdown_cannot_be_turned_into_html_or_links(db, tmp_path):
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps({
        "id": "2401.00001", "title": "<script>alert(1)</script>\n# [x](javascript:alert(1))",
        "abstract": "<img src=x onerror=alert(1)> and $a<b$", "announced": "2024-01-02"}) + "\n")
    import_files(db, [str(path)])
    with client_for(db) as client:
        text = client.get("/papers/2401.00001.md").text
    first = text.splitlines()[0]
    assert first == r"# \<script\>alert(1)\</script\> # \[x\](javascript:alert(1))"
    assert r"\<img src=x onerror=alert(1)\> and $a\<b$" in text


def test_search(client):
    response = client.get("/api/papers/search", params={"q": "attention", "limit": 3})
    items = response.json()
    assert len(items) == 3
    for item in items:
        assert set(item) >= ITEM_KEYS
        assert set(item["paper"]) >= PAPER_KEYS
        assert TIMESTAMP.match(item["publishedAt"])
    assert "1706.03762" in ids(client.get("/api/papers/search",
                                          params={"q": "attention is all you need"}))
    assert ids(client.get("/api/papers/search", params={"q": "2411.10440"})) == ["2411.10440"]
    assert len(ids(client.get("/api/papers/search"))) == 50  # no query: the newest
    assert len(ids(client.get("/api/papers/search", params={"limit": 120}))) == 53


def test_search_filters_mode_and_pages_as_parameters(client):
    def found(**params):
        return ids(client.get("/api/papers/search", params={"limit": 120} | params))

    every = found(q="model")
    assert found(q="model", cat="cs.CL") == found(q="model cat:cs.CL") != every
    in_cs = found(q="model", cat="cs")  # an archive: every cs class (the daily-papers
    assert in_cs == found(q="model", cat="cs.CL, cs.lg cs") != every  # listing has none)
    assert set(found(q="model", cat="cs.CL")) | set(found(q="model", cat="cs.LG")) <= set(in_cs)
    assert found(q="model", author="Dao") == found(q="model author:Dao") != []
    assert found(q="model", has_code="1") == found(q="model has:code") != every
    assert found(**{"from": "2023-01-01", "to": "2023-12-31"}) == found(q="year:2023") != []
    assert found(q="model", mode="bm25") == found(q="model", mode="bm25", cat="")
    first, second = found(q="model", limit=5), found(q="model", limit=5, p=1)
    assert first == every[:5] and second == every[5:10]


@pytest.mark.parametrize("q", ["<script>alert(1)</script>", "注意力 机制 ü", "x" * 250,
                               "\x00", "'; DROP TABLE papers; --", "author:\"", "%_%"])
def test_hostile_queries_are_answered(client, q):
    response = client.get("/api/papers/search", params={"q": q})
    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert len(client.get("/api/daily_papers", params={"month": "2026-11"}).json()) == 48


@pytest.mark.parametrize(("path", "params", "name", "message"), [
    ("/api/daily_papers", {"date": "2024-02-30"}, "date", "not a day of the calendar"),
    ("/api/daily_papers", {"date": "yesterday"}, "date", "not a day"),
    ("/api/daily_papers", {"date": ""}, "date", "not a day"),
    ("/api/daily_papers", {"date": "2024-11-18", "week": "2024-W47"}, "week", "only one of"),
    ("/api/daily_papers", {"week": "2024-W47", "month": "2024-11"}, "month", "only one of"),
    ("/api/daily_papers", {"week": "2021-W53"}, "week", "has no week 53"),
    ("/api/daily_papers", {"week": "2024-47"}, "week", "not an ISO week"),
    ("/api/daily_papers", {"month": "2024-13"}, "month", "not a month"),
    ("/api/daily_papers", {"limit": 0}, "limit", "greater than or equal to 1"),
    ("/api/daily_papers", {"limit": 1000}, "limit", "less than or equal to 100"),
    ("/api/daily_papers", {"limit": "ten"}, "limit", "valid integer"),
    ("/api/daily_papers", {"p": -1}, "p", "greater than or equal to 0"),
    ("/api/daily_papers", {"p": 10 ** 30}, "p", "less than or equal to"),
    ("/api/daily_papers", {"sort": "hot"}, "sort", "'publishedAt' or 'trending'"),
    ("/api/daily_papers", {"submitter": "x" * 101}, "submitter", "at most 100"),
    ("/api/papers/search", {"q": "x" * 251}, "q", "at most 250 characters"),
    ("/api/papers/search", {"q": "é" * 251}, "q", "at most 250 characters"),
    ("/api/papers/search", {"limit": 0}, "limit", "greater than or equal to 1"),
    ("/api/papers/search", {"limit": 121}, "limit", "less than or equal to 120"),
    ("/api/papers/search", {"cat": "<script>"}, "cat", "'<script>' is not a category"),
    ("/api/papers/search", {"from": "2024-02-30"}, "from", "not a day of the calendar"),
    ("/api/papers/search", {"to": "soon"}, "to", "not a day"),
    ("/api/papers/search", {"mode": "magic"}, "mode", "'bm25', 'dense' or 'hybrid'"),
    ("/api/papers/search", {"author": "x" * 101}, "author", "at most 100"),
    ("/api/papers/search", {"p": 9}, "p", "less than or equal to 8"),
])
def test_invalid_parameters_are_a_422_naming_the_parameter(client, path, params, name,
                                                           message):
    response = client.get(path, params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["error"].startswith(f"{name}: ")
    assert message in body["error"]
    assert body["detail"][0]["loc"] == ["query", name]


def test_an_empty_hub_answers_with_empty_lists(tmp_path):
    app = create_app(load_settings(database_url=str(tmp_path / "empty.db")))
    with TestClient(app) as client:
        assert client.get("/api/daily_papers").json() == []
        assert client.get("/api/daily_papers", params={"sort": "trending"}).json() == []
        assert client.get("/api/papers/search", params={"q": "attention"}).json() == []


def test_openapi_lists_the_endpoints_and_their_parameters(client):
    spec = client.get("/openapi.json").json()
    expected = {
        "/api/daily_papers": {"date", "week", "month", "submitter", "sort", "p", "limit"},
        "/api/papers/search": {"q", "cat", "from", "to", "has_code", "author", "mode",
                               "limit", "p"},
        "/api/papers/{arxiv_id}": {"arxiv_id"},
        "/api/papers/{arxiv_id}/related": {"arxiv_id", "limit"},
        "/papers/{arxiv_id}.md": {"arxiv_id"},
    }
    for path, names in expected.items():
        operation = spec["paths"][path]["get"]
        assert {p["name"] for p in operation["parameters"]} == names, path
    limit = next(p for p in spec["paths"]["/api/daily_papers"]["get"]["parameters"]
                 if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)


def test_docs_describe_every_api_endpoint_and_parameter(client):
    docs = (ROOT / "docs" / "api.md").read_text()
    spec = client.get("/openapi.json").json()
    for path, methods in spec["paths"].items():
        if not path.startswith(("/api/", "/papers/")):
            continue
        for method, operation in methods.items():
            assert f"## `{method.upper()} {path}`" in docs, (method, path)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    assert f"| `{parameter['name']}` |" in docs, (path, parameter["name"])
