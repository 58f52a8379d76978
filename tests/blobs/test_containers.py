"""Containers and the service: create/delete, properties, metadata, ACLs, leases, listing, account info,
service properties, stats."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from .conftest import KEY
from azure.storage.blob import AccessPolicy, ContainerSasPermissions, CorsRule, PublicAccess


def _name() -> str:
    return f"c{uuid.uuid4().hex[:16]}"


def test_create_get_delete(blob_service):
    name = _name()
    c = blob_service.create_container(name, metadata={"team": "ops"})
    props = c.get_container_properties()
    assert props.name == name and props.metadata == {"team": "ops"}
    assert props.lease.state == "available" and props.public_access is None
    with pytest.raises(ResourceExistsError) as err:
        blob_service.create_container(name)
    assert err.value.error_code == "ContainerAlreadyExists"
    c.delete_container()
    with pytest.raises(ResourceNotFoundError) as err:
        c.get_container_properties()
    assert err.value.error_code == "ContainerNotFound"


def test_invalid_container_name(blob_service):
    for bad in ("UPPER", "has--double", "-lead", "under_score"):
        with pytest.raises(HttpResponseError) as err:
            blob_service.create_container(bad)
        assert err.value.status_code == 400 and err.value.error_code == "InvalidResourceName"
    for bad in ("a", "x" * 64):
        with pytest.raises(HttpResponseError) as err:
            blob_service.create_container(bad)
        assert err.value.status_code == 400 and err.value.error_code == "OutOfRangeInput"


def test_metadata_and_conditional_set(container):
    container.set_container_metadata({"a": "1"})
    assert container.get_container_properties().metadata == {"a": "1"}
    old = datetime.now(timezone.utc) + timedelta(hours=1)
    with pytest.raises(ResourceModifiedError):
        container.set_container_metadata({"b": "2"}, if_modified_since=old)


def test_list_containers_prefix_marker_metadata(blob_service):
    prefix = f"lst{uuid.uuid4().hex[:8]}"
    names = [f"{prefix}-{i:02d}" for i in range(7)]
    for n in names:
        blob_service.create_container(n, metadata={"i": n[-2:]})
    pages = blob_service.list_containers(name_starts_with=prefix, results_per_page=3, include_metadata=True).by_page()
    seen = []
    for page in pages:
        items = list(page)
        assert len(items) <= 3
        seen += [(c.name, c.metadata) for c in items]
    assert [n for n, _ in seen] == names
    assert all(m == {"i": n[-2:]} for n, m in seen)
    for n in names:
        blob_service.delete_container(n)


def test_acl_public_access_and_stored_policies(container):
    expiry = datetime.now(timezone.utc) + timedelta(hours=1)
    policy = AccessPolicy(permission=ContainerSasPermissions(read=True, list=True), expiry=expiry)
    container.set_container_access_policy({"readers": policy}, public_access=PublicAccess.Blob)
    acl = container.get_container_access_policy()
    assert acl["public_access"] == "blob"
    ids = acl["signed_identifiers"]
    assert [i.id for i in ids] == ["readers"] and ids[0].access_policy.permission == "rl"
    container.set_container_access_policy({}, public_access=None)
    acl = container.get_container_access_policy()
    assert acl["public_access"] is None and acl["signed_identifiers"] == []


def test_container_leases(container):
    lease = container.acquire_lease(lease_duration=15)
    assert container.get_container_properties().lease.state == "leased"
    with pytest.raises(HttpResponseError) as err:
        container.delete_container()
    assert err.value.error_code == "LeaseIdMissing"
    with pytest.raises(HttpResponseError) as err:
        container.acquire_lease()
    assert err.value.error_code == "LeaseAlreadyPresent"
    lease.renew()
    new_id = str(uuid.uuid4())
    lease.change(new_id)
    assert lease.id == new_id
    assert lease.break_lease(lease_break_period=0) == 0
    assert container.get_container_properties().lease.state == "broken"
    lease2 = container.acquire_lease()
    lease2.release()
    assert container.get_container_properties().lease.state == "available"
    lease3 = container.acquire_lease()
    container.delete_container(lease=lease3)


def test_account_info_stats_and_service_properties(blob_service, server):
    info = blob_service.get_account_information()
    assert info["sku_name"] and info["account_kind"] == "StorageV2"
    rule = CorsRule(["http://example.com"], ["GET", "PUT"], allowed_headers=["x-ms-meta-*"],
                    exposed_headers=["x-ms-request-id"], max_age_in_seconds=300)
    blob_service.set_service_properties(cors=[rule])
    props = blob_service.get_service_properties()
    assert len(props["cors"]) == 1 and props["cors"][0].allowed_origins == "http://example.com"
    assert props["cors"][0].max_age_in_seconds == 300
    import requests
    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    sas = generate_account_sas("devstoreaccount1", KEY, ResourceTypes(service=True), AccountSasPermissions(read=True),
                               datetime.now(timezone.utc) + timedelta(hours=1))
    stats = requests.get(f"{server.blob_url}/devstoreaccount1-secondary/?restype=service&comp=stats&{sas}")
    assert stats.status_code == 200 and b"<Status>live</Status>" in stats.content
    blob_service.set_service_properties(cors=[])


def test_cors_preflight_and_response_headers(blob_service, container, server):
    import requests

    blob_service.set_service_properties(cors=[CorsRule(["http://app.example"], ["GET"], allowed_headers=["x-ms-*"],
                                                       exposed_headers=["x-ms-meta-*"], max_age_in_seconds=60)])
    try:
        url = f"{server.blob_url}/devstoreaccount1/{container.container_name}/x"
        ok = requests.options(url, headers={"Origin": "http://app.example", "Access-Control-Request-Method": "GET",
                                            "Access-Control-Request-Headers": "x-ms-version"})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "http://app.example"
        assert ok.headers["access-control-max-age"] == "60"
        bad = requests.options(url, headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"})
        assert bad.status_code == 403 and bad.headers["x-ms-error-code"] == "CorsPreflightFailure"
        container.upload_blob("x", b"1")
        container.set_container_access_policy({}, public_access=PublicAccess.Blob)
        got = requests.get(url, headers={"Origin": "http://app.example"})
        assert got.status_code == 200 and got.headers["access-control-allow-origin"] == "http://app.example"
        assert "x-ms-meta-*" in got.headers["access-control-expose-headers"]
    finally:
        blob_service.set_service_properties(cors=[])


def test_user_delegation_key(blob_service):
    start = datetime.now(timezone.utc)
    key = blob_service.get_user_delegation_key(start, start + timedelta(hours=1))
    assert key.signed_service == "b" and key.value


def test_main_port_host_style_and_reset(server, blob_service):
    """The blob API answers on the main port too (the SDK sends x-ms-version), host-style addresses
    (devstoreaccount1.blob.localhost) work, and POST /_cloudlet/reset wipes containers and blobs."""
    import requests
    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    from .conftest import service_client

    main = service_client(server.url)
    name = _name()
    main.create_container(name).upload_blob("a/b.txt", b"via the main port")
    assert blob_service.get_blob_client(name, "a/b.txt").download_blob().readall() == b"via the main port"
    sas = generate_account_sas("devstoreaccount1", KEY, ResourceTypes(container=True, object=True),
                               AccountSasPermissions(read=True, list=True),
                               datetime.now(timezone.utc) + timedelta(hours=1))
    host = f"devstoreaccount1.blob.localhost:{server.blob_port}"
    r = requests.get(f"{server.blob_url}/{name}/a/b.txt?{sas}", headers={"Host": host})
    assert r.status_code == 200 and r.content == b"via the main port"
    r = requests.get(f"{server.blob_url}/{name}?restype=container&comp=list&{sas}", headers={"Host": host})
    assert r.status_code == 200 and b"<Name>a/b.txt</Name>" in r.content
    server.reset()
    assert not blob_service.get_container_client(name).exists()
