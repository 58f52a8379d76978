"""Subscription filter policies: validation with AWS's error messages, and matching against a message's
attributes (scope MessageAttributes) or its JSON body (scope MessageBody).

A policy compiles to a list of branches (one per `$or` alternative); a branch maps a key path to the
conditions one of which must hold. A message matches when every key of some branch matches.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any, Callable

from ..aws.errors import AwsError

SCOPES = ("MessageAttributes", "MessageBody")
MAX_KEYS = 5
MAX_COMBINATIONS = 150
MAX_POLICY_BYTES = 256 * 1024
_NUMERIC_OPS = ("<", "<=", "=", ">", ">=")
_MISSING = object()

Condition = Callable[[Any, bool], bool]  # (value, key exists) -> matches


class PolicyError(Exception):
    pass


class FilterPolicy:
    def __init__(self, branches: list[dict[str, list[Condition]]], scope: str) -> None:
        self.branches = branches
        self.scope = scope

    def matches(self, attributes: dict[str, dict[str, Any]], body: str) -> bool:
        if not self.branches:
            return True
        if self.scope == "MessageBody":
            values = _flatten_body(body)
            if values is None:
                return False
        else:
            values = _attribute_values(attributes)
        return any(all(_key_matches(values.get(key, _MISSING), conds) for key, conds in branch.items())
                   for branch in self.branches)


def _key_matches(values: Any, conditions: list[Condition]) -> bool:
    if values is _MISSING:
        return any(cond(None, False) for cond in conditions)
    return any(cond(value, True) for value in values for cond in conditions)


def _attribute_values(attributes: dict[str, dict[str, Any]]) -> dict[str, list[Any]]:
    """Each attribute as the list of typed values a condition tests (a String.Array gives several)."""
    out: dict[str, list[Any]] = {}
    for name, attr in attributes.items():
        kind = attr.get("DataType", "")
        text = attr.get("StringValue")
        if kind.startswith("Binary") or text is None:
            out[name] = [_Opaque]
        elif kind == "String.Array":
            try:
                items = json.loads(text)
            except ValueError:
                items = None
            out[name] = [_typed(i) for i in items] if isinstance(items, list) else [_Opaque]
        elif kind.startswith("Number"):
            try:
                out[name] = [float(text)]
            except ValueError:
                out[name] = [_Opaque]
        else:
            out[name] = [text]
    return out


class _Opaque:
    """A present value no value condition matches (binary attributes, unparsable arrays)."""


def _typed(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return _Opaque


def _flatten_body(body: str) -> dict[str, list[Any]] | None:
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    out: dict[str, list[Any]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for child in node:
                walk(child, path)
        else:
            out.setdefault(path, []).append(_typed(node))

    walk(doc, "")
    return out


# -- compiling and validating ------------------------------------------------------------------------
def parse(text: str, scope: str, subscribe_call: bool) -> FilterPolicy:
    """Validate a FilterPolicy as AWS does; raises AwsError(InvalidParameter) with AWS's message."""
    prefix = "Invalid parameter: Attributes Reason: " if subscribe_call else "Invalid parameter: "
    try:
        return compile_policy(text, scope)
    except PolicyError as err:
        message = str(err)
        if not message.startswith("Filter policy scope"):
            message = f"FilterPolicy: {message}"
        raise AwsError("InvalidParameterException", prefix + message) from None


def compile_policy(text: str, scope: str) -> FilterPolicy:
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise PolicyError("Filter policy is too large")
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise PolicyError(f"failed to parse JSON. {exc}") from None
    if not isinstance(doc, dict):
        raise PolicyError("Filter policy must be a JSON object")
    if len(doc) > MAX_KEYS:
        raise PolicyError(f"Filter policy can not have more than {MAX_KEYS} keys")
    branches, combinations = _branches(doc, "", 1, scope)
    if combinations > MAX_COMBINATIONS:
        raise PolicyError("Filter policy is too complex")
    compiled = [{key: [_condition(rule) for rule in rules] for key, rules in branch.items()} for branch in branches]
    return FilterPolicy([b for b in compiled if b] if doc else [], scope)


def _branches(node: dict, path: str, depth: int, scope: str) -> tuple[list[dict[str, list]], int]:
    """Expand `$or` and nesting into flat branches; count combinations as AWS does (values x depth)."""
    branches: list[dict[str, list]] = [{}]
    combinations = 1
    for key, value in node.items():
        if key == "$or":
            if not isinstance(value, list) or not value:
                raise PolicyError('"$or" must be an object or an array' if not isinstance(value, list)
                                  else "Empty arrays are not allowed")
            alternatives, total = [], 0
            for option in value:
                if not isinstance(option, dict):
                    raise PolicyError("Match value must be String, number, true, false, or null")
                sub, count = _branches(option, path, depth, scope)
                alternatives.extend(sub)
                total += count
            branches = [{**b, **alt} for b in branches for alt in alternatives]
            combinations *= total
            continue
        full = f"{path}.{key}" if path else key
        if isinstance(value, dict):
            if scope == "MessageAttributes":
                raise PolicyError("Filter policy scope MessageAttributes does not support nested filter policy")
            sub, count = _branches(value, full, depth + 1, scope)
            branches = [{**b, **s} for b in branches for s in sub]
            combinations *= count
        elif isinstance(value, list):
            if not value:
                raise PolicyError("Empty arrays are not allowed")
            for rule in value:
                _validate_rule(rule)
            branches = [{**b, full: value} for b in branches]
            combinations *= len(value) * depth
        else:
            raise PolicyError(f'"{key}" must be an object or an array')
    return branches, combinations


def _validate_rule(rule: Any) -> None:
    if rule is None or isinstance(rule, (str, bool, int, float)):
        return
    if not isinstance(rule, dict):
        raise PolicyError("Match value must be String, number, true, false, or null")
    if len(rule) != 1:
        raise PolicyError("Only one key allowed in match expression")
    (op, value), = rule.items()
    if op in ("prefix", "suffix", "equals-ignore-case"):
        if not isinstance(value, str):
            raise PolicyError(f"{op} match pattern must be a string")
    elif op == "anything-but":
        if isinstance(value, dict):
            if len(value) != 1:
                raise PolicyError("Only one key allowed in match expression")
            (inner, pattern), = value.items()
            if inner not in ("prefix", "suffix"):
                raise PolicyError(f"Unsupported anything-but pattern: {inner}")
            if not isinstance(pattern, str):
                raise PolicyError(f"{inner} match pattern must be a string")
        elif isinstance(value, list):
            if not value:
                raise PolicyError("Empty arrays are not allowed")
            for item in value:
                if not isinstance(item, (str, int, float)) or isinstance(item, bool):
                    raise PolicyError("Inside anything but list, start|null|boolean is not supported.")
        elif not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise PolicyError("Inside anything but list, start|null|boolean is not supported.")
    elif op == "exists":
        if not isinstance(value, bool):
            raise PolicyError("exists match pattern must be either true or false.")
    elif op == "numeric":
        _validate_numeric(value)
    elif op == "cidr":
        _validate_cidr(value)
    else:
        raise PolicyError(f"Unrecognized match type {op}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _validate_numeric(terms: Any) -> None:
    if not isinstance(terms, list) or not terms:
        raise PolicyError("Invalid member in numeric match: ]")
    op = terms[0]
    if not isinstance(op, str):
        raise PolicyError(f"Invalid member in numeric match: {op}")
    if op not in _NUMERIC_OPS:
        raise PolicyError(f"Unrecognized numeric range operator: {op}")
    if len(terms) < 2 or not _is_number(terms[1]):
        raise PolicyError(f"Value of {'equals' if op == '=' else op} must be numeric")
    if len(terms) == 2:
        return
    if op not in (">", ">="):
        raise PolicyError("Too many elements in numeric expression")
    second = terms[2]
    if not isinstance(second, str):
        raise PolicyError(f"Bad value in numeric range: {second}")
    if second not in ("<", "<="):
        raise PolicyError(f"Bad numeric range operator: {second}")
    if len(terms) < 4 or not _is_number(terms[3]):
        raise PolicyError(f"Value of {second} must be numeric")
    if terms[3] <= terms[1]:
        raise PolicyError("Bottom must be less than top")
    if len(terms) > 4:
        raise PolicyError("Too many terms in numeric range expression")


def _validate_cidr(value: Any) -> None:
    if not isinstance(value, str):
        raise PolicyError("prefix match pattern must be a string")
    parts = value.split("/")
    if len(parts) != 2:
        raise PolicyError("Malformed CIDR, one '/' required")
    if not parts[1].isdigit():
        raise PolicyError("Malformed CIDR, mask bits must be an integer")
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise PolicyError(f"Nonstandard IP address: {parts[0]}") from None


# -- conditions --------------------------------------------------------------------------------------
def _condition(rule: Any) -> Condition:
    if rule is None:
        return lambda v, present: present and v is None
    if isinstance(rule, bool):
        return lambda v, present: present and v is rule
    if isinstance(rule, str):
        return lambda v, present: present and v == rule
    if _is_number(rule):
        number = float(rule)
        return lambda v, present: present and _is_float(v) and v == number
    (op, value), = rule.items()
    if op == "exists":
        return lambda v, present: present is value
    if op == "prefix":
        return lambda v, present: present and isinstance(v, str) and v.startswith(value)
    if op == "suffix":
        return lambda v, present: present and isinstance(v, str) and v.endswith(value)
    if op == "equals-ignore-case":
        folded = value.casefold()
        return lambda v, present: present and isinstance(v, str) and v.casefold() == folded
    if op == "anything-but":
        return _anything_but(value)
    if op == "numeric":
        return _numeric(value)
    network = ipaddress.ip_network(value, strict=False)
    return lambda v, present: present and isinstance(v, str) and _in_network(v, network)


def _is_float(v: Any) -> bool:
    return type(v) is float


def _anything_but(value: Any) -> Condition:
    if isinstance(value, dict):
        (op, pattern), = value.items()
        if op == "prefix":
            return lambda v, present: present and isinstance(v, str) and not v.startswith(pattern)
        return lambda v, present: present and isinstance(v, str) and not v.endswith(pattern)
    items = value if isinstance(value, list) else [value]
    strings = {i for i in items if isinstance(i, str)}
    numbers = {float(i) for i in items if _is_number(i)}
    return lambda v, present: present and v is not _Opaque and v not in (numbers if _is_float(v) else strings)


def _numeric(terms: list) -> Condition:
    checks = [(terms[i], float(terms[i + 1])) for i in range(0, len(terms), 2)]

    def test(v: Any, present: bool) -> bool:
        if not present or not _is_float(v):
            return False
        for op, bound in checks:
            if not ((op == "=" and v == bound) or (op == "<" and v < bound) or (op == "<=" and v <= bound)
                    or (op == ">" and v > bound) or (op == ">=" and v >= bound)):
                return False
        return True
    return test


def _in_network(text: str, network: Any) -> bool:
    try:
        return ipaddress.ip_address(text) in network
    except ValueError:
        return False
