"""DeliveryPolicy: how often and how fast SNS retries an HTTP/S endpoint that did not answer 2xx."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..aws.errors import AwsError

BACKOFF_FUNCTIONS = ("arithmetic", "exponential", "geometric", "linear")
DEFAULT_RETRY = {"minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0,
                 "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear"}
DEFAULT_TOPIC_POLICY = {"http": {"defaultHealthyRetryPolicy": DEFAULT_RETRY, "disableSubscriptionOverrides": False,
                                 "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"}}}


@dataclass
class RetryPolicy:
    min_delay: int = 20
    max_delay: int = 20
    retries: int = 3
    no_delay: int = 0
    min_delay_retries: int = 0
    max_delay_retries: int = 0
    backoff: str = "linear"

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> "RetryPolicy":
        merged = {**DEFAULT_RETRY, **doc}
        return cls(merged["minDelayTarget"], merged["maxDelayTarget"], merged["numRetries"],
                   merged["numNoDelayRetries"], merged["numMinDelayRetries"], merged["numMaxDelayRetries"],
                   merged["backoffFunction"])

    def delay_before(self, retry: int) -> float | None:
        """Seconds to wait before retry number `retry` (1-based); None once retries are used up."""
        if retry > self.retries:
            return None
        if retry <= self.no_delay:
            return 0.0
        if retry <= self.no_delay + self.min_delay_retries:
            return float(self.min_delay)
        backoff_steps = self.retries - self.no_delay - self.min_delay_retries - self.max_delay_retries
        step = retry - self.no_delay - self.min_delay_retries
        if step > backoff_steps:
            return float(self.max_delay)
        fraction = step / backoff_steps if backoff_steps else 1.0
        if self.backoff in ("geometric", "exponential") and self.min_delay > 0:
            return self.min_delay * (self.max_delay / self.min_delay) ** fraction
        return self.min_delay + (self.max_delay - self.min_delay) * fraction


def effective(topic_policy: str | None, subscription_policy: str | None) -> RetryPolicy:
    topic = json.loads(topic_policy).get("http", {}) if topic_policy else {}
    retry = topic.get("defaultHealthyRetryPolicy") or {}
    if subscription_policy and not topic.get("disableSubscriptionOverrides"):
        retry = json.loads(subscription_policy).get("healthyRetryPolicy") or retry
    return RetryPolicy.from_json(retry)


def effective_json(topic_policy: str | None, subscription_policy: str | None) -> str:
    policy = effective(topic_policy, subscription_policy)
    retry = {"minDelayTarget": policy.min_delay, "maxDelayTarget": policy.max_delay, "numRetries": policy.retries,
             "numMaxDelayRetries": policy.max_delay_retries, "numNoDelayRetries": policy.no_delay,
             "numMinDelayRetries": policy.min_delay_retries, "backoffFunction": policy.backoff}
    if subscription_policy is not None:
        return json.dumps({"healthyRetryPolicy": retry, "sicklyRetryPolicy": None, "throttlePolicy": None,
                           "requestPolicy": {"headerContentType": "text/plain; charset=UTF-8"}, "guaranteed": False},
                          separators=(",", ":"))
    return json.dumps({"http": {**DEFAULT_TOPIC_POLICY["http"], "defaultHealthyRetryPolicy": retry}},
                      separators=(",", ":"))


def validate(text: str, for_topic: bool) -> str:
    """Check a DeliveryPolicy attribute; returns it unchanged or raises InvalidParameter."""
    def bad(reason: str) -> AwsError:
        return AwsError("InvalidParameterException", f"Invalid parameter: DeliveryPolicy: {reason}")

    try:
        doc = json.loads(text)
    except ValueError:
        raise bad("failed to parse JSON.") from None
    if not isinstance(doc, dict):
        raise bad("must be a JSON object")
    section = doc.get("http", {}) if for_topic else doc
    if not isinstance(section, dict):
        raise bad("http must be an object")
    retry = section.get("defaultHealthyRetryPolicy" if for_topic else "healthyRetryPolicy")
    if retry is None:
        return text
    if not isinstance(retry, dict):
        raise bad("healthyRetryPolicy must be an object")
    merged = {**DEFAULT_RETRY, **retry}
    for key in DEFAULT_RETRY:
        if key != "backoffFunction" and (not isinstance(merged[key], int) or isinstance(merged[key], bool)
                                         or merged[key] < 0):
            raise bad(f"{key} must be a non-negative integer")
    if merged["backoffFunction"] not in BACKOFF_FUNCTIONS:
        raise bad(f"backoffFunction must be one of {', '.join(BACKOFF_FUNCTIONS)}")
    if merged["numRetries"] > 100:
        raise bad("numRetries must be <= 100")
    if merged["maxDelayTarget"] > 3600:
        raise bad("maxDelayTarget must be <= 3600")
    if merged["minDelayTarget"] > merged["maxDelayTarget"]:
        raise bad("minDelayTarget must be <= maxDelayTarget")
    if merged["numNoDelayRetries"] + merged["numMinDelayRetries"] + merged["numMaxDelayRetries"] > merged["numRetries"]:
        raise bad("numRetries must be >= numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries")
    return text
