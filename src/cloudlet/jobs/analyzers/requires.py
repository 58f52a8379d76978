"""Importing an optional analysis library: a capability whose library or model is missing fails its job with
a message that says what to install, and the server itself never needs them."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import AnalysisFailed


def need(capability: str, what: str, *modules: str) -> list[ModuleType]:
    try:
        return [importlib.import_module(name) for name in modules]
    except ImportError:
        raise AnalysisFailed(f"{capability} needs {what} (the `video` extra), which is not installed in this "
                             "Cloudlet.") from None
