"""The Topics pages in a real browser, with topics, subscriptions and queues made through boto3."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from .conftest import HOSTILE, assert_not_pwned

PREFIX = "/_cloudlet/dashboard"


def test_subscriptions_and_publish(server, sqs, sns, page, unique):
    topic_arn = sns.create_topic(Name=f"shop-{unique}")["TopicArn"]
    q_url = sqs.create_queue(QueueName=f"shipping-{unique}")["QueueUrl"]
    q_arn = sqs.get_queue_attributes(QueueUrl=q_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"kind": ["order", HOSTILE]}
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=q_arn, ReturnSubscriptionArn=True,
                  Attributes={"FilterPolicy": json.dumps(policy), "RawMessageDelivery": "true"})
    # An HTTP endpoint nobody listens on: its subscription stays pending confirmation.
    sns.subscribe(TopicArn=topic_arn, Protocol="http", Endpoint="http://127.0.0.1:9/hook")

    page.goto(f"{server.url}{PREFIX}/topics")
    row = page.locator(f'tr[data-topic="shop-{unique}"]')
    expect(row.locator("td.confirmed")).to_have_text("1")
    expect(row.locator("td.pending")).to_have_text("1")
    row.get_by_role("link").click()

    subs = page.locator("table.subscriptions tbody tr")
    expect(subs).to_have_count(2)
    sqs_row = subs.filter(has_text=f"shipping-{unique}")
    expect(sqs_row).to_contain_text("confirmed")
    expect(sqs_row.locator("pre.filter-policy")).to_contain_text("<script>window.__pwned=1</script>")  # escaped
    expect(sqs_row).to_contain_text("raw")
    expect(subs.filter(has_text="http://127.0.0.1:9/hook")).to_contain_text("pending")
    assert_not_pwned(page)

    # Publish a message the filter lets through, then one it drops.
    page.locator("#publish-form textarea[name=message]").fill("order 42 " + HOSTILE)
    page.locator("#publish-form input[name=attr_name]").fill("kind")
    page.locator("#publish-form input[name=attr_value]").fill("order")
    page.locator("#publish-form button").click()
    expect(page.locator("#flash")).to_contain_text("Published message")
    page.locator("#publish-form textarea[name=message]").fill("not for shipping")
    page.locator("#publish-form input[name=attr_name]").fill("kind")
    page.locator("#publish-form input[name=attr_value]").fill("refund")
    page.locator("#publish-form button").click()
    expect(page.locator("#flash")).to_contain_text("Published message")
    got = sqs.receive_message(QueueUrl=q_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in got] == ["order 42 " + HOSTILE]

    # The subscriber queue's endpoint links to its queue page.
    page.goto(page.url)
    page.locator("table.subscriptions").get_by_role("link", name=f"shipping-{unique}").click()
    expect(page.locator("h1")).to_contain_text(f"shipping-{unique}")


def test_publish_errors_are_shown(server, sns, page, unique):
    sns.create_topic(Name=f"events-{unique}.fifo", Attributes={"FifoTopic": "true"})
    page.goto(f"{server.url}{PREFIX}/topics/000000000000/us-east-1/events-{unique}.fifo")
    page.locator("#publish-form textarea[name=message]").fill("no dedup id")
    page.locator("#publish-form input[name=group]").fill("g")
    page.locator("#publish-form button").click()
    expect(page.locator("#flash")).to_contain_text("ContentBasedDeduplication")


def test_topics_of_another_account(server, page, shot, unique):
    from tests.conftest import aws_client

    other = aws_client("sns", server.url, access_key="111122223333")
    other.create_topic(Name=f"theirs-{unique}")
    page.goto(f"{server.url}{PREFIX}/topics")
    expect(page.locator(f'tr[data-topic="theirs-{unique}"]')).to_have_count(0)
    aws_client("sqs", server.url, access_key="111122223333").create_queue(QueueName=f"theirs-{unique}")
    other.subscribe(TopicArn=f"arn:aws:sns:us-east-1:111122223333:theirs-{unique}", Protocol="sqs",
                    Endpoint=f"arn:aws:sqs:us-east-1:111122223333:theirs-{unique}")
    page.locator("input[name=account]").fill("111122223333")
    page.locator("form.filter button").click()
    expect(page.locator(f'tr[data-topic="theirs-{unique}"] td.confirmed')).to_have_text("1")
    row = page.locator("table.all-subscriptions tr", has_text=f"theirs-{unique}")
    expect(row).to_contain_text("111122223333")
    expect(row).to_contain_text("confirmed")
    shot("topics")
    row.get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text(f"theirs-{unique}")
