"""The SNS front end: one method per operation, from the decoded request to the result shape. The query
protocol itself (form parsing, XML answers and errors) is handled by the AWS layer from botocore's model."""

from __future__ import annotations

import re

from ..aws.operations import OperationMethods
from ..aws.errors import AwsError
from .engine import TopicEngine, invalid, not_found
from .messages import published

_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_PHONE = re.compile(r"^\+?[0-9]{5,15}$")
MAX_BATCH = 10
MAX_BATCH_BYTES = 262144


class SnsApi(OperationMethods):
    def __init__(self, engine: TopicEngine) -> None:
        self.engine = engine

    # -- topics ----------------------------------------------------------------------------------
    async def op_CreateTopic(self, p, ctx):
        tags = {t["Key"]: t.get("Value", "") for t in p.get("Tags") or []}
        attributes = dict(p.get("Attributes") or {})
        if p.get("DataProtectionPolicy"):
            attributes["DataProtectionPolicy"] = p["DataProtectionPolicy"]
        topic = await self.engine.create_topic(ctx.account, ctx.region, p["Name"], attributes, tags)
        return {"TopicArn": topic.arn}

    async def op_DeleteTopic(self, p, ctx):
        await self.engine.delete_topic(p["TopicArn"])

    async def op_ListTopics(self, p, ctx):
        arns, token = await self.engine.list_topics(ctx.account, ctx.region, p.get("NextToken"))
        return {"Topics": [{"TopicArn": a} for a in arns], "NextToken": token}

    async def op_GetTopicAttributes(self, p, ctx):
        topic = await self.engine.get_topic(p["TopicArn"])
        return {"Attributes": await self.engine.topic_attributes(topic)}

    async def op_SetTopicAttributes(self, p, ctx):
        topic = await self.engine.get_topic(p["TopicArn"])
        await self.engine.set_topic_attribute(topic, p["AttributeName"], p.get("AttributeValue") or "")

    async def op_TagResource(self, p, ctx):
        await self.engine.tag(p["ResourceArn"], {t["Key"]: t.get("Value", "") for t in p["Tags"]})
        return {}

    async def op_UntagResource(self, p, ctx):
        await self.engine.untag(p["ResourceArn"], p["TagKeys"])
        return {}

    async def op_ListTagsForResource(self, p, ctx):
        topic = await self.engine.tagged_topic(p["ResourceArn"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in topic.tags.items()]}

    async def op_AddPermission(self, p, ctx):
        topic = await self.engine.get_topic(p["TopicArn"])
        await self.engine.add_permission(topic, p["Label"], p["AWSAccountId"], p["ActionName"])

    async def op_RemovePermission(self, p, ctx):
        topic = await self.engine.get_topic(p["TopicArn"])
        await self.engine.remove_permission(topic, p["Label"])

    async def op_GetDataProtectionPolicy(self, p, ctx):
        topic = await self.engine.get_topic(p["ResourceArn"], "ResourceArn")
        return {"DataProtectionPolicy": topic.attributes.get("DataProtectionPolicy", "")}

    async def op_PutDataProtectionPolicy(self, p, ctx):
        topic = await self.engine.get_topic(p["ResourceArn"], "ResourceArn")
        await self.engine.set_topic_attribute(topic, "DataProtectionPolicy", p["DataProtectionPolicy"])

    # -- subscriptions ---------------------------------------------------------------------------
    async def op_Subscribe(self, p, ctx):
        topic = await self.engine.get_topic(p["TopicArn"])
        sub = await self.engine.subscribe(topic, p["Protocol"], p.get("Endpoint"), p.get("Attributes") or {},
                                          ctx.account, ctx.base_url)
        arn = sub.arn if sub.confirmed or p.get("ReturnSubscriptionArn") else "pending confirmation"
        return {"SubscriptionArn": arn}

    async def op_ConfirmSubscription(self, p, ctx):
        sub = await self.engine.confirm(p["TopicArn"], p["Token"], bool(ctx.access_key))
        return {"SubscriptionArn": sub.arn}

    async def op_Unsubscribe(self, p, ctx):
        await self.engine.unsubscribe(p["SubscriptionArn"], ctx.base_url)

    async def op_GetSubscriptionAttributes(self, p, ctx):
        sub = await self.engine.get_subscription(p["SubscriptionArn"])
        topic = await self.engine.topics.get(sub.topic_arn)
        return {"Attributes": self.engine.subscription_attributes(sub, topic)}

    async def op_SetSubscriptionAttributes(self, p, ctx):
        sub = await self.engine.get_subscription(p["SubscriptionArn"])
        await self.engine.set_subscription_attribute(sub, p["AttributeName"], p.get("AttributeValue") or "")

    async def op_ListSubscriptions(self, p, ctx):
        subs, token = await self.engine.list_subscriptions(ctx.account, None, p.get("NextToken"))
        return {"Subscriptions": [_listed(s) for s in subs], "NextToken": token}

    async def op_ListSubscriptionsByTopic(self, p, ctx):
        topic = await self.engine.get_topic(p["TopicArn"])
        subs, token = await self.engine.list_subscriptions(None, topic.arn, p.get("NextToken"))
        return {"Subscriptions": [_listed(s) for s in subs], "NextToken": token}

    # -- publishing ------------------------------------------------------------------------------
    async def op_Publish(self, p, ctx):
        arn = p.get("TopicArn") or p.get("TargetArn")
        if p.get("PhoneNumber") is not None and arn is None:
            raise AwsError("AuthorizationErrorException", "No SMS origination identity is available in this "
                           "account: SMS delivery is not supported by this endpoint.")
        if arn is None:
            raise invalid("TopicArn or TargetArn Reason: no value for required parameter")
        topic = await self.engine.get_topic(arn, "TopicArn" if p.get("TopicArn") else "TargetArn")
        message = published(topic, p)
        [outcome] = await self.engine.publish(topic, [message], ctx.base_url)
        return {"MessageId": outcome.message_id, "SequenceNumber": outcome.sequence_number}

    async def op_PublishBatch(self, p, ctx):
        topic = await self.engine.get_topic(p["TopicArn"])
        entries = p.get("PublishBatchRequestEntries") or []
        if not entries:
            raise AwsError("EmptyBatchRequestException", "The batch request doesn't contain any entries.")
        if len(entries) > MAX_BATCH:
            raise AwsError("TooManyEntriesInBatchRequestException",
                           "The batch request contains more entries than permissible.")
        ids = [e.get("Id") for e in entries]
        if len(set(ids)) != len(ids):
            raise AwsError("BatchEntryIdsNotDistinctException", "Two or more batch entries in the request have the "
                           "same Id.")
        if any(not isinstance(i, str) or not _BATCH_ID.match(i) for i in ids):
            raise AwsError("InvalidBatchEntryIdException", "The Id of a batch entry in a batch request doesn't "
                           "abide by the specification.")
        if sum(len((e.get("Message") or "").encode()) for e in entries) > MAX_BATCH_BYTES:
            raise AwsError("BatchRequestTooLongException", "The length of all the messages put together is more "
                           "than the limit.")
        good, failed = [], []
        for entry in entries:
            try:
                good.append((entry["Id"], published(topic, entry)))
            except AwsError as err:
                failed.append({"Id": entry["Id"], "Code": err.code.removesuffix("Exception"),
                               "Message": err.message, "SenderFault": True})
        outcomes = await self.engine.publish(topic, [m for _, m in good], ctx.base_url) if good else []
        successful = [{"Id": entry_id, "MessageId": o.message_id, "SequenceNumber": o.sequence_number}
                      for (entry_id, _), o in zip(good, outcomes)]
        return {"Successful": successful, "Failed": failed}

    # -- SMS and mobile push: an account without those features ----------------------------------
    async def op_CheckIfPhoneNumberIsOptedOut(self, p, ctx):
        if not _PHONE.match(p["phoneNumber"]):
            raise invalid("PhoneNumber Reason: input incorrectly formatted")
        return {"isOptedOut": False}

    async def op_OptInPhoneNumber(self, p, ctx):
        return {}

    async def op_ListPhoneNumbersOptedOut(self, p, ctx):
        return {"phoneNumbers": []}

    async def op_GetSMSAttributes(self, p, ctx):
        return {"attributes": {}}

    async def op_SetSMSAttributes(self, p, ctx):
        return {}

    async def op_GetSMSSandboxAccountStatus(self, p, ctx):
        return {"IsInSandbox": True}

    async def op_ListSMSSandboxPhoneNumbers(self, p, ctx):
        return {"PhoneNumbers": []}

    async def op_ListOriginationNumbers(self, p, ctx):
        return {"PhoneNumbers": []}

    async def op_CreateSMSSandboxPhoneNumber(self, p, ctx):
        raise AwsError("AuthorizationErrorException", "SMS is not enabled for this account.")

    async def op_VerifySMSSandboxPhoneNumber(self, p, ctx):
        raise AwsError("ResourceNotFoundException", "Phone number does not exist.")

    async def op_DeleteSMSSandboxPhoneNumber(self, p, ctx):
        raise AwsError("ResourceNotFoundException", "Phone number does not exist.")

    async def op_ListPlatformApplications(self, p, ctx):
        return {"PlatformApplications": []}

    async def op_CreatePlatformApplication(self, p, ctx):
        raise invalid("Attributes Reason: Platform credentials are invalid")

    async def op_DeletePlatformApplication(self, p, ctx):
        return None  # idempotent in AWS

    async def op_DeleteEndpoint(self, p, ctx):
        return None  # idempotent in AWS

    async def op_GetPlatformApplicationAttributes(self, p, ctx):
        raise not_found("PlatformApplication")

    op_SetPlatformApplicationAttributes = op_GetPlatformApplicationAttributes
    op_ListEndpointsByPlatformApplication = op_GetPlatformApplicationAttributes
    op_CreatePlatformEndpoint = op_GetPlatformApplicationAttributes

    async def op_GetEndpointAttributes(self, p, ctx):
        raise not_found("Endpoint")

    op_SetEndpointAttributes = op_GetEndpointAttributes


def _listed(sub) -> dict[str, str]:
    return {"SubscriptionArn": sub.arn if sub.confirmed else "PendingConfirmation", "Owner": sub.owner,
            "Protocol": sub.protocol, "Endpoint": sub.endpoint, "TopicArn": sub.topic_arn}

