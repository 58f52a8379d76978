"""Every SNS operation through boto3 over a real socket: answers, attributes and AWS's errors."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from conftest import aws_client

from .helpers import make_queue, unique


def error_of(call, *args, **kwargs) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    err = info.value.response["Error"]
    return err["Code"], err["Message"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_topic_is_idempotent_and_listed(sns):
    name = unique("orders")
    arn = sns.create_topic(Name=name)["TopicArn"]
    assert arn == f"arn:aws:sns:us-east-1:000000000000:{name}"
    assert sns.create_topic(Name=name)["TopicArn"] == arn
    listed = []
    kwargs = {}
    while True:
        page = sns.list_topics(**kwargs)
        listed += [t["TopicArn"] for t in page["Topics"]]
        if "NextToken" not in page:
            break
        kwargs = {"NextToken": page["NextToken"]}
    assert arn in listed


def test_topic_attributes(sns):
    arn = sns.create_topic(Name=unique(), Attributes={"DisplayName": "Shop"})["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["DisplayName"] == "Shop"
    assert attrs["TopicArn"] == arn and attrs["Owner"] == "000000000000"
    assert attrs["SubscriptionsConfirmed"] == attrs["SubscriptionsPending"] == attrs["SubscriptionsDeleted"] == "0"
    assert json.loads(attrs["Policy"])["Statement"][0]["Resource"] == arn
    effective = json.loads(attrs["EffectiveDeliveryPolicy"])
    assert effective["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3
    assert "FifoTopic" not in attrs
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Store")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["DisplayName"] == "Store" and attrs["SignatureVersion"] == "2"
    policy = '{"http":{"defaultHealthyRetryPolicy":{"numRetries":5,"minDelayTarget":1,"maxDelayTarget":4}}}'
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DeliveryPolicy", AttributeValue=policy)
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["DeliveryPolicy"] == policy
    assert json.loads(attrs["EffectiveDeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 5


def test_topic_errors(sns):
    assert error_of(sns.create_topic, Name="bad name!")[:2] == ("InvalidParameter", "Invalid parameter: Topic Name")
    assert error_of(sns.create_topic, Name="x" * 257)[0] == "InvalidParameter"
    code, message, _ = error_of(sns.create_topic, Name="nofifo", Attributes={"FifoTopic": "true"})
    assert code == "InvalidParameter" and "must end with .fifo" in message
    missing = "arn:aws:sns:us-east-1:000000000000:" + unique("missing")
    assert error_of(sns.get_topic_attributes, TopicArn=missing) == ("NotFound", "Topic does not exist", 404)
    assert error_of(sns.publish, TopicArn=missing, Message="x")[:2] == ("NotFound", "Topic does not exist")
    assert error_of(sns.get_topic_attributes, TopicArn="not-an-arn")[:2] == ("InvalidParameter",
                                                                              "Invalid parameter: TopicArn")
    arn = sns.create_topic(Name=unique())["TopicArn"]
    assert error_of(sns.set_topic_attributes, TopicArn=arn, AttributeName="Bogus", AttributeValue="1")[:2] == \
        ("InvalidParameter", "Invalid parameter: AttributeName")
    assert error_of(sns.set_topic_attributes, TopicArn=arn, AttributeName="SignatureVersion",
                    AttributeValue="3")[0] == "InvalidParameter"
    assert error_of(sns.set_topic_attributes, TopicArn=arn, AttributeName="DeliveryPolicy",
                    AttributeValue='{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":30,"maxDelayTarget":5}}}'
                    )[0] == "InvalidParameter"
    code, message, _ = error_of(sns.create_topic, Name=sns.get_topic_attributes(TopicArn=arn)["Attributes"][
        "TopicArn"].rsplit(":", 1)[1], Attributes={"DisplayName": "different"})
    assert (code, message) == ("InvalidParameter",
                               "Invalid parameter: Attributes Reason: Topic already exists with different attributes")


def test_delete_topic_removes_it_and_its_subscriptions(sns, sqs):
    arn = sns.create_topic(Name=unique())["TopicArn"]
    _, queue_arn = make_queue(sqs)
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    sns.delete_topic(TopicArn=arn)
    sns.delete_topic(TopicArn=arn)  # idempotent, as in AWS
    assert error_of(sns.get_topic_attributes, TopicArn=arn)[0] == "NotFound"
    assert error_of(sns.get_subscription_attributes, SubscriptionArn=sub)[0] == "NotFound"


def test_fifo_topic(sns):
    name = unique("events") + ".fifo"
    arn = sns.create_topic(Name=name, Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["FifoTopic"] == "true" and attrs["ContentBasedDeduplication"] == "true"
    code, message, _ = error_of(sns.publish, TopicArn=arn, Message="m")
    assert code == "InvalidParameter" and "MessageGroupId" in message
    plain = sns.create_topic(Name=unique())["TopicArn"]
    assert error_of(sns.publish, TopicArn=plain, Message="m", MessageDeduplicationId="d")[0] == "InvalidParameter"
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="https", Endpoint="https://example.com")[0] == \
        "InvalidParameter"


def test_tags(sns):
    arn = sns.create_topic(Name=unique(), Tags=[{"Key": "team", "Value": "shop"}])["TopicArn"]
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "shop"}]
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "ops"}])
    tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"team": "ops", "env": "dev"}
    sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    missing = "arn:aws:sns:us-east-1:000000000000:" + unique()
    assert error_of(sns.list_tags_for_resource, ResourceArn=missing)[:2] == ("ResourceNotFound",
                                                                            "Resource does not exist")
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert error_of(sns.tag_resource, ResourceArn=arn, Tags=too_many)[0] == "TagLimitExceeded"


def test_permissions(sns):
    arn = sns.create_topic(Name=unique())["TopicArn"]
    sns.add_permission(TopicArn=arn, Label="partner", AWSAccountId=["111122223333"], ActionName=["Publish"])
    statements = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["__default_statement_ID", "partner"]
    assert statements[1]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert error_of(sns.add_permission, TopicArn=arn, Label="partner", AWSAccountId=["111122223333"],
                    ActionName=["Publish"])[0] == "InvalidParameter"
    sns.remove_permission(TopicArn=arn, Label="partner")
    statements = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["__default_statement_ID"]


def test_subscriptions_lifecycle(sns, sqs):
    arn = sns.create_topic(Name=unique())["TopicArn"]
    _, queue_arn = make_queue(sqs)
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    assert sub.startswith(arn + ":")
    assert sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"] == sub
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["Protocol"] == "sqs" and attrs["Endpoint"] == queue_arn and attrs["PendingConfirmation"] == "false"
    assert attrs["RawMessageDelivery"] == "false" and attrs["TopicArn"] == arn
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                    AttributeValue='{"kind": ["a"]}')
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["RawMessageDelivery"] == "true" and attrs["FilterPolicyScope"] == "MessageAttributes"
    by_topic = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert by_topic == [{"SubscriptionArn": sub, "Owner": "000000000000", "Protocol": "sqs",
                         "Endpoint": queue_arn, "TopicArn": arn}]
    assert sub in [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]]
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsConfirmed"] == "1"
    sns.unsubscribe(SubscriptionArn=sub)
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["SubscriptionsConfirmed"] == "0" and attrs["SubscriptionsDeleted"] == "1"
    assert error_of(sns.unsubscribe, SubscriptionArn=sub)[:2] == ("NotFound", "Subscription does not exist")


def test_list_subscriptions_pages(sns, sqs):
    arn = sns.create_topic(Name=unique())["TopicArn"]
    _, queue_arn = make_queue(sqs)
    for i in range(105):
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint=f"user{i}@example.com")
    first = sns.list_subscriptions_by_topic(TopicArn=arn)
    assert len(first["Subscriptions"]) == 100 and "NextToken" in first
    second = sns.list_subscriptions_by_topic(TopicArn=arn, NextToken=first["NextToken"])
    assert len(second["Subscriptions"]) == 5 and "NextToken" not in second
    assert {s["SubscriptionArn"] for s in first["Subscriptions"] + second["Subscriptions"]} == {"PendingConfirmation"}
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsPending"] == "105"


def test_subscribe_errors(sns, sqs):
    arn = sns.create_topic(Name=unique())["TopicArn"]
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="carrier-pigeon", Endpoint="x")[0] == "InvalidParameter"
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="sqs", Endpoint="not-an-arn")[:2] == \
        ("InvalidParameter", "Invalid parameter: SQS endpoint ARN")
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="http", Endpoint="https://x.example")[0] == \
        "InvalidParameter"
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="email", Endpoint="nobody")[0] == "InvalidParameter"
    _, fifo_queue = make_queue(sqs, FifoQueue="true")
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="sqs", Endpoint=fifo_queue)[0] == "InvalidParameter"
    _, queue_arn = make_queue(sqs)
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="sqs", Endpoint=queue_arn,
                    Attributes={"RawMessageDelivery": "maybe"})[0] == "InvalidParameter"
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="sqs", Endpoint=queue_arn,
                    Attributes={"RedrivePolicy": '{"deadLetterTargetArn": "nope"}'})[0] == "InvalidParameter"
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="sqs", Endpoint=queue_arn,
                    Attributes={"Unknown": "1"})[:2] == ("InvalidParameter", "Invalid parameter: AttributeName")
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    assert error_of(sns.set_subscription_attributes, SubscriptionArn=sub, AttributeName="DeliveryPolicy",
                    AttributeValue='{"healthyRetryPolicy": {"numRetries": 3}}')[0] == "InvalidParameter"
    assert error_of(sns.get_subscription_attributes, SubscriptionArn="garbage")[0] == "InvalidParameter"
    assert error_of(sns.confirm_subscription, TopicArn=arn, Token="0" * 64)[:2] == ("InvalidParameter",
                                                                                 "Invalid parameter: Invalid token")


def test_publish_validation(sns):
    arn = sns.create_topic(Name=unique())["TopicArn"]
    assert error_of(sns.publish, TopicArn=arn, Message="")[:2] == ("InvalidParameter", "Invalid parameter: Empty message")
    assert error_of(sns.publish, TopicArn=arn, Message="x" * (262144 + 1))[:2] == \
        ("InvalidParameter", "Invalid parameter: Message too long")
    assert sns.publish(TopicArn=arn, Message="x" * 262144)["MessageId"]
    sns.set_topic_attributes(TopicArn=arn, AttributeName="MaximumMessageSize", AttributeValue="1048576")
    assert sns.publish(TopicArn=arn, Message="x" * 300_000)["MessageId"]
    sns.set_topic_attributes(TopicArn=arn, AttributeName="MaximumMessageSize", AttributeValue="2048")
    assert error_of(sns.publish, TopicArn=arn, Message="x" * 2049)[1] == "Invalid parameter: Message too long"
    assert error_of(sns.set_topic_attributes, TopicArn=arn, AttributeName="MaximumMessageSize",
                    AttributeValue="2000000")[0] == "InvalidParameter"
    assert error_of(sns.publish, TopicArn=arn, Message="m", Subject="line\nbreak")[0] == "InvalidParameter"
    assert error_of(sns.publish, TopicArn=arn, Message="not json", MessageStructure="json")[1] == \
        "Invalid parameter: Message Structure - JSON message body failed to parse"
    assert error_of(sns.publish, TopicArn=arn, Message='{"sqs": "x"}', MessageStructure="json")[1] == \
        "Invalid parameter: Message Structure - No default entry in JSON message body"
    code, message, _ = error_of(sns.publish, TopicArn=arn, Message="m",
                                MessageAttributes={"a": {"DataType": "Float", "StringValue": "1"}})
    assert code == "InvalidParameter" and "supported type prefixes is Binary, Number, and String" in message
    assert error_of(sns.publish, TopicArn=arn, Message="m",
                    MessageAttributes={"n": {"DataType": "Number", "StringValue": "abc"}})[0] == "InvalidParameter"
    assert error_of(sns.publish, TopicArn=arn, Message="m",
                    MessageAttributes={"l": {"DataType": "String.Array", "StringValue": "[1,"}})[0] == "InvalidParameter"
    assert error_of(sns.publish, TopicArn=arn, Message="m", MessageAttributes={
        "AWS.reserved": {"DataType": "String", "StringValue": "x"}})[0] == "InvalidParameter"


def test_publish_batch(sns, sqs):
    arn = sns.create_topic(Name=unique())["TopicArn"]
    resp = sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": "one", "Message": "first"}, {"Id": "two", "Message": ""}, {"Id": "three", "Message": "third"}])
    assert [s["Id"] for s in resp["Successful"]] == ["one", "three"]
    assert resp["Failed"] == [{"Id": "two", "Code": "InvalidParameter", "Message": "Invalid parameter: Empty message",
                               "SenderFault": True}]
    assert error_of(sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": str(i), "Message": "m"} for i in range(11)])[0] == "TooManyEntriesInBatchRequest"
    assert error_of(sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "m"}, {"Id": "a", "Message": "n"}])[0] == "BatchEntryIdsNotDistinct"
    assert error_of(sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": "bad id!", "Message": "m"}])[0] == "InvalidBatchEntryId"
    assert error_of(sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[])[0] in (
        "EmptyBatchRequest", "MissingParameter")


def test_sms_and_mobile_push_answer_without_those_features(sns):
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550100")["isOptedOut"] is False
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == []
    assert sns.get_sms_attributes()["attributes"] == {}
    assert sns.get_sms_sandbox_account_status()["IsInSandbox"] is True
    assert sns.list_platform_applications()["PlatformApplications"] == []
    assert sns.list_origination_numbers()["PhoneNumbers"] == []
    assert error_of(sns.get_endpoint_attributes, EndpointArn="arn:aws:sns:us-east-1:000000000000:endpoint/GCM/a/b")[
        0] == "NotFound"
    assert error_of(sns.create_platform_application, Name="app", Platform="GCM",
                    Attributes={"PlatformCredential": "key"})[0] == \
        "InvalidParameter"
    assert error_of(sns.publish, PhoneNumber="+15555550100", Message="hi")[0] == "AuthorizationError"
    assert error_of(sns.check_if_phone_number_is_opted_out, phoneNumber="abc")[0] == "InvalidParameter"


def test_other_accounts_queue_and_topic(server, sns):
    other_sqs = aws_client("sqs", server.url, access_key="111122223333")
    url, queue_arn = make_queue(other_sqs)
    assert ":111122223333:" in queue_arn
    arn = sns.create_topic(Name=unique())["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=arn, Message="across accounts")
    resp = other_sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)
    assert resp["Messages"][0]["Body"] == "across accounts"
    other_sns = aws_client("sns", server.url, access_key="111122223333")
    assert arn not in [t["TopicArn"] for t in other_sns.list_topics()["Topics"]]


BAD_REQUESTS = [
    {"Action": "AddPermission", "TopicArn": "{topic}", "Label": "x", "AWSAccountId.member.1": "111122223333",
     "ActionName": ""},
    {"Action": "AddPermission", "TopicArn": "{topic}", "Label": "bad label!", "AWSAccountId.member.1": "1",
     "ActionName.member.1": "Publish"},
    {"Action": "Publish", "TopicArn": "{topic}", "Message": "m", "MessageAttributes.entry.1.Name": "a",
     "MessageAttributes.entry.1.Value.StringValue": "v"},
    {"Action": "Publish", "TopicArn": "arn:aws:sns:us-east-1:000000000000:", "Message": "m"},
    {"Action": "Publish", "TopicArn": "{topic}"},
    {"Action": "Subscribe", "TopicArn": "{topic}"},
    {"Action": "Subscribe", "TopicArn": "{topic}", "Protocol": "sqs", "Endpoint": "arn:aws:sqs:us-east-1:1:q",
     "Attributes.entry.1.key": "RedrivePolicy", "Attributes.entry.1.value": '"just a string"'},
    {"Action": "Subscribe", "TopicArn": "{topic}", "Protocol": "sqs", "Endpoint": "arn:aws:sqs:us-east-1:1:q",
     "Attributes.entry.1.key": "FilterPolicy", "Attributes.entry.1.value": "[1, 2]"},
    {"Action": "SetTopicAttributes", "TopicArn": "{topic}", "AttributeName": "Policy", "AttributeValue": "[]"},
    {"Action": "SetTopicAttributes", "TopicArn": "{topic}", "AttributeName": "DeliveryPolicy",
     "AttributeValue": '{"http": {"defaultHealthyRetryPolicy": {"numRetries": "3"}}}'},
    {"Action": "ListTopics", "NextToken": "%%%not-base64"},
    {"Action": "ListSubscriptions", "NextToken": "////"},
    {"Action": "PublishBatch", "TopicArn": "{topic}", "PublishBatchRequestEntries.member.1.Message": "no id"},
    {"Action": "GetSubscriptionAttributes", "SubscriptionArn": "arn:aws:sns:us-east-1:000000000000:t:x"},
    {"Action": "ConfirmSubscription", "TopicArn": "{topic}", "Token": ""},
    {"Action": "CreateTopic", "Name": "t", "Attributes.entry.1.key": "FifoTopic", "Attributes.entry.1.value": "maybe"},
    {"Action": "TagResource", "ResourceArn": "{topic}", "Tags.member.1.Key": "", "Tags.member.1.Value": "v"},
]


@pytest.mark.parametrize("params", BAD_REQUESTS, ids=[str(i) for i in range(len(BAD_REQUESTS))])
def test_bad_input_gets_an_aws_error_never_a_500(server, sns, params):
    import urllib.error
    import urllib.parse
    import urllib.request

    topic = sns.create_topic(Name="bad-input-topic")["TopicArn"]
    form = {k: v.replace("{topic}", topic) for k, v in params.items()}
    body = urllib.parse.urlencode({**form, "Version": "2010-03-31"}).encode()
    request = urllib.request.Request(server.url + "/", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sns/aws4_request, "
                         "SignedHeaders=host, Signature=0"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert 400 <= info.value.code < 500
    text = info.value.read().decode()
    assert "<ErrorResponse" in text and "<Code>" in text
