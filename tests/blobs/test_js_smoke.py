"""The JavaScript SDK (@azure/storage-blob) against the server: tests/js/blob_smoke.mjs.
Needs Node and `npm install --prefix tests/js` (skipped otherwise)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parent.parent / "js"


@pytest.mark.skipif(shutil.which("node") is None or not (JS / "node_modules" / "@azure" / "storage-blob").exists(),
                    reason="node or tests/js/node_modules missing (npm install --prefix tests/js)")
def test_javascript_sdk_smoke(server):
    result = subprocess.run(["node", str(JS / "blob_smoke.mjs")], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "CLOUDLET_BLOB_URL": server.blob_url})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "js smoke test passed" in result.stdout
