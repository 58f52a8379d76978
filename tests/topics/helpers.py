"""Helpers for the SNS tests: unique names, queues to subscribe, and a real local HTTP endpoint."""

from __future__ import annotations

import json
import ssl
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def make_queue(sqs, name: str | None = None, **attributes: str) -> tuple[str, str]:
    """A fresh queue: (url, arn)."""
    name = name or unique("q") + (".fifo" if attributes.get("FifoQueue") == "true" else "")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def receive_all(sqs, url: str, want: int, timeout: float = 5.0, **kwargs) -> list[dict]:
    """Receive (and delete) until `want` messages arrived or the timeout passed."""
    got: list[dict] = []
    deadline = time.time() + timeout
    while len(got) < want and time.time() < deadline:
        wait = max(0, min(1, int(deadline - time.time())))
        resp = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait,
                                   MessageAttributeNames=["All"], AttributeNames=["All"], **kwargs)
        for m in resp.get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def subscribe_queue(sns, sqs, topic_arn: str, **attributes: str) -> tuple[str, str]:
    """A fresh queue subscribed to the topic: (queue url, subscription arn)."""
    url, arn = make_queue(sqs, **({"FifoQueue": "true"} if topic_arn.endswith(".fifo") else {}))
    sub = sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes,
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    return url, sub


class Endpoint:
    """A real HTTP server in a thread that records what SNS posts to it. Notifications to paths starting /fail
    answer 500, to /slow hang while `slow` is set; with confirm=True it GETs the SubscribeURL of every
    SubscriptionConfirmation, as a subscriber would."""

    def __init__(self, confirm: bool = True, tls: tuple[str, str] | None = None) -> None:
        self.requests: list[dict] = []
        self.confirm = confirm
        self.status = 200
        self.slow = threading.Event()
        self.closing = threading.Event()
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                kind = self.headers.get("x-amz-sns-message-type")
                status = 500 if self.path.startswith("/fail") and kind == "Notification" else outer.status
                record = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                          "status": status}
                with outer.cond:
                    outer.requests.append(record)
                    outer.cond.notify_all()
                if self.path.startswith("/slow") and kind == "Notification" and outer.slow.is_set():
                    outer.closing.wait(30)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if outer.confirm and kind == "SubscriptionConfirmation" and status == 200:
                    threading.Thread(target=outer._visit, args=(json.loads(body)["SubscribeURL"],)).start()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls is not None:  # (certificate file, key file)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def _visit(url: str) -> None:
        urllib.request.urlopen(url, timeout=5).read()

    def wait_for(self, predicate, count: int = 1, timeout: float = 10.0) -> list[dict]:
        deadline = time.time() + timeout
        with self.cond:
            while True:
                found = [r for r in self.requests if predicate(r)]
                if len(found) >= count or time.time() >= deadline:
                    return found
                self.cond.wait(max(0.01, deadline - time.time()))

    def of_type(self, kind: str, count: int = 1, timeout: float = 10.0, path: str | None = None) -> list[dict]:
        return self.wait_for(lambda r: r["headers"].get("x-amz-sns-message-type") == kind
                             and (path is None or r["path"] == path), count, timeout)

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()
