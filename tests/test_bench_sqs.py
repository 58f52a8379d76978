"""Smoke test for bench/sqs_bench.py: a short Cloudlet-only run must finish and print a table of numbers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "sqs_bench.py"

EXPECTED_ROWS = [
    "send (SendMessage), msg/s",
    "send-batch-10 (SendMessageBatch), msg/s",
    "receive-10 + delete-batch, msg/s",
    "receive p50 @ depth 0 (1 message), ms",
    "receive p99 @ depth 0 (1 message), ms",
    "receive p50 @ depth 2,000, ms",
    "receive p99 @ depth 2,000, ms",
]


def _table(text: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| metric"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def _number(cell: str) -> float:
    match = re.fullmatch(r"[0-9][0-9,]*(\.[0-9]+)?", cell)
    assert match, f"not a number: {cell!r}"
    return float(cell.replace(",", ""))


def test_quick_bench_prints_numeric_table(tmp_path):
    out = tmp_path / "sqs.md"
    proc = subprocess.run([sys.executable, str(BENCH), "--quick", "--cloudlet-only", "--output", str(out)],
                          capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert proc.returncode == 0, f"bench failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    table = _table(proc.stdout)
    assert table, f"no table in the output:\n{proc.stdout}"
    for metric in EXPECTED_ROWS:
        assert metric in table, f"missing row {metric!r}; rows: {list(table)}"
        value = _number(table[metric][0])
        assert value > 0, f"{metric}: {value}"
    # every receive in the latency loop found a message, and no request failed
    assert "errors**" not in proc.stdout, proc.stdout
    assert out.read_text().strip() == proc.stdout.strip()


def test_help_documents_options():
    proc = subprocess.run([sys.executable, str(BENCH), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    for option in ("--quick", "--depths", "--seconds", "--cloudlet-only", "--fill-seconds"):
        assert option in proc.stdout
