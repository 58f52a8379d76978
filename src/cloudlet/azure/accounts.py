"""Azure storage accounts: the well-known development account plus any configured in CLOUDLET_AZURE_ACCOUNTS."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass(frozen=True)
class Account:
    name: str
    key: bytes  # the decoded account key

    @property
    def key_b64(self) -> str:
        return base64.b64encode(self.key).decode()


class Accounts:
    """Name -> account. CLOUDLET_AZURE_ACCOUNTS="name1:base64key1;name2:base64key2" adds accounts."""

    def __init__(self, spec: str | None = None) -> None:
        self._by_name: dict[str, Account] = {DEV_ACCOUNT: Account(DEV_ACCOUNT, base64.b64decode(DEV_KEY))}
        spec = os.environ.get("CLOUDLET_AZURE_ACCOUNTS", "") if spec is None else spec
        for item in filter(None, (part.strip() for part in spec.replace(",", ";").split(";"))):
            name, _, key = item.partition(":")
            self._by_name[name.strip()] = Account(name.strip(), base64.b64decode(key.strip()))

    def get(self, name: str) -> Account | None:
        if name.endswith("-secondary"):
            name = name[: -len("-secondary")]
        return self._by_name.get(name)

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def names(self) -> list[str]:
        return list(self._by_name)
