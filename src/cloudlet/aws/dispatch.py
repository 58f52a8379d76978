"""The AWS front end: reads a request, finds its service and operation, decodes it with the service model,
calls the engine, and encodes the answer or the error in the protocol the client spoke."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from botocore.model import ServiceModel

from ..http import BodyTooLarge, Receive, Request, Response, Scope
from ..runtime import Cloudlet
from . import json_protocol, query_protocol
from .context import RequestContext, account_for, credential_scope
from .errors import COMMON_STATUS, QUERY_COMPATIBLE_JSON_TYPES, AwsError
from .models import error_traits, service_model

log = logging.getLogger("cloudlet.aws")

MAX_REQUEST_BYTES = 4 * 1024 * 1024


class AwsService(Protocol):
    aws_name: str  # the signing name and botocore model name: "sqs", "sns", "rekognition"

    async def handle_aws(self, operation: str, params: dict[str, Any], ctx: RequestContext,
                         request: Request) -> dict[str, Any] | None: ...


class _Endpoint:
    def __init__(self, service: AwsService) -> None:
        self.service = service
        name = service.aws_name
        self.native = service_model(name)
        self.protocol = self.native.metadata["protocol"]
        self.query = self.native if self.protocol == "query" else _query_model(name)
        self.namespace_json = f"com.amazonaws.{name}"
        self.xml_namespace = (self.query.metadata.get("xmlNamespace") if self.query else None) or \
            f"https://{name}.amazonaws.com/doc/{self.native.metadata['apiVersion']}/"
        self.errors = error_traits(name)
        self.operations = set(self.native.operation_names)


def _query_model(name: str) -> ServiceModel | None:
    from .models import overlay

    return service_model(name, "query") if overlay(name, "query") else None


class AwsFrontEnd:
    def __init__(self, cloudlet: Cloudlet) -> None:
        from .sts import StsService

        self.cloudlet = cloudlet
        self.default_account = cloudlet.settings.default_account
        self.default_region = cloudlet.settings.region
        self.endpoints: dict[str, _Endpoint] = {}
        self.by_target: dict[str, _Endpoint] = {}
        services = [s for s in cloudlet.services.values() if hasattr(s, "aws_name")] + [StsService(cloudlet)]
        for service in services:
            endpoint = _Endpoint(service)
            self.endpoints[service.aws_name] = endpoint
            prefix = endpoint.native.metadata.get("targetPrefix")
            if prefix:
                self.by_target[prefix] = endpoint

    async def handle(self, scope: Scope, receive: Receive) -> Response:
        try:
            request = await Request.read(scope, receive, MAX_REQUEST_BYTES)
        except BodyTooLarge:
            return Response(413, b"Request Entity Too Large", [("content-type", "text/plain")])
        target = request.headers.get("x-amz-target")
        if target:
            return await self._json(request, target)
        return await self._query(request)

    def _context(self, request: Request, protocol: str, scope_hint: tuple[str, str, str] | None) -> RequestContext:
        access_key, region = (scope_hint[0], scope_hint[1]) if scope_hint else ("", self.default_region)
        return RequestContext(account=account_for(access_key, self.default_account), region=region or self.default_region,
                              host=request.host, scheme=request.scheme, protocol=protocol, access_key=access_key)

    # -- JSON ------------------------------------------------------------------------------------
    async def _json(self, request: Request, target: str) -> Response:
        prefix, _, op_name = target.rpartition(".")
        endpoint = self.by_target.get(prefix)
        scope_hint = credential_scope(request.headers.get("authorization", ""), {})
        ctx = self._context(request, "json", scope_hint)
        version = endpoint.native.metadata.get("jsonVersion", "1.0") if endpoint else "1.0"
        if endpoint is None or op_name not in endpoint.operations:
            return self._json_error(endpoint, ctx, AwsError("UnknownOperationException", ""), version)
        op = endpoint.native.operation_model(op_name)
        try:
            params = json_protocol.parse_request(op, request.body)
            _check_required(op.input_shape, params)
            result = await endpoint.service.handle_aws(op_name, params, ctx, request)
            body, headers = json_protocol.serialize_response(op, result, version)
            return Response(200, body, headers + [("x-amzn-requestid", ctx.request_id)])
        except AwsError as err:
            return self._json_error(endpoint, ctx, err, version)

    def _json_error(self, endpoint: _Endpoint | None, ctx: RequestContext, err: AwsError, version: str) -> Response:
        query_code, status, sender = self._traits(endpoint, err)
        namespace = endpoint.namespace_json if endpoint else "com.amazonaws"
        awsquery = endpoint is not None and "awsQueryCompatible" in endpoint.native.metadata
        json_type = QUERY_COMPATIBLE_JSON_TYPES.get(err.code, err.code) if awsquery else err.code
        status, body, headers = json_protocol.serialize_error(namespace, json_type, err.message, status,
                                                             query_code if awsquery else None, sender, version)
        return Response(status, body, headers + [("x-amzn-requestid", ctx.request_id)])

    def _traits(self, endpoint: _Endpoint | None, err: AwsError) -> tuple[str, int, bool]:
        if endpoint is not None and err.code in endpoint.errors:
            code, status, sender = endpoint.errors[err.code]
        else:
            code, status, sender = err.code, COMMON_STATUS.get(err.code, 400), True
        return code, err.status or status, err.sender if err.status else sender

    # -- query -----------------------------------------------------------------------------------
    async def _query(self, request: Request) -> Response:
        params = dict(request.query_items)
        content_type = request.headers.get("content-type", "")
        if request.body and (request.method == "POST" and "json" not in content_type):
            try:
                params.update(query_protocol.parse_form(request.body.decode("utf-8")))
            except UnicodeDecodeError:
                return self._query_error(None, self._context(request, "query", None),
                                         AwsError("MalformedQueryString", "The request body is not valid UTF-8."))
        scope_hint = credential_scope(request.headers.get("authorization", ""), params)
        ctx = self._context(request, "query", scope_hint)
        action = params.get("Action")
        endpoint = self._endpoint_for_query(scope_hint, action, request)
        if not action:
            if request.method == "GET":  # AWS answers a bare GET on an endpoint this way
                return Response(404, b"<UnknownOperationException/>", [("content-type", "text/xml"),
                                                                       ("x-amzn-requestid", ctx.request_id)])
            return self._query_error(endpoint, ctx, AwsError("MissingAction", "Missing Action"))
        if endpoint is None or endpoint.query is None or action not in endpoint.operations:
            return self._query_error(endpoint, ctx, AwsError(
                "InvalidAction", f"The action {action} is not valid for this endpoint."))
        op = endpoint.query.operation_model(action)
        queue_level = request.path.strip("/").count("/") == 1  # /{account}/{queue}: an SQS queue's own URL
        if queue_level and "QueueUrl" not in op.input_shape.members:
            return self._query_error(endpoint, ctx, AwsError(
                "InvalidAction", f"The action {action} is not valid for this endpoint."))
        try:
            parsed = query_protocol.parse_request(op, params)
            if "QueueUrl" in op.input_shape.members and "QueueUrl" not in parsed and queue_level:
                parsed["QueueUrl"] = f"{ctx.base_url}{request.path}"  # old SDKs post to the queue's URL
            _check_required(op.input_shape, parsed)
            result = await endpoint.service.handle_aws(action, parsed, ctx, request)
            body = query_protocol.serialize_response(op, result, endpoint.xml_namespace, ctx.request_id)
            return Response(200, body, [("content-type", "text/xml"), ("x-amzn-requestid", ctx.request_id)])
        except AwsError as err:
            return self._query_error(endpoint, ctx, err)

    def _endpoint_for_query(self, scope_hint, action, request: Request) -> _Endpoint | None:
        if scope_hint and scope_hint[2] in self.endpoints:
            endpoint = self.endpoints[scope_hint[2]]
            if action is None or action in endpoint.operations:
                return endpoint
        for endpoint in self.endpoints.values():
            if action in endpoint.operations and endpoint.query is not None:
                return endpoint
        return None

    def _query_error(self, endpoint: _Endpoint | None, ctx: RequestContext, err: AwsError) -> Response:
        code, status, sender = self._traits(endpoint, err)
        namespace = endpoint.xml_namespace if endpoint else "http://queue.amazonaws.com/doc/2012-11-05/"
        message = QUERY_MESSAGES.get(err.message, err.message)
        body = query_protocol.serialize_error(namespace, code, message, sender, ctx.request_id)
        return Response(status, body, [("content-type", "text/xml"), ("x-amzn-requestid", ctx.request_id)])


# Messages that differ between the query and JSON protocols of the same service.
QUERY_MESSAGES = {"The specified queue does not exist.": "The specified queue does not exist for this wsdl version."}


def _check_required(shape, params: dict[str, Any], path: str = "") -> None:
    if shape is None:
        return
    for name in shape.required_members:
        if params.get(name) is None:
            raise AwsError("MissingParameter", f"The request must contain the parameter {path}{name}.")
