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

    scale = min(WIDTH / image.shape[1], HEIGHT / image.shape[0])
    w, h = int(image.shape[1] * scale), int(image.shape[0] * scale)
    fitted = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    left, top = (WIDTH - w) // 2, (HEIGHT - h) // 2
    fitted[top:top + h, left:left + w] = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
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


def text_clip(path: Path) -> Path:
    """'CLOUDLET 42' on white 0-2 s, a red shot 2-3 s, 'HELLO WORLD' 3-5 s."""
    return write(path, [text("CLOUDLET 42", 2), solid((200, 30, 30), 1), text("HELLO WORLD", 2)])


def faces_clip(path: Path) -> Path:
    """A grey shot 0-1 s, Grace Hopper's portrait 1-3 s, a green shot 3-4 s."""
    return write(path, [solid((128, 128, 128), 1), photo(grace_hopper(), 2), solid((30, 200, 30), 1)])


def people_clip(path: Path) -> Path:
    """Grace Hopper 0-2 s, a cut to grey 2-3 s, Grace Hopper again 3-4 s (a new person index after the cut)."""
    portrait = photo(grace_hopper(), 2)
    return write(path, [portrait, solid((128, 128, 128), 1), photo(grace_hopper(), 1)])
