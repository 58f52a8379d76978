"""Person tracking: people found by OpenCV's HOG pedestrian detector (whole bodies) and by a detected face
(a body box extended below it, for portraits and half-figures), followed from frame to frame by box
overlap, with every track ended at a shot cut (a person after a cut is a new index, as no re-identification
model ships offline)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from . import faces
from .geometry import box, iou
from .requires import need
from .segments import CUT_THRESHOLD
from .video import SAMPLE_FPS, Video

MATCH_IOU = 0.3
HOG_WIDTH = 400


@lru_cache(maxsize=None)
def hog() -> Any:
    (cv2,) = need("Person tracking", "OpenCV (opencv-python-headless 4.x)", "cv2")
    descriptor = cv2.HOGDescriptor()
    descriptor.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    return descriptor


def detect(rgb: Any) -> list[dict[str, Any]]:
    """[{"BoundingBox", "Face"?}] for one frame."""
    import cv2

    height, width = rgb.shape[:2]
    people: list[dict[str, Any]] = []
    shrink = min(1.0, HOG_WIDTH / width)  # HOG cost grows with pixels; 64x128 people fit at this width
    small = cv2.resize(rgb, (round(width * shrink), round(height * shrink)), interpolation=cv2.INTER_AREA) \
        if shrink < 1.0 else rgb
    rects, weights = hog().detectMultiScale(small, winStride=(8, 8), padding=(8, 8), scale=1.1)
    for (x, y, w, h), weight in zip(rects, weights):
        if float(weight) >= 0.5:
            people.append({"BoundingBox": box(x / shrink, y / shrink, (x + w) / shrink, (y + h) / shrink,
                                              width, height)})
    for face in faces.detect(rgb):
        fb = face["BoundingBox"]
        body = {"Left": round(max(0.0, fb["Left"] - fb["Width"]), 6),
                "Top": round(max(0.0, fb["Top"] - 0.3 * fb["Height"]), 6)}
        body["Width"] = round(min(1.0, fb["Left"] + 2 * fb["Width"]) - body["Left"], 6)
        body["Height"] = round(min(1.0, fb["Top"] + 7 * fb["Height"]) - body["Top"], 6)
        owner = next((p for p in people if _contains(p["BoundingBox"], fb)), None)
        if owner is None:
            people.append({"BoundingBox": body, "Face": face})
        elif "Face" not in owner:
            owner["Face"] = face
    return people


def _contains(outer: dict[str, float], inner: dict[str, float]) -> bool:
    cx, cy = inner["Left"] + inner["Width"] / 2, inner["Top"] + inner["Height"] / 2
    return outer["Left"] <= cx <= outer["Left"] + outer["Width"] and \
        outer["Top"] <= cy <= outer["Top"] + outer["Height"]


def analyze(video: Video, params: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    detections: list[dict[str, Any]] = []
    tracks: list[tuple[int, dict[str, float]]] = []  # (index, last box) of the tracks alive in this shot
    next_index = 0
    last_thumb = None
    for frame in video.frames("rgb24", every_ms=1000.0 / SAMPLE_FPS, thumb=(64, 48)):
        thumb = frame.thumb.astype(np.int16)
        if last_thumb is not None and float(np.abs(thumb - last_thumb).mean()) >= CUT_THRESHOLD:
            tracks = []  # a cut between two samples: nobody carries over
        last_thumb = thumb
        alive: list[tuple[int, dict[str, float]]] = []
        for person in detect(frame.image):
            scored = [(iou(person["BoundingBox"], b), index) for index, b in tracks
                      if index not in {i for i, _ in alive}]
            overlap, index = max(scored, default=(0.0, -1))
            if overlap < MATCH_IOU:
                index, next_index = next_index, next_index + 1
            alive.append((index, person["BoundingBox"]))
            detections.append({"Timestamp": frame.millis, "Person": {"Index": index, **person}})
        tracks = alive
    by_time = sorted(detections, key=lambda d: (d["Timestamp"], d["Person"]["Index"]))
    by_index = sorted(detections, key=lambda d: (d["Person"]["Index"], d["Timestamp"]))
    return {"views": {"TIMESTAMP": by_time, "INDEX": by_index}, "extra": {}}
