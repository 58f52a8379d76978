"""A front end whose operations are methods named `op_<Operation>`: the one lookup every AWS API shares."""

from __future__ import annotations

from typing import Any

from .context import RequestContext
from .errors import AwsError


class OperationMethods:
    async def call(self, operation: str, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any] | None:
        handler = getattr(self, f"op_{operation}", None)
        if handler is None:
            raise AwsError("InvalidAction", f"The action {operation} is not valid for this endpoint.")
        return await handler(params, ctx)
