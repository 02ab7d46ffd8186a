"""Search result snippets: the passage with the most query terms, query words marked as the
index matches them, cut at sentence and word bounds."""

from paperboy.search.snippet import passage

ABSTRACT = ("We study serving. Large language models keep keys and values of past tokens in a "
            "KV cache, which grows with the context. We propose PagedCache, caching blocks of "
            "the cache in pages. It halves memory at equal speed.")


def marked(pieces):
    return [part for part, hit in pieces if hit]


def joined(pieces):
    return "".join(part for part, _ in pieces)


def test_the_passage_with_most_query_terms_is_chosen_and_its_words_marked():
    pieces = passage(ABSTRACT, "paged caching", limit=120)
    assert joined(pieces) == ("… We propose PagedCache, caching blocks of the cache in pages. "
                              "It halves memory at equal speed.")
    assert marked(pieces) == ["caching", "cache", "pages"]  # stems match: pag-, cach-


def test_ties_go_to_the_earliest_passage_and_whole_sentences_fill_the_limit():
    pieces = passage(ABSTRACT, "kv cache", limit=200)
    assert joined(pieces).startswith("We study serving. Large language models")
    assert joined(pieces).endswith(" …")
    assert marked(pieces)[:2] == ["KV", "cache"]


def test_without_query_words_the_opening_is_shown_unmarked():
    pieces = passage(ABSTRACT, "zebrafish fins", limit=60)
    assert joined(pieces) == "We study serving. …"
    assert marked(pieces) == []
    assert marked(passage(ABSTRACT, "", limit=60)) == []
    assert marked(passage(ABSTRACT, "the of and", limit=300)) == []  # stop words mark nothing


def test_one_long_sentence_is_cut_around_its_first_query_word_at_word_bounds():
    abstract = " ".join(f"w{n}" for n in range(400)) + " zebrafish " + " ".join(
        f"v{n}" for n in range(400)) + "."
    pieces = passage(abstract, "zebrafish", limit=100)
    text = joined(pieces)
    assert text.startswith("… w") and text.endswith(" …")
    assert marked(pieces) == ["zebrafish"]
    words = text.strip("… ").split()
    assert all(w == "zebrafish" or (w[0] in "wv" and w[1:].isdigit()) for w in words)
    assert 80 <= len(text) <= 110


def test_text_comes_back_as_it_was_with_accents_and_markup_characters():
    abstract = "Ré-ranking with <b>tags</b> & $x<y$ for Łukasz's caches."
    pieces = passage(abstract, "re lukasz cache")
    assert joined(pieces) == abstract
    assert marked(pieces) == ["Ré", "Łukasz", "caches"]


def test_empty_and_blank_abstracts_have_no_snippet():
    assert passage("", "cache") == []
    assert passage("  \n ", "cache") == []
