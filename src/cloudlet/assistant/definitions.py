"""Index definitions: validation of the JSON an SDK sends, and Azure's defaults filled in, so that what a GET
answers is what the service would have stored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import bad_request

INDEX_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")
SCALAR_TYPES = {"Edm.String", "Edm.Int32", "Edm.Int64", "Edm.Double", "Edm.Boolean", "Edm.DateTimeOffset",
                "Edm.GeographyPoint"}
VECTOR_TYPES = {"Collection(Edm.Single)", "Collection(Edm.Half)", "Collection(Edm.Int16)", "Collection(Edm.SByte)"}
MAX_DIMENSIONS = 4096
MAX_SEARCHABLE = 16  # the FTS5 table's columns


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    key: bool
    searchable: bool
    filterable: bool
    sortable: bool
    retrievable: bool
    dimensions: int | None
    profile: str | None

    @property
    def is_vector(self) -> bool:
        return self.type in VECTOR_TYPES

    @property
    def is_collection(self) -> bool:
        return self.type.startswith("Collection(") and not self.is_vector

    @property
    def is_text(self) -> bool:
        return self.type in ("Edm.String", "Collection(Edm.String)")


class IndexDef:
    """A validated index definition: its JSON (as stored and echoed) and its fields by name."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.name: str = body["name"]
        self.fields: dict[str, Field] = {}
        for raw in body["fields"]:
            self.fields[raw["name"]] = Field(raw["name"], raw["type"], bool(raw.get("key")), bool(raw.get("searchable")),
                                             bool(raw.get("filterable")), bool(raw.get("sortable")),
                                             raw.get("retrievable", True) is not False, raw.get("dimensions"),
                                             raw.get("vectorSearchProfile"))
        self.key = next(f.name for f in self.fields.values() if f.key)
        self.searchable = [f.name for f in self.fields.values() if f.searchable and f.is_text]
        self.vector_fields = [f.name for f in self.fields.values() if f.is_vector]

    def field(self, name: str) -> Field:
        found = self.fields.get(name)
        if found is None:
            raise bad_request(f"Invalid expression: Could not find a property named '{name}' on type "
                              f"'search.document'.")
        return found

    def has_vectorizer(self, field: Field) -> bool:
        vector_search = self.body.get("vectorSearch") or {}
        for profile in vector_search.get("profiles") or []:
            if profile.get("name") == field.profile:
                return bool(profile.get("vectorizer"))
        return False


def validate_index(body: Any, name_in_path: str | None = None) -> IndexDef:
    if not isinstance(body, dict):
        raise bad_request("The request is invalid. The index definition must be a JSON object.")
    name = body.get("name")
    if name_in_path is not None:
        if name is None:
            body["name"] = name = name_in_path
        elif name != name_in_path:
            raise bad_request("The index name in the request body does not match the index name in the URL.")
    if not isinstance(name, str) or not INDEX_NAME.match(name) or name.endswith("-") or "--" in name:
        raise bad_request(f"Invalid index name '{name}'. Index names must only contain lowercase letters, digits or "
                          f"dashes, cannot start or end with dashes and are limited to 128 characters.",
                          "InvalidName")
    fields = body.get("fields")
    if not isinstance(fields, list) or not fields:
        raise bad_request("The request is invalid. Details: index : The index must contain at least one field.")
    profiles = {p.get("name") for p in ((body.get("vectorSearch") or {}).get("profiles") or [])}
    seen: set[str] = set()
    keys = []
    for raw in fields:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise bad_request("The request is invalid. Details: every field needs a name.")
        fname, ftype = raw["name"], raw.get("type")
        if not FIELD_NAME.match(fname):
            raise bad_request(f"Invalid field name '{fname}'.", "InvalidName")
        if fname in seen:
            raise bad_request(f"The request is invalid. Details: Field '{fname}' appears more than once.")
        seen.add(fname)
        scalar = ftype in SCALAR_TYPES or (isinstance(ftype, str) and ftype.startswith("Collection(")
                                           and ftype[11:-1] in SCALAR_TYPES)
        if ftype in VECTOR_TYPES:
            dims = raw.get("dimensions")
            if not isinstance(dims, int) or not 2 <= dims <= MAX_DIMENSIONS:
                raise bad_request(f"The request is invalid. Details: The vector field '{fname}' must have the "
                                  f"'dimensions' property set between 2 and {MAX_DIMENSIONS}.")
            if raw.get("vectorSearchProfile") not in profiles:
                raise bad_request(f"The request is invalid. Details: The vector field '{fname}' must reference an "
                                  f"existing vector search profile.")
            _defaults(raw, searchable=True, filterable=False, sortable=False, facetable=False)
        elif scalar:
            text = ftype in ("Edm.String", "Collection(Edm.String)")
            _defaults(raw, searchable=text, filterable=True, sortable=not ftype.startswith("Collection("),
                      facetable=True)
        else:
            raise bad_request(f"The request is invalid. Details: The field '{fname}' has an unsupported type "
                              f"'{ftype}'.")
        if raw.get("key"):
            keys.append(raw)
    searchable = [f for f in fields if f.get("searchable") and f["type"] in ("Edm.String", "Collection(Edm.String)")]
    if len(searchable) > MAX_SEARCHABLE:
        raise bad_request(f"The request is invalid. Details: Cloudlet supports at most {MAX_SEARCHABLE} searchable "
                          f"string fields per index.")
    if len(keys) != 1 or keys[0]["type"] != "Edm.String":
        raise bad_request("The request is invalid. Details: index : The index must contain exactly one key field "
                          "of type 'Edm.String'.")
    return IndexDef(body)


def _defaults(raw: dict[str, Any], **flags: bool) -> None:
    raw.setdefault("key", False)
    raw.setdefault("retrievable", True)
    raw.setdefault("stored", True)
    for flag, value in flags.items():
        if raw.get(flag) is None:
            raw[flag] = value
