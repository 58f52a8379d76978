"""Data sources and indexers over Cloudlet blob containers.

Each indexer has one runner task that owns its state: it processes a full sync (on creation, on demand, at
start-up) or the blobs that blob events named (on change), one at a time. A blob whose etag is unchanged since
it was indexed is skipped; a deleted blob's chunks are deleted. Progress and per-document errors and warnings
are kept in Azure's indexer status shape."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..azure.times import iso
from ..runtime import cancel_and_wait
from . import index_store as store
from .blob_source import BlobGone, BlobSource, BlobTooLarge
from .cracking import CrackError, kind_of
from .engine import new_etag
from .errors import SearchError, bad_request, not_found
from .ingest import Ingestor

log = logging.getLogger("cloudlet.assistant.indexers")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,127}$")
HISTORY = 10
CONCURRENT_BLOBS = 4  # blobs of one run in flight at once, so both embedding threads stay busy
LIMITS = {"maxRunTime": "PT2H", "maxDocumentExtractionSize": 134217728,  # Azure's S1 tier
          "maxDocumentContentCharactersToExtract": 4000000}


def _account(definition: dict[str, Any]) -> str:
    conn = ((definition.get("credentials") or {}).get("connectionString") or "")
    m = re.search(r"AccountName=([^;]+)", conn)
    return m.group(1) if m else "devstoreaccount1"  # UseDevelopmentStorage=true, or none given


def validate_datasource(body: Any, name: str | None) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("The request is invalid. The data source definition must be a JSON object.")
    body = {k: v for k, v in body.items() if not k.startswith("@odata.")}
    if name is not None:
        body.setdefault("name", name)
        if body["name"] != name:
            raise bad_request("The data source name in the request body does not match the name in the URL.")
    if not isinstance(body.get("name"), str) or not NAME.match(body["name"]):
        raise bad_request(f"Invalid data source name '{body.get('name')}'.", "InvalidName")
    if body.get("type") != "azureblob":
        raise bad_request(f"Data source type '{body.get('type')}' is not supported: Cloudlet indexes Azure Blob "
                          f"containers ('azureblob').")
    container = body.get("container") or {}
    if not isinstance(container, dict) or not container.get("name"):
        raise bad_request("The request is invalid. Details: dataSource : The container name is required.")
    return body


class Runner:
    """One indexer's worker: a single task; everything it mutates is its own."""

    def __init__(self, owner: "Indexers", name: str) -> None:
        self.owner = owner
        self.name = name
        self.pending: dict[str, str] = {}
        self.full = False
        self.wake = asyncio.Event()
        self.idle = asyncio.Event()
        self.idle.set()
        self.status: dict[str, Any] = {"status": "running", "lastResult": None, "executionHistory": [],
                                       "limits": LIMITS}
        self.task: asyncio.Task | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._loop(), name=f"indexer-{self.name}")

    async def stop(self) -> None:
        await cancel_and_wait(self.task)

    def request_full(self) -> None:
        self.full = True
        self.idle.clear()
        self.wake.set()

    def request_item(self, name: str, kind: str) -> None:
        self.pending[name] = kind
        self.idle.clear()
        self.wake.set()

    async def _loop(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            full, items = self.full, self.pending
            self.full, self.pending = False, {}
            try:
                await self.owner.run(self, None if full else items)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("indexer %s failed", self.name)
            if not self.full and not self.pending:
                self.idle.set()


class Indexers:
    def __init__(self, service: Any) -> None:
        self.service = service
        self.db = service.cloudlet.db
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="crack")
        self.ingestor = Ingestor(service.embedder, self.pool)
        self.datasources: dict[str, tuple[dict, str]] = {}
        self.indexers: dict[str, tuple[dict, str]] = {}
        self.runners: dict[str, Runner] = {}
        self._source: BlobSource | None = None
        self._subscription: Any = None

    @property
    def source(self) -> BlobSource:
        if self._source is None:
            blobs = self.service.cloudlet.services.get("blobs")
            if blobs is None:
                raise SearchError(400, "InvalidRequestParameter", "This Cloudlet has no blob service to index.")
            self._source = BlobSource(blobs)
        return self._source

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        self.datasources = {n: (b, e) for n, b, e in await self.db.read(store.get_definitions, "search_datasources")}
        self.indexers = {n: (b, e) for n, b, e in await self.db.read(store.get_definitions, "search_indexers")}
        statuses = await self.db.read(lambda c: {r[0]: r[1] for r in c.execute("SELECT name, status FROM search_indexers")})
        if "blobs" in self.service.cloudlet.services:
            self._subscription = self.source.subscribe(self._on_blob)
        for name in self.indexers:
            runner = self._runner(name)
            saved = json.loads(statuses.get(name) or "{}")
            if saved:
                runner.status.update(saved)
            if not self.indexers[name][0].get("disabled"):
                runner.request_full()  # catch up on whatever changed while the server was down

    async def stop(self) -> None:
        if self._subscription is not None and self._source is not None:
            self._source.unsubscribe(self._subscription)
            self._subscription = None
        for runner in list(self.runners.values()):
            await runner.stop()
        self.runners = {}

    def _runner(self, name: str) -> Runner:
        runner = self.runners.get(name)
        if runner is None:
            runner = self.runners[name] = Runner(self, name)
            runner.start()
        return runner

    async def _on_blob(self, kind: str, account: str, container: str, name: str) -> None:
        for iname, (definition, _) in self.indexers.items():
            ds = self.datasources.get(definition.get("dataSourceName"))
            if ds is None or definition.get("disabled"):
                continue
            c = ds[0]["container"]
            if _account(ds[0]) == account and c["name"] == container and name.startswith(c.get("query") or ""):
                self._runner(iname).request_item(name, kind)

    # -- definitions -------------------------------------------------------------------------------
    async def put_datasource(self, body: Any, name: str | None, create_only: bool) -> bool:
        body = validate_datasource(body, name)
        if create_only and body["name"] in self.datasources:
            raise SearchError(409, "ResourceNameAlreadyInUse", f"Cannot create data source '{body['name']}' because "
                                                               f"it already exists.")
        etag = new_etag()
        created = await self.db.write(store.put_definition, "search_datasources", body["name"], body, etag, None)
        self.datasources[body["name"]] = (body, etag)
        return created

    async def put_indexer(self, body: Any, name: str | None, create_only: bool) -> bool:
        if not isinstance(body, dict):
            raise bad_request("The request is invalid. The indexer definition must be a JSON object.")
        body = {k: v for k, v in body.items() if not k.startswith("@odata.")}
        if name is not None:
            body.setdefault("name", name)
        if not isinstance(body.get("name"), str) or not NAME.match(body["name"]):
            raise bad_request(f"Invalid indexer name '{body.get('name')}'.", "InvalidName")
        if body.get("dataSourceName") not in self.datasources:
            raise bad_request(f"Data source '{body.get('dataSourceName')}' does not exist.")
        if body.get("targetIndexName") not in self.service.engine.indexes:
            raise bad_request(f"Index '{body.get('targetIndexName')}' does not exist.")
        if create_only and body["name"] in self.indexers:
            raise SearchError(409, "ResourceNameAlreadyInUse", f"Cannot create indexer '{body['name']}' because it "
                                                               f"already exists.")
        etag = new_etag()
        created = await self.db.write(store.put_definition, "search_indexers", body["name"], body, etag, None)
        self.indexers[body["name"]] = (body, etag)
        if not body.get("disabled"):
            self._runner(body["name"]).request_full()  # Azure runs a new or updated indexer at once
        return created

    async def delete(self, kind: str, name: str) -> bool:
        table = "search_datasources" if kind == "datasources" else "search_indexers"
        registry = self.datasources if kind == "datasources" else self.indexers
        if name not in registry:
            return False
        if kind == "indexers":
            runner = self.runners.pop(name, None)
            if runner:
                await runner.stop()

            def drop(conn: Any) -> None:
                store.delete_definition(conn, table, name)
                conn.execute("DELETE FROM search_indexer_items WHERE indexer = ?", (name,))
            await self.db.write(drop)
        else:
            await self.db.write(store.delete_definition, table, name)
        registry.pop(name, None)
        return True

    def get(self, kind: str, name: str) -> dict[str, Any]:
        registry = self.datasources if kind == "datasources" else self.indexers
        found = registry.get(name)
        if found is None:
            what = "data source" if kind == "datasources" else "indexer"
            raise not_found(f"No {what} with the name '{name}' was found in the service.")
        body = dict(found[0])
        if kind == "datasources":  # Azure never echoes secrets
            body["credentials"] = {"connectionString": None}
        return {"@odata.etag": found[1], **body}

    def status(self, name: str) -> dict[str, Any]:
        self.get("indexers", name)
        return {"name": name, **self._runner(name).status}

    async def run_now(self, name: str) -> None:
        self.get("indexers", name)
        self._runner(name).request_full()

    async def reset(self, name: str) -> None:
        self.get("indexers", name)
        await self.db.write(lambda c: c.execute("DELETE FROM search_indexer_items WHERE indexer = ?", (name,)))

    async def wait_idle(self, name: str, timeout: float) -> None:
        await asyncio.wait_for(self._runner(name).idle.wait(), timeout)

    # -- a run ---------------------------------------------------------------------------------------
    async def run(self, runner: Runner, items: dict[str, str] | None) -> None:
        definition = self.indexers[runner.name][0]
        ds = self.datasources.get(definition["dataSourceName"])
        engine = self.service.engine
        result: dict[str, Any] = {"status": "inProgress", "errorMessage": None, "startTime": iso(time.time()),
                                  "endTime": None, "errors": [], "warnings": [], "itemsProcessed": 0,
                                  "itemsFailed": 0, "initialTrackingState": None, "finalTrackingState": None,
                                  "mode": "indexingAllDocs"}
        runner.status["lastResult"] = result
        try:
            if ds is None:
                raise SearchError(400, "InvalidRequestParameter", f"Data source '{definition['dataSourceName']}' "
                                                                   f"does not exist.")
            index = engine.get_index(definition["targetIndexName"])
            account, container = _account(ds[0]), ds[0]["container"]["name"]
            prefix = ds[0]["container"].get("query") or ""
            known = dict(await self.db.read(lambda c: [(r[0], r[1]) for r in c.execute(
                "SELECT item, etag FROM search_indexer_items WHERE indexer = ?", (runner.name,))]))
            if items is None:
                listed = {b.name: b for b in await self.source.list(account, container, prefix)}
                todo = [n for n, b in listed.items() if known.get(n) != b.etag]
                gone = [n for n in known if n not in listed]
            else:
                todo = [n for n, k in items.items() if k == "created"]
                gone = [n for n, k in items.items() if k == "deleted"]
            result["itemsTotal"] = len(todo) + len(gone)  # a Cloudlet extra: progress = itemsProcessed / itemsTotal
            for name in gone:
                await self._forget(runner.name, index.name, name)
                result["itemsProcessed"] += 1
            slots = asyncio.Semaphore(CONCURRENT_BLOBS)

            async def one(name: str) -> None:
                async with slots:
                    await self._index_blob(runner.name, index, account, container, name, known.get(name), result)

            await asyncio.gather(*(one(n) for n in todo))
            result["status"] = "success" if not result["errors"] else "transientFailure"
        except SearchError as exc:
            result["status"], result["errorMessage"] = "transientFailure", exc.message
        except BlobGone as exc:
            result["status"], result["errorMessage"] = "transientFailure", f"The data source is unavailable: {exc}"
        result["endTime"] = iso(time.time())
        history = [result, *runner.status["executionHistory"]][:HISTORY]
        runner.status["executionHistory"] = history
        saved = json.dumps({"lastResult": result, "executionHistory": history})
        await self.db.write(lambda c: c.execute("UPDATE search_indexers SET status = ? WHERE name = ?",
                                                (saved, runner.name)))

    async def _index_blob(self, indexer: str, index: Any, account: str, container: str, name: str,
                          known_etag: str | None, result: dict[str, Any]) -> None:
        engine = self.service.engine
        try:
            item, data = await self.source.read(account, container, name, LIMITS["maxDocumentExtractionSize"])
        except BlobGone:
            await self._forget(indexer, index.name, name)
            result["itemsProcessed"] += 1
            return
        except BlobTooLarge as exc:
            result["itemsProcessed"] += 1
            result["itemsFailed"] += 1
            result["errors"].append(_error(self.source.url(account, container, name), name, str(exc), 413))
            return
        if item.etag == known_etag:
            return
        result["itemsProcessed"] += 1
        url = self.source.url(account, container, name)
        docs: list[dict[str, Any]] = []
        if kind_of(name, item.content_type) is None:
            result["warnings"].append(_warning(url, name, f"Skipped: '{name}' is not a supported document type (txt, "
                                                          f"md, html, pdf, docx)."))
        else:
            try:
                ingested = await self.ingestor.ingest(index, name, data, content_type=item.content_type, url=url,
                                                      last_modified=iso(item.last_modified))
                docs = ingested.docs
                for message in ingested.warnings:
                    result["warnings"].append(_warning(url, name, message))
            except (CrackError, ValueError) as exc:
                result["itemsFailed"] += 1
                result["errors"].append(_error(url, name, f"Could not crack '{name}': {exc}", 400))
        # a failed or skipped blob is recorded too (with no chunks), so it is retried when it changes, not every run
        old = await self.db.read(lambda c: c.execute("SELECT chunk_keys FROM search_indexer_items WHERE indexer = ? "
                                                     "AND item = ?", (indexer, name)).fetchone())
        new_keys = [d[index.key] for d in docs]
        stale = [k for k in (json.loads(old[0]) if old else []) if k not in set(new_keys)]
        actions = [{"@search.action": "upload", **d} for d in docs] + \
                  [{"@search.action": "delete", index.key: k} for k in stale]
        if actions:
            _, results = await engine.index_documents(index.name, {"value": actions})
            failed = [r for r in results if not r["status"]]
            if failed:
                result["itemsFailed"] += 1
                result["errors"].append(_error(url, name, failed[0]["errorMessage"], failed[0]["statusCode"]))
                return
        await self.db.write(lambda c: c.execute(
            "INSERT OR REPLACE INTO search_indexer_items (indexer, item, etag, chunk_keys) VALUES (?, ?, ?, ?)",
            (indexer, name, item.etag, json.dumps(new_keys))))

    async def _forget(self, indexer: str, index_name: str, name: str) -> None:
        row = await self.db.read(lambda c: c.execute("SELECT chunk_keys FROM search_indexer_items WHERE indexer = ? "
                                                     "AND item = ?", (indexer, name)).fetchone())
        if row is None:
            return
        keys = json.loads(row[0])
        engine = self.service.engine
        if keys and index_name in engine.indexes:
            key_field = engine.get_index(index_name).key
            await engine.index_documents(index_name, {"value": [{"@search.action": "delete", key_field: k}
                                                                for k in keys]})
        await self.db.write(lambda c: c.execute("DELETE FROM search_indexer_items WHERE indexer = ? AND item = ?",
                                                (indexer, name)))


def _error(key: str, name: str, message: str, status: int) -> dict[str, Any]:
    return {"key": key, "errorMessage": message, "statusCode": status, "name": name, "details": None,
            "documentationLink": None}


def _warning(key: str, name: str, message: str) -> dict[str, Any]:
    return {"key": key, "message": message, "name": name, "details": None, "documentationLink": None}
