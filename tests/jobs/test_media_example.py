"""examples/media/pipeline.py, run against the server: with a limit of 2 and 10 videos all 10 are analysed,
never more than 2 at once, none lost, and every result lands as a blob."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
import uuid
from pathlib import Path

from .conftest import new_account, overview

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "media" / "pipeline.py"


def _load():
    spec = importlib.util.spec_from_file_location("media_pipeline", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_dispatcher_respects_the_limit_and_loses_nothing(server, tmp_path):
    example = _load()
    account = new_account()
    example.set_limit(server.url, account, 2)
    pipeline = example.Pipeline(server.url, server.blob_url, account, f"m{uuid.uuid4().hex[:10]}")
    clips = [example.make_clip(tmp_path / f"clip-{i:02d}.mp4", i) for i in range(10)]
    peak, stop = [0], threading.Event()

    def watch() -> None:
        while not stop.is_set():
            row = next((a for a in overview(server.url)["accounts"] if a["account"] == account), None)
            peak[0] = max(peak[0], row["active"] if row else 0)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        pipeline.produce(clips, "StartTextDetection")  # OCR keeps each job busy for a second or so
        report = pipeline.dispatch(expected=10, timeout=240)
    finally:
        stop.set()
        watcher.join()
    assert sorted(report.written) == [clip.name for clip in clips] and report.failed == []
    assert report.started == 10 and peak[0] <= 2
    assert report.back_pressure > 0  # the limit really pushed back
    names = sorted(b.name for b in pipeline.results.list_blobs())
    assert names == [f"{clip.name}.json" for clip in clips]
    result = json.loads(pipeline.results.download_blob("clip-03.mp4.json").readall())
    assert result["VideoMetadata"]["DurationMillis"] == 2000 and result["TextDetections"] == []
