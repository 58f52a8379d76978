"""What one published message becomes: an SQS message for each matching queue subscription (or for its
dead-letter queue when the queue refuses it) and an outbox delivery for each matching http/https/email
subscription. Plain synchronous code: for FIFO topics it runs inside the publish transaction."""

from __future__ import annotations

import json
import logging
from typing import Any

from ..aws.errors import AwsError
from ..queues.checksums import md5_text
from ..queues.engine import QueueEngine
from ..store.queue_records import NewMessage, QueueRecord
from .envelope import SNS_SENDER_ID, Envelopes, Published, http_headers, message_id
from .records import Delivery, Fanout
from .stats import LogEntry

log = logging.getLogger("cloudlet.sns")


class FanoutBuilder:
    def __init__(self, envelopes: Envelopes, queues: QueueEngine) -> None:
        self.envelopes = envelopes
        self.queues = queues

    def build(self, pub: Published, matched: list, base_url: str, version: str, seq: str | None) -> Fanout:
        """The deliveries of one message: `matched` holds (subscription, its queue or None, its dead-letter queue
        or None) for every subscription whose filter policy it passed."""
        fanout = Fanout()
        validated: dict[tuple, tuple[NewMessage, int]] = {}
        for sub, queue, dlq in matched:
            raw = sub.raw
            if sub.protocol in ("email", "email-json"):
                text = pub.text_for(sub.protocol)
                payload = text if sub.protocol == "email" else \
                    self.envelopes.notification(pub, sub.protocol, sub.arn, base_url, version, seq)
                fanout.outbox.append(Delivery(sub.arn, "Notification", sub.protocol, sub.endpoint, pub.message_id,
                                              {"Subject": pub.subject or "AWS Notification Message"}, payload))
                continue
            if sub.protocol != "sqs":
                body = pub.text_for(sub.protocol) if raw else \
                    self.envelopes.notification(pub, sub.protocol, sub.arn, base_url, version, seq)
                fanout.outbox.append(Delivery(sub.arn, "Notification", sub.protocol, sub.endpoint, pub.message_id,
                                              http_headers("Notification", pub.message_id, pub.topic_arn, sub.arn, raw),
                                              body))
                continue
            if raw:
                body, known = pub.text_for("sqs"), None
            else:  # the signed part is shared: only the UnsubscribeURL's bytes are hashed per subscription
                parts = self.envelopes.parts(pub, "sqs", base_url, version, seq)
                known = parts.body(self.envelopes.unsubscribe_suffix(base_url, sub.arn))
                body = known[0]
            entry: dict[str, Any] = {"MessageBody": body}
            if raw and pub.attributes:
                entry["MessageAttributes"] = pub.attributes
            if queue is not None and queue.fifo:
                entry["MessageGroupId"] = pub.group_id
                entry["MessageDeduplicationId"] = pub.dedup_id
            try:
                if queue is None:
                    raise AwsError("QueueDoesNotExist", "The specified queue does not exist.")
                fanout.sqs.append((queue, self._sqs_message(queue, entry, raw, validated, known)))
                fanout.delivered.append(sub.arn)
            except AwsError as err:
                failure = LogEntry(pub.timestamp_ms, pub.topic_arn, sub.arn, sub.protocol, sub.endpoint,
                                   pub.message_id, 0, "dropped", f"{err.code}: {err.message}")
                fanout.failures.append(failure)
                if dlq is None:
                    log.warning("cannot deliver %s to %s (%s: %s) and the subscription has no RedrivePolicy",
                                pub.message_id, sub.endpoint, err.code, err.message)
                    continue
                failure.outcome, failure.target = "dead-lettered", dlq.arn
                fanout.sqs.append((dlq, self.dead_letter_message(dlq, body, pub.message_id, pub.group_id)))
        return fanout

    def _sqs_message(self, queue: QueueRecord, entry: dict[str, Any], raw: bool,
                     validated: dict[tuple, tuple[NewMessage, int]], known: tuple[str, int, str] | None) -> NewMessage:
        """The SQS message for one subscription. The queue engine validates the first one for queues with the
        same limits; the others differ from it only by their id and, enveloped, by the ASCII UnsubscribeURL,
        so they reuse its validation and only their size is checked again. `known`: the body's text, UTF-8
        size and MD5 when the caller has them."""
        attrs = queue.attributes
        shape = (raw, queue.fifo, attrs.get("MaximumMessageSize"), attrs.get("DelaySeconds"),
                 attrs.get("DeduplicationScope"), attrs.get("ContentBasedDeduplication"))
        body = entry["MessageBody"]
        first_known = validated.get(shape)
        if first_known is not None:
            first, extra = first_known  # extra: the bytes the first message counted beyond its body
            if known is not None:
                _, nbytes, md5 = known
            else:
                nbytes = len(body.encode("utf-8"))
                md5 = first.md5_body if body is first.body or body == first.body else md5_text(body)
            if nbytes + extra <= queue.attr_int("MaximumMessageSize"):
                return NewMessage(message_id(), body, first.attributes, first.system_attributes, md5,
                                  first.md5_attributes, first.md5_system, first.delay_ms, first.sender_id,
                                  first.group_id, first.dedup_id, first.dedup_key)
        message, size = self.queues.prepare(queue, entry, SNS_SENDER_ID)
        validated.setdefault(shape, (message, size - (known[1] if known else len(body.encode("utf-8")))))
        return message

    def dead_letter_message(self, queue: QueueRecord, body: str, message_id: str,
                            group_id: str | None = None) -> NewMessage:
        entry: dict[str, Any] = {"MessageBody": body}
        if queue.fifo:
            entry["MessageGroupId"] = group_id or "sns-dead-letter"
            entry["MessageDeduplicationId"] = message_id
        try:
            return self.queues.prepare(queue, entry, SNS_SENDER_ID)[0]
        except AwsError:  # too large or invalid for the queue: keep the envelope's identity, drop the rest
            entry["MessageBody"] = json.dumps({"MessageId": message_id, "Error": "message rejected by the queue"})
            return self.queues.prepare(queue, entry, SNS_SENDER_ID)[0]
