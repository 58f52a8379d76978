"""The media pipeline from the LimitExceededException story, end to end against Cloudlet.

A producer uploads videos to a blob container and queues one analysis request per video in SQS. A dispatcher
starts Rekognition Video jobs only while the account is below its concurrent-job limit: LimitExceededException
is back-pressure (the request stays in the queue and comes back), never a failure. Completion notifications
arrive through an SNS topic subscribed by a queue, each one frees capacity, and the dispatcher writes the
job's results back as a blob.

    cloudlet serve &
    python examples/media/pipeline.py --videos 10 --limit 2

Needs boto3, azure-storage-blob and PyAV (to make the sample clips).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
GETS = {"StartLabelDetection": ("get_label_detection", "Labels"),
        "StartSegmentDetection": ("get_segment_detection", "Segments"),
        "StartTextDetection": ("get_text_detection", "TextDetections"),
        "StartFaceDetection": ("get_face_detection", "Faces")}


@dataclass
class Report:
    started: int = 0
    back_pressure: int = 0
    written: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def make_clip(path: Path, seed: int, seconds: int = 2, fps: int = 10) -> Path:
    """A small H.264 clip: two coloured shots with a cut in the middle."""
    import av
    import numpy as np

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i in range(seconds * fps):
            image = np.zeros((120, 160, 3), np.uint8)
            image[:] = (seed * 40 % 256, 200, 90) if i < seconds * fps // 2 else (220, seed * 70 % 256, 30)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


class Pipeline:
    def __init__(self, endpoint: str, blob_endpoint: str, account: str, prefix: str) -> None:
        from azure.storage.blob import BlobServiceClient

        common = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=account,
                      aws_secret_access_key="secret")
        self.account = account
        self.sqs = boto3.client("sqs", **common)
        self.sns = boto3.client("sns", **common)
        # One attempt per call: a rejected Start should come straight back to the dispatcher, which waits for
        # a completion instead of sleeping through boto3's retry back-off.
        self.rekognition = boto3.client("rekognition", config=Config(retries={"max_attempts": 1}), **common)
        blobs = BlobServiceClient.from_connection_string(
            f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DEV_KEY};"
            f"BlobEndpoint={blob_endpoint}/devstoreaccount1;")
        self.videos = blobs.get_container_client(f"{prefix}-videos")
        self.results = blobs.get_container_client(f"{prefix}-results")
        for container in (self.videos, self.results):
            if not container.exists():
                container.create_container()
        self.requests = self.sqs.create_queue(QueueName=f"{prefix}-requests",
                                              Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
        self.done = self.sqs.create_queue(QueueName=f"{prefix}-done")["QueueUrl"]
        done_arn = self.sqs.get_queue_attributes(QueueUrl=self.done, AttributeNames=["QueueArn"])
        self.topic = self.sns.create_topic(Name=f"{prefix}-rekognition")["TopicArn"]
        self.sns.subscribe(TopicArn=self.topic, Protocol="sqs", Endpoint=done_arn["Attributes"]["QueueArn"],
                           Attributes={"RawMessageDelivery": "false"})

    # -- producer ----------------------------------------------------------------------------
    def produce(self, clips: list[Path], api: str) -> None:
        for clip in clips:
            with open(clip, "rb") as handle:
                self.videos.upload_blob(clip.name, handle, overwrite=True)
            self.sqs.send_message(QueueUrl=self.requests, MessageBody=json.dumps({"key": clip.name, "api": api}))

    # -- dispatcher ----------------------------------------------------------------------------
    def dispatch(self, expected: int, timeout: float = 300.0) -> Report:
        report = Report()
        deadline = time.time() + timeout
        waiting_for_capacity = False
        while len(report.written) + len(report.failed) < expected and time.time() < deadline:
            self._collect(report, wait=1 if waiting_for_capacity else 0)
            if waiting_for_capacity:
                waiting_for_capacity = False
                continue
            got = self.sqs.receive_message(QueueUrl=self.requests, MaxNumberOfMessages=1, WaitTimeSeconds=1)
            for message in got.get("Messages", []):
                if not self._start(json.loads(message["Body"]), report):
                    # At the limit: hand the request back to the queue and wait for a completion.
                    self.sqs.change_message_visibility(QueueUrl=self.requests,
                                                       ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
                    waiting_for_capacity = True
                    continue
                self.sqs.delete_message(QueueUrl=self.requests, ReceiptHandle=message["ReceiptHandle"])
        return report

    def _start(self, request: dict, report: Report) -> bool:
        key, api = request["key"], request["api"]
        params = {"Video": {"S3Object": {"Bucket": self.videos.container_name, "Name": key}},
                  "NotificationChannel": {"SNSTopicArn": self.topic,
                                          "RoleArn": f"arn:aws:iam::{self.account}:role/rekognition"},
                  "JobTag": hashlib.sha1(key.encode()).hexdigest()[:16],
                  # a redelivered request must not start a second job for the same video
                  "ClientRequestToken": hashlib.sha1(f"{api}/{key}".encode()).hexdigest()}
        if api == "StartSegmentDetection":
            params["SegmentTypes"] = ["SHOT", "TECHNICAL_CUE"]
        try:
            getattr(self.rekognition, _snake(api))(**params)
        except ClientError as err:
            if err.response["Error"]["Code"] == "LimitExceededException":
                report.back_pressure += 1
                return False
            raise
        report.started += 1
        return True

    def _collect(self, report: Report, wait: int) -> None:
        got = self.sqs.receive_message(QueueUrl=self.done, MaxNumberOfMessages=10, WaitTimeSeconds=wait)
        for message in got.get("Messages", []):
            event = json.loads(json.loads(message["Body"])["Message"])
            key = event["Video"]["S3ObjectName"]
            if event["Status"] == "SUCCEEDED":
                self.results.upload_blob(f"{key}.json", json.dumps(self._results(event)), overwrite=True)
                report.written.append(key)
            else:
                report.failed.append(key)
            self.sqs.delete_message(QueueUrl=self.done, ReceiptHandle=message["ReceiptHandle"])

    def _results(self, event: dict) -> dict:
        get, member = GETS[event["API"]]
        items, token = [], None
        while True:
            page = getattr(self.rekognition, get)(JobId=event["JobId"], **({"NextToken": token} if token else {}))
            items += page[member]
            token = page.get("NextToken")
            if not token:
                return {"JobId": event["JobId"], "VideoMetadata": page["VideoMetadata"], member: items}


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def set_limit(endpoint: str, account: str, limit: int) -> None:
    request = urllib.request.Request(f"{endpoint}/_cloudlet/jobs/limits/{account}", method="PUT",
                                     data=json.dumps({"limit": limit}).encode())
    urllib.request.urlopen(request, timeout=10).read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", default="http://localhost:4566")
    parser.add_argument("--blob-endpoint", default="http://localhost:10000")
    parser.add_argument("--account", default="111122223333")
    parser.add_argument("--videos", type=int, default=10)
    parser.add_argument("--limit", type=int, default=2)
    parser.add_argument("--api", default="StartLabelDetection", choices=sorted(GETS))
    args = parser.parse_args()
    set_limit(args.endpoint, args.account, args.limit)
    pipeline = Pipeline(args.endpoint, args.blob_endpoint, args.account, f"media{int(time.time())}")
    with tempfile.TemporaryDirectory() as tmp:
        clips = [make_clip(Path(tmp) / f"clip-{i:02d}.mp4", i) for i in range(args.videos)]
        pipeline.produce(clips, args.api)
    report = pipeline.dispatch(args.videos)
    print(f"started {report.started} jobs, {report.back_pressure} Starts pushed back by the limit, "
          f"{len(report.written)} results written, {len(report.failed)} failed")


if __name__ == "__main__":
    main()
