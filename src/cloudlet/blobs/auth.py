"""Who may do what: SharedKey / SharedKeyLite, account and service SAS (with stored access policies), and
anonymous access to public containers. Anything else gets Azure's 401/403/404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..azure import sas, shared_key
from ..azure.accounts import Account, Accounts
from ..azure.errors import StorageError
from .call import BlobCall
from .routes import Op


@dataclass
class Principal:
    kind: str  # key, sas, anonymous
    account: Account
    grant: sas.SasGrant | None = None


def _auth_failed(detail: str) -> StorageError:
    return StorageError(403, "AuthenticationFailed", extra={"AuthenticationErrorDetail": detail})


async def authorize(call: BlobCall, op: Op, accounts: Accounts, engine: Any) -> Principal:
    account = accounts.get(call.account)
    if account is None:
        raise StorageError(400, "InvalidUri", f"The storage account {call.account!r} is not configured in Cloudlet.")
    header = call.header("authorization")
    if header:
        scheme, _, credential = header.partition(" ")
        if scheme in ("SharedKey", "SharedKeyLite"):
            name, _, signature = credential.strip().partition(":")
            if accounts.get(name) is not account:
                raise _auth_failed(f"The account {name} in the Authorization header does not match the URL")
            if not shared_key.verify(account, scheme, signature, call.method, call.headers, call.raw_path,
                                     call.raw_query):
                raise _auth_failed("The MAC signature found in the HTTP request is not the same as any computed "
                                   "signature.")
            return Principal("key", account)
        if scheme == "Bearer" and op.name == "user_delegation_key":
            return Principal("key", account)  # development mode: any token may ask for a delegation key
        raise StorageError(403, "InvalidAuthenticationInfo", "Authentication information is not given in the "
                                                             "correct format.")
    if "sig" in call.query:
        if op.name == "user_delegation_key":
            raise _auth_failed("A SAS cannot request a user delegation key")
        policy = None
        if call.query.get("si") and call.container:
            container = await engine.container_access(account.name, call.container)
            for ident in container.acl if container else []:
                if ident["id"] == call.query["si"]:
                    policy = ident
        grant = sas.authenticate(call.query, account, call.container, call.blob, call.client_ip, call.scheme, policy)
        grant.require(op.permission, op.level)
        return Principal("sas", account, grant)
    if op.public and call.container:
        container = await engine.container_access(account.name, call.container)
        if container is not None and container.public_access and \
                (op.public == "blob" or container.public_access == "container"):
            return Principal("anonymous", account)
    if call.level == "service" or op.name == "account_info":
        raise StorageError(401, "NoAuthenticationInformation")
    raise StorageError(404, "ResourceNotFound")
