"""Test videos with known content, written as H.264 MP4 with PyAV: shots of solid colour, black frames, text
drawn with OpenCV, and packaged photographs with faces and people, each at a known time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

WIDTH, HEIGHT, FPS = 320, 240, 10


@dataclass
class Part:
    seconds: float
    draw: Callable[[int], np.ndarray]  # frame number within the part -> RGB image


def solid(rgb: tuple[int, int, int], seconds: float) -> Part:
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[:] = rgb
    return Part(seconds, lambda i: image)


def black(seconds: float) -> Part:
    return solid((0, 0, 0), seconds)


def text(words: str, seconds: float, background: tuple[int, int, int] = (255, 255, 255)) -> Part:
    import cv2

    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[:] = background
    cv2.putText(image, words, (20, HEIGHT // 2), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (0, 0, 0), 3, cv2.LINE_AA)
    return Part(seconds, lambda i: image)


def photo(image: np.ndarray, seconds: float) -> Part:
    import cv2

    fitted = cv2.resize(image, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)
    return Part(seconds, lambda i: fitted)


def grace_hopper() -> np.ndarray:
    import matplotlib.cbook
    from PIL import Image

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as handle:
        return np.asarray(Image.open(handle).convert("RGB"))


def moving(rgb: tuple[int, int, int], seconds: float) -> Part:
    """A bright square sliding over a dark background: motion inside one shot, never a cut."""

    def draw(i: int) -> np.ndarray:
        image = np.full((HEIGHT, WIDTH, 3), 40, np.uint8)
        x = 10 + i * 4
        image[80:140, x:x + 60] = rgb
        return image

    return Part(seconds, draw)


def write(path: Path, parts: list[Part], fps: int = FPS, width: int = WIDTH, height: int = HEIGHT) -> Path:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "18"}
        for part in parts:
            for i in range(int(round(part.seconds * fps))):
                frame = av.VideoFrame.from_ndarray(part.draw(i), format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def shots_and_black(path: Path) -> Path:
    """Shots: red 0-2 s, black 2-3 s, green 3-5 s (moving square inside), blue 5-6 s; 60 frames at 10 fps."""
    return write(path, [solid((200, 30, 30), 2), black(1), moving((30, 200, 30), 2), solid((60, 60, 250), 1)])
