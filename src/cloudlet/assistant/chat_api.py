"""Azure OpenAI chat completions with "On Your Data" (`data_sources: [{type: azure_search}]`), and embeddings,
in Azure's wire format: `message.context.citations` and `intent`, `[docN]` references, `end_turn`, and
server-sent events with the context in the first chunk when `stream` is true."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any, AsyncIterator

from ..http import Request, Response, json_response
from .errors import SearchError
from .generator import (REFUSAL, Upstream, UpstreamError, candidate_sentences, clean_references, extractive_answer,
                        grounded_messages)
from .grounding import (DataSourceError, Retriever, SearchOptions, citation, intent_json, question_text,
                        search_query)

ROUTE = re.compile(r"^/openai/deployments/(?P<deployment>[^/]+)/(?P<op>chat/completions|embeddings)$")
PASS_THROUGH = ("temperature", "top_p", "max_tokens", "stop", "seed")


def error(status: int, code: str, message: str) -> Response:
    return json_response({"error": {"code": code, "message": message, "param": None, "type": None}}, status)


class ChatFrontEnd:
    def __init__(self, service: Any) -> None:
        self.service = service
        self.retriever = Retriever(service.engine)
        self.upstream = Upstream.from_env()

    async def handle(self, request: Request) -> Response:
        if not (request.headers.get("api-key") or request.headers.get("authorization", "").startswith("Bearer ")):
            return error(401, "401", "Access denied due to invalid subscription key or wrong API endpoint. Make sure "
                                     "to provide a valid key for an active subscription and use a correct regional "
                                     "API endpoint for your resource.")
        m = ROUTE.match(request.path)
        if not m or request.method != "POST":
            return error(404, "404", "Resource not found")
        if not request.query.get("api-version"):
            return error(404, "404", "Resource not found")
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return error(400, "BadRequest", "The request body is not valid JSON.")
        if not isinstance(body, dict):
            return error(400, "BadRequest", "The request body must be a JSON object.")
        try:
            if m["op"] == "embeddings":
                return await self._embeddings(m["deployment"], body)
            return await self._chat(m["deployment"], body)
        except (DataSourceError, UpstreamError) as exc:
            return error(400, "BadRequest", str(exc))
        except SearchError as exc:
            return error(400, "BadRequest", f"The search request failed: {exc.message}")

    # -- chat ------------------------------------------------------------------------------------
    async def _chat(self, deployment: str, body: dict[str, Any]) -> Response:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or not all(isinstance(x, dict) for x in messages):
            return error(400, "BadRequest", "'messages' must be a non-empty array of message objects.")
        options = {k: body[k] for k in PASS_THROUGH if k in body}
        if not body.get("data_sources"):
            if self.upstream is None:
                return error(400, "BadRequest", "Cloudlet's built-in generator answers only from data_sources; "
                                                "set CLOUDLET_ASSISTANT_UPSTREAM_URL for plain chat.")
            answer, usage = await self.upstream.complete(messages, options)
            return self._respond(deployment, body, answer, None, usage)
        search = SearchOptions.parse(body["data_sources"])
        query, intent = search_query(messages)
        sources = await self.retriever.retrieve(search, query)
        if not sources and search.in_scope:
            answer, usage = REFUSAL, {}
        elif self.upstream is not None:
            prompt = grounded_messages(messages, sources, search.role_information)
            answer, usage = await self.upstream.complete(prompt, options)
            answer = clean_references(answer, len(sources))
        else:
            candidates = candidate_sentences(sources)
            vectors = await self.service.embedder.embed([question_text(messages), *candidates])
            similarity = {c: float(v @ vectors[0]) for c, v in zip(candidates, vectors[1:])}
            answer, usage = extractive_answer(query, sources, similarity), {}
        context = {"citations": [citation(s) for s in sources], "intent": intent_json(intent)}
        return self._respond(deployment, body, answer, context, usage)

    def _respond(self, deployment: str, body: dict, answer: str, context: dict | None, usage: dict) -> Response:
        ident = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        prompt_tokens = usage.get("prompt_tokens") or sum(len(str(m.get("content", "")).split())
                                                          for m in body["messages"])
        completion_tokens = usage.get("completion_tokens") or len(answer.split())
        if body.get("stream"):
            return Response(200, headers=[("content-type", "text/event-stream"), ("cache-control", "no-cache")],
                            stream=self._events(ident, created, deployment, answer, context))
        message: dict[str, Any] = {"role": "assistant", "content": answer}
        if context is not None:
            message["end_turn"] = True
            message["context"] = context
        return json_response({
            "id": ident, "object": "extensions.chat.completion" if context is not None else "chat.completion",
            "created": created, "model": deployment,
            "system_fingerprint": None,
            "choices": [{"index": 0, "finish_reason": "stop", "message": message, "logprobs": None}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        })

    async def _events(self, ident: str, created: int, deployment: str, answer: str,
                      context: dict | None) -> AsyncIterator[bytes]:
        """Azure's On Your Data stream: `extensions.chat.completion.chunk` objects with `end_turn` beside each
        choice, the context (citations, intent) in the first delta."""
        grounded = context is not None

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish}
            if grounded:
                choice["end_turn"] = finish is not None
            payload = {"id": ident, "object": "extensions.chat.completion.chunk" if grounded else
                       "chat.completion.chunk", "created": created, "model": deployment, "choices": [choice]}
            return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"

        first: dict[str, Any] = {"role": "assistant", "content": ""}
        if grounded:
            first["context"] = context
        yield chunk(first)
        for piece in re.findall(r"\S+\s*", answer):
            yield chunk({"content": piece})
        yield chunk({}, "stop")
        yield b"data: [DONE]\n\n"

    # -- embeddings --------------------------------------------------------------------------------
    async def _embeddings(self, deployment: str, body: dict[str, Any]) -> Response:
        raw = body.get("input")
        texts = [raw] if isinstance(raw, str) else raw
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            return error(400, "BadRequest", "'input' must be a string or an array of strings (token arrays are not "
                                            "supported by Cloudlet).")
        vectors = await self.service.embedder.embed(texts)
        if body.get("encoding_format") == "base64":  # what the openai SDK asks for by default
            import base64

            data = [{"object": "embedding", "index": i, "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode()}
                    for i, v in enumerate(vectors)]
        else:
            data = [{"object": "embedding", "index": i, "embedding": [float(x) for x in v]}
                    for i, v in enumerate(vectors)]
        tokens = sum(len(t.split()) for t in texts)
        return json_response({"object": "list", "data": data, "model": deployment,
                              "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})
