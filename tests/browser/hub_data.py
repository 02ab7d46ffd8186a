"""The papers of the browser suite's hub: a few written by hand, and generated "zeppelin" papers
to page through. All text here is made up for these tests.

Listing days: Fri 28 Feb 2025, then Mon 3, Tue 4, Thu 6 and Fri 7 March 2025 (no papers on
Wednesday 5 nor at the weekend), so previous/next skip the empty days.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LATEST_DAY = "2025-03-07"
DAYS = ("2025-03-03", "2025-03-04", "2025-03-06", LATEST_DAY)  # week 2025-W10
EARLIER_DAY = "2025-02-28"  # the day before them that has papers (another month)
WEEK = "2025-W10"
MONTH = "2025-03"

MATH_ID = "2503.01001"
MATH_TITLE = "Curvature Bounds for $\\mathbb{R}^n$ Flows"
MATH_INLINE = "E = mc^2"
OLD_FAVOURITE_ID = "2503.01002"  # most upvoted in the week, but from Monday: not hottest
LONG_ID = "2503.01003"
HOSTILE_ID = "2503.01666"
HOSTILE_TITLE = "<script>window.pwned = 1; alert(1)</script> & $a<b$ Bounds"
HOSTILE_ABSTRACT = ('<img src=x onerror="window.pwned = 2; alert(2)"> shows $x<y$ & '
                    "$\\frac{a}{b}>0$ for every <b>bold</b> claim.")
SEARCH_WORD = "zeppelin"
ZEPPELINS = 44  # papers with SEARCH_WORD in the title: two pages of search results

HAND_WRITTEN: list[dict[str, Any]] = [
    {"id": MATH_ID, "title": MATH_TITLE,
     "abstract": ("We bound the curvature of flows in $\\mathbb{R}^n$ and recover "
                  f"${MATH_INLINE}$ as a limit. The sum satisfies "
                  "$$\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}$$ for every flow we tried."),
     "authors": [{"name": "Ada Quill", "affiliation": "Institute of Made-up Geometry"},
                 "Bruno Vell"],
     "categories": ["math.DG", "cs.LG"], "published": "2025-03-05", "announced": LATEST_DAY,
     "upvotes": 30, "org": "Made-up Geometry Lab",
     "code_urls": ["https://github.com/example/curvature-flows"],
     "project_url": "https://example.org/curvature", "comments": "12 pages, 3 figures"},
    {"id": OLD_FAVOURITE_ID, "title": "A Well-Loved Baseline for Sorting Socks",
     "abstract": "A baseline everybody upvoted on Monday and nobody read by Friday.",
     "authors": ["Carla Dunn"], "categories": ["cs.DS"], "published": "2025-02-27",
     "announced": DAYS[0], "upvotes": 100, "org": "Sock Sorting Society"},
    {"id": LONG_ID,
     "title": "Pneumonoultramicroscopicsilicovolcanoconiosisdetectionwithoutanyspacesatall "
              "on Small Screens",
     "abstract": ("A very long display formula must scroll inside itself on a phone: "
                  "$$" + " + ".join(f"x_{{{n}}}^{{{n}}}" for n in range(1, 40)) + "$$ and so "
                  "must https://example.org/a/very/long/address/that/never/ever/breaks/"
                  "anywhere/at/all/on/a/narrow/screen/whatsoever."),
     "authors": [f"Author Number{n}" for n in range(1, 41)], "categories": ["cs.HC"],
     "published": "2025-03-01", "announced": DAYS[1], "upvotes": 3,
     "comments": "https://example.org/another/very/long/address/without/any/break/at/all/x"},
    {"id": HOSTILE_ID, "title": HOSTILE_TITLE, "abstract": HOSTILE_ABSTRACT,
     "authors": [{"name": "<b>Eve</b> Mallory", "affiliation": "<i>Evil & Co</i>"}],
     "categories": ["cs.CR"], "published": "2025-03-04", "announced": DAYS[2], "upvotes": 7,
     "org": "<svg onload=alert(3)>", "comments": "<a href=javascript:alert(4)>10 pages</a>"},
    {"id": "2502.09001", "title": "The Last Paper of February",
     "abstract": "It closes the month before the busy week.", "authors": ["Dana Fern"],
     "categories": ["cs.CL"], "published": "2025-02-26", "announced": EARLIER_DAY,
     "upvotes": 5},
]

TOPICS = ("routing", "mooring", "ballast", "navigation")


def zeppelins() -> list[dict[str, Any]]:
    """ZEPPELINS papers, eleven on each of DAYS: every other one in cs.CL (else cs.LG), every
    third with code, v1 dates through February 2025."""
    made = []
    for n in range(ZEPPELINS):
        made.append({
            "id": f"2503.02{n:03d}", "title": f"Zeppelin {TOPICS[n % 4]} study number {n}",
            "abstract": f"Study {n} of airships, {TOPICS[n % 4]} and the weather.",
            "authors": [f"Pilot {n}", "Wren Hale"],
            "categories": ["cs.CL"] if n % 2 == 0 else ["cs.LG"],
            "published": f"2025-02-{1 + n % 25:02d}",
            "announced": DAYS[n * len(DAYS) // ZEPPELINS],
            "upvotes": n % 9, **({"code_urls": [f"https://github.com/example/zep{n}"]}
                                 if n % 3 == 0 else {})})
    return made


def write_papers(path: Path) -> Path:
    """All the hub's papers as paperboy's JSON lines."""
    with open(path, "w") as out:
        for paper in HAND_WRITTEN + zeppelins():
            out.write(json.dumps(paper) + "\n")
    return path
