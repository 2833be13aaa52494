"""orjson for every stored byte.

The stored shape is the library's own (``{"_type_": name, "_data_": value}`` for UUIDs, datetimes and
decimals), so a store written by eventsourcing's JSONTranscoder reads back here and the other way round.
orjson serialises UUIDs and datetimes by itself, which would lose their types on the way back, so values are
tagged by one walk before dumping and untagged by one walk after loading.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Transcoder


def _tag(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: _tag(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_tag(item) for item in value]
    if kind is UUID:
        return {"_type_": "uuid_hex", "_data_": value.hex}
    if kind is datetime:
        return {"_type_": "datetime_iso", "_data_": value.isoformat()}
    if kind is Decimal:
        return {"_type_": "decimal_str", "_data_": str(value)}
    return value


_UNTAG: dict[str, Callable[[str], Any]] = {
    "uuid_hex": UUID,
    "datetime_iso": datetime.fromisoformat,
    "decimal_str": Decimal,
}


def _untag(value: Any) -> Any:
    # Scalars are returned in place without a call: most of an event's values are plain strings.
    kind = type(value)
    if kind is dict:
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            return _UNTAG[value["_type_"]](value["_data_"])
        return {k: _untag(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
    if kind is list:
        return [_untag(v) if type(v) in _CONTAINERS else v for v in value]
    return value


_CONTAINERS = frozenset({dict, list})


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(_tag(obj))

    def decode(self, data: bytes) -> Any:
        return _untag(orjson.loads(data))
