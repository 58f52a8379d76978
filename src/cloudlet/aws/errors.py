"""AWS errors as the engines raise them; the protocol codecs turn them into each wire format."""

from __future__ import annotations


class AwsError(Exception):
    """An error the client should see. `code` is the modeled exception shape name (QueueDoesNotExist) or a
    common error code (InvalidParameterValue); the codecs look up the legacy query code and status."""

    def __init__(self, code: str, message: str = "", status: int | None = None, sender: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender


def invalid_parameter(message: str) -> AwsError:
    return AwsError("InvalidParameterValue", message)


def missing_parameter(name: str) -> AwsError:
    return AwsError("MissingParameter", f"The request must contain the parameter {name}.")


# The __type an awsQueryCompatible JSON service (SQS) puts on the common errors; the x-amzn-query-error
# header keeps the legacy code, which is what botocore shows as Error.Code.
QUERY_COMPATIBLE_JSON_TYPES = {
    "InvalidParameterValue": "InvalidParameterValueException",
    "MissingParameter": "MissingRequiredParameterException",
}

# Errors every AWS query/JSON service can answer, with their HTTP status.
COMMON_STATUS = {
    "InvalidParameterValue": 400, "MissingParameter": 400, "InvalidAction": 400, "InvalidQueryParameter": 400,
    "MalformedQueryString": 404, "InvalidParameterCombination": 400, "ValidationError": 400,
    "SerializationException": 400, "UnknownOperationException": 400, "AccessDenied": 403,
    "InvalidClientTokenId": 403, "SignatureDoesNotMatch": 403, "IncompleteSignature": 400,
    "RequestExpired": 400, "InternalFailure": 500, "ServiceUnavailable": 503, "Throttling": 400,
    "NotAuthorized": 403, "AuthorizationError": 403, "NotFound": 404, "InvalidParameter": 400,
    "InvalidAddress": 404, "RequestEntityTooLarge": 413,
}
