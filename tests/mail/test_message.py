"""A mail's bytes, read back by the stdlib `email` package and sent to a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

from paperboy.config import smtp_target
from paperboy.mail.message import build
from paperboy.mail.render import Rendered
from paperboy.mail.smtp import Mailer

TEXT = ("Your papers\r\n===========\r\n1. Ünïcode — “quoted” = 3\rtrailing spaces   \n"
        "--===============not a boundary==\n.a dot first\nFrom the start\n" + "word " * 40)
HTML = "<p style='x'>héllo · ▲ 3</p>\n" + "<a href='https://hub.test/p?a=1&amp;b=2'>x</a>" * 9


def mail(to_email: str = "ada@example.org"):
    return build(mail_from="Paperboy <papers@hub.test>", to_email=to_email,
                 to_name="Ada Lövelace", rendered=Rendered("Papers: ünï", TEXT, HTML),
                 message_id="<paperboy.digest.7.2026-11-24@hub.test>",
                 date=datetime(2026, 11, 24, 7, tzinfo=UTC),
                 unsubscribe_url="https://hub.test/unsubscribe?token=abc")


def test_a_mails_parts_read_back_as_rendered_and_go_through_smtp(smtp):
    sent = mail()
    assert (sent.sender, sent.recipient, sent.international) == (
        "papers@hub.test", "ada@example.org", False)
    assert max(len(line) for line in sent.data.split(b"\r\n")) <= 78
    assert b"\n" not in sent.data.replace(b"\r\n", b"")  # CRLF line ends only
    with Mailer(smtp_target(smtp.url, None)) as mailer:
        mailer.send(sent)
    [received] = smtp.received
    assert received.recipients == ["ada@example.org"]
    for message in (message_from_bytes(sent.data, policy=policy.SMTP), received.message):
        assert message["To"] == "Ada Lövelace <ada@example.org>"
        assert message["Subject"] == "Papers: ünï"
        assert message["Message-ID"] == "<paperboy.digest.7.2026-11-24@hub.test>"
        assert message.get_content_type() == "multipart/alternative"
        plain = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
        assert plain == "\n".join(TEXT.splitlines()) + "\n"
        assert html == HTML + "\n"
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain",
                                                                         "text/html"]


def test_a_non_ascii_address_goes_with_smtputf8(smtp):
    sent = mail("zoë@example.org")
    assert sent.international
    with Mailer(smtp_target(smtp.url, None)) as mailer:
        mailer.send(sent)  # aiosmtpd takes SMTPUTF8
    [received] = smtp.received
    assert received.recipients == ["zoë@example.org"]
    assert received.message["To"] == "Ada Lövelace <zoë@example.org>"
