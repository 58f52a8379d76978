"""Fixtures for the SNS tests."""

from __future__ import annotations

import pytest

from .helpers import Endpoint, unique


@pytest.fixture
def endpoint():
    ep = Endpoint()
    yield ep
    ep.close()


@pytest.fixture
def topic(sns):
    return sns.create_topic(Name=unique("topic"))["TopicArn"]
