"""Content moderation with NudeNet's bundled 320n ONNX detector (18 body-part classes), mapped onto
Rekognition's moderation taxonomy (level 3 label with its level 2 and level 1 parents, each reported as its
own ModerationLabel like Rekognition does). NudeNet knows nudity and swimwear only: violence, drugs,
weapons, gestures, hate symbols and the rest of the taxonomy are never reported."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .label_views import views
from .requires import need
from .video import SAMPLE_FPS, Video, threads

MODEL_VERSION = "cloudlet-nudenet-320n"
EXPLICIT = ("Explicit Nudity", "Explicit")
NON_EXPLICIT = ("Non-Explicit Nudity", "Non-Explicit Nudity of Intimate parts and Kissing")
SWIMWEAR = ("Swimwear or Underwear",)

# NudeNet class -> (level-3 name, its parents from level 2 up); classes with no Rekognition meaning are absent.
TAXONOMY: dict[str, tuple[str, tuple[str, ...]]] = {
    "FEMALE_GENITALIA_EXPOSED": ("Exposed Female Genitalia", EXPLICIT),
    "MALE_GENITALIA_EXPOSED": ("Exposed Male Genitalia", EXPLICIT),
    "BUTTOCKS_EXPOSED": ("Exposed Buttocks or Anus", EXPLICIT),
    "ANUS_EXPOSED": ("Exposed Buttocks or Anus", EXPLICIT),
    "FEMALE_BREAST_EXPOSED": ("Exposed Female Nipple", EXPLICIT),
    "MALE_BREAST_EXPOSED": ("Exposed Male Nipple", NON_EXPLICIT),
    "FEMALE_BREAST_COVERED": ("Female Swimwear or Underwear", SWIMWEAR),
    "FEMALE_GENITALIA_COVERED": ("Female Swimwear or Underwear", SWIMWEAR),
}


@lru_cache(maxsize=None)
def detector() -> Any:
    onnxruntime, nudenet = need("Content moderation", "the `nudenet` package", "onnxruntime", "nudenet")
    found = nudenet.NudeDetector()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads()  # NudeDetector's own session takes every core
    found.onnx_session = onnxruntime.InferenceSession(found.onnx_session._model_path, sess_options=options,
                                                      providers=["CPUExecutionProvider"])
    return found


def frame_labels(rgb: Any, min_conf: float) -> list[dict[str, Any]]:
    import cv2

    best: dict[str, tuple[float, int, str | None]] = {}  # name -> (confidence, level, parent)
    for found in detector().detect(cv2.cvtColor(rgb, cv2.COLOR_RGB2RGBA)):
        mapped = TAXONOMY.get(found["class"])
        if mapped is None:
            continue
        confidence = float(found["score"]) * 100
        if confidence < min_conf:
            continue
        chain = (mapped[0],) + mapped[1]
        depth = len(chain)
        for i, name in enumerate(chain):
            level = depth - i
            parent = chain[i + 1] if i + 1 < depth else None
            if confidence > best.get(name, (-1.0, 0, None))[0]:
                best[name] = (confidence, level, parent)
    return [{"Confidence": round(conf, 3), "Name": name, "ParentName": parent or "", "TaxonomyLevel": level}
            for name, (conf, level, parent) in best.items()]


def analyze(video: Video, params: dict[str, Any]) -> dict[str, Any]:
    min_conf = params.get("MinConfidence", 50.0)
    per_frame = [(frame.millis, frame_labels(frame.image, min_conf))
                 for frame in video.frames("rgb24", every_ms=1000.0 / SAMPLE_FPS)]
    return {"views": views(per_frame, "ModerationLabel", video.duration_ms),
            "extra": {"ModelVersion": MODEL_VERSION}}
