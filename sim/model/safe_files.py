"""Reading untrusted model and parameter files: text, YAML and JSON with errors that name the file.

``yaml.safe_load`` builds no arbitrary objects but still accepts what silently changes a model:
a key given twice (the last one wins), ``yes``/``no``/``on``/``off`` read as booleans (YAML 1.1),
and aliases or merge keys (``<<``) that expand a few lines into billions of values (the "billion
laughs"). ``load_yaml`` refuses them all; ``read_text`` refuses text that is not UTF-8.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ModelError

MAX_VALUES = 2_000_000
"""Most values (mapping entries, list items, scalars) a file may hold once its aliases are
expanded; a 1,000-step model holds about 30,000."""
MAX_DEPTH = 60
"""Deepest nesting of mappings and lists accepted (a model needs about 6)."""


def read_text(path: Path, what: str = "file") -> str:
    """The text of ``path`` decoded as UTF-8 (a byte-order mark is allowed); a ``ModelError``
    naming the file, line and byte when it is not UTF-8 (or, for a gzip file, saying so: "save
    it as UTF-8" is no advice for one)."""
    data = path.read_bytes()
    if data.startswith(b"\x1f\x8b"):
        raise ModelError(
            f"{path}: a gzip-compressed file (it starts with the bytes 1f 8b), not the {what} as "
            "text; decompress it (gunzip) and give the file it holds"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ModelError(
            f"{path}: line {line}: the {what} is not UTF-8 text (byte 0x{data[exc.start]:02x} "
            f"at position {exc.start}); save it as UTF-8 (most editors: 'Save with encoding')"
        ) from None


class _NotSupported(yaml.YAMLError):
    """Valid YAML that model files do not accept; ``load_yaml`` names the file and line."""

    def __init__(self, problem: str, line: int) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses duplicate keys and merge keys (``<<``), reads only
    ``true``/``false`` as booleans and ``1e-3`` as a number (YAML 1.2)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:  # type: ignore[override]
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == MERGE_TAG:
                # PyYAML copies every merged mapping's entries without removing repeats, so ten
                # levels of '<<: [*a, *a, ...]' make billions of them before anything is counted
                raise _NotSupported(
                    "merge keys ('<<') are not supported; write the keys out in full", line
                )
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key; SafeLoader reports it
                continue
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} is given twice (lines {first} and {line}); the second would "
                    "silently replace the first: rename or remove one",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


# YAML 1.2's booleans: 'yes', 'no', 'on', 'off' stay strings (an end named 'no' stays 'no').
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
#: YAML 1.2's floats that YAML 1.1 reads as text: '1e-3', '2E6' (it wants a dot and a signed
#: exponent). Read as numbers, since a duration's parameter no longer takes text for a number; a
#: writer adds the resolver too (``sim.model.io``), so that it quotes text spelled so.
EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
EXPONENT_FLOAT_FIRST = list("-+.0123456789")
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", EXPONENT_FLOAT, EXPONENT_FLOAT_FIRST)


def check_size(data: Any, source: str) -> None:
    """Refuse ``data`` holding more than ``MAX_VALUES`` values with its aliases expanded, or
    nested deeper than ``MAX_DEPTH`` (walked without recursion, stopping at the first excess)."""
    count = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise ModelError(
                f"{source}: holds more than {MAX_VALUES:,} values once its aliases (*name) are "
                "expanded; refused (a YAML alias bomb?)"
            )
        if depth > MAX_DEPTH:
            raise ModelError(f"{source}: nested more than {MAX_DEPTH} levels deep; refused")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
            count += len(item)  # the keys
        elif isinstance(item, list | tuple):
            stack.extend((v, depth + 1) for v in item)


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML safely (``_StrictLoader``) and check its expanded size; a ``ModelError`` naming
    ``source`` and the line for anything refused."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except _NotSupported as exc:
        raise ModelError(f"{source}: line {exc.line}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        where = str(exc).replace('in "<unicode string>", ', "")
        if "'\\t'" in where:  # PyYAML's "found character '\t' that cannot start any token"
            where += "\n(YAML indents with spaces, not tabs)"
        raise ModelError(f"{source}: not valid YAML: {where}") from None
    except RecursionError:
        raise ModelError(f"{source}: nested too deeply to read; refused") from None
    except ValueError as exc:  # a value YAML's constructors could not build
        raise ModelError(_unbuilt_value(text, source, exc)) from None
    check_size(data, source)
    return data


#: A date or time as YAML reads it (YAML 1.1 timestamps), to find the one it could not build.
_YAML_DATE = re.compile(
    r"(?<![\w.:-])\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|[ \t]+)\d{1,2}:\d{2}:\d{2}(?:\.\d*)?"
    r"(?:[ \t]*(?:Z|[-+]\d{1,2}(?::?\d{2})?))?)?(?![\w.:-])"
)


def _unbuilt_value(text: str, source: str, exc: ValueError) -> str:
    """The message for a value YAML recognised but could not build: an integer of more digits
    than Python converts, or a date that does not exist (``2026-02-30``), named with its line."""
    if "digits" in str(exc):
        return (
            f"{source}: a number of more than {sys.get_int_max_str_digits():,} digits; refused "
            "(a model's numbers have a few digits)"
        )
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _YAML_DATE.finditer(line.split("#", 1)[0]):
            try:
                yaml.safe_load(match.group(0))
            except ValueError:
                return (
                    f"{source}: line {number}: {match.group(0)} is no date or time ({exc}); "
                    "write a real one, e.g. 2026-01-05 or 2026-01-05T09:00:00"
                )
    return f"{source}: a value that cannot be read ({exc})"


def _unique_pairs(source: str):  # noqa: ANN202 - a json object_pairs_hook
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise ModelError(
                    f"{source}: key {k!r} is given twice in one object; the second would "
                    "silently replace the first: rename or remove one"
                )
            out[k] = v
        return out

    return hook


def load_json(text: str, source: str) -> Any:
    """Parse JSON refusing duplicate keys and deep nesting; a ``ModelError`` naming ``source``."""
    try:
        data = json.loads(text, object_pairs_hook=_unique_pairs(source))
    except json.JSONDecodeError as exc:
        raise ModelError(f"{source}: not valid JSON: {exc}") from None
    except RecursionError:
        raise ModelError(f"{source}: nested too deeply to read; refused") from None
    except ValueError:  # Python's limit on the digits of an integer it converts
        raise ModelError(
            f"{source}: a number of more than {sys.get_int_max_str_digits():,} digits; refused "
            "(a model's numbers have a few digits)"
        ) from None
    check_size(data, source)
    return data
