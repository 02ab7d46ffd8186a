"""A mail as bytes for SMTP: multipart/alternative (plain text first, HTML preferred), headers
built and folded by the stdlib `email` package so names and subjects cannot inject headers.

The body is put together here rather than by the email package's generator (which wrote it a
line at a time and searched it for its boundary: a third of sending a digest): two UTF-8 parts,
quoted-printable, between boundaries that quoted-printable text cannot hold (it never has two
"=" in a row, and the boundary starts with fifteen).
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses
from functools import cache, lru_cache
from typing import Any

from paperboy.mail.render import Rendered

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_STDLIB_HEADERS = HeaderRegistry()
# Any boundary starting with fifteen "=" will do (see above): one for every mail.
_BOUNDARY = f"{'=' * 15}paperboy-alternative=="


@cache
def _header_class(name: str) -> Any:
    return _STDLIB_HEADERS[name]


class _HeaderClasses(HeaderRegistry):
    """The stdlib's header classes, each made once (it made a new class for every header)."""

    def __getitem__(self, name: str) -> Any:
        return _header_class(name.lower())


_POLICY = SMTP.clone(header_factory=_HeaderClasses())
_UTF8_POLICY = _POLICY.clone(utf8=True)


def one_line(text: str, limit: int = 200) -> str:
    """Header text: control characters (CR and LF among them) become spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())[:limit]


def sender_domain(mail_from: str) -> str:
    return getaddresses([mail_from])[0][1].rpartition("@")[2] or "localhost"


@dataclass(frozen=True)
class Mail:
    """A message as SMTP sends it. `international`: an address is not ASCII, so the server
    must take SMTPUTF8 (the headers then hold UTF-8, as smtplib.send_message would send)."""

    sender: str
    recipient: str
    message_id: str
    data: bytes
    international: bool = False


def build(*, mail_from: str, to_email: str, to_name: str | None, rendered: Rendered,
          message_id: str, date: datetime, unsubscribe_url: str | None = None) -> Mail:
    """The message. `message_id` is stable per ledger row, so a resend after a crash carries
    the same Message-ID and receivers can tell it is the same mail."""
    addresses = EmailMessage(policy=_POLICY)
    name, address = getaddresses([mail_from])[0]
    username, _, domain = address.rpartition("@")
    addresses["From"] = Address(one_line(name), username, domain)
    to_user, _, to_domain = to_email.rpartition("@")
    addresses["To"] = Address(one_line(to_name or ""), to_user, to_domain)
    sender = addresses["From"].addresses[0].addr_spec
    recipient = addresses["To"].addresses[0].addr_spec
    international = not f"{sender}{recipient}".isascii()
    fields = [("Subject", one_line(rendered.subject, 300)), ("Date", format_datetime(date)),
              ("Message-ID", message_id), ("MIME-Version", "1.0")]
    if unsubscribe_url:
        # RFC 8058: a POST to this URL with List-Unsubscribe=One-Click unsubscribes.
        fields += [("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                   ("Auto-Submitted", "auto-generated")]
    fields.append(("Content-Type", f'multipart/alternative; boundary="{_BOUNDARY}"'))
    policy = _UTF8_POLICY if international else _POLICY
    headers = b"".join([*(policy.fold_binary(key, value) for key, value in addresses.raw_items()),
                        *(_folded(key, value, international) for key, value in fields),
                        _list_unsubscribe(unsubscribe_url) if unsubscribe_url else b""])
    parts = [_text_part(rendered.text, "plain"), _text_part(rendered.html, "html")]
    body = b"".join(b"--%s\r\n%s\r\n" % (_BOUNDARY.encode(), part) for part in parts)
    return Mail(sender, recipient, message_id,
                b"%s\r\n%s--%s--\r\n" % (headers, body, _BOUNDARY.encode()), international)


@lru_cache(maxsize=4096)
def _folded(name: str, value: str, international: bool) -> bytes:
    """A header as the email package checks, parses and folds it, once per value (most
    repeat from mail to mail: the subject, the date, the content type)."""
    policy = _UTF8_POLICY if international else _POLICY
    return policy.fold_binary(name, policy.header_store_parse(name, value)[1])


def _list_unsubscribe(url: str) -> bytes:
    """The header on one line, as receivers read it: the email package would fold a URL longer
    than a line into RFC 2047 encoded-words, which no mail client takes for a URL (a header
    line may hold 998 characters; ours are a few hundred)."""
    line = f"List-Unsubscribe: <{url}>"
    if not line.isascii() or len(line) > 998 or _CONTROL.search(url) or ">" in url:
        raise ValueError(f"unsubscribe URL cannot be a header: {url[:80]!r}")
    return line.encode() + b"\r\n"


def _text_part(text: str, subtype: str) -> bytes:
    """A UTF-8 text part with its headers, quoted-printable by binascii (in C: the email
    package's encoder is pure Python). Line ends are CRLF whatever the text had (\\r, \\n or
    \\r\\n), and the text ends with one, as the email package does."""
    lines = b"\n".join(text.encode().splitlines()) + b"\n"
    encoded = binascii.b2a_qp(lines, istext=True).replace(b"\n", b"\r\n")
    return (b'Content-Type: text/%s; charset="utf-8"\r\n'
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n%s" % (subtype.encode(), encoded))
