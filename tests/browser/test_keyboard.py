"""A listing used with the keyboard alone: the skip link, a focus order that follows the page
and reaches every paper, a visible focus, Enter to open."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.reading import at, card_ids

FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {tag: element.tagName, text: element.innerText || element.value || "",
          href: element.getAttribute("href"), inCard: !!element.closest(".card-title"),
          outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
          box: element.getBoundingClientRect().toJSON()};
}"""
FOLLOWS_PREVIOUS = """() => {
  const previous = window.__lastFocused;
  window.__lastFocused = document.activeElement;
  return !previous ||
      !!(previous.compareDocumentPosition(document.activeElement) &
         Node.DOCUMENT_POSITION_FOLLOWING);
}"""
MAX_TABS = 40


def test_tab_reaches_the_papers_in_order_and_enter_opens_one(page: Page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED)
    assert (skip["text"], skip["href"]) == ("Skip to content", "#main")
    assert skip["box"]["x"] >= 0 and skip["outline"]  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    stops = []
    page.evaluate(FOLLOWS_PREVIOUS)
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        assert page.evaluate(FOLLOWS_PREVIOUS), f"focus went backwards to {stop}"
        assert stop["outline"], f"no visible focus on {stop}"
        stops.append(stop)
        if stop["inCard"]:
            break
    else:
        raise AssertionError(f"no paper link in {MAX_TABS} tabs: {stops}")
    texts = [stop["text"] for stop in stops]
    assert texts[0] == "← 6 Mar 2025"  # from the skip link, straight into the page
    assert "Most upvoted" in texts
    first_paper = card_ids(page)[0]
    assert stops[-1]["href"] == f"/papers/{first_paper}"
    page.keyboard.press("Enter")
    at(page, f"/papers/{first_paper}")

