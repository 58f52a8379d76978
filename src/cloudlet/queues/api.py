"""The SQS front end: one method per operation, from the decoded request to the result shape. Wire
formats (JSON 1.0 and query) are handled generically by the AWS protocol layer."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import urlsplit

from ..aws.context import RequestContext
from ..aws.operations import OperationMethods
from ..aws.errors import AwsError, invalid_parameter
from ..store.queue_records import QueueRecord, StoredMessage
from . import validation as v
from .checksums import md5_attributes
from .engine import QueueEngine, decode_attrs, no_such_queue, now_ms


# What AddPermission may grant (SendMessage, DeleteMessage and ChangeMessageVisibility cover their batches).
PERMISSION_ACTIONS = {"*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
                      "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue",
                      "ListQueueTags"}


class SqsApi(OperationMethods):
    def __init__(self, engine: QueueEngine) -> None:
        self.engine = engine

    # -- helpers ---------------------------------------------------------------------------------
    def url(self, ctx: RequestContext, queue: QueueRecord) -> str:
        return f"{ctx.base_url}/{queue.account}/{queue.name}"

    async def queue(self, params: dict[str, Any], ctx: RequestContext) -> QueueRecord:
        url = params["QueueUrl"]
        path = [p for p in urlsplit(url).path.split("/") if p]
        if len(path) == 2:
            account, name = path
        elif len(path) == 1 and not url.startswith(("http://", "https://")):
            account, name = ctx.account, path[0]
        elif len(path) == 3 and path[0] == "queue":  # LocalStack-style URLs: /queue/{region}/{account}/{name}
            account, name = path[1], path[2]
        else:
            raise no_such_queue()
        return await self.engine.get_queue(account, ctx.region, name)

    # -- queues ----------------------------------------------------------------------------------
    async def op_CreateQueue(self, p, ctx):
        queue = await self.engine.create_queue(ctx.account, ctx.region, p["QueueName"], p.get("Attributes") or {},
                                               p.get("tags") or {})
        return {"QueueUrl": self.url(ctx, queue)}

    async def op_GetQueueUrl(self, p, ctx):
        account = p.get("QueueOwnerAWSAccountId") or ctx.account
        queue = await self.engine.get_queue(account, ctx.region, p["QueueName"])
        return {"QueueUrl": self.url(ctx, queue)}

    async def op_ListQueues(self, p, ctx):
        limit = p.get("MaxResults")
        v.check_range("MaxResults", limit, 1, 1000, "Must be between 1 and 1000, if provided.")
        if p.get("NextToken") and limit is None:
            raise invalid_parameter("MaxResults is a mandatory parameter when you provide a value for NextToken.")
        names, token = await self.engine.list_queues(ctx.account, ctx.region, p.get("QueueNamePrefix") or "",
                                                     limit or 1000, p.get("NextToken"))
        result: dict[str, Any] = {"QueueUrls": [f"{ctx.base_url}/{ctx.account}/{n}" for n in names]}
        if limit is not None and token:
            result["NextToken"] = token
        if not names:
            result.pop("QueueUrls")
        return result

    async def op_DeleteQueue(self, p, ctx):
        await self.engine.delete_queue(await self.queue(p, ctx))
        return {}

    async def op_GetQueueAttributes(self, p, ctx):
        queue = await self.queue(p, ctx)
        names = p.get("AttributeNames") or []
        for name in names:
            if name != "All" and name not in v.READABLE:
                raise AwsError("InvalidAttributeName", f"Unknown Attribute {name}.")
        wanted = set(v.READABLE) if "All" in names else set(names)
        attrs = {k: val for k, val in queue.attributes.items() if k in wanted}
        if wanted & {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                     "ApproximateNumberOfMessagesDelayed"}:
            counts = await self.engine.counts(queue)
            attrs["ApproximateNumberOfMessages"] = str(counts["visible"])
            attrs["ApproximateNumberOfMessagesNotVisible"] = str(counts["inflight"])
            attrs["ApproximateNumberOfMessagesDelayed"] = str(counts["delayed"])
        attrs["CreatedTimestamp"] = str(queue.created_at // 1000)
        attrs["LastModifiedTimestamp"] = str(queue.modified_at // 1000)
        attrs["QueueArn"] = queue.arn
        attrs = {k: val for k, val in attrs.items() if k in wanted}
        return {"Attributes": attrs} if attrs else {}

    async def op_SetQueueAttributes(self, p, ctx):
        await self.engine.set_attributes(await self.queue(p, ctx), p.get("Attributes") or {})
        return {}

    async def op_PurgeQueue(self, p, ctx):
        await self.engine.purge(await self.queue(p, ctx))
        return {}

    async def op_TagQueue(self, p, ctx):
        await self.engine.tag(await self.queue(p, ctx), p.get("Tags") or {})
        return {}

    async def op_UntagQueue(self, p, ctx):
        await self.engine.untag(await self.queue(p, ctx), p.get("TagKeys") or [])
        return {}

    async def op_ListQueueTags(self, p, ctx):
        queue = await self.queue(p, ctx)
        return {"Tags": dict(queue.tags)} if queue.tags else {}

    async def op_AddPermission(self, p, ctx):
        queue = await self.queue(p, ctx)
        label = p["Label"]
        accounts, actions = p.get("AWSAccountIds") or [], p.get("Actions") or []
        if not accounts:
            raise AwsError("MissingParameter", "The request must contain the parameter AWSAccountIds.")
        if not actions:
            raise AwsError("MissingParameter", "The request must contain the parameter Actions.")
        for action in actions:
            if action not in PERMISSION_ACTIONS:
                raise invalid_parameter(f"Value SQS:{action} for parameter ActionName is invalid. Reason: Please "
                                        "refer to the appropriate WSDL for a list of valid actions.")
        policy = json.loads(queue.attributes.get("Policy") or '{"Version":"2008-10-17","Statement":[]}')
        policy.setdefault("Id", f"{queue.arn}/SQSDefaultPolicy")
        statements = policy.setdefault("Statement", [])
        if any(s.get("Sid") == label for s in statements):
            raise invalid_parameter(f"Value {label} for parameter Label is invalid. Reason: Already exists.")
        principals = [f"arn:aws:iam::{a}:root" for a in accounts]
        statements.append({"Sid": label, "Effect": "Allow",
                           "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
                           "Action": [f"SQS:{a}" for a in actions] if len(actions) > 1 else f"SQS:{actions[0]}",
                           "Resource": queue.arn})
        await self.engine.set_attributes(queue, {"Policy": json.dumps(policy, separators=(",", ":"))})
        return {}

    async def op_RemovePermission(self, p, ctx):
        queue = await self.queue(p, ctx)
        label = p["Label"]
        policy = json.loads(queue.attributes.get("Policy") or '{"Statement":[]}')
        statements = policy.get("Statement", [])
        kept = [s for s in statements if s.get("Sid") != label]
        if len(kept) == len(statements):
            raise invalid_parameter(f"Value {label} for parameter Label is invalid. Reason: can't find label on "
                                    "existing policy.")
        policy["Statement"] = kept
        await self.engine.set_attributes(queue, {"Policy": json.dumps(policy, separators=(",", ":")) if kept else ""})
        return {}

    async def op_ListDeadLetterSourceQueues(self, p, ctx):
        queue = await self.queue(p, ctx)
        limit = p.get("MaxResults")
        v.check_range("MaxResults", limit, 1, 1000, "Must be between 1 and 1000, if provided.")
        sources, token = await self.engine.dead_letter_sources(queue, limit or 1000, p.get("NextToken"))
        result: dict[str, Any] = {"queueUrls": [self.url(ctx, s) for s in sources]}
        if token and limit is not None:
            result["NextToken"] = token
        return result

    # -- messages --------------------------------------------------------------------------------
    async def op_SendMessage(self, p, ctx):
        queue = await self.queue(p, ctx)
        message, _ = self.engine.prepare(queue, p, ctx.account)
        (outcome,) = await self.engine.send(queue, [message])
        result = {"MessageId": outcome.message_id, "MD5OfMessageBody": message.md5_body}
        if message.md5_attributes:
            result["MD5OfMessageAttributes"] = message.md5_attributes
        if message.md5_system:
            result["MD5OfMessageSystemAttributes"] = message.md5_system
        if outcome.sequence_number:
            result["SequenceNumber"] = outcome.sequence_number
        return result

    async def op_SendMessageBatch(self, p, ctx):
        queue = await self.queue(p, ctx)
        entries = p.get("Entries") or []
        v.check_batch(entries, "SendMessageBatchRequestEntry")
        if queue.fifo:  # SQS rejects a FIFO batch as a whole when an entry lacks its group or deduplication id
            for entry in entries:
                if entry.get("MessageGroupId") is None:
                    raise invalid_parameter("The request must contain the parameter MessageGroupId.")
                if entry.get("MessageDeduplicationId") is None and \
                        queue.attributes.get("ContentBasedDeduplication") != "true":
                    raise invalid_parameter("The queue should either have ContentBasedDeduplication enabled or "
                                            "MessageDeduplicationId provided explicitly")
        prepared, failed, total = [], [], 0
        for entry in entries:
            try:
                message, size = self.engine.prepare(queue, entry, ctx.account)
                total += size
                prepared.append((entry["Id"], message))
            except AwsError as err:
                failed.append(_failure(entry["Id"], err))
        if total > v.MAX_BATCH_BYTES:
            raise AwsError("BatchRequestTooLong", f"Batch requests cannot be longer than {v.MAX_BATCH_BYTES} bytes. "
                           f"You have sent {total} bytes.")
        successful = []
        if prepared:
            outcomes = await self.engine.send(queue, [m for _, m in prepared])
            for (entry_id, message), outcome in zip(prepared, outcomes):
                item = {"Id": entry_id, "MessageId": outcome.message_id, "MD5OfMessageBody": message.md5_body}
                if message.md5_attributes:
                    item["MD5OfMessageAttributes"] = message.md5_attributes
                if message.md5_system:
                    item["MD5OfMessageSystemAttributes"] = message.md5_system
                if outcome.sequence_number:
                    item["SequenceNumber"] = outcome.sequence_number
                successful.append(item)
        return {"Successful": successful, "Failed": failed}

    async def op_ReceiveMessage(self, p, ctx):
        queue = await self.queue(p, ctx)
        limit = p.get("MaxNumberOfMessages")
        v.check_range("MaxNumberOfMessages", limit, 1, 10, "Must be between 1 and 10, if provided.")
        v.check_range("WaitTimeSeconds", p.get("WaitTimeSeconds"), 0, 20, "Must be >= 0 and <= 20, if provided.")
        v.check_range("VisibilityTimeout", p.get("VisibilityTimeout"), 0, 43200,
                      "Must be >= 0 and <= 43200, if provided.")
        system_names = set(p.get("MessageSystemAttributeNames") or []) | set(p.get("AttributeNames") or [])
        for name in system_names:
            if name != "All" and name not in v.SYSTEM_ATTRIBUTES and name not in v.READABLE:
                raise AwsError("InvalidAttributeName", f"Unknown Attribute {name}.")
        attempt = p.get("ReceiveRequestAttemptId")
        if attempt is not None:
            if not queue.fifo:
                attempt = None  # standard queues ignore it
            else:
                v.check_dedup_id(attempt, "ReceiveRequestAttemptId")
                cached = await self.engine.store.receive_attempt(queue, attempt, now_ms() - v.DEDUP_WINDOW_MS)
                if cached is not None:
                    return cached
        messages = await self.engine.receive(queue, limit or 1, p.get("VisibilityTimeout"), p.get("WaitTimeSeconds"))
        wanted_attrs = p.get("MessageAttributeNames") or []
        result = {"Messages": [self._message(queue, m, system_names, wanted_attrs) for m in messages]} if messages else {}
        if attempt is not None and messages:
            await self.engine.store.save_receive_attempt(queue, attempt, now_ms(), _jsonable(result))
        return result

    def _message(self, queue: QueueRecord, m: StoredMessage, system_names: set[str], wanted: list[str]) -> dict:
        out: dict[str, Any] = {"MessageId": m.message_id, "ReceiptHandle": self.engine.receipt_handle(queue, m),
                               "MD5OfBody": m.md5_body, "Body": m.body}
        if system_names:
            every = "All" in system_names
            system = {
                "SenderId": m.sender_id, "SentTimestamp": str(m.sent_at),
                "ApproximateReceiveCount": str(m.receive_count),
                "ApproximateFirstReceiveTimestamp": str(m.first_receive_at or m.sent_at),
            }
            if m.seq:
                system["SequenceNumber"] = m.seq
            if m.dedup_id and queue.fifo:
                system["MessageDeduplicationId"] = m.dedup_id
            if m.group_id:
                system["MessageGroupId"] = m.group_id
            if m.dlq_source_arn:
                system["DeadLetterQueueSourceArn"] = m.dlq_source_arn
            trace = decode_attrs(m.system_attributes).get("AWSTraceHeader")
            if trace:
                system["AWSTraceHeader"] = trace.get("StringValue")
            chosen = {k: val for k, val in system.items() if val is not None and (every or k in system_names)}
            if chosen:
                out["Attributes"] = chosen
        if wanted and m.attributes:
            attrs = decode_attrs(m.attributes)
            if not ("All" in wanted or ".*" in wanted):
                prefixes = tuple(w[:-2] for w in wanted if w.endswith(".*"))
                attrs = {k: val for k, val in attrs.items() if k in wanted or (prefixes and k.startswith(prefixes))}
            if attrs:
                out["MessageAttributes"] = attrs
                out["MD5OfMessageAttributes"] = md5_attributes(attrs)
        return out

    async def op_DeleteMessage(self, p, ctx):
        queue = await self.queue(p, ctx)
        handle = self.engine.parse_receipt(queue, p["ReceiptHandle"])
        (result,) = await self.engine.delete(queue, [handle])
        if result is not None:
            raise _receipt_error(result, p["ReceiptHandle"])
        return {}

    async def op_DeleteMessageBatch(self, p, ctx):
        queue = await self.queue(p, ctx)
        entries = p.get("Entries") or []
        v.check_batch(entries, "DeleteMessageBatchRequestEntry")
        parsed, failed = [], []
        for entry in entries:
            try:
                parsed.append((entry, self.engine.parse_receipt(queue, entry.get("ReceiptHandle") or "")))
            except AwsError as err:
                failed.append(_failure(entry["Id"], err))
        results = await self.engine.delete(queue, [h for _, h in parsed]) if parsed else []
        successful = []
        for (entry, _), result in zip(parsed, results):
            if result is None:
                successful.append({"Id": entry["Id"]})
            else:
                failed.append(_failure(entry["Id"], _receipt_error(result, entry["ReceiptHandle"])))
        return {"Successful": successful, "Failed": failed}

    async def op_ChangeMessageVisibility(self, p, ctx):
        queue = await self.queue(p, ctx)
        timeout = p["VisibilityTimeout"]
        v.check_range("VisibilityTimeout", timeout, 0, 43200, "Must be >= 0 and <= 43200, if provided.")
        msg_id, token = self.engine.parse_receipt(queue, p["ReceiptHandle"])
        (result,) = await self.engine.change_visibility(queue, [(msg_id, token, timeout * 1000)])
        if result is not None:
            raise _receipt_error(result, p["ReceiptHandle"])
        return {}

    async def op_ChangeMessageVisibilityBatch(self, p, ctx):
        queue = await self.queue(p, ctx)
        entries = p.get("Entries") or []
        v.check_batch(entries, "ChangeMessageVisibilityBatchRequestEntry")
        parsed, failed = [], []
        for entry in entries:
            try:
                timeout = entry.get("VisibilityTimeout") or 0
                v.check_range("VisibilityTimeout", timeout, 0, 43200, "Must be >= 0 and <= 43200, if provided.")
                msg_id, token = self.engine.parse_receipt(queue, entry.get("ReceiptHandle") or "")
                parsed.append((entry, (msg_id, token, timeout * 1000)))
            except AwsError as err:
                failed.append(_failure(entry["Id"], err))
        results = await self.engine.change_visibility(queue, [c for _, c in parsed]) if parsed else []
        successful = []
        for (entry, _), result in zip(parsed, results):
            if result is None:
                successful.append({"Id": entry["Id"]})
            else:
                failed.append(_failure(entry["Id"], _receipt_error(result, entry.get("ReceiptHandle") or "")))
        return {"Successful": successful, "Failed": failed}

    # -- message move tasks ----------------------------------------------------------------------
    async def op_StartMessageMoveTask(self, p, ctx):
        task = await self.engine.start_move_task(p["SourceArn"], p.get("DestinationArn"),
                                                 p.get("MaxNumberOfMessagesPerSecond"))
        return {"TaskHandle": _task_handle(task.task_id, task.source_arn)}

    async def op_CancelMessageMoveTask(self, p, ctx):
        task_id, source_arn = _parse_task_handle(p["TaskHandle"])
        task = await self.engine.cancel_move_task(task_id, source_arn)
        return {"ApproximateNumberOfMessagesMoved": task.moved}

    async def op_ListMessageMoveTasks(self, p, ctx):
        limit = p.get("MaxResults")
        v.check_range("MaxResults", limit, 1, 10, "Must be between 1 and 10, if provided.")
        tasks = await self.engine.list_move_tasks(p["SourceArn"], limit or 1)
        results = []
        for task in tasks:
            item: dict[str, Any] = {"Status": task.status, "SourceArn": task.source_arn,
                                    "ApproximateNumberOfMessagesMoved": task.moved,
                                    "ApproximateNumberOfMessagesToMove": task.to_move,
                                    "StartedTimestamp": task.started_at}
            if task.status == "RUNNING":
                item["TaskHandle"] = _task_handle(task.task_id, task.source_arn)
            if task.destination_arn:
                item["DestinationArn"] = task.destination_arn
            if task.max_per_second:
                item["MaxNumberOfMessagesPerSecond"] = task.max_per_second
            if task.failure_reason:
                item["FailureReason"] = task.failure_reason
            results.append(item)
        return {"Results": results}


def _failure(entry_id: str, err: AwsError) -> dict[str, Any]:
    return {"Id": entry_id, "SenderFault": err.sender, "Code": err.code, "Message": err.message}


def _receipt_error(code: str, handle: str) -> AwsError:
    if code == "beyond-limit":
        return invalid_parameter("Value for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout "
                                 "for the message is beyond the limit [43200 seconds]")
    if code == "expired":
        return invalid_parameter(f"Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt "
                                 "handle has expired.")
    if code == "MessageNotInflight":
        return AwsError("MessageNotInflight", "Message does not exist or is not available for visibility timeout change.")
    return AwsError("ReceiptHandleIsInvalid", f'The input receipt handle "{handle}" is not a valid receipt handle.')


def _task_handle(task_id: str, source_arn: str) -> str:
    return base64.b64encode(json.dumps({"taskId": task_id, "sourceArn": source_arn}).encode()).decode()


def _parse_task_handle(handle: str) -> tuple[str, str]:
    try:
        data = json.loads(base64.b64decode(handle))
        return data["taskId"], data["sourceArn"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise invalid_parameter("Value for parameter TaskHandle is invalid.") from None


def _jsonable(result: dict) -> dict:
    """Receive results are cached for ReceiveRequestAttemptId retries; binary attributes go as base64 text."""
    def fix(value):
        if isinstance(value, bytes):
            return {"__b64": base64.b64encode(value).decode()}
        if isinstance(value, dict):
            return {k: fix(x) for k, x in value.items()}
        if isinstance(value, list):
            return [fix(x) for x in value]
        return value
    return fix(result)
