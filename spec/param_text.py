"""A parameter value written as text: a CLI ``--param NAME=VALUE``, or a model name's ``+LOSS,k=v``.

    value("0.5") == 0.5        value("sum") == "sum"       value("1,2,3") == (1, 2, 3)
    items(["delta=0.5", "reduction=sum"]) == {"delta": 0.5, "reduction": "sum"}

A value is a number (an int when it has no point or exponent), true/false, none, a comma-separated
tuple of numbers (class weights) or, failing those, the text itself.  The spec's own checks decide
whether a value is allowed (``Spec.resolve_params``); this module only reads the text.
"""
from __future__ import annotations

from .errors import GradspecError, lines


def _number(text: str):
    return int(text) if text.strip().lstrip("-").isdigit() else float(text)


def value(text: str):
    """The value written as ``text``."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    try:
        return tuple(_number(v) for v in text.split(",")) if "," in text else _number(text)
    except ValueError:
        return text


def items(texts, *, where: str = "--param", example: str = "--param delta=0.5") -> dict:
    """NAME=VALUE texts as {NAME: value}; GradspecError naming ``where`` for a text without '='."""
    out = {}
    for item in texts or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise GradspecError(lines(f"gradspec: invalid {where} {item!r}",
                                      f"write it as NAME=VALUE, e.g. {example}"))
        out[key.strip()] = value(text)
    return out
