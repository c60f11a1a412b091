"""Rows in and out: a column per contract field (lists as JSON text) plus an `extra` JSON
column for additive fields, so documents round-trip whole."""

from __future__ import annotations

import json
from typing import Any

from arangetram_cli.store.base import (
    Doc,
)

_DEFAULTS = {"s": "", "i": 0, "f": 0.0, "b": 1, "j": "[]"}


def encode(cols: dict[str, str], doc: Doc) -> list[Any]:
    """Row values in column order, then the extra-fields JSON (or None)."""
    out: list[Any] = []
    for name, kind in cols.items():
        v = doc.get(name)
        if v is None:
            out.append(_DEFAULTS[kind])
        elif kind == "j":
            out.append(json.dumps(list(v), ensure_ascii=False))
        elif kind == "b":
            out.append(1 if v else 0)
        else:
            out.append(v)
    extra = {k: v for k, v in doc.items() if k not in cols and k != "_id"}
    out.append(json.dumps(extra, ensure_ascii=False) if extra else None)
    return out


_json_string = json.encoder.encode_basestring  # a str as JSON, as json.dumps(ensure_ascii=False)


def vendor_encoder(cols: dict[str, str]):
    """`encode(cols, doc)` for many documents: the same values, built faster (one pass for
    the plain columns, fix-ups only where a column needs one)."""
    names = tuple(cols)
    width = len(names)
    json_idx = tuple(i for i, k in enumerate(cols.values()) if k == "j")
    bool_idx = tuple(i for i, k in enumerate(cols.values()) if k == "b")
    defaults = tuple(_DEFAULTS[k] for k in cols.values())
    known = frozenset(cols)
    dumps = json.JSONEncoder(ensure_ascii=False).encode  # = json.dumps(v, ensure_ascii=False)
    only_str = frozenset({str}).issuperset

    def encode(doc: Doc) -> list[Any]:
        get = doc.get
        out = [get(n) for n in names]
        for i in json_idx:
            v = out[i]
            if v is None or v == []:
                out[i] = "[]"
            elif type(v) is list and only_str(map(type, v)):
                # what json.dumps writes for a list of strings, without its machinery
                out[i] = f"[{', '.join(map(_json_string, v))}]"
            else:
                out[i] = dumps(list(v))
        for i in bool_idx:
            v = out[i]
            out[i] = 1 if v is None or v else 0
        if None in out:
            out = [defaults[i] if v is None else v for i, v in enumerate(out)]
        if len(doc) == width and known.issuperset(doc):
            out.append(None)
        else:
            extra = {k: v for k, v in doc.items() if k not in known and k != "_id"}
            out.append(dumps(extra) if extra else None)
        return out

    return encode


def decoder_for(cols: dict[str, str]):
    names = list(cols)
    json_idx = [i for i, k in enumerate(cols.values()) if k == "j"]
    bool_idx = [i for i, k in enumerate(cols.values()) if k == "b"]

    def decode(row: tuple) -> Doc:
        vals = list(row[: len(names)])
        for i in json_idx:
            vals[i] = json.loads(vals[i])
        for i in bool_idx:
            vals[i] = bool(vals[i])
        doc = dict(zip(names, vals, strict=True))
        extra = row[len(names)]
        if extra:
            doc.update(json.loads(extra))
        return doc

    return decode
