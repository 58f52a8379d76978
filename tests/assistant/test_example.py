"""The runnable library assistant in examples/library, against a live server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "library" / "library_assistant.py"


def test_library_example_answers_with_sources(server):
    env = {**os.environ, "SEARCH_ENDPOINT": server.url, "OPENAI_ENDPOINT": server.url,
           "BLOB_ENDPOINT": f"{server.blob_url}/devstoreaccount1"}
    out = subprocess.run([sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    assert "Indexed: 5 documents, status success" in text
    answers = {block.split("\nA: ")[0]: block for block in text.split("\nQ: ")[1:]}
    assert "one metre below the stream bed" in answers["How deep should the foundations of a small bridge go?"]
    assert "building-small-bridges.md" in answers["How deep should the foundations of a small bridge go?"]
    assert "two thousand eggs" in answers["How many eggs does a queen bee lay?"]
    assert "beekeeping.html" in answers["How many eggs does a queen bee lay?"]
    lathe = answers["How fast does the lathe spindle turn?"]
    assert "3000 revolutions per minute" in lathe and "lathe-manual.pdf#page=2" in lathe
    assert "late winter" in answers["When should roses be pruned?"]
    assert "garden-guide.docx" in answers["When should roses be pruned?"]
    assert "The requested information is not available in the retrieved data." in \
        answers["What is the airspeed velocity of an unladen swallow?"]
