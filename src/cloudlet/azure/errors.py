"""Azure Storage errors: an exception carrying Azure's status and code, serialized as Azure's error XML."""

from __future__ import annotations

from xml.sax.saxutils import escape

MESSAGES = {
    "AuthenticationFailed": "Server failed to authenticate the request. Make sure the value of Authorization "
                            "header is formed correctly including the signature.",
    "AuthorizationPermissionMismatch": "This request is not authorized to perform this operation using this permission.",
    "AuthorizationFailure": "This request is not authorized to perform this operation.",
    "AuthorizationSourceIPMismatch": "This request is not authorized to perform this operation using this source IP.",
    "AuthorizationProtocolMismatch": "This request is not authorized to perform this operation using this protocol.",
    "AuthorizationResourceTypeMismatch": "This request is not authorized to perform this operation using this resource type.",
    "AuthorizationServiceMismatch": "This request is not authorized to perform this operation using this service.",
    "NoAuthenticationInformation": "Server failed to authenticate the request. Please refer to the information in the "
                                   "www-authenticate header.",
    "ResourceNotFound": "The specified resource does not exist.",
    "ContainerNotFound": "The specified container does not exist.",
    "ContainerAlreadyExists": "The specified container already exists.",
    "BlobNotFound": "The specified blob does not exist.",
    "BlobAlreadyExists": "The specified blob already exists.",
    "ConditionNotMet": "The condition specified using HTTP conditional header(s) is not met.",
    "InvalidRange": "The range specified is invalid for the current size of the resource.",
    "InvalidBlockList": "The specified block list is invalid.",
    "InvalidBlockId": "The specified blob or block content is invalid.",
    "InvalidHeaderValue": "The value for one of the HTTP headers is not in the correct format.",
    "InvalidQueryParameterValue": "Value for one of the query parameters specified in the request URI is invalid.",
    "InvalidXmlDocument": "XML specified is not syntactically valid.",
    "InvalidResourceName": "The specifed resource name contains invalid characters.",
    "InvalidUri": "The requested URI does not represent any resource on the server.",
    "Md5Mismatch": "The MD5 value specified in the request did not match with the MD5 value calculated by the server.",
    "Crc64Mismatch": "The CRC64 value specified in the request did not match with the CRC64 value calculated by the server.",
    "MissingRequiredHeader": "An HTTP header that's mandatory for this request is not specified.",
    "MissingRequiredQueryParameter": "A query parameter that's mandatory for this request is not specified.",
    "RequestBodyTooLarge": "The request body is too large and exceeds the maximum permissible limit.",
    "BlobArchived": "This operation is not permitted on an archived blob.",
    "InvalidBlobType": "The blob type is invalid for this operation.",
    "InvalidBlobTier": "The specified blob tier is invalid.",
    "SnapshotsPresent": "This operation is not permitted because the blob has snapshots.",
    "AppendPositionConditionNotMet": "The append position condition specified was not met.",
    "MaxBlobSizeConditionNotMet": "The max blob size condition specified was not met.",
    "BlockCountExceedsLimit": "The committed block count cannot exceed the maximum limit of 50,000 blocks.",
    "LeaseAlreadyPresent": "There is already a lease present.",
    "LeaseIdMissing": "There is currently a lease on the resource and no lease ID was specified in the request.",
    "LeaseIdMismatchWithBlobOperation": "The lease ID specified did not match the lease ID for the blob.",
    "LeaseIdMismatchWithContainerOperation": "The lease ID specified did not match the lease ID for the container.",
    "LeaseIdMismatchWithLeaseOperation": "The lease ID specified did not match the lease ID for the resource.",
    "LeaseNotPresentWithBlobOperation": "There is currently no lease on the blob.",
    "LeaseNotPresentWithContainerOperation": "There is currently no lease on the container.",
    "LeaseNotPresentWithLeaseOperation": "There is currently no lease on the resource.",
    "LeaseIsBrokenAndCannotBeRenewed": "The lease ID matched, but the lease has been broken explicitly and cannot be renewed.",
    "LeaseIsBreakingAndCannotBeAcquired": "The lease ID matched, but the lease is currently in breaking state and cannot be acquired until it is broken.",
    "LeaseIsBreakingAndCannotBeChanged": "The lease ID matched, but the lease is currently in breaking state and cannot be changed.",
    "NoPendingCopyOperation": "There is currently no pending copy operation.",
    "CannotVerifyCopySource": "Could not verify the copy source within the specified time.",
    "CorsPreflightFailure": "CORS not enabled or no matching rule found for this request.",
    "UnsupportedHttpVerb": "The resource doesn't support the specified HTTP verb.",
    "NotImplemented": "The requested operation is not implemented on the specified resource.",
    "OutOfRangeInput": "One of the request inputs is out of range.",
    "OutOfRangeQueryParameterValue": "One of the query parameters specified in the request URI is outside the permissible range.",
    "InvalidInput": "One of the request inputs is not valid.",
    "InvalidMetadata": "The metadata specified is invalid. It has characters that are not permitted.",
    "InvalidTag": "The tags specified are invalid. It contains characters that are not permitted.",
    "InternalError": "The server encountered an internal error. Please retry the request.",
}


class StorageError(Exception):
    def __init__(self, status: int, code: str, message: str | None = None, extra: dict[str, str] | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message or MESSAGES.get(code, code)
        self.extra = extra or {}

    def to_xml(self, request_id: str, when: str) -> bytes:
        extra = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in self.extra.items())
        return (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{self.code}</Code><Message>'
                f"{escape(self.message)}\nRequestId:{request_id}\nTime:{when}</Message>{extra}</Error>").encode()


def bad_header(name: str, value: str = "") -> StorageError:
    return StorageError(400, "InvalidHeaderValue", extra={"HeaderName": name, "HeaderValue": value})


def bad_query(name: str, value: str = "") -> StorageError:
    return StorageError(400, "InvalidQueryParameterValue",
                        extra={"QueryParameterName": name, "QueryParameterValue": value})
