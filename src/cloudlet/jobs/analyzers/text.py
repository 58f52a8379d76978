"""Text detection with RapidOCR (PP-OCR detection + recognition ONNX models bundled in the `rapidocr` wheel):
LINE and WORD results with boxes and polygons, Rekognition's word filter and regions of interest.

A sampled frame that looks the same as the last one read (thumbnail change below a small threshold) reuses
its reading: identical pixels give identical text, and OCR is the slow step (~1 s per frame here)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .geometry import box_from_points, inside_regions
from .requires import need
from .video import SAMPLE_FPS, Video, threads

MODEL_VERSION = "cloudlet-rapidocr-3"
SAME_FRAME = 2.0  # mean absolute change (0-255) of a 64x48 thumbnail below which a frame is not re-read
FLAT_FRAME = 2.0  # standard deviation of a thumbnail below which a frame is one flat colour


@lru_cache(maxsize=None)
def engine() -> Any:
    (rapidocr,) = need("Text detection", "the `rapidocr` package", "rapidocr")
    # Horizontal overlay text is the case here: the 180-degree orientation classifier is skipped.
    return rapidocr.RapidOCR(params={"Global.log_level": "error", "Global.use_cls": False,
                                     "EngineConfig.onnxruntime.intra_op_num_threads": threads()})


def read(image: Any) -> list[tuple[str, float, list, list[tuple[str, float, list]]]]:
    """(line text, score, 4 corner points, [(word, score, points)]) for each line in an RGB image."""
    result = engine()(image, return_word_box=True)
    if not result.txts:
        return []
    lines = []
    words_per_line = result.word_results or [()] * len(result.txts)
    for text, score, box, words in zip(result.txts, result.scores, result.boxes, words_per_line):
        points = [[float(x), float(y)] for x, y in box]
        parsed = [(w[0], float(w[1]), [[float(x), float(y)] for x, y in w[2]]) for w in (words or ())
                  if w and str(w[0]).strip()]
        lines.append((text, float(score), points, parsed or _split_words(text, float(score), points)))
    return lines


def _split_words(text: str, score: float, points: list) -> list[tuple[str, float, list]]:
    """Without word boxes, share the line's box out by character count (an approximation)."""
    words = text.split()
    (x0, y0), (x1, _), (_, y2) = points[0], points[1], points[2]
    total = max(1, len(text))
    out, offset = [], 0
    for word in words:
        start = text.index(word, offset)
        offset = start + len(word)
        left = x0 + (x1 - x0) * start / total
        right = x0 + (x1 - x0) * offset / total
        out.append((word, score, [[left, y0], [right, y0], [right, y2], [left, y2]]))
    return out


def analyze(video: Video, params: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    filters = params.get("Filters") or {}
    word_filter = filters.get("WordFilter") or {}
    min_conf = word_filter.get("MinConfidence", 80.0)
    min_height = word_filter.get("MinBoundingBoxHeight", 0.0)
    min_width = word_filter.get("MinBoundingBoxWidth", 0.0)
    regions = filters.get("RegionsOfInterest") or []
    width, height = video.width, video.height

    detections: list[dict[str, Any]] = []
    last_thumb, last_lines = None, []
    for frame in video.frames("rgb24", every_ms=1000.0 / SAMPLE_FPS, thumb=(64, 48)):
        thumb = frame.thumb.astype(np.int16)
        if last_thumb is None or float(np.abs(thumb - last_thumb).mean()) >= SAME_FRAME:
            # a flat frame (black, one colour) has no text to find: skip the OCR
            last_lines = read(frame.image) if float(thumb.std()) >= FLAT_FRAME else []
            last_thumb = thumb
        next_id = 0
        for text, score, points, words in last_lines:
            if score * 100 < min_conf:
                continue
            kept = []
            for word, word_score, word_points in words:
                geometry = _geometry(word_points, width, height)
                box = geometry["BoundingBox"]
                if word_score * 100 < min_conf or box["Height"] < min_height or box["Width"] < min_width:
                    continue
                if regions and not inside_regions(box, regions):
                    continue
                kept.append((word, word_score, geometry))
            if not kept:
                continue
            line_id = next_id
            next_id += 1
            detections.append({"Timestamp": frame.millis, "TextDetection": {
                "DetectedText": " ".join(w for w, _, _ in kept) if len(kept) < len(words) else text,
                "Type": "LINE", "Id": line_id, "Confidence": round(score * 100, 3),
                "Geometry": _geometry(points, width, height)}})
            for word, word_score, geometry in kept:
                detections.append({"Timestamp": frame.millis, "TextDetection": {
                    "DetectedText": word, "Type": "WORD", "Id": next_id, "ParentId": line_id,
                    "Confidence": round(word_score * 100, 3), "Geometry": geometry}})
                next_id += 1
    return {"views": {"DEFAULT": detections}, "extra": {"ModelVersion": MODEL_VERSION}}


def _geometry(points: list, width: int, height: int) -> dict[str, Any]:
    polygon = [{"X": min(1.0, max(0.0, x / width)), "Y": min(1.0, max(0.0, y / height))} for x, y in points]
    return {"BoundingBox": box_from_points(polygon), "Polygon": polygon}
