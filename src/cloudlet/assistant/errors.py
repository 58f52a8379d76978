"""Azure AI Search's error shape: {"error": {"code": ..., "message": ...}} with the HTTP status it goes with."""

from __future__ import annotations

from ..http import Response, json_response


class SearchError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> Response:
        return json_response({"error": {"code": self.code, "message": self.message, "details": []}}, self.status)


def bad_request(message: str, code: str = "InvalidRequestParameter") -> SearchError:
    return SearchError(400, code, message)


def not_found(message: str) -> SearchError:
    return SearchError(404, "ResourceNotFound", message)
