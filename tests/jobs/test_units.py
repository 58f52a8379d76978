"""Unit tests of the pieces under the video job service: the bucket mapping and the model-driven validator."""

from __future__ import annotations

import pytest

from cloudlet.aws.errors import AwsError
from cloudlet.aws.models import service_model
from cloudlet.aws.validate import problems, validate
from cloudlet.objects import BucketMap, Location


def test_buckets_are_dev_storage_containers_unless_mapped():
    default = BucketMap("")
    assert default.locate("123456789012", "videos") == Location("devstoreaccount1", "videos")
    mapped = BucketMap("videos=media/raw-videos, 111122223333:clips=other/c, plain=acct2")
    assert mapped.locate("123456789012", "videos") == Location("media", "raw-videos")
    assert mapped.locate("111122223333", "clips") == Location("other", "c")
    assert mapped.locate("123456789012", "clips") == Location("devstoreaccount1", "clips")
    assert mapped.locate("123456789012", "plain") == Location("acct2", "plain")
    assert BucketMap("", default_storage_account="mine").locate("1", "b") == Location("mine", "b")


def _shape(op: str):
    return service_model("rekognition").operation_model(op).input_shape


def test_validator_walks_structures_lists_and_numbers():
    shape = _shape("StartTextDetection")
    ok = {"Video": {"S3Object": {"Bucket": "abc", "Name": "v.mp4"}},
          "Filters": {"WordFilter": {"MinConfidence": 50.0, "MinBoundingBoxHeight": 0.5},
                      "RegionsOfInterest": [{"BoundingBox": {"Left": 0.1, "Top": 0.1, "Width": 0.5, "Height": 0.5}}]}}
    assert problems(shape, ok) == []
    bad = {"Video": {"S3Object": {"Bucket": "abc", "Name": "v.mp4"}},
           "Filters": {"WordFilter": {"MinBoundingBoxHeight": 1.5},
                       "RegionsOfInterest": [{}] * 11}}
    found = problems(shape, bad)
    assert len(found) == 2
    assert any("at 'filters.wordFilter.minBoundingBoxHeight' failed to satisfy constraint: Member must have value "
               "less than or equal to 1" in f for f in found)
    assert any("'filters.regionsOfInterest' failed to satisfy constraint: Member must have length less than or "
               "equal to 10" in f for f in found)


def test_validator_reports_missing_required_members_and_raises_the_modelled_code():
    shape = _shape("StartLabelDetection")
    channel = {"Video": {"S3Object": {"Bucket": "abc", "Name": "v"}},
               "NotificationChannel": {"SNSTopicArn": "arn:aws:sns:us-east-1:123456789012:t"}}
    with pytest.raises(AwsError) as err:
        validate(shape, channel)
    assert err.value.code == "InvalidParameterException"
    assert err.value.message == ("1 validation error detected: Value null at 'notificationChannel.roleArn' failed "
                                 "to satisfy constraint: Member must not be null")


def test_patterns_must_match_the_whole_value():
    shape = _shape("GetLabelDetection")
    assert problems(shape, {"JobId": "abc-DEF_123"}) == []
    assert problems(shape, {"JobId": "abc\n"}) != []
    assert problems(shape, {"JobId": "a" * 65}) != []
