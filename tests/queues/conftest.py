"""Fixtures for the SQS conformance suite. The session `server`, `fresh_server`, `sqs` and `aws_client` come
from tests/conftest.py; these add queue factories with unique names (the session server is never reset here).

Set CLOUDLET_SQS_TEST_ENDPOINT=http://host:port to drive the suite at another SQS endpoint (a peer, or a
tunnel to the real service) instead of a Cloudlet child process; tests that need their own server
(`fresh_server`) still start Cloudlet.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest

from .helpers import unique


class ExternalServer:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.port = urlparse(self.url).port

    def reset(self) -> None:
        raise RuntimeError("an external endpoint cannot be reset")


if os.environ.get("CLOUDLET_SQS_TEST_ENDPOINT"):
    @pytest.fixture(scope="session")
    def server():  # noqa: F811 - deliberately overrides tests/conftest.py's server for this directory
        return ExternalServer(os.environ["CLOUDLET_SQS_TEST_ENDPOINT"])


@pytest.fixture
def make_queue(sqs):
    """make_queue(fifo=False, name=None, tags=None, **attributes) -> (url, name)."""
    created: list[str] = []

    def factory(fifo: bool = False, name: str | None = None, tags: dict | None = None, **attrs):
        name = name or unique("fifo" if fifo else "q") + (".fifo" if fifo else "")
        attributes = {k: str(v) for k, v in attrs.items()}
        if fifo:
            attributes.setdefault("FifoQueue", "true")
        kwargs = {"QueueName": name, "Attributes": attributes}
        if tags:
            kwargs["tags"] = tags  # CreateQueue spells it in lower case
        url = sqs.create_queue(**kwargs)["QueueUrl"]
        created.append(url)
        return url, name

    yield factory


@pytest.fixture
def queue(make_queue):
    """A standard queue with a 2 s visibility timeout: (url, name)."""
    return make_queue(VisibilityTimeout=2)
