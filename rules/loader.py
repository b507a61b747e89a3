"""Load rules YAML (safe, line-numbered), merge over the built-in defaults, validate.

Every error names file:line and the key path. A bad file is refused whole.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from rules.schema import Rules

DEFAULTS = Path(__file__).with_name("default_rules.yaml")


class RulesError(ValueError):
    """The rules file is invalid; `problems` holds one 'file:line: key: why' per error."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _yaml() -> YAML:
    y = YAML(typ="rt")  # round-trip: keeps line numbers; constructs only plain data
    y.allow_duplicate_keys = False
    return y


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError([f"{path}: cannot read: {exc}"]) from exc
    try:
        return _yaml().load(io.StringIO(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 0
        raise RulesError([f"{path}:{line}: {exc.problem}"]) from exc
    except Exception as exc:
        raise RulesError([f"{path}: not valid YAML: {exc}"]) from exc


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    return over


def _line_of(doc: Any, loc: tuple[Any, ...]) -> int | None:
    """The line (1-based) of the deepest node of `loc` that exists in the user's file."""
    node, line = doc, None
    for key in loc:
        if isinstance(node, CommentedMap) and key in node:
            line = node.lc.key(key)[0] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
            line = node.lc.item(key)[0] + 1
            node = node[key]
        else:
            break
    return line


def load(path: Path | None) -> Rules:
    """The rules in force: the defaults, with `path` (if given) merged over them."""
    defaults = _plain(_read(DEFAULTS))
    if path is None:
        return Rules.model_validate(defaults)
    doc = _read(path)
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, dict):
        raise RulesError([f"{path}:1: the rules file must be a mapping of sections"])
    merged = _merge(defaults, _plain(doc))
    try:
        return Rules.model_validate(merged)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(
                p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function"))
            )
            line = _line_of(doc, loc)
            where = f"{path}:{line}" if line else f"{path}"
            key = ".".join(str(p) for p in loc) or "(top)"
            problems.append(f"{where}: {key}: {err['msg'].removeprefix('Value error, ')}")
        raise RulesError(problems) from exc
