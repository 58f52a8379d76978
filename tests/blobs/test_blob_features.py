"""Blob leases, snapshots, copies, tiers, index tags, append blobs and conditional requests, through the SDK."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceModifiedError, ResourceNotFoundError
from azure.storage.blob import BlobType, StandardBlobTier


def test_blob_lease_lifecycle(container):
    blob = container.get_blob_client("leased")
    blob.upload_blob(b"v1")
    lease = blob.acquire_lease(lease_duration=-1)
    props = blob.get_blob_properties()
    assert props.lease.state == "leased" and props.lease.status == "locked" and props.lease.duration == "infinite"
    with pytest.raises(HttpResponseError) as err:
        blob.upload_blob(b"v2", overwrite=True)
    assert err.value.status_code == 412 and err.value.error_code == "LeaseIdMissing"
    with pytest.raises(HttpResponseError) as err:
        blob.upload_blob(b"v2", overwrite=True, lease=str(uuid.uuid4()))
    assert err.value.error_code == "LeaseIdMismatchWithBlobOperation"
    blob.upload_blob(b"v2", overwrite=True, lease=lease)
    assert blob.download_blob().readall() == b"v2"
    assert blob.get_blob_properties().lease.state == "leased"  # the lease survives an overwrite
    with pytest.raises(HttpResponseError) as err:
        blob.delete_blob()
    assert err.value.error_code == "LeaseIdMissing"
    assert lease.break_lease(lease_break_period=1) == 1
    assert blob.get_blob_properties().lease.state == "breaking"
    time.sleep(1.2)
    assert blob.get_blob_properties().lease.state == "broken"
    blob.delete_blob()


def test_fixed_lease_expires(container):
    blob = container.get_blob_client("fixed")
    blob.upload_blob(b"x")
    lease = blob.acquire_lease(lease_duration=15)
    assert blob.get_blob_properties().lease.duration == "fixed"
    lease.release()
    with pytest.raises(HttpResponseError) as err:
        blob.acquire_lease(lease_duration=5)
    assert err.value.error_code == "InvalidHeaderValue"


def test_snapshots(container):
    blob = container.get_blob_client("snap")
    blob.upload_blob(b"first", metadata={"v": "1"})
    snap = blob.create_snapshot()
    blob.upload_blob(b"second", overwrite=True)
    old = container.get_blob_client("snap", snapshot=snap["snapshot"])
    assert old.download_blob().readall() == b"first"
    assert old.get_blob_properties().metadata == {"v": "1"}
    listed = [(b.name, b.snapshot) for b in container.list_blobs(include=["snapshots"])]
    assert ("snap", snap["snapshot"]) in listed and ("snap", None) in listed
    assert [b.name for b in container.list_blobs()] == ["snap"]
    with pytest.raises(HttpResponseError) as err:
        blob.delete_blob()
    assert err.value.error_code == "SnapshotsPresent"
    blob.delete_blob(delete_snapshots="only")
    assert blob.download_blob().readall() == b"second"
    with pytest.raises(ResourceNotFoundError):
        old.download_blob()
    snap2 = blob.create_snapshot()
    blob.delete_blob(delete_snapshots="include")
    with pytest.raises(ResourceNotFoundError):
        container.get_blob_client("snap", snapshot=snap2["snapshot"]).get_blob_properties()


def test_copy_within_account(container, blob_service):
    src = container.get_blob_client("source")
    src.upload_blob(b"copy me" * 1000, metadata={"from": "src"})
    other = blob_service.create_container(f"copy{uuid.uuid4().hex[:10]}")
    try:
        dst = other.get_blob_client("dest")
        result = dst.start_copy_from_url(src.url)
        assert result["copy_status"] == "success"
        props = dst.get_blob_properties()
        assert props.copy.status == "success" and props.copy.id == result["copy_id"]
        assert props.metadata == {"from": "src"}
        assert dst.download_blob().readall() == b"copy me" * 1000
        src.delete_blob()  # the copy keeps its bytes
        assert dst.download_blob().readall() == b"copy me" * 1000
        with pytest.raises(HttpResponseError) as err:
            dst.abort_copy(result["copy_id"])
        assert err.value.error_code == "NoPendingCopyOperation"
        sync = other.get_blob_client("sync")
        dst_snapshot = dst.create_snapshot()
        sync.upload_blob_from_url(f"{dst.url}?snapshot={dst_snapshot['snapshot']}")
        assert sync.download_blob().readall() == b"copy me" * 1000
        with pytest.raises(HttpResponseError) as err:
            other.get_blob_client("x").start_copy_from_url(container.get_blob_client("missing").url)
        assert err.value.status_code == 404
    finally:
        other.delete_container()


@pytest.mark.parametrize("size", [10, 100_000, 400_000, 0])  # inline, pack, file; 0: three staged blocks
def test_copy_onto_itself_keeps_the_bytes(container, size):
    """Copying a blob onto itself (to change its metadata, say) replaces it with itself: its bytes stay."""
    import base64
    import os

    blob = container.get_blob_client(f"self-{size}")
    if size:
        data = os.urandom(size)
        blob.upload_blob(data, metadata={"v": "1"})
    else:
        parts = [os.urandom(n) for n in (1000, 300_000, 70_000)]
        ids = [base64.b64encode(f"b{i}".encode()).decode() for i in range(len(parts))]
        for block_id, part in zip(ids, parts):
            blob.stage_block(block_id, part)
        blob.commit_block_list(ids, metadata={"v": "1"})
        data = b"".join(parts)
    assert blob.start_copy_from_url(blob.url, metadata={"v": "2"})["copy_status"] == "success"
    assert blob.download_blob().readall() == data
    assert blob.get_blob_properties().metadata == {"v": "2"}


def test_tiers_and_archive(container):
    blob = container.get_blob_client("tiered")
    blob.upload_blob(b"cold data", standard_blob_tier=StandardBlobTier.COOL)
    assert blob.get_blob_properties().blob_tier == "Cool"
    blob.set_standard_blob_tier(StandardBlobTier.COLD)
    assert blob.get_blob_properties().blob_tier == "Cold"
    blob.set_standard_blob_tier(StandardBlobTier.ARCHIVE)
    assert blob.get_blob_properties().blob_tier == "Archive"
    with pytest.raises(HttpResponseError) as err:
        blob.download_blob()
    assert err.value.status_code == 409 and err.value.error_code == "BlobArchived"
    blob.set_standard_blob_tier(StandardBlobTier.HOT)
    assert blob.download_blob().readall() == b"cold data"
    assert blob.get_blob_properties().blob_tier == "Hot"
    with pytest.raises(HttpResponseError) as err:
        blob.set_standard_blob_tier("Lukewarm")
    assert err.value.status_code == 400


def test_index_tags_and_find(container, blob_service):
    tag = uuid.uuid4().hex[:8]
    a = container.get_blob_client("a")
    a.upload_blob(b"a", tags={"project": tag, "stage": "raw"})
    b = container.get_blob_client("b")
    b.upload_blob(b"b")
    b.set_blob_tags({"project": tag, "stage": "done"})
    assert a.get_blob_tags() == {"project": tag, "stage": "raw"}
    assert b.get_blob_properties().tag_count == 2
    found = sorted(x.name for x in blob_service.find_blobs_by_tags(f"\"project\" = '{tag}'"))
    assert found == ["a", "b"]
    found = [x.name for x in blob_service.find_blobs_by_tags(f"\"project\" = '{tag}' AND \"stage\" = 'done'")]
    assert found == ["b"]
    found = [x.name for x in container.find_blobs_by_tags(f"\"project\" = '{tag}' AND \"stage\" > 'e'")]
    assert found == ["a"]
    listed = {x.name: x.tags for x in container.list_blobs(include=["tags"])}
    assert listed["a"] == {"project": tag, "stage": "raw"}
    with pytest.raises(HttpResponseError) as err:
        list(blob_service.find_blobs_by_tags("project = "))
    assert err.value.status_code == 400


def test_append_blobs(container):
    blob = container.get_blob_client("log")
    blob.create_append_blob()
    assert blob.append_block(b"one,")["blob_append_offset"] == "0"
    assert blob.append_block(b"two,")["blob_append_offset"] == "4"
    blob.append_block(b"three", appendpos_condition=8)
    assert blob.download_blob().readall() == b"one,two,three"
    props = blob.get_blob_properties()
    assert props.blob_type == BlobType.APPENDBLOB and props.append_blob_committed_block_count == 3
    with pytest.raises(HttpResponseError) as err:
        blob.append_block(b"x", appendpos_condition=1)
    assert err.value.status_code == 412 and err.value.error_code == "AppendPositionConditionNotMet"
    with pytest.raises(HttpResponseError) as err:
        blob.append_block(b"xyz", maxsize_condition=14)
    assert err.value.error_code == "MaxBlobSizeConditionNotMet"
    assert blob.download_blob(offset=4, length=6).readall() == b"two,th"
    blob.seal_append_blob()
    with pytest.raises(HttpResponseError) as err:
        blob.append_block(b"late")
    assert err.value.status_code == 409
    block = container.get_blob_client("block")
    block.upload_blob(b"x")
    with pytest.raises(HttpResponseError) as err:
        block.append_block(b"y")
    assert err.value.error_code == "InvalidBlobType"


def test_conditional_requests(container):
    blob = container.get_blob_client("cond")
    blob.upload_blob(b"v1")
    etag = blob.get_blob_properties().etag
    blob.upload_blob(b"v2", overwrite=True, etag=etag, match_condition=MatchConditions.IfNotModified)
    with pytest.raises(ResourceModifiedError) as err:
        blob.upload_blob(b"v3", overwrite=True, etag=etag, match_condition=MatchConditions.IfNotModified)
    assert err.value.error_code == "ConditionNotMet"
    with pytest.raises(ResourceModifiedError):
        blob.set_blob_metadata({"a": "b"}, etag=etag, match_condition=MatchConditions.IfNotModified)
    with pytest.raises(ResourceModifiedError):
        blob.delete_blob(etag=etag, match_condition=MatchConditions.IfNotModified)
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    assert blob.download_blob(if_modified_since=past).readall() == b"v2"
    with pytest.raises(ResourceModifiedError):
        blob.download_blob(if_unmodified_since=past)
    with pytest.raises(HttpResponseError) as err:
        blob.download_blob(if_modified_since=future)
    assert err.value.status_code == 304
    current = blob.get_blob_properties().etag
    with pytest.raises(HttpResponseError) as err:
        blob.download_blob(etag=current, match_condition=MatchConditions.IfModified)
    assert err.value.status_code == 304
    blob.delete_blob(etag=current, match_condition=MatchConditions.IfNotModified)
