"""Blob storage: containers, virtual directories and blobs (properties, metadata, tags, tier, lease state);
upload in blocks, download, delete, and make a SAS URL with chosen permissions and expiry."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator
from urllib.parse import quote, urlencode

from ..azure.sas import service_sas
from ..blobs.conditions import Conditions
from ..blobs.writes import WriteOptions
from ..http import Response
from .app import ActionError, Done, Page, View
from .markup import Safe, h, join, pager, path, size, table, when

SERVICE = "blobs"
PAGE_SIZE = 100
SAS_PERMISSIONS = (("r", "read"), ("a", "add"), ("c", "create"), ("w", "write"), ("d", "delete"), ("t", "tags"))


def _service(view: View) -> Any:
    service = view.service(SERVICE)
    if service is None:
        raise ActionError("the blob service is not running")
    return service


def _account(view: View) -> Any:
    account = _service(view).accounts.get(view.params["account"])
    if account is None:
        raise ActionError(f"no storage account {view.params['account']}")
    return account


def container_path(account: str, container: str, *more: str, query: dict[str, Any] | None = None) -> str:
    return path("blobs", account, container, *more, query=query)


async def summary(service: Any) -> str:
    counts = []
    for account in service.accounts.names():
        page = await service.engine.list_containers(account, "", "", PAGE_SIZE)
        counts.append(f"{account}: {len(page.items)}{'+' if page.next_marker else ''} containers")
    return ", ".join(counts)


def _lease(lease: Any) -> str:
    return lease.state if lease.state == "available" else f"{lease.state} ({'infinite' if lease.duration == -1 else f'{lease.duration} s'})"


async def account_page(view: View) -> Page:
    service = _service(view)
    names = service.accounts.names()
    account = view.arg("account") or names[0]
    marker = view.arg("marker")
    listing = await service.engine.list_containers(account, view.arg("prefix"), marker, PAGE_SIZE)
    rows = [h('<tr data-container="{name}"><td><a href="{u}">{name}</a></td><td class="mono">{modified}</td>'
              '<td>{lease}</td><td>{access}</td><td>{metadata}</td></tr>',
              name=c.name, u=container_path(account, c.name), modified=when(c.last_modified * 1000),
              lease=_lease(c.lease), access=c.public_access or "private",
              metadata=join((h("<div><b>{k}</b> {v}</div>", k=k, v=v) for k, v in sorted(c.metadata.items()))))
            for c in listing.items]
    next_url = path("blobs", query={"account": account, "prefix": view.arg("prefix"), "marker": listing.next_marker}) \
        if listing.next_marker else None
    first_url = path("blobs", query={"account": account, "prefix": view.arg("prefix")}) if marker else None
    options = join(h('<option value="{n}"{sel}>{n}</option>', n=n, sel=Safe(" selected") if n == account else "")
                   for n in names)
    body = h('<h1>Blob storage</h1>'
             '<form class="filter" method="get" action="/_cloudlet/dashboard/blobs"><div class="row">'
             '<label>Account<select name="account">{options}</select></label>'
             '<label>Container name starts with<input name="prefix" value="{prefix}"></label>'
             '<button>Show</button></div></form>'
             '<div id="containers-live" data-live>{table}{pager}</div>',
             options=options, prefix=view.arg("prefix"),
             table=table(["Container", "Last modified (UTC)", "Lease", "Public access", "Metadata"], rows,
                         empty="No containers.", cls="containers"),
             pager=pager(next_url, first_url))
    return Page("Blob storage", "blobs", body)


def _crumbs(account: str, container: str, prefix: str) -> Safe:
    parts = [h('<a href="{u}">{a}</a>', u=path("blobs", query={"account": account}), a=account),
             h('<a href="{u}">{c}</a>', u=container_path(account, container), c=container)]
    walked = ""
    for piece in [p for p in prefix.split("/") if p]:
        walked += piece + "/"
        parts.append(h('<a href="{u}">{p}</a>', u=container_path(account, container, query={"prefix": walked}), p=piece))
    return join(parts, " / ")


async def container_page(view: View) -> Page:
    service = _service(view)
    account, container = view.params["account"], view.params["container"]
    prefix, marker = view.arg("prefix"), view.arg("marker")
    box = await service.engine.get_container(account, container)
    listing = await service.engine.list_blobs(account, container, prefix, "/", marker, PAGE_SIZE, set())
    dirs = [h('<tr class="dir" data-prefix="{p}"><td colspan="7">📁 <a href="{u}">{label}</a></td></tr>', p=d,
              u=container_path(account, container, query={"prefix": d}), label=d[len(prefix):])
            for d in listing.prefixes]
    blobs = [h('<tr data-blob="{name}"><td><a href="{u}">{label}</a></td><td>{kind}</td><td class="num">{size}</td>'
               '<td>{tier}</td><td>{lease}</td><td>{ctype}</td><td class="mono">{modified}</td></tr>',
               name=b.name, u=container_path(account, container, "blob", query={"name": b.name}),
               label=b.name[len(prefix):], kind=b.blob_type, size=size(b.size), tier=b.tier or "Hot (inferred)",
               lease=_lease(b.lease), ctype=b.props.get("content_type", ""), modified=when(b.last_modified * 1000))
             for b in listing.items]
    next_url = container_path(account, container, query={"prefix": prefix, "marker": listing.next_marker}) \
        if listing.next_marker else None
    first_url = container_path(account, container, query={"prefix": prefix}) if marker else None
    body = h('<h1>Container {container}</h1><p class="crumbs">{crumbs}</p>'
             '<div class="card"><dl class="props"><dt>Last modified</dt><dd>{modified} UTC</dd>'
             '<dt>Lease</dt><dd>{lease}</dd><dt>Public access</dt><dd>{access}</dd>'
             '<dt>Metadata</dt><dd>{metadata}</dd></dl></div>'
             '<div class="card"><h2>Upload</h2>'
             '<div id="dropzone" class="dropzone" data-upload="{block_url}" data-commit="{commit_url}" '
             'data-prefix="{prefix}">Drop files here, or <label class="inline-label">choose files'
             '<input id="upload-input" type="file" multiple hidden></label>. Files go up in blocks of 4 MiB'
             '{into}.<div id="upload-progress" class="progress"></div></div></div>'
             '<div id="blobs-live" data-live>{table}{pager}</div>',
             container=container, crumbs=_crumbs(account, container, prefix), modified=when(box.last_modified * 1000),
             lease=_lease(box.lease), access=box.public_access or "private",
             metadata=join((h("<div><b>{k}</b> {v}</div>", k=k, v=v) for k, v in sorted(box.metadata.items()))) or "none",
             block_url=container_path(account, container, "block"), commit_url=container_path(account, container, "commit"),
             prefix=prefix, into=h(" into {p}", p=prefix) if prefix else "",
             table=table(["Name", "Type", "Size", "Tier", "Lease", "Content type", "Last modified (UTC)"], dirs + blobs,
                         empty="No blobs here.", cls="blobs"),
             pager=pager(next_url, first_url))
    return Page(f"Container {container}", "blobs", body)


async def blob_page(view: View) -> Page:
    service = _service(view)
    account, container, name = view.params["account"], view.params["container"], view.arg("name")
    blob = await service.engine.blob_properties(account, container, name)
    tags = await service.engine.get_tags(account, container, name, "", None) if blob.tag_count else {}
    token = view.dashboard.guard.token
    props = [("Name", blob.name), ("Type", blob.blob_type), ("Size", f"{size(blob.size)} ({blob.size} bytes)"),
             ("ETag", blob.etag), ("Created", when(blob.created * 1000) + " UTC"),
             ("Last modified", when(blob.last_modified * 1000) + " UTC"),
             ("Tier", blob.tier or "Hot (inferred)"), ("Archive status", blob.archive_status),
             ("Lease", _lease(blob.lease)), ("Committed blocks", blob.block_count or None),
             ("Sealed", "yes" if blob.sealed else None),
             ("Copy", f"{blob.copy.get('status', '')} from {blob.copy.get('source', '')}" if blob.copy else None)]
    props += [(k.replace("_", " ").capitalize(), v) for k, v in sorted(blob.props.items())]
    perms = join(h('<label class="check"><input type="checkbox" name="perm" value="{p}"{c}> {label}</label>', p=p,
                   label=label, c=Safe(" checked") if p == "r" else "") for p, label in SAS_PERMISSIONS)
    body = h('<h1>Blob</h1><p class="crumbs">{crumbs}</p>'
             '<div class="grid"><div class="card"><dl class="props" id="blob-props">{props}</dl>'
             '<p><a id="download" class="button" href="{download}">Download</a> '
             '<form id="delete-form" class="inline" method="post" data-action action="{delete_url}" '
             'data-confirm="Delete this blob?"><input type="hidden" name="csrf" value="{token}">'
             '<input type="hidden" name="name" value="{name}"><button class="danger">Delete</button></form></p></div>'
             '<div class="card"><h2>Metadata</h2>{metadata}<h2>Tags</h2>{tags}</div>'
             '<div class="card"><h2>Shared access signature</h2>'
             '<form id="sas-form" method="post" data-action data-result="sas-url" action="{sas_url}">'
             '<input type="hidden" name="csrf" value="{token}"><input type="hidden" name="name" value="{name}">'
             '<div class="row">{perms}</div><div class="row"><label>Expires in (hours)'
             '<input name="hours" type="number" min="1" max="8760" value="1"></label>'
             '<button class="primary">Make SAS URL</button></div></form>'
             '<pre id="sas-url" class="result" hidden></pre></div></div>',
             crumbs=_crumbs(account, container, name[:name.rfind("/") + 1]),
             props=join(h("<dt>{k}</dt><dd>{v}</dd>", k=k, v=v) for k, v in props if v not in (None, "")),
             download=container_path(account, container, "download", query={"name": name}),
             delete_url=container_path(account, container, "delete"), token=token, name=name,
             metadata=_pairs(blob.metadata), tags=_pairs(tags), sas_url=container_path(account, container, "sas"),
             perms=perms)
    return Page("Blob", "blobs", body)


def _pairs(items: dict[str, str]) -> Safe:
    if not items:
        return h('<p class="empty">None.</p>')
    return h('<dl class="props">{rows}</dl>', rows=join(h("<dt>{k}</dt><dd>{v}</dd>", k=k, v=v)
                                                       for k, v in sorted(items.items())))


async def download(view: View) -> Response:
    service = _service(view)
    account, container, name = view.params["account"], view.params["container"], view.arg("name")
    blob, start, end = await service.engine.open_blob(account, container, name, "", None, Conditions(), None, None)
    filename = name.rsplit("/", 1)[-1]
    # Always an attachment of an opaque type: an uploaded HTML file must never render in the dashboard's origin.
    headers = [("content-type", "application/octet-stream"), ("content-length", str(end - start)),
               ("content-disposition", f"attachment; filename*=UTF-8''{quote(filename, safe='')}"),
               ("content-security-policy", "sandbox"), ("x-content-type-options", "nosniff")]
    return Response(200, b"", headers, stream=service.engine.content(blob, start, end))


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def put_block(view: View) -> Done:
    service = _service(view)
    account, container = view.params["account"], view.params["container"]
    await service.engine.put_block(account, container, view.arg("name"), view.arg("block"), _one(view.request.body),
                                   WriteOptions())
    return Done(f"stored block of {len(view.request.body)} bytes")


async def commit(view: View) -> Done:
    service = _service(view)
    account, container, name = view.params["account"], view.params["container"], view.form.get("name", "")
    blocks = [("uncommitted", b) for b in view.form.get("blocks", "").split(",") if b]
    props = {"content_type": view.form["content_type"]} if view.form.get("content_type") else {}
    blob = await service.engine.put_block_list(account, container, name, blocks, WriteOptions(props=props))
    return Done(f"Uploaded {name} ({size(blob.size)} in {len(blocks)} blocks).")


async def delete(view: View) -> Done:
    service = _service(view)
    account, container, name = view.params["account"], view.params["container"], view.form.get("name", "")
    await service.engine.delete_blob(account, container, name, "", None, Conditions(), None)
    return Done(f"Deleted {name}.", redirect=container_path(account, container,
                                                            query={"prefix": name[:name.rfind("/") + 1]}))


def sas_query(account: Any, container: str, name: str, permissions: str, expiry: datetime) -> str:
    """A blob service SAS, made by the same code that verifies SAS tokens on the wire (azure.sas)."""
    return urlencode(service_sas(account, container, name, permissions, expiry.strftime("%Y-%m-%dT%H:%M:%SZ")))


async def make_sas(view: View) -> Done:
    service = _service(view)
    account = _account(view)
    container, name = view.params["container"], view.form.get("name", "")
    await service.engine.blob_properties(account.name, container, name)  # exists?
    chosen = set(view.request.body.decode("utf-8", "replace").split("&"))
    permissions = "".join(p for p, _ in SAS_PERMISSIONS if f"perm={p}" in chosen)
    if not permissions:
        raise ActionError("Choose at least one permission.")
    hours = view.int_arg("hours", 1)
    if not 1 <= hours <= 8760:
        raise ActionError("The expiry must be between 1 hour and 1 year.")
    expiry = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=hours)
    host = view.request.host.rsplit(":", 1)[0] if not view.request.host.endswith("]") else view.request.host
    settings = view.dashboard.settings
    port = settings.blob_port or settings.port
    url = (f"{view.request.scheme}://{host}:{port}/{account.name}/{container}/{quote(name, safe='/')}?"
           f"{sas_query(account, container, name, permissions, expiry)}")
    return Done(f"SAS URL made: {permissions} until {expiry:%Y-%m-%d %H:%M} UTC.", result=url)


_C = r"/blobs/(?P<account>[^/]+)/(?P<container>[^/]+)"
ROUTES = [
    ("GET", "/blobs", account_page),
    ("GET", _C, container_page),
    ("GET", _C + "/blob", blob_page),
    ("GET", _C + "/download", download),
    ("POST", _C + "/block", put_block),
    ("POST", _C + "/commit", commit),
    ("POST", _C + "/delete", delete),
    ("POST", _C + "/sas", make_sas),
]
