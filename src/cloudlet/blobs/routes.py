"""Which Blob REST operation a request is, and what it needs: the SAS permission letters (any one suffices),
the SAS resource level, and the public access level that lets anonymous callers in."""

from __future__ import annotations

from dataclasses import dataclass

from ..azure.errors import StorageError
from .call import BlobCall


@dataclass(frozen=True)
class Op:
    name: str
    permission: str  # SAS letters, any one suffices; "" for none
    level: str  # SAS level: service, container, object
    public: str | None = None  # "blob": public-blob and public-container allow it; "container": only container


# (path level, method, restype, comp) -> Op; HEAD shares GET's entries
_TABLE: dict[tuple[str, str, str, str], Op] = {
    ("service", "GET", "service", "properties"): Op("get_service_properties", "r", "service"),
    ("service", "PUT", "service", "properties"): Op("set_service_properties", "w", "service"),
    ("service", "GET", "service", "stats"): Op("get_stats", "r", "service"),
    ("service", "GET", "", "list"): Op("list_containers", "l", "service"),
    ("service", "POST", "service", "userdelegationkey"): Op("user_delegation_key", "", "service"),
    ("service", "GET", "", "blobs"): Op("find_blobs", "f", "service"),
    ("container", "PUT", "container", ""): Op("create_container", "c", "container"),
    ("container", "DELETE", "container", ""): Op("delete_container", "d", "container"),
    ("container", "GET", "container", ""): Op("get_container_properties", "r", "container", "container"),
    ("container", "GET", "container", "metadata"): Op("get_container_metadata", "r", "container", "container"),
    ("container", "PUT", "container", "metadata"): Op("set_container_metadata", "w", "container"),
    ("container", "GET", "container", "acl"): Op("get_container_acl", "r", "container"),
    ("container", "PUT", "container", "acl"): Op("set_container_acl", "w", "container"),
    ("container", "PUT", "container", "lease"): Op("lease_container", "w", "container"),
    ("container", "GET", "container", "list"): Op("list_blobs", "l", "container", "container"),
    ("container", "GET", "container", "blobs"): Op("find_blobs", "f", "container"),
    ("blob", "PUT", "", ""): Op("put_blob", "cw", "object"),
    ("blob", "PUT", "", "block"): Op("put_block", "cw", "object"),
    ("blob", "PUT", "", "blocklist"): Op("put_block_list", "cw", "object"),
    ("blob", "PUT", "", "appendblock"): Op("append_block", "aw", "object"),
    ("blob", "PUT", "", "seal"): Op("seal_blob", "w", "object"),
    ("blob", "PUT", "", "properties"): Op("set_blob_properties", "w", "object"),
    ("blob", "PUT", "", "metadata"): Op("set_blob_metadata", "w", "object"),
    ("blob", "PUT", "", "lease"): Op("lease_blob", "w", "object"),
    ("blob", "PUT", "", "snapshot"): Op("snapshot_blob", "cw", "object"),
    ("blob", "PUT", "", "copy"): Op("abort_copy", "w", "object"),
    ("blob", "PUT", "", "tier"): Op("set_blob_tier", "w", "object"),
    ("blob", "PUT", "", "tags"): Op("set_blob_tags", "t", "object"),
    ("blob", "GET", "", ""): Op("get_blob", "r", "object", "blob"),
    ("blob", "GET", "", "metadata"): Op("get_blob_metadata", "r", "object", "blob"),
    ("blob", "GET", "", "blocklist"): Op("get_block_list", "r", "object", "blob"),
    ("blob", "GET", "", "tags"): Op("get_blob_tags", "t", "object"),
    ("blob", "DELETE", "", ""): Op("delete_blob", "d", "object"),
}
_ACCOUNT_INFO = Op("account_info", "", "service")
_UNSUPPORTED = {"page", "pagelist", "incrementalcopy", "immutabilityPolicies", "legalhold", "expiry", "undelete",
                "query", "batch", "rename", "versions"}


def route(call: BlobCall) -> Op:
    method = "GET" if call.method == "HEAD" else call.method
    restype = call.query.get("restype", "")
    comp = call.query.get("comp", "")
    if restype == "account" and comp == "properties" and method == "GET":
        return _ACCOUNT_INFO
    if comp in _UNSUPPORTED or (call.level == "blob" and call.header("x-ms-blob-type") == "PageBlob"):
        raise StorageError(501, "NotImplemented", "Cloudlet does not implement this operation (page blobs, "
                                                  "immutability, batch and queries are not supported).")
    level = call.level
    if level == "container" and restype != "container" and comp != "blobs":
        # a blob in the $root container addressed as /account/blob
        raise StorageError(400, "InvalidQueryParameterValue", extra={"QueryParameterName": "restype",
                                                                     "QueryParameterValue": restype})
    op = _TABLE.get((level, method, restype if level != "blob" else "", comp))
    if op is None:
        if any(key[:2] == (level, method) for key in _TABLE):
            raise StorageError(400, "InvalidQueryParameterValue", extra={"QueryParameterName": "comp",
                                                                         "QueryParameterValue": comp})
        raise StorageError(405, "UnsupportedHttpVerb")
    if op.name == "put_blob" and call.header("x-ms-copy-source"):
        return Op("copy_blob", "cw", "object")
    return op
