"""Mail bodies from Jinja templates: HTML (inline CSS, autoescaped) and plain text."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from paperboy.mail import tokens
from paperboy.mail.compose import Digest, DigestItem
from paperboy.ranking import Period

TEMPLATES = Path(__file__).parent / "templates"
SNIPPET = 320  # characters of an abstract shown
# A run's digests show the same few thousand papers over and over: their snippets and wrapped
# text are made once (textwrap was a third of rendering).
_SAME_TEXTS = 16_384
_SAME_ITEMS = 8_192  # (paper, reasons) pairs; a few kB each


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), trim_blocks=True, lstrip_blocks=True,
                      autoescape=select_autoescape(enabled_extensions=("html",),
                                                   default_for_string=False),
                      keep_trailing_newline=True)
    env.filters["snippet"] = snippet
    env.filters["oneline"] = lambda text: " ".join(str(text).split())
    env.filters["wrap"] = _indented
    env.filters["wrap_plain"] = lambda text: textwrap.fill(text, 76, break_long_words=False,
                                                           break_on_hyphens=False)
    return env


@lru_cache(maxsize=_SAME_TEXTS)
def _indented(text: str) -> str:
    return textwrap.fill(text, 76, initial_indent="   ", subsequent_indent="   ")


@lru_cache(maxsize=_SAME_TEXTS)
def snippet(text: str, limit: int = SNIPPET) -> str:
    """The start of a text on one line, cut at a word, with an ellipsis when cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def period_label(period: Period) -> str:
    if period.first == period.last:
        return f"on {period.last:%a %-d %b %Y}"
    return f"from {period.first:%-d %b} to {period.last:%-d %b %Y}"


def digest(value: Digest, *, base_url: str, manage_url: str,
           unsubscribe_url: str) -> Rendered:
    label = period_label(value.period)
    count = f"{value.total} paper{'' if value.total == 1 else 's'}" if value.total else "no papers"
    subject = f"Your papers {label}: {count}"
    heading = f"Your papers {label}"
    context = {"digest": value, "subject": subject, "heading": heading, "period_label": label,
               "base_url": base_url, "manage_url": manage_url,
               "unsubscribe_url": unsubscribe_url}
    return Rendered(
        subject, _render("digest.txt", {**context, "items": map(_item_text, value.items)}),
        _render("digest.html", {**context, "items": map(_item_html, value.items)}))


# A run shows the same papers with the same reasons to many readers: each such item's part of
# the mail is rendered once (rendering every item was most of a mail's rendering).
@lru_cache(maxsize=_SAME_ITEMS)
def _item_text(item: DigestItem) -> str:
    return _render("digest_item.txt", {"item": item})


@lru_cache(maxsize=_SAME_ITEMS)
def _item_html(item: DigestItem) -> Markup:
    return Markup(_render("digest_item.html", {"item": item}))


def confirmation(*, email: str, base_url: str, confirm_url: str, manage_url: str
                 ) -> Rendered:
    subject = "Confirm your paperboy digest"
    context = {"subject": subject, "email": email, "base_url": base_url,
               "confirm_url": confirm_url, "manage_url": manage_url,
               "manage_days": tokens.MANAGE_MAX_AGE // 86400}
    return Rendered(subject, _render("confirm.txt", context), _render("confirm.html", context))


def manage_link(*, email: str, base_url: str, manage_url: str) -> Rendered:
    days = tokens.MANAGE_MAX_AGE // 86400
    return _link_mail(
        subject="Manage your paperboy digest", url=manage_url, button="Manage my digest",
        intro=f"Someone, hopefully you, asked for a link to manage the paper digest that "
              f"{base_url} sends to {email}: what it follows, when it comes, or stop it.",
        note=f"The link works for {days} days and changes this digest only. Do not forward "
             "this mail: whoever has the link can change your digest (the page can end every "
             "link and mail you a new one). If it was not you, ignore this mail.")


def password_link(*, email: str, base_url: str, password_url: str) -> Rendered:
    hours = tokens.PASSWORD_MAX_AGE // 3600
    return _link_mail(
        subject="Choose a password for paperboy", url=password_url, button="Choose a password",
        intro=f"Someone, hopefully you, asked to choose a password for {email} at {base_url}, "
              "to sign in with this address and vote, comment and keep collections.",
        note=f"The link works once, for {hours} hours. If it was not you, ignore this mail: "
             "nothing changes without it.")


def account_confirmation(*, email: str, base_url: str, confirm_url: str) -> Rendered:
    days = tokens.CONFIRM_MAX_AGE // 86400
    return _link_mail(
        subject="Confirm your address for paperboy", url=confirm_url,
        button="Confirm my address",
        intro=f"Someone, hopefully you, made an account at {base_url} with {email}. Confirm "
              "that the address is yours: no digest is sent to it until you do.",
        note=f"The link works for {days} days. If it was not you, ignore this mail: nothing "
             "will be sent to this address without the confirmation.")


def password_reset(*, email: str, base_url: str, reset_url: str) -> Rendered:
    minutes = tokens.RESET_MAX_AGE // 60
    return _link_mail(
        subject="Reset your paperboy password", url=reset_url, button="Choose a new password",
        intro=f"Someone, hopefully you, asked to reset the password of the account of {email} "
              f"at {base_url}.",
        note=f"The link works once, for {minutes} minutes; choosing a new password signs out "
             "every other session. If it was not you, ignore this mail: your password stays "
             "as it is.")


def _link_mail(*, subject: str, intro: str, button: str, url: str, note: str) -> Rendered:
    context = {"subject": subject, "intro": intro, "button": button, "url": url,
               "note": note}
    return Rendered(subject, _render("link.txt", context), _render("link.html", context))


def _render(name: str, context: Mapping[str, object]) -> str:
    return _environment().get_template(name).render(context)
