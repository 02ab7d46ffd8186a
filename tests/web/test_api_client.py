"""The daily-papers client (`huggingface_hub.HfApi`) against `paperboy serve`, unchanged."""

import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from paperboy.ingest import import_files
from paperboy.store import open_database

huggingface_hub = pytest.importorskip("huggingface_hub")
from huggingface_hub import HfApi, constants  # noqa: E402
from huggingface_hub.errors import HfHubHTTPError  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "paperboy" / "samples" / "demo.jsonl"
DAILY = ROOT / "tests" / "fixtures" / "daily_papers" / "2024-11-18.json"
PAPERBOY = Path(sys.executable).parent / "paperboy"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory):
    """`paperboy serve` over the demo sample and a daily-papers listing; stopped at the end."""
    tmp_path = tmp_path_factory.mktemp("hub")
    db = open_database(str(tmp_path / "paperboy.db"))
    import_files(db, [str(DEMO), str(DAILY)])
    db.dispose()
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(PAPERBOY), "--db", str(tmp_path / "paperboy.db"), "serve", "--host", "127.0.0.1",
         "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"paperboy serve exited: {(tmp_path / 'serve.log').read_text()}")
            try:
                if httpx.get(f"{url}/api/daily_papers", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("paperboy serve did not answer within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def api(hub_url, monkeypatch):
    # The embedding loader sets HF_HUB_OFFLINE=1 for the whole process, and the client reads
    # it into huggingface_hub.constants at import; offline, it refuses every request, even
    # to a local endpoint. This test talks only to our local server.
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    return HfApi(endpoint=hub_url, token=False)


def listed(api, **params):
    return [paper.id for paper in api.list_daily_papers(**params)]


def test_the_daily_papers_client_works_against_a_hub(api):
    papers = list(api.list_daily_papers(date="2024-11-18"))
    assert [p.id for p in papers] == ["2411.11504", "2411.10440", "2411.10323", "2411.09944"]
    llava = papers[1]
    assert llava.title == "LLaVA-o1: Let Vision Language Models Reason Step-by-Step"
    assert llava.summary.startswith("A vision-language model is trained")
    assert [a.name for a in llava.authors][:2] == ["Guowei Xu", "Peng Jin"]
    assert llava.published_at == datetime(2024, 11, 15, 18, 58, 19, tzinfo=UTC)
    assert llava.upvotes == 112
    assert llava.comments == 3
    assert llava.submitted_by.name == "akhaliq"

    assert listed(api, date="2024-11-18", sort="trending") == [
        "2411.10440", "2411.10323", "2411.11504", "2411.09944"]  # 112, 31, 7, 0 votes
    assert listed(api, date="2024-11-18", sort="publishedAt", limit=2, p=1) == [
        "2411.10323", "2411.09944"]
    assert listed(api, week="2024-W46") == ["2411.10958"]
    assert len(listed(api, month="2024-11")) == 5
    assert listed(api, month="2024-11", submitter="akhaliq") == ["2411.10440"]
    assert len(listed(api)) == 4  # the latest day: 25 November 2026 in the demo sample
    assert len(listed(api, month="2026-11", limit=100)) == 48


def test_paper_info_search_and_markdown(api):
    info = api.paper_info("2411.10440")
    assert info.id == "2411.10440"
    assert info.title == "LLaVA-o1: Let Vision Language Models Reason Step-by-Step"
    assert info.upvotes == 112
    assert info.github_repo == "https://github.com/PKU-YuanGroup/LLaVA-o1"
    assert info.project_page == "https://example.org/llava-o1"
    assert info.organization.fullname == "PKU Yuan Group"
    assert info.submitted_by.username == "akhaliq"
    assert info.submitted_at == datetime(2024, 11, 18, tzinfo=UTC)
    assert len(info.authors) == 6

    found = list(api.list_papers(query="attention is all you need", limit=5))
    assert 0 < len(found) <= 5
    assert "1706.03762" in [p.id for p in found]
    assert all(p.title for p in found)
    assert len(list(api.list_papers(limit=3))) == 3

    text = api.read_paper("2411.10440")
    assert text.startswith("# LLaVA-o1: Let Vision Language Models Reason Step-by-Step\n")
    assert "[Code](https://github.com/PKU-YuanGroup/LLaVA-o1)" in text


def test_client_errors_carry_our_message(api):
    with pytest.raises(HfHubHTTPError) as missing:
        api.paper_info("2499.99999")
    assert missing.value.response.status_code == 404
    assert "not found" in str(missing.value)
    with pytest.raises(HfHubHTTPError) as missing_text:
        api.read_paper("2499.99999")
    assert missing_text.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError) as invalid:
        list(api.list_daily_papers(date="2024-11-18", week="2024-W47"))
    assert invalid.value.response.status_code == 422
    assert "week: give only one of date, week and month" in str(invalid.value)
