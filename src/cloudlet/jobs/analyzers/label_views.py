"""The four orderings Rekognition offers for timed labels (labels, moderation labels): SortBy TIMESTAMP or
NAME, AggregateBy TIMESTAMPS (one item per sampled frame) or SEGMENTS (one item per run of consecutive
frames showing the label, with its start, end and duration)."""

from __future__ import annotations

from typing import Any

from .video import SAMPLE_FPS


def views(frames: list[tuple[int, list[dict[str, Any]]]], member: str, duration_ms: int) -> dict[str, list]:
    """frames: (timestamp, [label dicts with Name and Confidence]) per sampled frame, in time order."""
    step = int(round(1000.0 / SAMPLE_FPS))
    stamped = [{"Timestamp": ts, member: label} for ts, labels in frames for label in labels]
    runs: dict[str, list[dict[str, Any]]] = {}
    segments: list[dict[str, Any]] = []
    for ts, labels in frames:
        for label in labels:
            open_runs = runs.setdefault(label["Name"], [])
            last = open_runs[-1] if open_runs else None
            if last is not None and ts - last["_last"] <= step + 1:
                last["_last"] = ts
                if label["Confidence"] > last[member]["Confidence"]:
                    last[member] = label
            else:
                run = {"Timestamp": ts, member: label, "StartTimestampMillis": ts, "_last": ts}
                open_runs.append(run)
                segments.append(run)
    for run in segments:
        end = min(run.pop("_last") + step, max(duration_ms, run["StartTimestampMillis"]))
        run["EndTimestampMillis"] = end
        run["DurationMillis"] = end - run["StartTimestampMillis"]

    def by_time(item: dict[str, Any]) -> tuple:
        return item["Timestamp"], item[member]["Name"]

    def by_name(item: dict[str, Any]) -> tuple:
        return item[member]["Name"], item["Timestamp"]

    return {"TIMESTAMP/TIMESTAMPS": sorted(stamped, key=by_time), "NAME/TIMESTAMPS": sorted(stamped, key=by_name),
            "TIMESTAMP/SEGMENTS": sorted(segments, key=by_time), "NAME/SEGMENTS": sorted(segments, key=by_name)}
