"""Offline video analysis, one module per Rekognition capability, run inside the worker processes.

Every module has `analyze(video, params) -> {"views": {name: [items]}, "extra": {...}}`; items are already in
Rekognition's result shapes. Heavy libraries are imported inside the modules, so the server imports this
package without them; a capability whose model is missing raises AnalysisFailed and the job ends FAILED."""

from __future__ import annotations

import importlib
from typing import Any

from .errors import AnalysisFailed

ANALYZERS = {
    "StartLabelDetection": "labels",
    "StartFaceDetection": "faces",
    "StartTextDetection": "text",
    "StartSegmentDetection": "segments",
    "StartContentModeration": "moderation",
    "StartPersonTracking": "persons",
}


def run(api: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
    """Analyse the video at `path` for Start operation `api`; the worker processes' entry point."""
    from .video import Video

    module = importlib.import_module(f".{ANALYZERS[api]}", __package__)
    with Video(path) as video:
        metadata = video.metadata()
        out = module.analyze(video, params)
    out["metadata"] = metadata
    return out


__all__ = ["ANALYZERS", "AnalysisFailed", "run"]
