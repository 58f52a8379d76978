"""The assistant's benchmark: retrieval quality (recall@5, nDCG@10) of BM25, vector and hybrid search on the
evaluation set in bench/data, ingestion throughput, and query latency at 10,000 chunks. One command:

    python bench/assistant_bench.py            # prints a Markdown table

It runs the engine in-process (the same code the server runs, without HTTP) on a temporary data directory.
Ingestion is the whole pipeline: crack (Markdown), chunk, embed with the int8 MiniLM model, index durably.
The 10,000-chunk index for latency is made from the library's real chunks: sentences recombined, and their
real embeddings perturbed with noise, so that building it does not take minutes of embedding."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import re
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from cloudlet.assistant.embeddings import Embedder  # noqa: E402
from cloudlet.assistant.engine import SearchEngine  # noqa: E402
from cloudlet.assistant.ingest import Ingestor  # noqa: E402
from cloudlet.store.database import Database  # noqa: E402

DATA = ROOT / "bench" / "data"
OUT_OF_SCOPE = ["What is the capital of Australia?", "How many moons does Jupiter have?",
                "Who wrote Pride and Prejudice?", "What is the boiling point of ethanol?",
                "How do I reset my router password?", "What is the exchange rate of the yen to the euro?",
                "Which team won the 1998 football world cup?", "How many calories are in a banana?",
                "What is the speed of light in a vacuum?", "How do vaccines train the immune system?"]


def index_body(name: str) -> dict:
    return {"name": name, "fields": [
        {"name": "chunk_key", "type": "Edm.String", "key": True},
        {"name": "parent_id", "type": "Edm.String", "filterable": True},
        {"name": "title", "type": "Edm.String", "searchable": True},
        {"name": "content", "type": "Edm.String", "searchable": True},
        {"name": "filepath", "type": "Edm.String", "filterable": True},
        {"name": "vector", "type": "Collection(Edm.Single)", "dimensions": 384, "vectorSearchProfile": "p"}],
        "vectorSearch": {"algorithms": [{"name": "a", "kind": "exhaustiveKnn"}],
                         "profiles": [{"name": "p", "algorithm": "a"}]}}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def main(args: argparse.Namespace) -> None:
    library = [json.loads(line) for line in (DATA / "library.jsonl").read_text().splitlines()]
    questions = [json.loads(line) for line in (DATA / "questions.jsonl").read_text().splitlines()]
    tmp = Path(tempfile.mkdtemp(prefix="cloudlet-bench-"))
    db = Database(tmp / "bench.db", sync="normal")
    db.add_schema((ROOT / "src/cloudlet/assistant/schema.sql").read_text())
    db.start()
    embedder = Embedder()
    engine = SearchEngine(db, embedder)
    await engine.load()
    ingestor = Ingestor(embedder, ThreadPoolExecutor(1))
    await embedder.embed(["warm up the model"])

    # -- ingestion -------------------------------------------------------------------------------
    await engine.put_index(index_body("library"))
    index = engine.get_index("library")
    slots = asyncio.Semaphore(4)
    chunks = 0

    async def ingest(doc: dict) -> None:
        nonlocal chunks
        async with slots:
            got = await ingestor.ingest(index, doc["filename"], doc["text"].encode(), url=f"library/{doc['filename']}")
            await engine.index_documents("library", {"value": [{"@search.action": "upload", **d} for d in got.docs]})
            chunks += len(got.docs)

    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(ingest(d) for d in library))
    ingest_seconds = time.perf_counter() - started
    ingest_cpu = time.process_time() - cpu_started  # all threads of this process

    # -- quality -----------------------------------------------------------------------------------
    by_file = {d["filename"]: d["id"] for d in library}
    qvecs = await embedder.embed([q["question"] for q in questions])
    metrics: dict[str, dict[str, list[float]]] = {m: {"recall5": [], "ndcg10": [], "chunk5": []}
                                                  for m in ("BM25", "vector", "hybrid")}
    for q, qv in zip(questions, qvecs):
        vq = [{"kind": "vector", "vector": [float(x) for x in qv], "fields": "vector", "k": 50}]
        requests = {"BM25": {"search": q["question"], "top": 50},
                    "vector": {"vectorQueries": vq, "top": 50},
                    "hybrid": {"search": q["question"], "vectorQueries": vq, "top": 50}}
        for mode, req in requests.items():
            hits = (await engine.search("library", {**req, "select": "filepath,content"}))["value"]
            ranked: list[str] = []
            for h in hits:
                doc_id = by_file[h["filepath"]]
                if doc_id not in ranked:
                    ranked.append(doc_id)
            rank = ranked.index(q["doc_id"]) + 1 if q["doc_id"] in ranked else None
            metrics[mode]["recall5"].append(1.0 if rank and rank <= 5 else 0.0)
            metrics[mode]["ndcg10"].append(1 / math.log2(rank + 1) if rank and rank <= 10 else 0.0)
            metrics[mode]["chunk5"].append(1.0 if any(q["answer"] in h["content"] for h in hits[:5]) else 0.0)

    # -- grounded answers with the built-in generator --------------------------------------------------
    from cloudlet.assistant.generator import REFUSAL, candidate_sentences, extractive_answer
    from cloudlet.assistant.grounding import Retriever, SearchOptions

    retriever = Retriever(engine)
    options = SearchOptions("library", "vector_simple_hybrid", top_n=5, strictness=3)
    answered = cited_right = 0
    for q in questions:
        sources = await retriever.retrieve(options, q["question"])
        candidates = candidate_sentences(sources)
        vectors = await embedder.embed([q["question"], *candidates])
        similarity = {c: float(v @ vectors[0]) for c, v in zip(candidates, vectors[1:])}
        answer = extractive_answer(q["question"], sources, similarity)
        if q["answer"] in answer:
            answered += 1
            cited = [int(n) for n in re.findall(r"\[doc(\d+)\]", answer)]
            if cited and by_file[sources[cited[0] - 1].filepath] == q["doc_id"]:
                cited_right += 1
    refused = 0
    for question in OUT_OF_SCOPE:
        sources = await retriever.retrieve(options, question)
        refused += extractive_answer(question, sources) == REFUSAL if sources else 1

    # -- latency at scale ----------------------------------------------------------------------------
    await engine.put_index(index_body("scale"))
    rows = (await engine.search("library", {"top": 1000, "select": "chunk_key,content,title,vector"}))["value"]
    import numpy as np

    rng = random.Random(7)
    nrng = np.random.default_rng(7)
    batch = []
    for i in range(args.chunks):
        a, b = rng.choice(rows), rng.choice(rows)
        sentences = (a["content"] + " " + b["content"]).split(". ")
        rng.shuffle(sentences)
        vec = np.asarray(a["vector"]) + nrng.normal(0, 0.02, 384)
        batch.append({"@search.action": "upload", "chunk_key": f"s{i}", "title": a["title"],
                      "content": ". ".join(sentences[:6]), "filepath": f"scale/{i}.md",
                      "vector": [float(x) for x in vec / np.linalg.norm(vec)]})
        if len(batch) == 1000:
            await engine.index_documents("scale", {"value": batch})
            batch = []
    if batch:
        await engine.index_documents("scale", {"value": batch})
    count = await engine.count("scale")
    latencies: dict[str, list[float]] = {"BM25": [], "vector": [], "hybrid": [], "embed query": []}
    # CPU time of the whole process (reader and embedding threads included) per query: what a query costs on a
    # machine nobody else is using, where wall time is what it took on this one
    cpu: dict[str, list[float]] = {k: [] for k in latencies}
    for i in range(args.queries):
        q = questions[i % len(questions)]
        t, c = time.perf_counter(), time.process_time()
        qv = (await embedder.embed([q["question"]]))[0]
        latencies["embed query"].append(time.perf_counter() - t)
        cpu["embed query"].append(time.process_time() - c)
        vq = [{"kind": "vector", "vector": [float(x) for x in qv], "fields": "vector", "k": 10}]
        for mode, req in (("BM25", {"search": q["question"]}), ("vector", {"vectorQueries": vq}),
                          ("hybrid", {"search": q["question"], "vectorQueries": vq})):
            t, c = time.perf_counter(), time.process_time()
            await engine.search("scale", {**req, "top": 10, "select": "chunk_key,title"})
            latencies[mode].append(time.perf_counter() - t)
            cpu[mode].append(time.process_time() - c)

    # -- report ----------------------------------------------------------------------------------------
    print(f"Evaluation set: {len(library)} documents -> {chunks} chunks, {len(questions)} questions "
          f"({sum(q['style'] == 'lexical' for q in questions)} lexical, "
          f"{sum(q['style'] == 'semantic' for q in questions)} semantic)\n")
    print("| retrieval | recall@5 (doc) | nDCG@10 (doc) | answer chunk in top 5 | p50 ms @ %d chunks | p99 ms "
          "| CPU ms/query p50 |" % count)
    print("|---|---|---|---|---|---|---|")
    for mode in ("BM25", "vector", "hybrid"):
        m = metrics[mode]
        lat = latencies[mode]
        print(f"| {mode} | {statistics.mean(m['recall5']):.3f} | {statistics.mean(m['ndcg10']):.3f} | "
              f"{statistics.mean(m['chunk5']):.3f} | {pct(lat, 50) * 1000:.1f} | {pct(lat, 99) * 1000:.1f} | "
              f"{pct(cpu[mode], 50) * 1000:.1f} |")
    lat = latencies["embed query"]
    print(f"\nQuery embedding (added to vector and hybrid queries given as text): p50 {pct(lat, 50) * 1000:.1f} ms, "
          f"p99 {pct(lat, 99) * 1000:.1f} ms, CPU p50 {pct(cpu['embed query'], 50) * 1000:.1f} ms")
    print(f"Built-in generator, hybrid, strictness 3: the answer contains the expected phrase for {answered}/"
          f"{len(questions)} questions, cited to the right document for {cited_right}; "
          f"{refused}/{len(OUT_OF_SCOPE)} out-of-scope questions refused")
    print(f"Ingestion (crack + chunk + embed + durable index): {chunks} chunks in {ingest_seconds:.1f} s = "
          f"{chunks / ingest_seconds:.1f} chunks/s with {embedder.workers} embedding threads; "
          f"{ingest_cpu / chunks * 1000:.0f} CPU-ms per chunk = {chunks / ingest_cpu:.0f} chunks/s per fully available core")
    import os

    print(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end of the run")
    embedder.close()
    db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000, help="chunks in the latency index")
    parser.add_argument("--queries", type=int, default=200, help="queries timed per mode")
    asyncio.run(main(parser.parse_args()))
