"""Smoke test for bench/sns_bench.py --sweep: a short run against a real Cloudlet must print one row per rate
with a reached rate, latencies and the server's CPU share, and lose no delivery."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "sns_bench.py"


def test_sweep_prints_a_row_per_rate():
    done = subprocess.run([sys.executable, str(BENCH), "--queues", "2", "--sweep", "20,40", "--latency-seconds", "1.5"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if re.match(r"\| \d", line)]
    assert len(rows) == 2, done.stdout
    for asked, row in zip((20, 40), rows):
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        assert cells[0] == str(asked)
        assert abs(float(cells[1]) - asked) <= asked * 0.3  # the paced rate was reached
        p50, p99 = float(cells[2]), float(cells[3])
        assert 0 < p50 <= p99 < 5000  # a number, not "n/a", and no "(N lost)" suffix
        assert re.fullmatch(r"\d+%", cells[4])
