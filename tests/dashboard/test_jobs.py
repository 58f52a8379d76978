"""The Jobs pages in a real browser: a segment detection job started with boto3 on a generated video."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.jobs import media
from tests.jobs.conftest import new_account, rekognition, upload, wait

PREFIX = "/_cloudlet/dashboard"


def test_jobs_limits_and_results(server, page, shot, unique, tmp_path):
    video = media.shots_and_black(tmp_path / "shots_and_black.mp4")
    upload(server.blob_url, f"videos-{unique}", "shots_and_black.mp4", video)
    account = new_account()
    rek = rekognition(server.url, account)
    job_id = rek.start_segment_detection(
        Video={"S3Object": {"Bucket": f"videos-{unique}", "Name": "shots_and_black.mp4"}},
        SegmentTypes=["SHOT", "TECHNICAL_CUE"], JobTag="dash-1")["JobId"]

    page.goto(f"{server.url}{PREFIX}/jobs")
    row = page.locator(f'tr[data-job="{job_id}"]')
    expect(row).to_contain_text("SegmentDetection")
    expect(row).to_contain_text("SUCCEEDED", timeout=60_000)  # the page follows the job live
    assert wait(rek, "get_segment_detection", job_id)["JobStatus"] == "SUCCEEDED"

    # Per-account limit, set from the page and enforced on the wire.
    page.locator("#limit-form input[name=account]").fill(account)
    page.locator("#limit-form input[name=limit]").fill("0")
    page.locator("#limit-form button").click()
    expect(page.locator("#flash")).to_contain_text(f"Account {account} may now run 0 jobs")
    expect(page.locator(f'tr[data-account="{account}"] td.limit')).to_have_text("0")
    try:
        rek.start_segment_detection(Video={"S3Object": {"Bucket": f"videos-{unique}", "Name": "shots_and_black.mp4"}},
                                    SegmentTypes=["SHOT"])
        raise AssertionError("the limit of 0 was not enforced")
    except rek.exceptions.LimitExceededException:
        pass
    shot("jobs")

    row.get_by_role("link").click()
    expect(page.locator("#job-status")).to_have_text("SUCCEEDED")
    expect(page.locator("#job-props")).to_contain_text("dash-1")
    expect(page.locator("#job-props")).to_contain_text("320×240")
    results = page.locator("table.results tbody tr")
    expect(results).to_have_count(5)  # four shots and one black-frames cue
    expect(page.locator("table.results")).to_contain_text("00:03.000 – 00:05.000")
    expect(page.locator("table.results")).to_contain_text("30 – 49 (00:00:03:00)")
    expect(page.locator("table.results")).to_contain_text("BlackFrames")
    shot("job")
    page.locator("#job-props a").click()  # the video, on the blob storage pages
    expect(page.locator("#blob-props")).to_contain_text("shots_and_black.mp4")


def test_an_unknown_job_is_a_404(server, page):
    assert page.goto(f"{server.url}{PREFIX}/jobs/0123abcd").status == 404
