"""What the corpus accepts: http(s) links only, and turns stored in parts of bounded size."""

from __future__ import annotations

import datetime as dt

import pytest

from corpus import Corpus, CorpusError, Document, Segment, Source
from corpus.limits import MAX_TURN_CHARS, split_long_segments, split_text, web_url_problem

ANSWER = ("China supports the efforts made by the Venezuelan government to uphold national sovereignty. "
          "We call on all relevant parties to seek a political solution through dialogue. ")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://www.fmprc.gov.cn/mfa_eng/t1632218.shtml", None),
        ("http://example.org/x?a=1#b", None),
        ("javascript:alert(document.domain)//", "URL 'javascript:alert(document.domain)//' is not an http(s) URL"),
        ("JAVASCRIPT:alert(1)", "URL 'JAVASCRIPT:alert(1)' is not an http(s) URL"),
        ("data:text/html,<script>alert(1)</script>", "is not an http(s) URL"),
        ("file:///etc/passwd", "URL 'file:///etc/passwd' is not an http(s) URL"),
        ("https:///no-host", "URL 'https:///no-host' has no host"),
        ("java\tscript:alert(1)", "holds a blank or control character"),
        ("https://example.org:99999/", "is malformed"),
        ("", "an empty URL"),
    ],
)
def test_only_http_urls_with_a_host_are_links(url, problem):
    found = web_url_problem(url)
    assert (found is None) if problem is None else (problem in found)


def test_long_text_is_cut_between_paragraphs_then_sentences_then_words_and_nothing_is_lost():
    paragraphs = "\n\n".join([ANSWER.strip()] * 200)
    parts = split_text(paragraphs, 1000)
    assert all(len(p) <= 1000 for p in parts) and all(p.endswith("dialogue.") for p in parts)
    sentences = ANSWER * 100
    parts = split_text(sentences, 1000)
    assert all(len(p) <= 1000 and p.endswith(".") for p in parts)
    unbroken = "x" * 2500
    assert split_text(unbroken, 1000) == ["x" * 1000, "x" * 1000, "x" * 500]
    for text in (paragraphs, sentences, unbroken, 'He said "No." ' * 500):
        assert "".join("".join(split_text(text, 1000)).split()) == "".join(text.split())
    assert split_text("short", 1000) == ["short"]


def test_split_turns_keep_their_kind_speaker_and_reply_links():
    long_question = ANSWER * 150  # over 20,000 characters
    segments = [
        Segment("statement", "Good afternoon."),
        Segment("question", long_question, label="Q"),
        Segment("answer", ANSWER * 300, label="A", speaker="Hua Chunying", reply_to=1),
        Segment("question", "And Guaido?", label="Q"),
        Segment("answer", "I have answered that.", label="A", speaker="Hua Chunying", reply_to=3),
    ]
    stored = split_long_segments(segments)
    kinds = [s.kind for s in stored]
    assert all(len(s.text) <= MAX_TURN_CHARS for s in stored)
    last_question_part = max(i for i, k in enumerate(kinds) if k == "question" and stored[i].label == "Q"
                             and stored[i].text != "And Guaido?")
    answer_parts = [s for s in stored if s.kind == "answer" and s.text != "I have answered that."]
    assert len(answer_parts) >= 4 and all(s.reply_to == last_question_part for s in answer_parts)
    assert all((s.label, s.speaker) == ("A", "Hua Chunying") for s in answer_parts)
    assert stored[-1].reply_to == len(stored) - 2 and stored[-2].text == "And Guaido?"
    assert split_long_segments(segments[:1]) == segments[:1]


def document(url: str, answer: str) -> Document:
    return Document(source="fmprc", url=url, native_id="t1", html=b"<html></html>", language="en",
                    fetched_at=dt.datetime.now(dt.timezone.utc), date=dt.date(2019, 1, 24),
                    segments=[Segment("question", "Guaido?", label="Q"), Segment("answer", answer, reply_to=0)])


def test_the_corpus_refuses_a_document_whose_link_is_not_http(tmp_path):
    with Corpus(tmp_path / "c.db") as corpus:
        corpus.register_source(Source("fmprc", "China MFA", "CN", "en"))
        with pytest.raises(CorpusError, match=r"document 'fmprc:t1' not stored: URL 'javascript:alert\(1\)//' is not"):
            corpus.store_document(document("javascript:alert(1)//", ANSWER))
        assert corpus.db["documents"].count == 0
        corpus.store_document(document("https://www.fmprc.gov.cn/t1.shtml", ANSWER * 100))  # 17,600 characters
        texts = [s["text"] for s in corpus.segments_of("fmprc:t1")]
        assert len(texts) == 3 and max(map(len, texts[1:])) <= MAX_TURN_CHARS
        assert corpus.db["documents"].get("fmprc:t1")["segment_count"] == 3
