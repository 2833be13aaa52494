"""Newsroom's domain and application: plain Python, no web and no network clients.

Stored events name their classes by pinned topics such as ``newsroom:Article.Drafted``; the names exported
here are what those topics resolve to, so keep them exported wherever the classes move.
"""

from newsroom.application import Newsroom, Receipt
from newsroom.article import Article
from newsroom.idempotency import IdempotentRequest, RequestKey
from newsroom.staff import Principal, Role, Staff

__all__ = [
    "Article",
    "IdempotentRequest",
    "Newsroom",
    "Principal",
    "Receipt",
    "RequestKey",
    "Role",
    "Staff",
]
