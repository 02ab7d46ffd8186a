"""Phone width (nothing scrolls sideways) and the dark scheme (dark background, readable text)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, Pages, shoot
from tests.browser.hub_data import HOSTILE_ID, LONG_ID, MATH_ID, SEARCH_WORD, WEEK
from tests.browser.reading import horizontal_overflow

PHONE_PAGES = {"home": "/", "week": f"/papers/week/{WEEK}", "paper": f"/papers/{MATH_ID}",
               "long-paper": f"/papers/{LONG_ID}", "hostile-paper": f"/papers/{HOSTILE_ID}",
               "search": f"/search?q={SEARCH_WORD}", "search-empty": "/search"}
# The colours of a selector's first element and of what is behind it, as [r, g, b] lists.
COLOURS = """selector => {
  const element = document.querySelector(selector);
  const rgb = value => value.match(/[0-9.]+/g).slice(0, 3).map(Number);
  let behind = element;
  while (behind && getComputedStyle(behind).backgroundColor === "rgba(0, 0, 0, 0)") {
    behind = behind.parentElement;
  }
  return [rgb(getComputedStyle(element).color),
          rgb(getComputedStyle(behind || document.documentElement).backgroundColor)];
}"""
TEXTS = ["h1", ".card-title a", ".authors", ".meta", ".tags a", "footer a", "p.count"]


def test_nothing_scrolls_sideways_at_phone_width(pages: Pages):
    page = pages.open(viewport=PHONE, is_mobile=True, has_touch=True)
    wide = {}
    for name, url in PHONE_PAGES.items():
        page.goto(url)
        page.wait_for_load_state("load")  # KaTeX has typeset
        if name in ("home", "paper", "search"):
            shoot(page, f"phone-{name}")
        if overflow := horizontal_overflow(page):
            wide[url] = overflow
    assert not wide, f"pages wider than a {PHONE['width']}px phone by: {wide}"


@pytest.mark.parametrize(("scheme", "background"), [("dark", "dark"), ("light", "light")])
def test_the_scheme_follows_the_system_and_text_stays_readable(
        pages: Pages, scheme: str, background: str):
    page = pages.open(color_scheme=scheme)
    page.goto("/")
    weak = {}
    for selector in TEXTS:
        text, behind = page.evaluate(COLOURS, selector)
        if (ratio := contrast(text, behind)) < 4.5:  # WCAG AA for body text
            weak[selector] = round(ratio, 2)
    assert not weak, f"{scheme}: text below 4.5:1 contrast: {weak}"
    page_background = page.evaluate(COLOURS, "body")[1]
    assert (luminance(page_background) < 0.2) == (background == "dark")
    if scheme == "dark":
        shoot(page, "dark-home")
        page.goto(f"/papers/{MATH_ID}")
        shoot(page, "dark-paper")


def luminance(rgb: list[float]) -> float:
    """WCAG relative luminance of an sRGB colour."""
    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: list[float], other: list[float]) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
