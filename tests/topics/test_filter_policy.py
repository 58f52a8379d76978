"""Filter policies over the wire: every operator AWS documents, with the cases that must NOT match, in both
scopes, and AWS's validation errors for bad policies."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from .helpers import make_queue, unique

S = lambda v: {"DataType": "String", "StringValue": v}  # noqa: E731
N = lambda v: {"DataType": "Number", "StringValue": str(v)}  # noqa: E731
A = lambda v: {"DataType": "String.Array", "StringValue": json.dumps(v)}  # noqa: E731
B = {"DataType": "Binary", "BinaryValue": b"\x00\x01"}

# (policy, message attributes, must match)
ATTRIBUTE_CASES = [
    ({"color": ["red"]}, {"color": S("red")}, True),
    ({"color": ["red"]}, {"color": S("blue")}, False),
    ({"color": ["red"]}, {}, False),
    ({"color": ["red"]}, {"colour": S("red")}, False),
    ({"color": ["red", "blue"]}, {"color": S("blue")}, True),
    ({"color": ["red"]}, {"color": S("Red")}, False),
    ({"price": [100]}, {"price": N("100.0")}, True),
    ({"price": [100]}, {"price": N(101)}, False),
    ({"price": [100]}, {"price": S("100")}, False),
    ({"store": [{"prefix": "ex"}]}, {"store": S("example_corp")}, True),
    ({"store": [{"prefix": "ex"}]}, {"store": S("test_corp")}, False),
    ({"file": [{"suffix": ".png"}]}, {"file": S("cat.png")}, True),
    ({"file": [{"suffix": ".png"}]}, {"file": S("cat.jpg")}, False),
    ({"color": [{"anything-but": ["red", "blue"]}]}, {"color": S("green")}, True),
    ({"color": [{"anything-but": ["red", "blue"]}]}, {"color": S("red")}, False),
    ({"color": [{"anything-but": ["red", "blue"]}]}, {}, False),
    ({"color": [{"anything-but": "red"}]}, {"color": S("green")}, True),
    ({"color": [{"anything-but": "red"}]}, {"color": S("red")}, False),
    ({"price": [{"anything-but": [100, 500]}]}, {"price": N(50)}, True),
    ({"price": [{"anything-but": [100, 500]}]}, {"price": N(500)}, False),
    ({"color": [{"anything-but": {"prefix": "re"}}]}, {"color": S("blue")}, True),
    ({"color": [{"anything-but": {"prefix": "re"}}]}, {"color": S("red")}, False),
    ({"file": [{"anything-but": {"suffix": ".tmp"}}]}, {"file": S("a.txt")}, True),
    ({"file": [{"anything-but": {"suffix": ".tmp"}}]}, {"file": S("a.tmp")}, False),
    ({"color": [{"equals-ignore-case": "RED"}]}, {"color": S("rEd")}, True),
    ({"color": [{"equals-ignore-case": "RED"}]}, {"color": S("reddish")}, False),
    ({"price": [{"numeric": [">", 0, "<=", 100]}]}, {"price": N(100)}, True),
    ({"price": [{"numeric": [">", 0, "<=", 100]}]}, {"price": N(0)}, False),
    ({"price": [{"numeric": [">", 0, "<=", 100]}]}, {"price": N(100.5)}, False),
    ({"price": [{"numeric": [">=", 10, "<", 20]}]}, {"price": N(10)}, True),
    ({"price": [{"numeric": [">=", 10, "<", 20]}]}, {"price": N(20)}, False),
    ({"price": [{"numeric": ["=", 5]}]}, {"price": N("5.0")}, True),
    ({"price": [{"numeric": ["=", 5]}]}, {"price": N(6)}, False),
    ({"price": [{"numeric": ["<", 0]}]}, {"price": N(-1)}, True),
    ({"price": [{"numeric": ["<", 0]}]}, {"price": N(0)}, False),
    ({"price": [{"numeric": [">", 5]}]}, {"price": S("10")}, False),
    ({"color": [{"exists": True}]}, {"color": S("any")}, True),
    ({"color": [{"exists": True}]}, {"other": S("x")}, False),
    ({"color": [{"exists": False}]}, {"other": S("x")}, True),
    ({"color": [{"exists": False}]}, {"color": S("x")}, False),
    ({"source_ip": [{"cidr": "10.0.0.0/24"}]}, {"source_ip": S("10.0.0.255")}, True),
    ({"source_ip": [{"cidr": "10.0.0.0/24"}]}, {"source_ip": S("10.0.1.1")}, False),
    ({"source_ip": [{"cidr": "2001:db8::/32"}]}, {"source_ip": S("2001:db8::1")}, True),
    ({"source_ip": [{"cidr": "10.0.0.0/24"}]}, {"source_ip": S("not an ip")}, False),
    ({"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"b": S("2")}, True),
    ({"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"a": S("2"), "b": S("1")}, False),
    ({"a": ["1"], "b": ["2"]}, {"a": S("1"), "b": S("2")}, True),
    ({"a": ["1"], "b": ["2"]}, {"a": S("1")}, False),
    ({"tags": ["x"]}, {"tags": A(["y", "x"])}, True),
    ({"tags": ["x"]}, {"tags": A(["y", "z"])}, False),
    ({"sizes": [{"numeric": [">", 5]}]}, {"sizes": A([1, 10])}, True),
    ({"sizes": [{"numeric": [">", 5]}]}, {"sizes": A([1, 2])}, False),
    ({"blob": ["x"]}, {"blob": B}, False),
    ({"blob": [{"exists": True}]}, {"blob": B}, True),
]

# (policy, JSON body, must match) with FilterPolicyScope=MessageBody
BODY_CASES = [
    ({"order": {"type": ["book"]}}, {"order": {"type": "book"}}, True),
    ({"order": {"type": ["book"]}}, {"order": {"type": "food"}}, False),
    ({"order": {"type": ["book"]}}, {"type": "book"}, False),
    ({"items": {"sku": ["a1"]}}, {"items": [{"sku": "b2"}, {"sku": "a1"}]}, True),
    ({"items": {"sku": ["a1"]}}, {"items": [{"sku": "b2"}]}, False),
    ({"total": [{"numeric": [">=", 10]}]}, {"total": 12}, True),
    ({"total": [{"numeric": [">=", 10]}]}, {"total": "12"}, False),
    ({"gift": [True]}, {"gift": True}, True),
    ({"gift": [True]}, {"gift": False}, False),
    ({"note": [None]}, {"note": None}, True),
    ({"note": [None]}, {}, False),
    ({"coupon": [{"exists": False}]}, {"total": 1}, True),
    ({"coupon": [{"exists": False}]}, {"coupon": "SAVE"}, False),
    ({"customer": {"email": [{"suffix": "@example.com"}]}}, {"customer": {"email": "a@example.com"}}, True),
    ({"$or": [{"kind": ["a"]}, {"detail": {"level": [{"numeric": [">", 3]}]}}]}, {"detail": {"level": 5}}, True),
    ({"$or": [{"kind": ["a"]}, {"detail": {"level": [{"numeric": [">", 3]}]}}]}, {"detail": {"level": 1}}, False),
    ({"tags": ["x"]}, {"tags": ["w", "x"]}, True),
    ({"kind": ["a"]}, "not json at all", False),
]


def _run_cases(sns, sqs, cases, scope: str) -> None:
    topic = sns.create_topic(Name=unique("filters"))["TopicArn"]
    queues = []
    for policy, _, _ in cases:
        url, arn = make_queue(sqs)
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={
            "RawMessageDelivery": "true", "FilterPolicy": json.dumps(policy), "FilterPolicyScope": scope})
        queues.append(url)
    ids = []
    for i, (_, message, _) in enumerate(cases):
        if scope == "MessageBody":
            body = message if isinstance(message, str) else json.dumps(message)
            ids.append(sns.publish(TopicArn=topic, Message=body)["MessageId"])
        else:
            ids.append(sns.publish(TopicArn=topic, Message=f"case {i}", MessageAttributes=message)["MessageId"])
    wrong = []
    for i, ((policy, message, expected), url) in enumerate(zip(cases, queues)):
        # the fanout is committed with the publish, so the queues already hold everything they will get
        bodies = set()
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            bodies |= {m["Body"] for m in batch}
        wanted = message if isinstance(message, str) else (json.dumps(message) if scope == "MessageBody"
                                                           else f"case {i}")
        if (wanted in bodies) != expected:
            wrong.append((policy, message, expected))
    assert wrong == []


def test_every_operator_on_message_attributes(sns, sqs):
    _run_cases(sns, sqs, ATTRIBUTE_CASES, "MessageAttributes")


def test_every_operator_on_message_body(sns, sqs):
    _run_cases(sns, sqs, BODY_CASES, "MessageBody")


def test_raw_delivery_maps_attributes_to_sqs_message_attributes(sns, sqs):
    topic = sns.create_topic(Name=unique())["TopicArn"]
    url, arn = make_queue(sqs)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={
        "RawMessageDelivery": "true", "FilterPolicy": '{"kind": ["order"]}'})
    sns.publish(TopicArn=topic, Message="m", MessageAttributes={"kind": S("order"), "n": N(3), "b": B})
    [msg] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert msg["MessageAttributes"] == {"kind": {"StringValue": "order", "DataType": "String"},
                                        "n": {"StringValue": "3", "DataType": "Number"},
                                        "b": {"BinaryValue": b"\x00\x01", "DataType": "Binary"}}


def test_changing_the_policy_takes_effect(sns, sqs):
    topic = sns.create_topic(Name=unique())["TopicArn"]
    url, arn = make_queue(sqs)
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True,
                        Attributes={"RawMessageDelivery": "true", "FilterPolicy": '{"kind": ["a"]}'})["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message="b1", MessageAttributes={"kind": S("b")})
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue='{"kind": ["b"]}')
    sns.publish(TopicArn=topic, Message="b2", MessageAttributes={"kind": S("b")})
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue="")
    sns.publish(TopicArn=topic, Message="c", MessageAttributes={"kind": S("c")})
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["b2", "c"]


SUBSCRIBE = "Invalid parameter: Attributes Reason: FilterPolicy: "
BAD_POLICIES = [
    ('{"a": ["x"], "b": ["x"], "c": ["x"], "d": ["x"], "e": ["x"], "f": ["x"]}',
     "Filter policy can not have more than 5 keys"),
    (json.dumps({"a": list(range(100)), "b": list(range(2))}), "Filter policy is too complex"),
    ('{"a": []}', "Empty arrays are not allowed"),
    ('{"a": "x"}', '"a" must be an object or an array'),
    ('{"a": [{"prefix": "x", "suffix": "y"}]}', "Only one key allowed in match expression"),
    ('{"a": [{"prefix": 5}]}', "prefix match pattern must be a string"),
    ('{"a": [{"suffix": 5}]}', "suffix match pattern must be a string"),
    ('{"a": [{"equals-ignore-case": 5}]}', "equals-ignore-case match pattern must be a string"),
    ('{"a": [{"anything-but": {"numeric": [">", 1]}}]}', "Unsupported anything-but pattern: numeric"),
    ('{"a": [{"exists": "yes"}]}', "exists match pattern must be either true or false."),
    ('{"a": [{"wildcard": "x*"}]}', "Unrecognized match type wildcard"),
    ('{"a": [["nested"]]}', "Match value must be String, number, true, false, or null"),
    ('{"a": [{"numeric": []}]}', "Invalid member in numeric match: ]"),
    ('{"a": [{"numeric": ["!", 1]}]}', "Unrecognized numeric range operator: !"),
    ('{"a": [{"numeric": [">", "x"]}]}', "Value of > must be numeric"),
    ('{"a": [{"numeric": ["=", "x"]}]}', "Value of equals must be numeric"),
    ('{"a": [{"numeric": ["<", 1, ">", 0]}]}', "Too many elements in numeric expression"),
    ('{"a": [{"numeric": [">", 1, "=", 5]}]}', "Bad numeric range operator: ="),
    ('{"a": [{"numeric": [">", 10, "<", 5]}]}', "Bottom must be less than top"),
    ('{"a": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required"),
    ('{"a": [{"cidr": "10.0.0.0/x"}]}', "Malformed CIDR, mask bits must be an integer"),
    ('{"a": [{"cidr": "10.0.0.300/24"}]}', "Nonstandard IP address: 10.0.0.300"),
]


@pytest.mark.parametrize("policy,reason", BAD_POLICIES, ids=[r for _, r in BAD_POLICIES])
def test_bad_policies_get_aws_errors(sns, sqs, policy, reason):
    topic = sns.create_topic(Name=unique())["TopicArn"]
    _, arn = make_queue(sqs)
    with pytest.raises(ClientError) as info:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"FilterPolicy": policy})
    assert info.value.response["Error"]["Code"] == "InvalidParameter"
    assert info.value.response["Error"]["Message"] == SUBSCRIBE + reason
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    with pytest.raises(ClientError) as info:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=policy)
    assert info.value.response["Error"]["Message"] == "Invalid parameter: FilterPolicy: " + reason


def test_nested_policy_needs_message_body_scope(sns, sqs):
    topic = sns.create_topic(Name=unique())["TopicArn"]
    _, arn = make_queue(sqs)
    with pytest.raises(ClientError) as info:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"FilterPolicy": '{"a": {"b": ["c"]}}'})
    assert info.value.response["Error"]["Message"] == ("Invalid parameter: Attributes Reason: Filter policy scope "
                                                       "MessageAttributes does not support nested filter policy")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True, Attributes={
        "FilterPolicy": '{"a": {"b": ["c"]}}', "FilterPolicyScope": "MessageBody"})["SubscriptionArn"]
    with pytest.raises(ClientError):  # the policy would not hold in the other scope
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope",
                                        AttributeValue="MessageAttributes")
    with pytest.raises(ClientError):
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="Body")
