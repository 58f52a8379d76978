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


def test_queued_jobs_against_the_limit(tmp_path, page):
    """No workers: accepted jobs wait in the queue, and the account's active count meets its limit."""
    from tests.conftest import ServerProcess

    server = ServerProcess(tmp_path / "data", in_memory=True,
                           env={"CLOUDLET_JOBS_WORKERS": "0", "CLOUDLET_JOBS_MAX_ACTIVE": "2"}).start()
    try:
        upload(server.blob_url, "waiting", "clip.mp4", _file(tmp_path / "clip.mp4", b"not analysed: no workers"))
        account = new_account()
        rek = rekognition(server.url, account)
        video = {"S3Object": {"Bucket": "waiting", "Name": "clip.mp4"}}
        ids = [rek.start_label_detection(Video=video)["JobId"] for _ in range(2)]
        try:
            rek.start_label_detection(Video=video)
            raise AssertionError("a third job was admitted over the limit of 2")
        except rek.exceptions.LimitExceededException:
            pass
        page.goto(f"{server.url}{PREFIX}/jobs")
        expect(page.locator(f'tr[data-account="{account}"] td.active')).to_have_text("2")
        expect(page.locator(f'tr[data-account="{account}"] td.limit')).to_have_text("2")
        expect(page.locator("#queued")).to_have_text("2")
        for job_id in ids:
            expect(page.locator(f'tr[data-job="{job_id}"]')).to_contain_text("QUEUED")
        page.locator(f'tr[data-job="{ids[0]}"] a').click()
        expect(page.locator("#job-status")).to_have_text("IN_PROGRESS")
        expect(page.locator("table.results, p.empty").first).to_contain_text("No results yet.")
    finally:
        server.stop()


def _file(path, data: bytes):
    path.write_bytes(data)
    return path


def test_the_job_list_pages_through_every_job_once(tmp_path, page):
    """More jobs than a page: newest first, 50 a page, each job exactly once, the oldest on the last page."""
    from tests.conftest import ServerProcess

    server = ServerProcess(tmp_path / "data", in_memory=True,
                           env={"CLOUDLET_JOBS_WORKERS": "0", "CLOUDLET_JOBS_MAX_ACTIVE": "100"}).start()
    try:
        upload(server.blob_url, "many", "clip.mp4", _file(tmp_path / "clip.mp4", b"queued, never analysed"))
        rek = rekognition(server.url, new_account())
        video = {"S3Object": {"Bucket": "many", "Name": "clip.mp4"}}
        started = [rek.start_label_detection(Video=video)["JobId"] for _ in range(57)]
        page.goto(f"{server.url}{PREFIX}/jobs")
        seen: list[str] = []
        pages = 0
        while True:
            pages += 1
            rows = page.locator("table.recent-jobs tbody tr")
            seen += [rows.nth(i).get_attribute("data-job") for i in range(rows.count())]
            following = page.locator("#jobs-live a.page-next")
            if not following.count():
                break
            following.click()
            expect(page.locator("#jobs-live a.page-first")).to_be_visible()
        assert pages == 2
        assert seen[:50] == started[::-1][:50] and len(seen) == 57
        assert seen == started[::-1]  # newest first, no job twice, none missing
    finally:
        server.stop()
