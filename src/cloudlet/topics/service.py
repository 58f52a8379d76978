"""The topic service as the server runs it: store, engine, signer and SNS front end wired together."""

from __future__ import annotations

from typing import Any

from ..http import Request, Response
from .api import SnsApi
from .engine import TopicEngine
from .signing import CERT_PATH_PREFIX, Signer
from .sqlite_store import SqliteTopicStore
from ..runtime import EngineService


class TopicService(EngineService):
    name = "topics"
    aws_name = "sns"
    admin_prefix = CERT_PATH_PREFIX  # GET /_cloudlet/sns/<SigningCertURL file>

    def __init__(self, cloudlet: Any) -> None:
        queues = cloudlet.services["queues"].engine  # the queue service is registered first
        self.store = SqliteTopicStore(cloudlet.db)
        self.signer = Signer(cloudlet.files_dir("sns"))
        self.engine = TopicEngine(self.store, queues, self.signer, cloudlet.files_dir("sns-email"))
        self.api = SnsApi(self.engine)


    async def handle_admin(self, request: Request) -> Response:
        if request.method == "GET" and request.path == f"{CERT_PATH_PREFIX}{self.signer.cert_name}":
            return Response(200, self.signer.cert_pem, [("content-type", "application/x-x509-ca-cert")])
        return Response(404, b"Not Found", [("content-type", "text/plain")])
