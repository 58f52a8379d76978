"""The Queues pages in a real browser, with queues and messages made through boto3."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from .conftest import HOSTILE, assert_not_pwned

PREFIX = "/_cloudlet/dashboard"


def _make_pair(sqs, unique):
    dlq_url = sqs.create_queue(QueueName=f"orders-dlq-{unique}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})
    url = sqs.create_queue(QueueName=f"orders-{unique}", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    return url, dlq_url


def _attrs(sqs, url):
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    return {k: int(v) for k, v in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].items()}


def test_list_peek_send_and_purge(server, sqs, page, shot, unique):
    url, dlq_url = _make_pair(sqs, unique)
    sqs.send_message(QueueUrl=url, MessageBody=HOSTILE,
                     MessageAttributes={"origin": {"DataType": "String", "StringValue": HOSTILE}})
    sqs.send_message(QueueUrl=url, MessageBody="plain order 2")
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=300)  # one in flight

    page.goto(f"{server.url}{PREFIX}/queues?prefix=orders-")
    row = page.locator(f'tr[data-queue="orders-{unique}"]')
    expect(row.locator("td.visible")).to_have_text("1")
    expect(row.locator("td.inflight")).to_have_text("1")
    expect(row.locator("td.dlq")).to_contain_text(f"orders-dlq-{unique}")
    expect(page.locator(f'tr[data-queue="orders-dlq-{unique}"] td.sources')).to_contain_text(f"orders-{unique}")
    shot("queues")

    row.get_by_role("link", name=f"orders-{unique}").click()
    expect(page.locator("h1")).to_contain_text(f"orders-{unique}")
    messages = page.locator("table.messages tbody tr")
    expect(messages).to_have_count(2)
    hostile_row = messages.filter(has_text="window.__pwned=1")
    expect(hostile_row.locator("pre.body")).to_have_text(HOSTILE)  # shown as text, not run
    expect(hostile_row).to_contain_text("origin")
    assert_not_pwned(page)
    expect(page.locator("table.messages")).to_contain_text("in flight")

    # Peeking changed nothing: still one visible, one in flight, and the first receive is receive number 1.
    page.reload()
    assert _attrs(sqs, url) == {"ApproximateNumberOfMessages": 1, "ApproximateNumberOfMessagesNotVisible": 1}

    # The full message page, body escaped.
    hostile_row.locator("a").first.click()
    expect(page.locator("#message-body")).to_have_text(HOSTILE)
    assert_not_pwned(page)
    page.go_back()

    # Send from the page: the flash says so, the live list shows it, boto3 receives it.
    page.locator("#send-form textarea[name=body]").fill("sent from the dashboard")
    page.locator("#send-form input[name=attr_name]").fill("source")
    page.locator("#send-form input[name=attr_value]").fill("browser")
    page.locator("#send-form button").click()
    expect(page.locator("#flash")).to_contain_text("Sent message")
    expect(page.locator("table.messages tbody tr")).to_have_count(3)
    expect(page.locator("#counts-live dd.visible")).to_have_text("2")
    shot("queue")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                              AttributeNames=["ApproximateReceiveCount"])["Messages"]
    bodies = {m["Body"]: m for m in got}
    assert "sent from the dashboard" in bodies
    assert bodies["sent from the dashboard"]["MessageAttributes"]["source"]["StringValue"] == "browser"
    assert bodies["plain order 2"]["Attributes"]["ApproximateReceiveCount"] == "1"  # peeks were not receives

    # Purge after confirming; the counts go to zero without a reload.
    page.locator("#purge-form button").click()
    expect(page.locator("#flash")).to_contain_text("Purged")
    expect(page.locator("table.messages tbody tr")).to_have_count(0)
    expect(page.locator("#counts-live dd.inflight")).to_have_text("0")
    page.locator("#purge-form button").click()  # a second purge within 60 s is refused, as SQS refuses it
    expect(page.locator("#flash")).to_contain_text("PurgeQueueInProgress")


def test_counts_update_live(server, sqs, page, unique):
    url = sqs.create_queue(QueueName=f"live-{unique}")["QueueUrl"]
    page.goto(f"{server.url}{PREFIX}/queues/000000000000/us-east-1/live-{unique}")
    expect(page.locator("#counts-live dd.visible")).to_have_text("0")
    sqs.send_message(QueueUrl=url, MessageBody="arrives while the page is open")
    expect(page.locator("#counts-live dd.visible")).to_have_text("1", timeout=10_000)
    expect(page.locator("table.messages")).to_contain_text("arrives while the page is open")


def test_redrive_from_the_dead_letter_queue(server, sqs, page, shot, unique):
    url, dlq_url = _make_pair(sqs, unique)
    sqs.send_message(QueueUrl=url, MessageBody="poison pill")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages") is None  # now dead-lettered

    page.goto(f"{server.url}{PREFIX}/queues/000000000000/us-east-1/orders-dlq-{unique}")
    expect(page.locator("table.messages")).to_contain_text("poison pill")
    page.locator("table.messages a").first.click()
    expect(page.locator("dl.props")).to_contain_text(f"orders-{unique}")  # dead-lettered from
    page.go_back()
    page.locator("#move-form button").click()
    expect(page.locator("#flash")).to_contain_text("Started move task")
    expect(page.locator("table.move-tasks tbody tr").first).to_contain_text("COMPLETED", timeout=10_000)
    expect(page.locator("table.move-tasks td.moved").first).to_have_text("1 / 1")
    expect(page.locator("table.messages tbody tr")).to_have_count(0)
    shot("dead-letter-queue")
    back = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in back] == ["poison pill"]


def test_an_error_from_the_engine_is_shown(server, sqs, page, unique):
    sqs.create_queue(QueueName=f"fifo-{unique}.fifo", Attributes={"FifoQueue": "true"})
    page.goto(f"{server.url}{PREFIX}/queues/000000000000/us-east-1/fifo-{unique}.fifo")
    page.locator("#send-form textarea[name=body]").fill("no dedup id")
    page.locator("#send-form input[name=group]").fill("g1")
    page.locator("#send-form button").click()
    expect(page.locator("#flash")).to_contain_text("ContentBasedDeduplication")
    expect(page.locator("table.messages tbody tr")).to_have_count(0)
    page.locator("#send-form input[name=dedup]").fill("d1")
    page.locator("#send-form button").click()
    expect(page.locator("#flash")).to_contain_text("Sent message")
    expect(page.locator("table.messages tbody tr")).to_have_count(1)


def test_pages_of_queues(server, sqs, page, unique):
    names = [f"many-{unique}-{i:03d}" for i in range(55)]
    for name in names:
        sqs.create_queue(QueueName=name)
    page.goto(f"{server.url}{PREFIX}/queues?prefix=many-{unique}")
    expect(page.locator("table.queues tbody tr")).to_have_count(50)
    page.locator("a.page-next").click()
    expect(page.locator("table.queues tbody tr")).to_have_count(5)
    expect(page.locator("table.queues")).to_contain_text(names[-1])
    expect(page.locator("a.page-next")).to_have_count(0)
    page.locator("a.page-first").click()
    expect(page.locator("table.queues tbody tr").first).to_contain_text(names[0])


def test_an_unknown_queue_is_a_404(server, page):
    answer = page.goto(f"{server.url}{PREFIX}/queues/000000000000/us-east-1/no-such-queue")
    assert answer.status == 404
    expect(page.locator("main")).to_contain_text("does not exist")


def test_pages_of_messages(server, sqs, page, unique):
    url = sqs.create_queue(QueueName=f"deep-{unique}")["QueueUrl"]
    for start in range(0, 30, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"message {i:02d}"}
                                                      for i in range(start, start + 10)])
    page.goto(f"{server.url}{PREFIX}/queues/000000000000/us-east-1/deep-{unique}")
    expect(page.locator("table.messages tbody tr")).to_have_count(25)
    page.locator("a.page-next").click()
    expect(page.locator("table.messages tbody tr")).to_have_count(5)
    seen = page.locator("table.messages pre.body").all_inner_texts()
    page.locator("a.page-first").click()
    expect(page.locator("table.messages tbody tr")).to_have_count(25)  # the first page has loaded
    seen += page.locator("table.messages pre.body").all_inner_texts()
    assert sorted(seen) == [f"message {i:02d}" for i in range(30)]
    assert _attrs(sqs, url)["ApproximateNumberOfMessages"] == 30


def test_cancel_a_slow_move_task(server, sqs, page, unique):
    url, dlq_url = _make_pair(sqs, unique)
    sqs.send_message_batch(QueueUrl=dlq_url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(6)])
    page.goto(f"{server.url}{PREFIX}/queues/000000000000/us-east-1/orders-dlq-{unique}")
    page.locator("#move-form input[name=destination]").fill(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
    page.locator("#move-form input[name=rate]").fill("1")
    page.locator("#move-form button").click()
    expect(page.locator("table.move-tasks tbody tr").first).to_contain_text("RUNNING")
    page.locator("table.move-tasks button", has_text="Cancel").click()
    expect(page.locator("#flash")).to_contain_text("Cancelled move task")
    expect(page.locator("table.move-tasks tbody tr").first).to_contain_text("CANCELLED")
    moved = _attrs(sqs, url)["ApproximateNumberOfMessages"]
    assert moved < 6 and moved + _attrs(sqs, dlq_url)["ApproximateNumberOfMessages"] == 6
