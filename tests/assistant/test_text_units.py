"""The pure text parts: chunking, cracking HTML, the simple query syntax, the extractive generator."""

from __future__ import annotations

import re

from cloudlet.assistant.chunking import MAX_CHARS, chunk_sections
from cloudlet.assistant.cracking import Section, crack
from cloudlet.assistant.generator import REFUSAL, Source, extractive_answer
from cloudlet.assistant.query_syntax import fts_expression


def test_chunks_stay_inside_sections_and_lose_nothing():
    long = " ".join(f"Sentence number {i} talks about topic {i % 7}." for i in range(400))
    sections = [Section("Short intro.", "A"), Section(long, "A > B"), Section("Page text.", "", 3)]
    chunks = chunk_sections(sections)
    assert chunks[0].text == "Short intro." and chunks[0].heading == "A"
    assert chunks[-1].text == "Page text." and chunks[-1].page == 3
    middle = [c for c in chunks if c.heading == "A > B"]
    assert len(middle) > 5 and all(len(c.text) <= MAX_CHARS * 1.25 for c in middle)
    assert " ".join(c.text for c in middle).split() == long.split()
    assert all(c.text.endswith(".") for c in middle)  # cut at sentence ends
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_html_cracking_keeps_headings_and_drops_scripts():
    cracked = crack("page.html", b"<html><head><title>T</title><script>var x = 1;</script></head><body>"
                                 b"<h1>Top</h1><p>One &amp; two.</p><h2>Sub</h2><p>Three.</p>"
                                 b"<script>alert('no')</script></body></html>")
    assert cracked.title == "T"
    assert [(s.heading, s.text) for s in cracked.sections] == [("Top", "One & two."), ("Top > Sub", "Three.")]


def test_simple_query_syntax():
    assert fts_expression("*") is None
    assert fts_expression("the bridge").positive == '"bridge"'
    assert fts_expression("+steel bridge").positive == '"steel"'
    q = fts_expression('"truss bridge" -wooden', "all")
    assert (q.positive, q.negative, q.or_not) == ('"truss bridge"', '"wooden"', False)
    assert fts_expression("truss -wooden").or_not is True
    assert fts_expression("bri*").positive == '"bri"*'
    assert fts_expression("the of").positive == '"the" OR "of"'
    assert fts_expression("truss -wooden").fts("ALL", "{c0}") == 'ALL AND ({c0} : ("truss") OR (ALL NOT {c0} : ("wooden")))'


def test_extractive_answer_copies_sentences_and_cites_them():
    sources = [Source("The Marlow bridge opened in 1832. Its engineer was William Clark.", "The Marlow Bridge", None,
                      None,
                      "c1", 0.5),
               Source("Bread needs flour. Rye flour is lively.", "Bread", None, None, "c2", 0.3)]
    answer = extractive_answer("Who was the engineer of the Marlow bridge?", sources)
    assert answer.startswith("Its engineer was William Clark. [doc1]")
    for sentence, n in re.findall(r"([^\[\]]+?)\s*\[doc(\d+)\]", answer):
        assert sentence.strip() in sources[int(n) - 1].content
    assert extractive_answer("anything", []) == REFUSAL
