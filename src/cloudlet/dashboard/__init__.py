"""The dashboard at http://localhost:4566/: server-rendered pages over the same engines as the wire APIs."""

from .app import Dashboard

__all__ = ["Dashboard"]
