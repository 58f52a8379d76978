"""Rekognition's geometry: boxes as ratios of the frame (Left, Top, Width, Height), polygons, regions."""

from __future__ import annotations

from typing import Any


def box(left: float, top: float, right: float, bottom: float, width: int, height: int) -> dict[str, float]:
    """A pixel rectangle as a BoundingBox, clipped to the frame."""
    left, right = max(0.0, float(left) / width), min(1.0, float(right) / width)
    top, bottom = max(0.0, float(top) / height), min(1.0, float(bottom) / height)
    return {"Width": round(max(0.0, right - left), 6), "Height": round(max(0.0, bottom - top), 6),
            "Left": round(left, 6), "Top": round(top, 6)}


def box_from_points(points: list[dict[str, float]]) -> dict[str, float]:
    xs = [p["X"] for p in points]
    ys = [p["Y"] for p in points]
    return {"Width": round(max(xs) - min(xs), 6), "Height": round(max(ys) - min(ys), 6),
            "Left": round(min(xs), 6), "Top": round(min(ys), 6)}


def iou(a: dict[str, float], b: dict[str, float]) -> float:
    left, top = max(a["Left"], b["Left"]), max(a["Top"], b["Top"])
    right = min(a["Left"] + a["Width"], b["Left"] + b["Width"])
    bottom = min(a["Top"] + a["Height"], b["Top"] + b["Height"])
    inter = max(0.0, right - left) * max(0.0, bottom - top)
    union = a["Width"] * a["Height"] + b["Width"] * b["Height"] - inter
    return inter / union if union > 0 else 0.0


def inside_regions(target: dict[str, float], regions: list[dict[str, Any]]) -> bool:
    """True when the box's centre lies in one of the regions (a BoundingBox or a Polygon)."""
    cx, cy = target["Left"] + target["Width"] / 2, target["Top"] + target["Height"] / 2
    for region in regions:
        if "BoundingBox" in region:
            b = region["BoundingBox"]
            if b.get("Left", 0) <= cx <= b.get("Left", 0) + b.get("Width", 0) and \
                    b.get("Top", 0) <= cy <= b.get("Top", 0) + b.get("Height", 0):
                return True
        elif region.get("Polygon"):
            if _in_polygon(cx, cy, [(p.get("X", 0), p.get("Y", 0)) for p in region["Polygon"]]):
                return True
    return False


def _in_polygon(x: float, y: float, points: list[tuple[float, float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside
