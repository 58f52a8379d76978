"""botocore's service models, loaded once, plus overlays for protocols botocore no longer ships."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path

from botocore.loaders import create_loader
from botocore.model import OperationModel, ServiceModel

_OVERLAYS = Path(__file__).with_name("overlays")


@lru_cache(maxsize=None)
def _raw(service: str) -> dict:
    return create_loader().load_service_model(service, "service-2")


def _merge(target: dict, patch: dict) -> None:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


@lru_cache(maxsize=None)
def overlay(service: str, protocol: str) -> dict:
    path = _OVERLAYS / f"{service}-{protocol}.json"
    return json.loads(path.read_text()) if path.exists() else {}


@lru_cache(maxsize=None)
def service_model(service: str, protocol: str | None = None) -> ServiceModel:
    """The model of `service` as spoken in `protocol` (default: the model's own protocol)."""
    raw = _raw(service)
    native = raw["metadata"]["protocol"]
    patch = overlay(service, protocol or native)
    if not patch and (protocol is None or protocol == native):
        return ServiceModel(raw, service_name=service)
    data = copy.deepcopy(raw)
    _merge(data["metadata"], patch.get("metadata", {}))
    for name, shape_patch in patch.get("shapes", {}).items():
        _merge(data["shapes"][name], shape_patch)
    for op in patch.get("resultWrappers", []):
        if op in data["operations"] and "output" in data["operations"][op]:
            data["operations"][op]["output"]["resultWrapper"] = f"{op}Result"
    for name, (code, status) in patch.get("errors", {}).items():
        data["shapes"][name]["error"] = {"code": code, "httpStatusCode": status, "senderFault": status < 500}
    return ServiceModel(data, service_name=service)


@lru_cache(maxsize=None)
def error_traits(service: str) -> dict[str, tuple[str, int, bool]]:
    """Exception shape name -> (legacy query code, HTTP status, sender fault), for every protocol."""
    traits: dict[str, tuple[str, int, bool]] = {}
    for protocol in {_raw(service)["metadata"]["protocol"], "query"}:
        try:
            model = service_model(service, protocol)
        except KeyError:
            continue
        for name in model.shape_names:
            shape = model.shape_for(name)
            meta = shape.metadata
            if meta.get("exception") and (meta.get("error") or name not in traits):
                err = meta.get("error") or {}
                traits[name] = (err.get("code", name), err.get("httpStatusCode", 400), err.get("senderFault", True))
    return traits


def operation(model: ServiceModel, name: str) -> OperationModel | None:
    try:
        return model.operation_model(name)
    except Exception:
        return None
