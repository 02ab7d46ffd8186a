import pytest

from paperboy.models import Author
from paperboy.sources.names import split_authors, tex_to_unicode


@pytest.mark.parametrize(("text", "expected"), [
    ("A, B, and C", ["A", "B", "C"]),
    ("A, B and C", ["A", "B", "C"]),
    ("A and B", ["A", "B"]),
    ("D.V. Shetty, S.J. Yennello, and G.A. Souliotis",
     ["D.V. Shetty", "S.J. Yennello", "G.A. Souliotis"]),
    ("A. One and B. Two", ["A. One", "B. Two"]),
    ("Alexander Anderson and Sandra Band", ["Alexander Anderson", "Sandra Band"]),
    ("A. B (1), C. D (2) ((1) MIT, (2) CMU)", ["A. B", "C. D"]),
    ("Bj\\\"orn Engquist, Fran\\c{c}ois Alouges, Erd\\H{o}s P\\'al",
     ["Björn Engquist", "François Alouges", "Erdős Pál"]),
    ("\\L ukasz Kaiser and J\\'{\\i}\\v{r}\\'i Novak", ["Łukasz Kaiser", "Jíří Novak"]),
    ("", []),
    (" , and ", []),
])
def test_split_authors_names(text, expected):
    assert [a.name for a in split_authors(text)] == expected


def test_an_affiliation_in_parentheses_is_the_authors_and_its_commas_separate_nothing():
    assert split_authors("A. One (MIT, Cambridge), B. Two and C. Three (ETH Z\\\"urich)") == (
        Author("A. One", "MIT, Cambridge"), Author("B. Two"), Author("C. Three", "ETH Zürich"))


def test_an_and_inside_parentheses_separates_nothing():
    assert split_authors("A. One (Dept. of Physics and Astronomy), and B. Two") == (
        Author("A. One", "Dept. of Physics and Astronomy"), Author("B. Two"))


@pytest.mark.parametrize(("tex", "text"), [
    ("M\\\"uller", "Müller"),
    ("M\\\"{u}ller", "Müller"),
    ("{\\L}ukasz", "Łukasz"),
    ("\\v{S}imon", "Šimon"),
    ("Fran\\c{c}ois", "François"),
    ("Stra\\ss e", "Straße"),
    ("G\\'{\\i}sli", "Gísli"),
    ("Plain Name", "Plain Name"),
])
def test_tex_to_unicode(tex, text):
    assert tex_to_unicode(tex) == text
