"""Rekognition Video's API surface over a real socket: validation of every modelled constraint, errors for
missing objects and jobs, pagination with opaque tokens, operations Cloudlet does not offer."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import wait


def _code(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


@pytest.mark.parametrize("params, fragment", [
    ({"ClientRequestToken": "bad token!"}, "at 'clientRequestToken' failed to satisfy constraint: Member must "
                                           "satisfy regular expression pattern: ^[a-zA-Z0-9-_]+$"),
    ({"ClientRequestToken": "x" * 65}, "Member must have length less than or equal to 64"),
    ({"JobTag": "has space"}, "at 'jobTag' failed to satisfy constraint"),
    ({"MinConfidence": 101.0}, "at 'minConfidence' failed to satisfy constraint: Member must have value less "
                               "than or equal to 100"),
    ({"Features": ["GENERAL_LABELS", "GENERAL_LABELS"]}, "Member must have length less than or equal to 1"),
    ({"NotificationChannel": {"SNSTopicArn": "not-an-arn", "RoleArn": "arn:aws:iam::123456789012:role/r"}},
     "at 'notificationChannel.sNSTopicArn' failed to satisfy constraint"),
    ({"NotificationChannel": {"SNSTopicArn": "arn:aws:sns:us-east-1:123456789012:t", "RoleArn": "nope"}},
     "at 'notificationChannel.roleArn'"),
])
def test_start_validates_the_model_constraints(server, raw, videos, params, fragment):
    code, message = _code(raw.start_label_detection, Video=videos.s3(server, "shots_and_black.mp4"), **params)
    assert code == "InvalidParameterException"
    assert fragment in message and message.startswith("1 validation error detected: ")


def test_bucket_name_enum_and_segment_types(server, raw, videos):
    rek = raw
    code, message = _code(rek.start_segment_detection, Video={"S3Object": {"Bucket": "b!", "Name": ""}},
                          SegmentTypes=["SHOT"])
    assert code == "InvalidParameterException" and message.startswith("3 validation errors detected")
    code, message = _code(rek.start_segment_detection, Video=videos.s3(server, "shots_and_black.mp4"),
                          SegmentTypes=["SCENE"])
    assert code == "InvalidParameterException" and "enum value set: [TECHNICAL_CUE, SHOT]" in message
    code, _ = _code(rek.start_segment_detection, Video=videos.s3(server, "shots_and_black.mp4"),
                    SegmentTypes=["SHOT"], Filters={"ShotFilter": {"MinSegmentConfidence": 10.0}})
    assert code == "InvalidParameterException"
    code, _ = _code(rek.start_segment_detection, Video=videos.s3(server, "shots_and_black.mp4"), SegmentTypes=[])
    assert code == "InvalidParameterException"


def test_missing_object_and_missing_bucket(server, rek, videos):
    videos.s3(server, "shots_and_black.mp4")
    code, message = _code(rek.start_face_detection,
                          Video={"S3Object": {"Bucket": videos.container, "Name": "nope.mp4"}})
    assert code == "InvalidS3ObjectException" and "Unable to get object metadata from S3" in message
    code, _ = _code(rek.start_face_detection, Video={"S3Object": {"Bucket": "no-such-bucket", "Name": "a.mp4"}})
    assert code == "InvalidS3ObjectException"
    code, _ = _code(rek.start_face_detection, Video={})
    assert code == "InvalidParameterException"


def test_get_errors(server, rek, raw, videos):
    assert _code(rek.get_label_detection, JobId="0" * 64)[0] == "ResourceNotFoundException"
    assert _code(rek.get_label_detection, JobId="bad id")[0] == "InvalidParameterException"
    assert _code(raw.get_label_detection, JobId="")[0] == "InvalidParameterException"
    job = rek.start_segment_detection(Video=videos.s3(server, "shots_and_black.mp4"), SegmentTypes=["SHOT"])
    wait(rek, "get_segment_detection", job["JobId"])
    # a job is read with its own Get operation only, and only by its own account
    assert _code(rek.get_label_detection, JobId=job["JobId"])[0] == "ResourceNotFoundException"
    from .conftest import new_account, rekognition

    stranger = rekognition(server.url, new_account())
    assert _code(stranger.get_segment_detection, JobId=job["JobId"])[0] == "ResourceNotFoundException"
    assert _code(raw.get_segment_detection, JobId=job["JobId"], MaxResults=0)[0] == "InvalidParameterException"
    code, message = _code(rek.get_segment_detection, JobId=job["JobId"], NextToken="garbage")
    assert (code, message) == ("InvalidPaginationTokenException", "Invalid Token")
    assert _code(rek.get_label_detection, JobId=job["JobId"], SortBy="SIZE")[0] == "InvalidParameterException"


def test_pagination_walks_every_result_once_in_order(server, rek, videos):
    job = rek.start_text_detection(Video=videos.s3(server, "text_clip.mp4"))
    whole = wait(rek, "get_text_detection", job["JobId"], timeout=120)
    assert "NextToken" not in whole and len(whole["TextDetections"]) == 24
    pages, token = [], None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = rek.get_text_detection(JobId=job["JobId"], MaxResults=5, **kwargs)
        pages.append(page["TextDetections"])
        token = page.get("NextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [5, 5, 5, 5, 4]
    assert [d for p in pages for d in p] == whole["TextDetections"]
    # a token is bound to its job and ordering
    first = rek.get_text_detection(JobId=job["JobId"], MaxResults=5)["NextToken"]
    other = rek.start_text_detection(Video=videos.s3(server, "text_clip.mp4"), JobTag="other")
    wait(rek, "get_text_detection", other["JobId"], timeout=120)
    assert _code(rek.get_text_detection, JobId=other["JobId"], NextToken=first)[0] == \
        "InvalidPaginationTokenException"
    # boto3's paginator-free callers rely on MaxResults being capped at 1000, never refused above it
    assert len(rek.get_text_detection(JobId=job["JobId"], MaxResults=5000)["TextDetections"]) == 24


def test_in_progress_get_has_status_only(fresh_server, videos):
    fresh_server.env = {"CLOUDLET_JOBS_WORKERS": "0"}
    fresh_server.start()
    from .conftest import new_account, rekognition

    rek = rekognition(fresh_server.url, new_account())
    job = rek.start_person_tracking(Video=videos.s3(fresh_server, "shots_and_black.mp4"), JobTag="t")
    result = rek.get_person_tracking(JobId=job["JobId"])
    assert result["JobStatus"] == "IN_PROGRESS" and result["JobTag"] == "t" and "Persons" not in result
    assert result["Video"]["S3Object"]["Name"] == "shots_and_black.mp4"


def test_operations_cloudlet_does_not_offer(server, rek, videos):
    video = videos.s3(server, "shots_and_black.mp4")
    assert _code(rek.start_celebrity_recognition, Video=video)[0] == "AccessDeniedException"
    assert _code(rek.get_celebrity_recognition, JobId="a" * 64)[0] == "AccessDeniedException"
    assert _code(rek.start_face_search, Video=video, CollectionId="people")[0] == "ResourceNotFoundException"
    assert _code(rek.detect_labels, Image={"Bytes": b"x"})[0] == "AccessDeniedException"


def test_the_server_stays_responsive_while_workers_analyse(server, rek, videos):
    import statistics
    import time

    done = rek.start_segment_detection(Video=videos.s3(server, "shots_and_black.mp4"), SegmentTypes=["SHOT"])
    wait(rek, "get_segment_detection", done["JobId"])
    video = videos.s3(server, "text_clip.mp4")
    busy = [rek.start_text_detection(Video=video, JobTag=f"busy-{i}")["JobId"] for i in range(2)]
    timings = []
    while any(rek.get_text_detection(JobId=job, MaxResults=1)["JobStatus"] == "IN_PROGRESS" for job in busy):
        began = time.perf_counter()
        rek.get_segment_detection(JobId=done["JobId"])
        timings.append(time.perf_counter() - began)
    assert len(timings) >= 5  # measured while the analysis ran
    assert statistics.median(timings) < 0.3 and max(timings) < 2.0


def test_s3_object_version_names_a_blob_snapshot(server, rek, videos):
    from azure.storage.blob import BlobServiceClient

    from .conftest import connection_string

    video = videos.s3(server, "shots_and_black.mp4")["S3Object"]
    blob = BlobServiceClient.from_connection_string(connection_string(server.blob_url), retry_total=0) \
        .get_blob_client(video["Bucket"], video["Name"])
    snapshot = blob.create_snapshot()["snapshot"]
    job = rek.start_segment_detection(Video={"S3Object": {**video, "Version": snapshot}}, SegmentTypes=["SHOT"])
    assert wait(rek, "get_segment_detection", job["JobId"])["JobStatus"] == "SUCCEEDED"
    code, _ = _code(rek.start_segment_detection, SegmentTypes=["SHOT"],
                    Video={"S3Object": {**video, "Version": "2001-01-01T00:00:00.0000000Z"}})
    assert code == "InvalidS3ObjectException"


def test_admin_view_and_limit_endpoint(server, rek, account, videos):
    import json
    import urllib.error
    import urllib.request

    from .conftest import overview, set_limit

    set_limit(server.url, account, 3)
    job = rek.start_segment_detection(Video=videos.s3(server, "shots_and_black.mp4"), SegmentTypes=["SHOT"],
                                      JobTag="admin-view")["JobId"]
    wait(rek, "get_segment_detection", job)
    view = overview(server.url)
    assert {"defaultLimit", "workers", "queued", "running", "accounts", "recent"} <= set(view)
    assert {"account": account, "active": 0, "limit": 3} in view["accounts"]
    mine = next(j for j in view["recent"] if j["job_id"] == job)
    assert (mine["api"], mine["status"], mine["job_tag"]) == ("StartSegmentDetection", "SUCCEEDED", "admin-view")
    bad = urllib.request.Request(f"{server.url}/_cloudlet/jobs/limits/{account}", method="PUT",
                                 data=json.dumps({"limit": -1}).encode())
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(bad, timeout=10)
    assert err.value.code == 400
