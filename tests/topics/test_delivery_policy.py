"""The retry schedule a DeliveryPolicy describes (AWS's four phases), and which policy applies."""

from __future__ import annotations

import json

from cloudlet.topics.delivery_policy import RetryPolicy, effective


def schedule(policy: RetryPolicy) -> list[float | None]:
    return [policy.delay_before(i) for i in range(1, policy.retries + 2)]


def test_default_policy_retries_three_times_twenty_seconds_apart():
    assert schedule(RetryPolicy()) == [20.0, 20.0, 20.0, None]


def test_the_four_phases():
    policy = RetryPolicy(min_delay=1, max_delay=16, retries=8, no_delay=1, min_delay_retries=2, max_delay_retries=1,
                         backoff="linear")
    # immediate, then 2 at the minimum, then 4 backing off linearly towards the maximum, then 1 at the maximum
    assert schedule(policy) == [0.0, 1.0, 1.0, 4.75, 8.5, 12.25, 16.0, 16.0, None]


def test_exponential_backoff_grows_geometrically():
    delays = schedule(RetryPolicy(min_delay=1, max_delay=16, retries=4, backoff="exponential"))
    assert delays == [2.0, 4.0, 8.0, 16.0, None]


def test_subscription_policy_overrides_the_topic_unless_disabled():
    topic = json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 7}}})
    sub = json.dumps({"healthyRetryPolicy": {"numRetries": 2, "minDelayTarget": 1, "maxDelayTarget": 1}})
    assert effective(topic, None).retries == 7
    assert effective(topic, sub).retries == 2
    locked = json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 7}, "disableSubscriptionOverrides": True}})
    assert effective(locked, sub).retries == 7
