"""The tokenizer that decides where every token of a query begins and ends."""

from __future__ import annotations

import pytest

from cmikg.engines.backend import QuerySyntax, RequestTooLarge
from cmikg.guard.lexer import Token, tokenize


def kinds_and_texts(text: str) -> list[tuple[str, str]]:
    return [(token.kind, token.text) for token in tokenize(text)]


def test_whitespace_and_comments_are_skipped_wherever_they_are():
    text = "# about\nSELECT ?x # the subject\n\t{ ?x a <http://e/C> }  # done\n\n"
    assert kinds_and_texts(text) == [
        ("word", "SELECT"),
        ("var", "?x"),
        ("punct", "{"),
        ("var", "?x"),
        ("word", "a"),
        ("iri", "<http://e/C>"),
        ("punct", "}"),
    ]


def test_tokens_carry_their_offsets_in_the_text():
    text = "  ASK { <a> ?p 'b # not a comment'@en }"
    tokens = tokenize(text)
    assert all(isinstance(token, Token) for token in tokens)
    spans = [(2, 5), (6, 7), (8, 11), (12, 14), (15, 34), (34, 37), (38, 39)]
    assert [(token.start, token.end) for token in tokens] == spans
    assert all(text[token.start : token.end] == token.text for token in tokens)
    assert tokens[4] == Token("string", "'b # not a comment'", 15, 34)


def test_a_text_of_nothing_but_whitespace_and_comments_has_no_tokens():
    assert tokenize("") == []
    assert tokenize(" \n\t\r\n") == []
    assert tokenize("# one\n# two") == []


def test_long_runs_of_whitespace_are_read_whole():
    text = "ASK {" + " \n" * 50_000 + "}" + " " * 100_000 + "# end" + "x" * 10_000
    assert kinds_and_texts(text) == [("word", "ASK"), ("punct", "{"), ("punct", "}")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * { ?s ?p 'open }", "unterminated string at line 1, column 18"),
        ("ASK {\n  ?s ?p ~ }", "unexpected '~' at line 2, column 9"),
        ("ASK {} \n \u00a7", "unexpected '\u00a7' at line 2, column 2"),
    ],
)
def test_what_no_token_holds_ends_the_reading_at_its_place(text, message):
    with pytest.raises(QuerySyntax, match=message):
        tokenize(text)


def test_the_token_limit_counts_tokens_not_whitespace():
    assert len(tokenize("ASK   {   }", max_tokens=3)) == 3
    with pytest.raises(RequestTooLarge, match="more than 3 tokens"):
        tokenize("ASK { ?s }", max_tokens=3)
    assert len(tokenize("?a " * 5, max_tokens=None)) == 5
