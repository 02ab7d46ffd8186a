import numpy as np

from paperboy.search.lexical import BM25Params, LexicalIndex
from paperboy.search.text import pack_terms, terms


def test_empty_indexes_and_empty_documents_score_zero():
    assert LexicalIndex([]).scores(terms("anything")).shape == (0,)
    assert LexicalIndex([pack_terms("", "", "")]).scores(terms("anything")).tolist() == [0.0]
    assert LexicalIndex([pack_terms("cats", "", "")]).scores([]).tolist() == [0.0]


def test_bm25_against_a_hand_computed_case():
    # One field (abstract) only; k1 = 1.2, b = 0.75; documents of length 2, 1 and 3 terms.
    params = BM25Params(k1=1.2, b=0.75, weights=(0.0, 1.0, 0.0))
    index = LexicalIndex([pack_terms("", "apple apple", ""), pack_terms("", "pear", ""),
                          pack_terms("", "apple pear plum", "")], params)
    n, df, average = 3, 2, 2.0
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))

    def part(tf, length):
        return tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * length / average))

    expected = [idf * part(2, 2), 0.0, idf * part(1, 3)]
    assert np.allclose(index.scores(terms("apple")), expected, rtol=1e-5)


def test_title_words_count_more_than_abstract_words():
    index = LexicalIndex([pack_terms("Mamba", "a snake", ""), pack_terms("Snakes", "mamba", "")])
    scores = index.scores(terms("mamba"))
    assert scores[0] > scores[1] > 0
