"""Digests sent to a real SMTP server on loopback, read back and checked."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from itsdangerous import TimestampSigner

from paperboy.mail import digests as runs
from paperboy.mail import sending, tokens
from paperboy.store import deliveries, subscriptions, users
from tests.mail.conftest import DAY


def by_recipient(server):
    return {r.recipients[0]: r.message for r in server.received}


def parts(message):
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    return plain, html


def test_each_subscriber_gets_one_digest_with_reasons_links_and_unsubscribe(hub, smtp,
                                                                             settings_for):
    settings = settings_for(smtp.url)
    report = runs.send(hub, settings, runs.for_date(hub, DAY))
    assert (report.sent, report.failed, report.retry) == (2, 0, 0)
    mails = by_recipient(smtp)
    assert set(mails) == {"ada@example.org", "bob@example.org"}
    ada = mails["ada@example.org"]
    assert smtp.received[0].sender == "papers@hub.test"
    assert ada["From"] == "Paperboy <papers@hub.test>"
    assert ada["To"] == "ada <ada@example.org>"
    assert ada["Subject"] == "Your papers on Tue 24 Nov 2026: 3 papers"
    assert re.fullmatch(r"<paperboy\.digest\.\d+\.2026-11-24@hub\.test>", ada["Message-ID"])
    assert ada["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(http://hub\.test/unsubscribe\?token=(\S+))>",
                               ada["List-Unsubscribe"])
    assert unsubscribe is not None
    # as written on the wire, not an RFC 2047 encoded-word (receivers would not read that)
    raw = next(r.raw for r in smtp.received if r.recipients == ["ada@example.org"])
    assert f"\r\nList-Unsubscribe: <{unsubscribe.group(1)}>\r\n".encode() in raw
    assert tokens.read_unsubscribe(settings, unsubscribe.group(2)).email == "ada@example.org"
    plain, html = parts(ada)
    # the kv cache paper is both a search match and #1 trending: shown once, both reasons
    assert plain.count("KV cache compression for long context") == 1
    assert "Why: matches your search 'kv cache'; trending #1" in plain
    assert "Why: trending #2" in plain  # speculative decoding
    assert "Why: by emile zola, an author you follow" in plain  # Émile Zola, folded
    assert "Yesterday's kv cache paper" not in plain  # another day
    assert "protein folding" not in plain
    assert "http://hub.test/papers/2611.00001" in plain
    assert 'href="http://hub.test/papers/2611.00001"' in html
    assert unsubscribe.group(1).replace("&", "&amp;") in html
    assert "Unsubscribe: " + unsubscribe.group(1) in plain
    bob_plain, _ = parts(mails["bob@example.org"])
    assert "Robots that fold laundry" in bob_plain
    assert "in cs.RO, a category you follow" in bob_plain


def test_the_body_carries_the_headers_unsubscribe_link_even_a_second_later(
        hub, smtp, settings_for, monkeypatch):
    """Signed links carry the second they were made: the mail's two must be one token."""
    seconds = iter(range(1_800_000_000, 1_800_001_000))
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: next(seconds))
    runs.send(hub, settings_for(smtp.url), runs.for_date(hub, DAY))
    for message in by_recipient(smtp).values():
        link = re.fullmatch(r"<(\S+)>", message["List-Unsubscribe"])
        assert link is not None
        plain, html = parts(message)
        assert "Unsubscribe: " + link.group(1) in plain
        assert link.group(1).replace("&", "&amp;") in html


def test_a_second_run_sends_nothing_again(hub, smtp, settings_for):
    settings = settings_for(smtp.url)
    runs.send(hub, settings, runs.for_date(hub, DAY))
    again = runs.send(hub, settings, runs.for_date(hub, DAY))
    assert (again.sent, again.done_before) == (0, 2)
    assert len(smtp.received) == 2


def test_nothing_is_sent_when_nothing_matches_unless_configured(hub, smtp, settings_for, db):
    with db.engine.begin() as conn:
        cat = users.create(conn, name="cat", email="cat@example.org", confirmed=True)
        subscriptions.add(conn, cat.id, "category", "math.AG")
    only_cat = [t for t in runs.for_date(db, DAY) if t.recipient.email == "cat@example.org"]
    report = runs.send(db, settings_for(smtp.url), only_cat)
    assert (report.sent, report.empty, len(smtp.received)) == (0, 1, 0)
    with db.engine.connect() as conn:
        assert deliveries.get(conn, cat.id, "digest", "2026-11-24").status == "empty"
    report = runs.send(db, settings_for(smtp.url, digest_send_empty=True),
                       runs.for_date(db, date(2026, 11, 20), "cat@example.org"))
    assert report.sent == 1
    plain, _ = parts(smtp.received[0].message)
    assert "Nothing new matched your subscriptions" in plain


def test_a_long_digest_is_capped_with_a_link_to_the_rest(hub, smtp, settings_for):
    report = runs.send(hub, settings_for(smtp.url, digest_max_papers=1),
                       runs.for_date(hub, DAY, "ada@example.org"))
    assert report.sent == 1
    plain, html = parts(smtp.received[0].message)
    assert plain.count("Why:") == 1
    assert "See all 3 papers (2 more):\nhttp://hub.test/digest?from=2026-11-24&to=2026-11-24" \
        in plain
    assert "http://hub.test/digest?from=2026-11-24&amp;to=2026-11-24" in html


def test_a_weekly_digest_holds_the_seven_days_ending_on_the_date(hub, smtp, settings_for, db):
    from paperboy.store import digests

    with db.engine.begin() as conn:
        digests.save(conn, users.by_email(conn, "ada@example.org").id, frequency="weekly")
    runs.send(db, settings_for(smtp.url), runs.for_date(db, DAY, "ada@example.org"))
    plain, _ = parts(smtp.received[0].message)
    assert "Yesterday's kv cache paper" in plain
    assert smtp.received[0].message["Subject"].startswith("Your papers from 18 Nov to 24 Nov")


def test_a_dry_run_renders_without_sending_or_recording(hub, smtp, settings_for, db):
    report = runs.send(hub, settings_for(smtp.url), runs.for_date(hub, DAY), dry_run=True)
    assert len(report.previews) == 2 and report.sent == 0
    assert smtp.received == []
    with db.engine.connect() as conn:
        assert deliveries.counts(conn) == {}


def test_paused_unconfirmed_and_suspended_users_get_nothing(hub, db):
    from paperboy.store import digests

    with db.engine.begin() as conn:
        ada = users.by_email(conn, "ada@example.org")
        digests.save(conn, ada.id, paused=True)
        eve = users.create(conn, name="eve", email="eve@example.org")  # not confirmed
        subscriptions.add(conn, eve.id, "trending", 5)
        bob = users.by_email(conn, "bob@example.org")
        users.set_suspended(conn, bob.id, True)
    assert runs.for_date(db, DAY) == []


def test_readers_in_several_batches_each_get_their_own_digest_once(hub, smtp, settings_for, db,
                                                                     monkeypatch):
    with db.engine.begin() as conn:
        for n in range(5):
            user = users.create(conn, name=f"reader{n}", email=f"reader{n}@example.org",
                                confirmed=True)
            subscriptions.add(conn, user.id, "trending", n + 1)
    monkeypatch.setattr(runs, "BATCH", 2)  # ada and bob, then two batches of two, then one
    report = runs.send(hub, settings_for(smtp.url), runs.for_date(hub, DAY))
    assert (report.sent, report.empty, report.held) == (7, 0, 0)
    mails = by_recipient(smtp)
    assert len(smtp.received) == len(mails) == 7
    for n in range(5):
        plain, _ = parts(mails[f"reader{n}@example.org"])
        assert plain.count("Why: trending #") == min(n + 1, 4)  # four papers that day
    assert "in cs.RO, a category you follow" in parts(mails["bob@example.org"])[0]
    again = runs.send(hub, settings_for(smtp.url), runs.for_date(hub, DAY))
    assert (again.sent, again.done_before) == (0, 7)


def test_a_digest_another_sender_claims_after_it_was_read_is_not_sent_twice(hub, smtp,
                                                                             settings_for, db):
    settings = settings_for(smtp.url)
    ada, bob = runs.for_date(hub, DAY)

    def other_sender_takes_bob(target, status):
        if target == ada:  # bob's row and reading state were read with ada's: not claimed yet
            assert sending.claim(db, settings, bob.recipient.user_id, runs.KIND, bob.key)

    report = runs.send(hub, settings, [ada, bob], progress=other_sender_takes_bob)
    assert (report.sent, report.held) == (1, 1)
    assert [r.recipients[0] for r in smtp.received] == ["ada@example.org"]



@pytest.mark.parametrize("had_row", [False, True])
def test_a_reader_deleted_during_the_run_is_skipped_and_the_run_goes_on(hub, smtp, settings_for,
                                                                        db, had_row):
    settings = settings_for(smtp.url)
    ada, bob = runs.for_date(hub, DAY)
    if had_row:  # say a failed try of an earlier run left it pending
        with db.engine.begin() as conn:
            deliveries.ensure(conn, bob.recipient.user_id, runs.KIND, bob.key,
                              datetime.now(UTC))

    def bob_deletes_his_account(target, status):
        if target == ada:
            with db.engine.begin() as conn:
                users.remove(conn, bob.recipient.user_id)

    report = runs.send(hub, settings, [ada, bob], progress=bob_deletes_his_account)
    assert (report.sent, report.gone, report.held, report.stopped) == (1, 1, 0, None)
    assert [r.recipients[0] for r in smtp.received] == ["ada@example.org"]
