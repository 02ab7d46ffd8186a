"""Comment markup: the markdown subset, sanitising and @mentions."""

from paperboy.web.markup import mentions, render_comment


def render(body, known=("bob",)):
    return str(render_comment(body, set(known).__contains__))


def test_the_subset():
    out = render("*em* **strong** `code` [link](https://example.org)\n\n- one\n- two\n\n> quote")
    for piece in ("<em>em</em>", "<strong>strong</strong>", "<code>code</code>", "<li>one</li>",
                  "<blockquote>", 'href="https://example.org"', 'rel="nofollow ugc noopener"'):
        assert piece in out


def test_html_images_headings_and_bad_links_stay_text():
    out = render("<script>alert(1)</script> <img src=x onerror=alert(1)> ![i](https://x/y.png)"
                 "\n\n# title\n\n[x](javascript:alert(1)) [y](data:text/html,hi)")
    assert "<script" not in out and "<img" not in out and "<h1" not in out
    assert "javascript:" not in out.replace("[x](javascript:alert(1))", "") or \
        'href="javascript' not in out
    assert 'href="javascript' not in out and 'href="data' not in out
    assert "&lt;script&gt;" in out


def test_mentions_link_only_known_users_and_not_in_code():
    out = render("hi @bob and @carol, `@bob`, mail bob@example.org")
    assert out.count('href="/u/bob"') == 1
    assert "@carol" in out and 'href="/u/carol"' not in out
    assert mentions("hi @Bob and @carol; x@y") == {"bob", "carol"}


def test_latex_and_ampersands_are_kept_as_text():
    out = render("$a<b$ & $\\frac{1}{2}$")
    assert "$a&lt;b$ &amp; $\\frac{1}{2}$" in out
