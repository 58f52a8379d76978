"""Segment detection over every frame: shots from frame-to-frame colour change, black frames as Rekognition
defines them (a pixel is black when its luma is at most min + MaxPixelThreshold * range of the video's color
range; a frame is black when at least MinCoveragePercentage of its pixels are), SMPTE timecodes."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .video import Video

MODEL_VERSION = "cloudlet-segments-1"
CUT_THRESHOLD = 25.0  # mean absolute RGB change (0-255) between consecutive 64x48 thumbnails


def timecode(frame: int, rate: Fraction) -> str:
    """SMPTE HH:MM:SS:FF; drop-frame HH:MM:SS;FF for the NTSC rates (29.97, 59.94)."""
    nominal = int(round(float(rate)))
    drop = rate.denominator == 1001 and nominal in (30, 60)
    if drop:
        dropped = 2 * nominal // 30
        per_10min = nominal * 600 - dropped * 9
        per_min = nominal * 60 - dropped
        tens, rest = divmod(frame, per_10min)
        frame += dropped * 9 * tens
        if rest > dropped:
            frame += dropped * ((rest - dropped) // per_min)
    ff = frame % nominal
    total = frame // nominal
    return f"{total // 3600:02d}:{total // 60 % 60:02d}:{total % 60:02d}{';' if drop else ':'}{ff:02d}"


def analyze(video: Video, params: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    types = params.get("SegmentTypes") or []
    filters = params.get("Filters") or {}
    cue = filters.get("TechnicalCueFilter") or {}
    shot_filter = filters.get("ShotFilter") or {}
    black = cue.get("BlackFrame") or {}
    max_pixel = black.get("MaxPixelThreshold", 0.2)
    min_coverage = black.get("MinCoveragePercentage", 99.0)
    low, high = (0.0, 255.0) if video.full_range else (16.0, 235.0)
    black_level = low + max_pixel * (high - low)

    cuts: list[tuple[int, float]] = []  # (first frame of a new shot, confidence)
    blacks: list[tuple[int, float]] = []  # (black frame, coverage %)
    times: list[int] = []
    previous = None
    for frame in video.luma(thumb=(64, 48)):
        luma = frame.image
        times.append(frame.millis)
        coverage = float(np.count_nonzero(luma <= black_level)) * 100.0 / luma.size
        if coverage >= min_coverage:
            blacks.append((frame.index, coverage))
        thumb = frame.thumb.astype(np.int16)
        if previous is not None and thumb.shape == previous.shape:
            change = float(np.abs(thumb - previous).mean())
            if change >= CUT_THRESHOLD:
                cuts.append((frame.index, min(99.9, 50.0 + change)))
        previous = thumb
    count = len(times)
    frame_ms = 1000.0 / video.fps
    end_ms = max(video.duration_ms, int(round(times[-1] + frame_ms)) if times else 0)

    def segment(kind: str, first: int, last: int) -> dict[str, Any]:
        start_ms = times[first]
        stop_ms = times[last + 1] if last + 1 < count else end_ms
        return {"Type": kind, "StartTimestampMillis": start_ms, "EndTimestampMillis": stop_ms,
                "DurationMillis": stop_ms - start_ms, "StartTimecodeSMPTE": timecode(first, video.rate),
                "EndTimecodeSMPTE": timecode(last + 1, video.rate),
                "DurationSMPTE": timecode(last + 1 - first, video.rate), "StartFrameNumber": first,
                "EndFrameNumber": last, "DurationFrames": last + 1 - first}

    segments: list[dict[str, Any]] = []
    if "SHOT" in types and count:
        min_conf = shot_filter.get("MinSegmentConfidence", 50.0)
        starts = [(0, 99.9)] + cuts
        for number, (first, confidence) in enumerate(starts):
            last = starts[number + 1][0] - 1 if number + 1 < len(starts) else count - 1
            if confidence >= min_conf:
                item = segment("SHOT", first, last)
                item["ShotSegment"] = {"Index": number, "Confidence": round(confidence, 3)}
                segments.append(item)
    if "TECHNICAL_CUE" in types:
        min_conf = cue.get("MinSegmentConfidence", 50.0)
        for first, last, coverage in _runs(blacks):
            confidence = min(99.9, max(50.0, coverage))
            if confidence >= min_conf:
                item = segment("TECHNICAL_CUE", first, last)
                item["TechnicalCueSegment"] = {"Type": "BlackFrames", "Confidence": round(confidence, 3)}
                segments.append(item)
    segments.sort(key=lambda s: (s["StartTimestampMillis"], s["Type"]))
    selected = [{"Type": kind, "ModelVersion": MODEL_VERSION} for kind in ("TECHNICAL_CUE", "SHOT") if kind in types]
    return {"views": {"DEFAULT": segments},
            "extra": {"SelectedSegmentTypes": selected, "AudioMetadata": video.audio_metadata()}}


def _runs(frames: list[tuple[int, float]]) -> list[tuple[int, int, float]]:
    runs: list[tuple[int, int, float]] = []
    for index, coverage in frames:
        if runs and runs[-1][1] == index - 1:
            first, _, low = runs[-1]
            runs[-1] = (first, index, min(low, coverage))
        else:
            runs.append((index, index, coverage))
    return runs
