"""arXiv's subject classes (https://arxiv.org/category_taxonomy): the shape of a code, the codes
that exist, and the one check of a code someone chose (a digest subscription, an RSS harvest).

The query language only needs the shape: `cat:cs.ZZ` finds nothing, which is an answer. A
subscription or a harvest must name a class that exists, or it would wait for papers forever.
An archive (`cs`, `hep-th`, `cond-mat`) stands for all of its classes.
"""

from __future__ import annotations

import difflib
import re

from paperboy.errors import InvalidValue

SHAPE = re.compile(r"^[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[a-z]+)?)?$")

_GROUPS = {
    "cs": "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA "
          "NE NI OH OS PF PL RO SC SD SE SI SY",
    "econ": "EM GN TH",
    "eess": "AS IV SP SY",
    "math": "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA "
            "RA RT SG SP ST",
    "astro-ph": "CO EP GA HE IM SR",
    "cond-mat": "dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con",
    "nlin": "AO CD CG PS SI",
    "physics": "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an "
               "ed-ph flu-dyn gen-ph geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph "
               "soc-ph space-ph",
    "q-bio": "BM CB GN MN NC OT PE QM SC TO",
    "q-fin": "CP EC GN MF PM PR RM ST TR",
    "stat": "AP CO ME ML OT TH",
}
_UNDIVIDED = "gr-qc hep-ex hep-lat hep-ph hep-th math-ph nucl-ex nucl-th quant-ph"

CODES: frozenset[str] = frozenset(
    [*_GROUPS, *_UNDIVIDED.split()]
    + [f"{archive}.{code}" for archive, codes in _GROUPS.items() for code in codes.split()])
_BY_FOLDED = {code.lower(): code for code in CODES}


class UnknownCategory(InvalidValue):
    """A code that is not one of arXiv's subject classes or archives."""


def canonical(code: str) -> str:
    """The code as arXiv writes it (`cs.cl` -> `cs.CL`); an unknown code as it came."""
    return _BY_FOLDED.get(code.strip().lower(), code.strip())


def checked(code: str, field: str = "category") -> str:
    """The code as arXiv writes it, or UnknownCategory naming `field`."""
    cleaned = code.strip()
    if cleaned.lower() in _BY_FOLDED:
        return _BY_FOLDED[cleaned.lower()]
    near = difflib.get_close_matches(cleaned.lower(), _BY_FOLDED, n=1, cutoff=0.75)
    hint = f"; did you mean {_BY_FOLDED[near[0]]}?" if near else " (e.g. cs.CL, hep-th or math)"
    raise UnknownCategory(field, f"{cleaned[:40]!r} is not an arXiv category{hint}")
