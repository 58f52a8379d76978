"""Face detection with OpenCV's Haar cascades (bundled in opencv-python-headless 4.x): frontal faces, eyes
inside them for the eye landmarks and the roll angle, brightness and sharpness from the face's pixels.

What it cannot tell (age, gender, emotions, smile, glasses, beard, eyes or mouth open, yaw and pitch) is left
out of the results rather than guessed, with FaceAttributes ALL as with DEFAULT."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from .errors import AnalysisFailed
from .geometry import box
from .requires import need
from .video import SAMPLE_FPS, Video

MIN_WEIGHT = 1.5  # cascade stage weight below which a candidate is dropped (suppresses most false faces)


@lru_cache(maxsize=None)
def cascade(name: str) -> Any:
    (cv2,) = need("Face detection", "OpenCV (opencv-python-headless 4.x)", "cv2")
    classifier = cv2.CascadeClassifier(f"{cv2.data.haarcascades}{name}")
    if classifier.empty():
        raise AnalysisFailed(f"OpenCV's {name} is missing: opencv-python-headless 5.x ships no Haar cascades; "
                             "install 4.x.")
    return classifier


def detect(rgb: Any) -> list[dict[str, Any]]:
    """FaceDetail dicts (BoundingBox, Confidence, Landmarks, Pose, Quality) for one RGB frame."""
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    height, width = gray.shape
    equalized = cv2.equalizeHist(gray)
    minimum = max(24, min(width, height) // 12)
    found, _, weights = cascade("haarcascade_frontalface_default.xml").detectMultiScale3(
        equalized, scaleFactor=1.1, minNeighbors=5, minSize=(minimum, minimum), outputRejectLevels=True)
    faces = []
    for (x, y, w, h), weight in zip(found, weights):
        weight = float(weight)
        if weight < MIN_WEIGHT:
            continue
        face = gray[y:y + h, x:x + w]
        detail: dict[str, Any] = {
            "BoundingBox": box(x, y, x + w, y + h, width, height),
            "Confidence": round(min(99.9, 80.0 + 4.0 * weight), 3),
            "Quality": {"Brightness": round(float(face.mean()) / 2.55, 3),
                        "Sharpness": _sharpness(float(cv2.Laplacian(face, cv2.CV_64F).var()))},
        }
        eyes = _eyes(equalized[y:y + h // 2 + h // 10, x:x + w], w)
        if eyes is not None:
            (lx, ly), (rx, ry) = eyes
            detail["Landmarks"] = [
                {"Type": "eyeLeft", "X": round((x + lx) / width, 6), "Y": round((y + ly) / height, 6)},
                {"Type": "eyeRight", "X": round((x + rx) / width, 6), "Y": round((y + ry) / height, 6)},
            ]
            detail["Pose"] = {"Roll": round(math.degrees(math.atan2(ry - ly, rx - lx)), 3)}
        faces.append(detail)
    return faces


def _sharpness(laplacian_variance: float) -> float:
    """0-100: the variance of the Laplacian (edge energy), saturating for crisp faces."""
    return round(100.0 * (1.0 - math.exp(-laplacian_variance / 1000.0)), 3)


def _eyes(region: Any, face_width: int) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Centres of the two eyes in the face's upper half, the image-left one first, or None."""
    size = max(8, face_width // 8)
    found = cascade("haarcascade_eye.xml").detectMultiScale(region, scaleFactor=1.05, minNeighbors=3,
                                                            minSize=(size, size))
    if len(found) < 2:
        return None
    centres = sorted(((x + w / 2, y + h / 2, w * h) for x, y, w, h in found), key=lambda c: -c[2])[:2]
    left, right = sorted(centres, key=lambda c: c[0])
    if right[0] - left[0] < face_width / 5:
        return None
    return (left[0], left[1]), (right[0], right[1])


def analyze(video: Video, params: dict[str, Any]) -> dict[str, Any]:
    detections = []
    for frame in video.frames("rgb24", every_ms=1000.0 / SAMPLE_FPS):
        for face in detect(frame.image):
            detections.append({"Timestamp": frame.millis, "Face": face})
    return {"views": {"DEFAULT": detections}, "extra": {}}
