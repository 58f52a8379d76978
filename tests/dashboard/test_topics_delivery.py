"""The Topics pages' delivery statistics, delivery log and every-account list, in a real browser, with the data
made through boto3 and a real HTTP endpoint that fails and then recovers."""

from __future__ import annotations

import json
import time

from playwright.sync_api import expect

from tests.conftest import aws_client
from tests.topics.helpers import Endpoint, make_queue

from .conftest import HOSTILE, assert_not_pwned

PREFIX = "/_cloudlet/dashboard"
HOSTILE_PATH = "/hook/<script>window.__pwned=1</script><img/src=x/onerror=window.__pwned=2>"  # no spaces: a URL


def test_statistics_and_retry_log_of_an_endpoint_that_fails_then_recovers(server, sns, sqs, page, shot, unique):
    endpoint = Endpoint()  # confirms its subscription through the SubscribeURL, as a subscriber would
    try:
        topic = sns.create_topic(Name=f"hooks-{unique}")["TopicArn"]
        # Retries 6 s apart: the page is checked between the first attempts and their retries.
        policy = {"healthyRetryPolicy": {"numRetries": 8, "minDelayTarget": 6, "maxDelayTarget": 6}}
        http_sub = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url + HOSTILE_PATH,
                                 Attributes={"DeliveryPolicy": json.dumps(policy)},
                                 ReturnSubscriptionArn=True)["SubscriptionArn"]
        _, kept_arn = make_queue(sqs, f"kept-{unique}")
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=kept_arn,
                      Attributes={"FilterPolicy": json.dumps({"kind": ["order"]})})
        gone_url, gone_arn = make_queue(sqs, f"gone-{unique}")
        _, dlq_arn = make_queue(sqs, f"gone-dlq-{unique}")
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=gone_arn,
                      Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})})
        sqs.delete_queue(QueueUrl=gone_url)
        deadline = time.time() + 10
        while sns.get_subscription_attributes(SubscriptionArn=http_sub)["Attributes"]["PendingConfirmation"] == "true":
            assert time.time() < deadline, "the endpoint never confirmed"
            time.sleep(0.05)

        endpoint.status = 500
        attrs = {"kind": {"DataType": "String", "StringValue": "order"}}
        sns.publish(TopicArn=topic, Message="order " + HOSTILE, MessageAttributes=attrs)
        sns.publish(TopicArn=topic, Message="a refund", MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "refund"}})
        endpoint.of_type("Notification", 2)  # both attempts were made (and failed)

        page.goto(f"{server.url}{PREFIX}/topics/000000000000/us-east-1/hooks-{unique}")
        http_row = page.locator(f'table.subscriptions tr[data-subscription="{http_sub}"]')
        expect(http_row.locator("td.failed")).to_have_text("2")
        expect(http_row.locator("td.retrying")).to_have_text("2")
        expect(http_row.locator("td.delivered")).to_have_text("0")
        expect(http_row.locator("td.last-delivery")).to_have_text("never")
        expect(http_row.locator("pre.last-error")).to_have_text("HTTP 500")
        expect(http_row.locator("td.endpoint")).to_contain_text("<script>window.__pwned=1</script>")  # as text
        kept_row = page.locator("table.subscriptions tr", has_text=f"kept-{unique}")
        expect(kept_row.locator("td.delivered")).to_have_text("1")
        expect(kept_row.locator("td.filtered")).to_have_text("1")
        gone_row = page.locator("table.subscriptions tr", has=page.get_by_role("link", name=f"gone-{unique}",
                                                                                exact=True))
        expect(gone_row.locator("td.dead-lettered")).to_have_text("2")
        expect(gone_row.locator("pre.last-error")).to_contain_text("QueueDoesNotExist")

        log = page.locator("table.delivery-log tbody tr")
        retrying = log.filter(has_text="failed, will retry")
        expect(retrying).to_have_count(2)
        expect(retrying.first.locator("td.attempt")).to_have_text("1")
        expect(retrying.first.locator("td.status")).to_contain_text("retrying at")
        expect(retrying.first.locator("pre.reason")).to_have_text("HTTP 500")
        expect(retrying.first.locator("td.endpoint")).to_contain_text("<img/src=x/onerror=window.__pwned=2>")
        dead = log.filter(has_text="dead-lettered")
        expect(dead).to_have_count(2)
        expect(dead.first.locator("td.status")).to_contain_text(f"gone-dlq-{unique}")
        assert_not_pwned(page)
        shot("topic")

        endpoint.status = 200  # the endpoint recovers: the next attempts succeed
        endpoint.of_type("Notification", 4, timeout=20)
        page.reload()
        expect(http_row.locator("td.delivered")).to_have_text("2", timeout=15_000)
        expect(http_row.locator("td.retrying")).to_have_text("0")
        expect(http_row.locator("td.failed")).to_have_text("2")
        expect(http_row.locator("td.last-delivery")).not_to_have_text("never")
        expect(log.filter(has_text="failed, will retry").locator("td.status")).to_have_text(["retried", "retried"])
        assert_not_pwned(page)
    finally:
        endpoint.close()


def test_the_delivery_log_pages(server, sns, sqs, page, unique):
    topic = sns.create_topic(Name=f"noisy-{unique}")["TopicArn"]
    url, arn = make_queue(sqs, f"noisy-{unique}")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sqs.delete_queue(QueueUrl=url)
    ids = [sns.publish(TopicArn=topic, Message=f"m{i}")["MessageId"] for i in range(55)]  # 55 drops: two pages
    page.goto(f"{server.url}{PREFIX}/topics/000000000000/us-east-1/noisy-{unique}")
    rows = page.locator("table.delivery-log tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text(ids[-1])
    expect(rows.first).to_contain_text("dropped")
    page.locator("a.page-next").last.click()
    expect(rows).to_have_count(5)
    expect(rows.last).to_contain_text(ids[0])
    page.locator("a.page-first").last.click()
    expect(rows).to_have_count(50)


def test_topics_of_every_account(server, page, unique):
    accounts = {"000000000000": 2, "555566667777": 3, "888899990000": 52}
    made = set()
    for account, count in accounts.items():
        client = aws_client("sns", server.url, access_key=account)
        for i in range(count):
            made.add((account, f"every-{unique}-{i:02d}"))
            client.create_topic(Name=f"every-{unique}-{i:02d}")
    client.subscribe(TopicArn=f"arn:aws:sns:us-east-1:888899990000:every-{unique}-00", Protocol="http",
                     Endpoint="http://127.0.0.1:9/nobody")  # stays pending

    page.goto(f"{server.url}{PREFIX}/topics")
    page.locator("a.all-accounts").click()
    expect(page.locator("h1")).to_have_text("Topics of every account")
    seen: list[tuple[str, str]] = []
    pending = None
    for _ in range(200):  # the shared server holds other tests' topics too: walk every page
        rows = page.locator("table.all-topics tbody tr")
        expect(rows.first).to_be_visible()
        cells = rows.evaluate_all("rows => rows.map(r => [r.cells[0].textContent, r.cells[2].textContent])")
        assert 0 < len(cells) <= 50
        seen += [tuple(c) for c in cells]
        row = page.locator(f'tr[data-topic-arn="arn:aws:sns:us-east-1:888899990000:every-{unique}-00"]')
        if row.count():
            pending = row.locator("td.pending").text_content()
        next_link = page.locator("a.page-next")
        if next_link.count() == 0:
            break
        with page.expect_navigation():
            next_link.click()
    assert pending == "1"
    assert len(seen) == len(set(seen)), "a topic was listed on two pages"
    assert made <= set(seen)
    ours = [s for s in seen if s[1].startswith(f"every-{unique}")]
    assert ours == sorted(ours)  # ARN order: account, then name
