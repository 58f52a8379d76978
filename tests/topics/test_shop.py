"""The shop example runs end to end against a real server."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_shop_story_runs_end_to_end(server):
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "shop" / "shop.py"), "--endpoint", server.url,
                             "--orders", "30"], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "inventory: DOWN" in out and "inventory: UP again" in out
    assert "inventory: handled 30 orders" in out
    assert "fulfillment: handled 20 orders" in out  # every third order is an e-book: filtered out
    assert "notification: handled 30 orders" in out
    assert out.strip().endswith("OK: every order reached every service that wanted it")
