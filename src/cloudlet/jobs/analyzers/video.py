"""Decoding with PyAV: VideoMetadata in Rekognition's shape, every frame (for segments) or a sparse sample
(for the detectors, 2 frames per second by default)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator

from .errors import AnalysisFailed

SAMPLE_FPS = 2.0
MAX_DURATION_MS = 6 * 3600 * 1000


def threads() -> int:
    """CPU threads one analysis process may use (CLOUDLET_ANALYSIS_THREADS, default 1: one per worker)."""
    return max(1, int(os.environ.get("CLOUDLET_ANALYSIS_THREADS", "1")))


@dataclass
class Frame:
    index: int  # frame number from the start, counting every decoded frame
    millis: int  # presentation time in ms
    image: Any  # numpy array: RGB uint8 (HxWx3) or gray (HxW), as asked
    thumb: Any = None  # a small RGB copy, when asked for


def _av() -> Any:
    from .requires import need

    return need("Video decoding", "PyAV (`av`)", "av")[0]


class Video:
    def __init__(self, path: str) -> None:
        av = _av()
        self.path = path
        try:
            self.container = av.open(path)
        except Exception:
            raise AnalysisFailed("Unsupported codec/format: the object is not a video Cloudlet can decode.") \
                from None
        if not self.container.streams.video:
            self.container.close()
            raise AnalysisFailed("Unsupported codec/format: the object has no video stream.")
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        rate = self.stream.average_rate or self.stream.guessed_rate or Fraction(25)
        self.rate = Fraction(rate)
        self.fps = float(self.rate)
        ctx = self.stream.codec_context
        self.width, self.height = ctx.width, ctx.height
        self.full_range = "jpeg" in str(getattr(ctx, "color_range", "") or "").lower() or \
            str(getattr(ctx, "color_range", "")) == "2"
        self.codec = ctx.name
        self.format_name = self.container.format.long_name
        self.duration_ms = self._duration_ms()
        if self.duration_ms > MAX_DURATION_MS:
            self.container.close()
            raise AnalysisFailed("The video is longer than 6 hours, the maximum Rekognition Video analyses.")

    def _duration_ms(self) -> int:
        stream = self.stream
        if stream.duration is not None and stream.time_base is not None:
            return int(round(float(stream.duration * stream.time_base) * 1000))
        if self.container.duration is not None:
            return int(round(self.container.duration / 1000))
        if stream.frames:
            return int(round(stream.frames / self.fps * 1000))
        return 0

    def metadata(self) -> dict[str, Any]:
        return {"Codec": self.codec, "DurationMillis": self.duration_ms, "Format": self.format_name,
                "FrameRate": round(self.fps, 3), "FrameHeight": self.height, "FrameWidth": self.width,
                "ColorRange": "FULL" if self.full_range else "LIMITED"}

    def audio_metadata(self) -> list[dict[str, Any]]:
        out = []
        for stream in self.container.streams.audio:
            ctx = stream.codec_context
            duration = int(round(float(stream.duration * stream.time_base) * 1000)) if stream.duration else \
                self.duration_ms
            out.append({"Codec": ctx.name, "DurationMillis": duration, "SampleRate": ctx.sample_rate or 0,
                        "NumberOfChannels": getattr(ctx, "channels", None) or len(ctx.layout.channels)})
        return out

    def frames(self, fmt: str = "rgb24", every_ms: float | None = None, width: int | None = None,
               height: int | None = None, thumb: tuple[int, int] | None = None) -> Iterator[Frame]:
        """Decoded frames in order; with every_ms only the first frame at or after each multiple of it."""
        next_ms = 0.0
        index = -1
        try:
            for frame in self.container.decode(self.stream):
                index += 1
                millis = int(round(float(frame.time) * 1000)) if frame.time is not None else \
                    int(round(index / self.fps * 1000))
                if every_ms is not None:
                    if millis + 0.5 < next_ms:
                        continue
                    while next_ms <= millis + 0.5:
                        next_ms += every_ms
                if fmt == "luma":
                    image = _luma(frame)
                elif width or height:
                    image = frame.to_ndarray(format=fmt, width=width, height=height)
                else:
                    image = frame.to_ndarray(format=fmt)
                small = frame.to_ndarray(format="rgb24", width=thumb[0], height=thumb[1]) if thumb else None
                yield Frame(index, millis, image, small)
        except AnalysisFailed:
            raise
        except Exception as exc:
            if index < 0:
                raise AnalysisFailed("Unsupported codec/format: no frame of the video could be decoded.") \
                    from None
            raise AnalysisFailed(f"The video could not be decoded after frame {index}: {exc}") from None
        if index < 0:
            raise AnalysisFailed("Unsupported codec/format: the video has no frames.")

    def luma(self, thumb: tuple[int, int] | None = None) -> Iterator[Frame]:
        """Every frame's raw luma plane, in the stream's own range (16-235 for LIMITED video)."""
        return self.frames("luma", thumb=thumb)

    def sample(self, fps: float = SAMPLE_FPS) -> Iterator[Frame]:
        return self.frames("rgb24", every_ms=1000.0 / fps)

    def close(self) -> None:
        self.container.close()

    def __enter__(self) -> "Video":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _luma(frame: Any) -> Any:
    import numpy as np

    if not frame.format.name.startswith(("yuv", "yuvj", "nv12", "gray")):
        frame = frame.reformat(format="yuv420p")
    plane = frame.planes[0]
    rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, :plane.width]
