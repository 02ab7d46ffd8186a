"""Comment text: a markdown subset (emphasis, code, links, lists, quotes; no raw HTML, no
images), @mentions linked to user pages, and the result sanitised again by nh3 (Ammonia)."""

from __future__ import annotations

import re
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

MENTION = re.compile(r"(?<![\w@/])@([a-z0-9][a-z0-9_-]{1,31})", re.IGNORECASE)
TAGS = {"p", "br", "em", "strong", "code", "pre", "a", "ul", "ol", "li", "blockquote", "hr"}

_markdown = MarkdownIt("commonmark", {"html": False}).disable(["image", "heading", "lheading",
                                                               "html_block", "html_inline"])


def mentions(body: str) -> set[str]:
    """The user names @mentioned in a comment (lowercased)."""
    return {name.lower() for name in MENTION.findall(body)}


def render_comment(body: str, is_user: Callable[[str], bool]) -> Markup:
    """Safe HTML for a comment; `@name` becomes a link when `is_user(name)`."""
    tokens = _markdown.parse(body)
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _link_mentions(token.children, is_user)
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return Markup(nh3.clean(html, tags=TAGS, attributes={"a": {"href"}},
                            url_schemes={"http", "https", "mailto"},
                            link_rel="nofollow ugc noopener"))


def _link_mentions(children: list[Token], is_user: Callable[[str], bool]) -> list[Token]:
    out: list[Token] = []
    inside_link = False
    for token in children:
        inside_link = {"link_open": True, "link_close": False}.get(token.type, inside_link)
        if token.type != "text" or inside_link:
            out.append(token)
            continue
        position = 0
        for match in MENTION.finditer(token.content):
            name = match.group(1).lower()
            if not is_user(name):
                continue
            out.append(_text(token.content[position:match.start()]))
            link = Token("link_open", "a", 1)
            link.attrs = {"href": f"/u/{name}"}
            out += [link, _text(match.group(0)), Token("link_close", "a", -1)]
            position = match.end()
        out.append(_text(token.content[position:]))
    return out


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token
