"""The per-account limit of concurrently active jobs: exact under bursts, LimitExceededException with AWS's
message, retried rejections that count nothing, idempotent tokens, durable jobs across kill -9."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from .conftest import new_account, overview, rekognition, set_limit, wait


@pytest.fixture
def held_server(fresh_server):
    """A server that admits jobs but runs none (0 workers), so admitted jobs stay active."""
    fresh_server.env = {"CLOUDLET_JOBS_WORKERS": "0"}
    return fresh_server.start()


def _burst(url: str, account: str, video: dict, starts: int, clients: int) -> tuple[list[str], list[ClientError]]:
    local = threading.local()
    accepted: list[str] = []
    rejected: list[ClientError] = []

    def one(i: int) -> None:
        if not hasattr(local, "client"):
            local.client = rekognition(url, account)
        try:
            accepted.append(local.client.start_segment_detection(Video=video, SegmentTypes=["SHOT"])["JobId"])
        except ClientError as err:
            rejected.append(err)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(starts)))
    return accepted, rejected


def test_a_burst_of_concurrent_starts_admits_exactly_the_limit(held_server, videos):
    account = new_account()
    set_limit(held_server.url, account, 7)
    video = videos.s3(held_server, "shots_and_black.mp4")
    accepted, rejected = _burst(held_server.url, account, video, starts=240, clients=24)
    assert len(accepted) == 7 and len(set(accepted)) == 7
    assert len(rejected) == 233
    codes = {err.response["Error"]["Code"] for err in rejected}
    assert codes == {"LimitExceededException"}
    assert rejected[0].response["Error"]["Message"] == f"7 open Jobs for User {account}. Maximum limit: 7"
    assert rejected[0].response["ResponseMetadata"]["HTTPStatusCode"] == 400
    row = next(a for a in overview(held_server.url)["accounts"] if a["account"] == account)
    assert (row["active"], row["limit"]) == (7, 7)
    # Another account has its own quota (default 20).
    other = new_account()
    accepted, rejected = _burst(held_server.url, other, video, starts=30, clients=10)
    assert (len(accepted), len(rejected)) == (20, 10)


def test_retried_rejections_count_nothing(held_server, videos):
    account = new_account()
    set_limit(held_server.url, account, 1)
    video = videos.s3(held_server, "shots_and_black.mp4")
    retrying = rekognition(held_server.url, account, retries={"max_attempts": 3, "mode": "standard"})
    retrying.start_segment_detection(Video=video, SegmentTypes=["SHOT"])
    with pytest.raises(ClientError) as err:
        retrying.start_segment_detection(Video=video, SegmentTypes=["SHOT"])
    assert err.value.response["Error"]["Code"] == "LimitExceededException"
    assert err.value.response["ResponseMetadata"]["RetryAttempts"] >= 2  # boto3 retried the rejection
    row = next(a for a in overview(held_server.url)["accounts"] if a["account"] == account)
    assert row["active"] == 1


def test_client_request_token_is_idempotent_even_at_the_limit(held_server, videos):
    account = new_account()
    set_limit(held_server.url, account, 1)
    client = rekognition(held_server.url, account)
    video = videos.s3(held_server, "shots_and_black.mp4")
    first = client.start_label_detection(Video=video, ClientRequestToken="tok-1", JobTag="a")["JobId"]
    again = client.start_label_detection(Video=video, ClientRequestToken="tok-1", JobTag="a")["JobId"]
    assert again == first
    with pytest.raises(ClientError) as err:
        client.start_label_detection(Video=video, ClientRequestToken="tok-1", JobTag="b")
    assert err.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    # the same token on another Start operation is another request
    with pytest.raises(ClientError) as err:
        client.start_face_detection(Video=video, ClientRequestToken="tok-1")
    assert err.value.response["Error"]["Code"] == "LimitExceededException"
    assert overview(held_server.url)["queued"] == 1


def test_jobs_survive_kill_and_rerun_with_the_slot_count_intact(fresh_server, videos):
    fresh_server.env = {"CLOUDLET_JOBS_WORKERS": "0"}
    fresh_server.start()
    account = new_account()
    set_limit(fresh_server.url, account, 3)
    client = rekognition(fresh_server.url, account)
    video = videos.s3(fresh_server, "shots_and_black.mp4")
    jobs = [client.start_segment_detection(Video=video, SegmentTypes=["SHOT"])["JobId"] for _ in range(3)]
    fresh_server.kill()
    fresh_server.env = {"CLOUDLET_JOBS_WORKERS": "1"}
    fresh_server.start()
    client = rekognition(fresh_server.url, account)
    for job in jobs:
        result = wait(client, "get_segment_detection", job)
        assert result["JobStatus"] == "SUCCEEDED" and len(result["Segments"]) == 4
    row = next(a for a in overview(fresh_server.url)["accounts"] if a["account"] == account)
    assert row["active"] == 0
    # finished jobs stay readable after a clean restart too
    fresh_server.stop()
    fresh_server.start()
    assert rekognition(fresh_server.url, account).get_segment_detection(JobId=jobs[0])["JobStatus"] == "SUCCEEDED"


def _kill_while_running(server, job: str) -> None:
    deadline = time.time() + 60
    while not overview(server.url)["running"] and time.time() < deadline:
        time.sleep(0.05)
    assert overview(server.url)["running"] == [job]
    server.kill()


def test_a_job_interrupted_mid_analysis_runs_again(fresh_server, videos):
    fresh_server.env = {"CLOUDLET_JOBS_WORKERS": "1"}
    fresh_server.start()
    account = new_account()
    client = rekognition(fresh_server.url, account)
    job = client.start_text_detection(Video=videos.s3(fresh_server, "text_clip.mp4"))["JobId"]
    _kill_while_running(fresh_server, job)
    fresh_server.start()
    client = rekognition(fresh_server.url, account)
    result = wait(client, "get_text_detection", job, timeout=120)
    assert result["JobStatus"] == "SUCCEEDED" and result["TextDetections"]
    recent = {j["job_id"]: j for j in overview(fresh_server.url)["recent"]}
    assert recent[job]["attempts"] == 2


def test_a_job_interrupted_twice_fails_cleanly_and_frees_its_slot(fresh_server, videos):
    fresh_server.env = {"CLOUDLET_JOBS_WORKERS": "1"}
    fresh_server.start()
    account = new_account()
    set_limit(fresh_server.url, account, 1)
    job = rekognition(fresh_server.url, account).start_text_detection(
        Video=videos.s3(fresh_server, "text_clip.mp4"))["JobId"]
    _kill_while_running(fresh_server, job)
    fresh_server.start()
    _kill_while_running(fresh_server, job)
    fresh_server.start()
    client = rekognition(fresh_server.url, account)
    result = client.get_text_detection(JobId=job)
    assert result["JobStatus"] == "FAILED" and "interrupted" in result["StatusMessage"]
    assert "TextDetections" not in result
    client.start_segment_detection(Video=videos.s3(fresh_server, "shots_and_black.mp4"), SegmentTypes=["SHOT"])
