"""Authentication: SharedKey, account SAS, service SAS (blob, container, stored policies, user delegation),
anonymous access; and every way a token must fail, with Azure's status and code."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.storage.blob import (AccessPolicy, AccountSasPermissions, BlobClient, BlobSasPermissions, ContainerClient,
                                ContainerSasPermissions, PublicAccess, ResourceTypes, generate_account_sas,
                                generate_blob_sas, generate_container_sas)

from .conftest import ACCOUNT, KEY, error_code


def _soon(hours: float = 1) -> datetime:
    return datetime.now(timezone.utc) + timedelta(hours=hours)


def _blob_url(server, container, name):
    return f"{server.blob_url}/{ACCOUNT}/{container.container_name}/{name}"


@pytest.fixture
def hello(container):
    container.upload_blob("hello.txt", b"hello sas")
    return container


def test_blob_sas_read_works(server, hello):
    sas = generate_blob_sas(ACCOUNT, hello.container_name, "hello.txt", account_key=KEY,
                            permission=BlobSasPermissions(read=True), expiry=_soon())
    client = BlobClient.from_blob_url(f"{_blob_url(server, hello, 'hello.txt')}?{sas}")
    assert client.download_blob().readall() == b"hello sas"
    got = requests.get(f"{_blob_url(server, hello, 'hello.txt')}?{sas}")
    assert got.status_code == 200 and got.content == b"hello sas"


def test_blob_sas_wrong_permission(server, hello):
    sas = generate_blob_sas(ACCOUNT, hello.container_name, "hello.txt", account_key=KEY,
                            permission=BlobSasPermissions(read=True), expiry=_soon())
    client = BlobClient.from_blob_url(f"{_blob_url(server, hello, 'hello.txt')}?{sas}")
    with pytest.raises(HttpResponseError) as err:
        client.upload_blob(b"overwrite", overwrite=True)
    assert err.value.status_code == 403 and err.value.error_code == "AuthorizationPermissionMismatch"
    with pytest.raises(HttpResponseError) as err:
        client.delete_blob()
    assert err.value.error_code == "AuthorizationPermissionMismatch"
    assert hello.get_blob_client("hello.txt").download_blob().readall() == b"hello sas"


def test_blob_sas_expired_tampered_and_for_other_blob(server, hello):
    expired = generate_blob_sas(ACCOUNT, hello.container_name, "hello.txt", account_key=KEY,
                                permission=BlobSasPermissions(read=True), expiry=_soon(-1))
    r = requests.get(f"{_blob_url(server, hello, 'hello.txt')}?{expired}")
    assert r.status_code == 403 and error_code(r) == "AuthenticationFailed"
    good = generate_blob_sas(ACCOUNT, hello.container_name, "hello.txt", account_key=KEY,
                             permission=BlobSasPermissions(read=True), expiry=_soon())
    fields = dict(parse_qsl(good))
    for field, value in (("sp", "rwd"), ("se", (_soon(48)).strftime("%Y-%m-%dT%H:%M:%SZ")),
                         ("sig", "AAAA" + fields["sig"][4:])):
        tampered = urlencode({**fields, field: value})
        r = requests.get(f"{_blob_url(server, hello, 'hello.txt')}?{tampered}")
        assert r.status_code == 403 and error_code(r) == "AuthenticationFailed", field
    hello.upload_blob("other.txt", b"secret")
    r = requests.get(f"{_blob_url(server, hello, 'other.txt')}?{good}")
    assert r.status_code == 403 and error_code(r) == "AuthenticationFailed"
    wrong_key = generate_blob_sas(ACCOUNT, hello.container_name, "hello.txt", account_key=KEY[:-4] + "AAA=",
                                  permission=BlobSasPermissions(read=True), expiry=_soon())
    r = requests.get(f"{_blob_url(server, hello, 'hello.txt')}?{wrong_key}")
    assert r.status_code == 403 and error_code(r) == "AuthenticationFailed"


def test_sas_not_yet_valid(server, hello):
    sas = generate_blob_sas(ACCOUNT, hello.container_name, "hello.txt", account_key=KEY,
                            permission=BlobSasPermissions(read=True), start=_soon(1), expiry=_soon(2))
    r = requests.get(f"{_blob_url(server, hello, 'hello.txt')}?{sas}")
    assert r.status_code == 403 and error_code(r) == "AuthenticationFailed"


def test_sas_ip_range_and_protocol(server, hello):
    allowed = generate_blob_sas(ACCOUNT, hello.container_name, "hello.txt", account_key=KEY,
                                permission=BlobSasPermissions(read=True), expiry=_soon(), ip="127.0.0.0-127.0.0.255")
    assert requests.get(f"{_blob_url(server, hello, 'hello.txt')}?{allowed}").status_code == 200
    elsewhere = generate_blob_sas(ACCOUNT, hello.container_name, "hello.txt", account_key=KEY,
                                  permission=BlobSasPermissions(read=True), expiry=_soon(), ip="10.1.2.3")
    r = requests.get(f"{_blob_url(server, hello, 'hello.txt')}?{elsewhere}")
    assert r.status_code == 403 and error_code(r) == "AuthorizationSourceIPMismatch"
    https_only = generate_blob_sas(ACCOUNT, hello.container_name, "hello.txt", account_key=KEY,
                                   permission=BlobSasPermissions(read=True), expiry=_soon(), protocol="https")
    r = requests.get(f"{_blob_url(server, hello, 'hello.txt')}?{https_only}")
    assert r.status_code == 403 and error_code(r) == "AuthorizationProtocolMismatch"


def test_container_sas_list_and_write(server, hello):
    sas = generate_container_sas(ACCOUNT, hello.container_name, account_key=KEY,
                                 permission=ContainerSasPermissions(read=True, list=True, write=True, create=True),
                                 expiry=_soon())
    client = ContainerClient.from_container_url(f"{server.blob_url}/{ACCOUNT}/{hello.container_name}?{sas}")
    client.upload_blob("via-sas.txt", b"written with a container SAS")
    assert sorted(b.name for b in client.list_blobs()) == ["hello.txt", "via-sas.txt"]
    with pytest.raises(HttpResponseError) as err:
        client.delete_blob("hello.txt")
    assert err.value.error_code == "AuthorizationPermissionMismatch"


def test_stored_access_policy(server, hello):
    hello.set_container_access_policy({"readonly": AccessPolicy(permission=ContainerSasPermissions(read=True),
                                                                expiry=_soon())})
    sas = generate_blob_sas(ACCOUNT, hello.container_name, "hello.txt", account_key=KEY, policy_id="readonly")
    assert requests.get(f"{_blob_url(server, hello, 'hello.txt')}?{sas}").content == b"hello sas"
    r = requests.delete(f"{_blob_url(server, hello, 'hello.txt')}?{sas}")
    assert r.status_code == 403 and error_code(r) == "AuthorizationPermissionMismatch"
    # revoking the policy revokes every token that names it
    hello.set_container_access_policy({})
    r = requests.get(f"{_blob_url(server, hello, 'hello.txt')}?{sas}")
    assert r.status_code == 403 and error_code(r) == "AuthenticationFailed"


def test_account_sas(server, hello):
    sas = generate_account_sas(ACCOUNT, KEY, ResourceTypes(container=True, object=True),
                               AccountSasPermissions(read=True, list=True), _soon())
    client = ContainerClient.from_container_url(f"{server.blob_url}/{ACCOUNT}/{hello.container_name}?{sas}")
    assert [b.name for b in client.list_blobs()] == ["hello.txt"]
    assert client.download_blob("hello.txt").readall() == b"hello sas"
    with pytest.raises(HttpResponseError) as err:
        client.upload_blob("nope", b"x")
    assert err.value.error_code == "AuthorizationPermissionMismatch"
    objects_only = generate_account_sas(ACCOUNT, KEY, ResourceTypes(object=True),
                                        AccountSasPermissions(read=True, list=True), _soon())
    r = requests.get(f"{server.blob_url}/{ACCOUNT}/{hello.container_name}?restype=container&comp=list&{objects_only}")
    assert r.status_code == 403 and error_code(r) == "AuthorizationResourceTypeMismatch"
    r = requests.get(f"{server.blob_url}/{ACCOUNT}/?comp=list&{sas}")
    assert r.status_code == 403 and error_code(r) == "AuthorizationResourceTypeMismatch"


def test_user_delegation_sas(server, hello, blob_service):
    start = datetime.now(timezone.utc) - timedelta(minutes=1)
    key = blob_service.get_user_delegation_key(start, _soon())
    sas = generate_blob_sas(ACCOUNT, hello.container_name, "hello.txt", user_delegation_key=key,
                            permission=BlobSasPermissions(read=True), expiry=_soon())
    assert requests.get(f"{_blob_url(server, hello, 'hello.txt')}?{sas}").content == b"hello sas"
    fields = dict(parse_qsl(sas))
    forged = urlencode({**fields, "skoid": "someone-else"})
    r = requests.get(f"{_blob_url(server, hello, 'hello.txt')}?{forged}")
    assert r.status_code == 403 and error_code(r) == "AuthenticationFailed"


def test_bad_shared_key(server, hello):
    from azure.storage.blob import BlobServiceClient

    client = BlobServiceClient(f"{server.blob_url}/{ACCOUNT}", credential={"account_name": ACCOUNT,
                                                                          "account_key": KEY[:-4] + "AAA="},
                               retry_total=0)
    with pytest.raises(ClientAuthenticationError) as err:
        client.get_container_client(hello.container_name).get_container_properties()
    assert err.value.status_code == 403 and err.value.error_code == "AuthenticationFailed"


def test_anonymous_access(server, hello):
    url = _blob_url(server, hello, "hello.txt")
    r = requests.get(url)
    assert r.status_code == 404 and error_code(r) == "ResourceNotFound"
    listing = f"{server.blob_url}/{ACCOUNT}/{hello.container_name}?restype=container&comp=list"
    hello.set_container_access_policy({}, public_access=PublicAccess.Blob)
    assert requests.get(url).content == b"hello sas"
    assert requests.get(listing).status_code == 404
    r = requests.put(url, data=b"x", headers={"x-ms-blob-type": "BlockBlob"})
    assert r.status_code == 404 and error_code(r) == "ResourceNotFound"
    hello.set_container_access_policy({}, public_access=PublicAccess.Container)
    r = requests.get(listing)
    assert r.status_code == 200 and b"<Name>hello.txt</Name>" in r.content
    r = requests.get(f"{server.blob_url}/{ACCOUNT}/?comp=list")
    assert r.status_code == 401 and error_code(r) == "NoAuthenticationInformation"


def test_create_permission_does_not_overwrite(server, hello):
    sas = generate_container_sas(ACCOUNT, hello.container_name, account_key=KEY,
                                 permission=ContainerSasPermissions(create=True), expiry=_soon())
    client = ContainerClient.from_container_url(f"{server.blob_url}/{ACCOUNT}/{hello.container_name}?{sas}")
    client.upload_blob("fresh.txt", b"new")
    with pytest.raises(HttpResponseError) as err:
        client.upload_blob("hello.txt", b"overwrite", overwrite=True)
    assert err.value.status_code == 403 and err.value.error_code == "AuthorizationPermissionMismatch"
    assert hello.get_blob_client("hello.txt").download_blob().readall() == b"hello sas"
    assert hello.get_blob_client("fresh.txt").download_blob().readall() == b"new"


def test_cloudlet_made_sas_is_what_the_sdk_makes_and_what_the_wire_accepts(server, hello):
    """Cloudlet hands out SAS tokens (the dashboard) with the builder its verification uses: the signature equals
    the SDK's for the same fields, the wire accepts it, and a tampered copy is refused."""
    from cloudlet.azure.accounts import Accounts
    from cloudlet.azure.sas import authenticate, service_sas

    account = Accounts("").get(ACCOUNT)
    expiry = _soon().strftime("%Y-%m-%dT%H:%M:%SZ")
    sdk = dict(parse_qsl(generate_blob_sas(ACCOUNT, hello.container_name, "hello.txt", account_key=KEY,
                                           permission=BlobSasPermissions(read=True), expiry=expiry,
                                           protocol="https,http")))
    assert service_sas(account, hello.container_name, "hello.txt", "r", expiry, version=sdk["sv"])["sig"] == sdk["sig"]
    fields = service_sas(account, hello.container_name, "hello.txt", "r", expiry)
    grant = authenticate(fields, account, hello.container_name, "hello.txt", "127.0.0.1", "http")
    assert grant.permissions == "r" and grant.resource == "b"
    url = _blob_url(server, hello, "hello.txt")
    assert requests.get(f"{url}?{urlencode(fields)}", timeout=10).content == b"hello sas"
    container_fields = service_sas(account, hello.container_name, "", "l", expiry)
    listing = requests.get(f"{server.blob_url}/{ACCOUNT}/{hello.container_name}?restype=container&comp=list&"
                           f"{urlencode(container_fields)}", timeout=10)
    assert listing.status_code == 200 and b"hello.txt" in listing.content
    tampered = {**fields, "sp": "rw"}
    response = requests.get(f"{url}?{urlencode(tampered)}", timeout=10)
    assert response.status_code == 403 and error_code(response) == "AuthenticationFailed"
