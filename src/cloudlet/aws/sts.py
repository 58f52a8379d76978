"""STS, the part clients use as a health check: GetCallerIdentity answers with the caller's account."""

from __future__ import annotations

from typing import Any

from .context import RequestContext
from .errors import AwsError


class StsService:
    aws_name = "sts"

    def __init__(self, cloudlet: Any) -> None:
        self.cloudlet = cloudlet

    async def handle_aws(self, operation: str, params: dict[str, Any], ctx: RequestContext, request: Any) -> dict:
        if operation == "GetCallerIdentity":
            return {"UserId": ctx.access_key or "AKIAIOSFODNN7EXAMPLE", "Account": ctx.account,
                    "Arn": f"arn:aws:iam::{ctx.account}:root"}
        raise AwsError("InvalidAction", f"Cloudlet does not implement STS {operation}.")
