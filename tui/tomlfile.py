"""The one way every TOML file is read: engine config, console.toml, layouts.

Text is decoded by ``msgspec.toml`` and converted into msgspec Structs (``Literal`` and
``Meta`` constraints, ``forbid_unknown_fields``). Every error has one shape::

    FILE: line N: field.path: problem

``line N`` comes from the TOML parser (syntax) or from locating the key in the text
(schema), and is left out when the key cannot be located. An unknown key gets a
"did you mean" from :mod:`difflib`.

Hand-written here, because no library does them: the walk that finds unknown keys with
their path and neighbours (msgspec names the first unknown field without the fields it
expected), and the key locator (TOML parsers keep no positions).
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import msgspec
import msgspec.inspect as mi

from tui.errors import UserError

T = TypeVar("T")

Path_ = tuple[str | int, ...]


def read_text(path: Path, error: type[UserError]) -> str:
    """The file's text; unreadable or non-UTF-8 files are ``error`` naming the file."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text: {exc}") from None


def loads(text: str, source: str, error: type[UserError]) -> dict[str, Any]:
    """The TOML document as plain data; a syntax error names its line."""
    try:
        data = msgspec.toml.decode(text)
    except msgspec.DecodeError as exc:
        raise error(f"{source}: {syntax_where(str(exc), text)}TOML syntax: {exc}") from None
    assert isinstance(data, dict)
    return data


def convert(
    data: dict[str, Any],
    type_: type[T],
    source: str,
    text: str,
    error: type[UserError],
    prefix: Path_ = (),
) -> T:
    """``data`` (found at ``prefix`` in the file) as ``type_``; an unknown key or a wrong
    value is ``error`` in the one format."""
    unknown = unknown_key(data, mi.type_info(type_))
    if unknown is not None:
        path, key, known = unknown
        raise located(error, source, text, (*prefix, *path, key), unknown_message(key, known))
    try:
        return msgspec.convert(data, type_)
    except msgspec.ValidationError as exc:
        problem, path = split_validation(str(exc))
        path = _name_keys(data, type_, path)
        raise located(error, source, text, (*prefix, *path), problem) from None


def decode(text: str, type_: type[T], source: str, error: type[UserError]) -> T:
    return convert(loads(text, source, error), type_, source, text, error)


def located(error: type[UserError], source: str, text: str, path: Path_, problem: str) -> UserError:
    """``error`` with the one message format: file, line (when found), field path, problem."""
    line = locate(text.splitlines(), path)
    where = f"line {line}: " if line else ""
    field = f"{dotted(path)}: " if path else ""
    return error(f"{source}: {where}{field}{problem}")


_FIELD = re.compile(r"[A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])*")
_FIELD_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def placed(text: str, problem: str) -> str:
    """A cross-field problem ("venues.kraken.symbols: ...", as a ``check()`` reports it)
    with the line of the field it names put in front, in the loader's format
    ("line 7: venues.kraken.symbols: ..."); as it was when the field is not found."""
    m = _FIELD.match(problem)
    if not m or not text:
        return problem
    path: list[str | int] = [
        int(index) if index else key for key, index in _FIELD_PART.findall(m.group(0))
    ]
    line = locate(text.splitlines(), tuple(path))
    return f"line {line}: {problem}" if line else problem


def unknown_message(key: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key ({hint}expected one of: {', '.join(known)})"


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def syntax_where(msg: str, text: str) -> str:
    """ "line N: " for a TOML syntax error ("at end of document" is the last line)."""
    m = re.search(r"at line (\d+), column (\d+)", msg)
    if m:
        return f"line {m.group(1)}: "
    if "end of document" in msg:
        return f"line {max(1, len(text.splitlines()))}: "
    return ""


_AT = re.compile(r"(.*) - at `\$(.*)`\Z", re.S)
_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[(\.\.\.)\]")


def split_validation(msg: str) -> tuple[str, Path_]:
    """msgspec's "problem - at `$.a.b[0]`" (its documented format) as (problem, path)."""
    m = _AT.match(msg)
    if not m:
        return msg, ()
    path: list[str | int] = []
    for dot, index, key in _PART.findall(m.group(2)):
        path.append(int(index) if index else (dot or key))
    return m.group(1), tuple(path)


def _name_keys(data: object, tp: Any, path: Path_) -> Path_:
    """msgspec writes a table key in a path as ``[...]``: find the key whose value fails."""
    out: list[str | int] = []
    value: Any = data
    try:
        for part in path:
            tp = _strip(tp, dict if part == "..." else list if isinstance(part, int) else None)
            if part == "...":
                value_type = get_args(tp)[1]
                key = next(k for k, v in value.items() if not _fits(v, value_type))
                out.append(key)
                value, tp = value[key], value_type
            elif isinstance(part, int):
                value, tp = value[part], get_args(tp)[0]
                out.append(part)
            else:
                fields = {f.encode_name: f.type for f in msgspec.structs.fields(tp)}
                value, tp = value.get(part), fields[part]
                out.append(part)
    except (AttributeError, IndexError, KeyError, StopIteration, TypeError):
        return path
    return tuple(out)


def _fits(value: object, tp: Any) -> bool:
    try:
        msgspec.convert(value, tp)
    except msgspec.ValidationError:
        return False
    return True


def _strip(tp: Any, container: type | None) -> Any:
    """The member of an Optional/union that holds a table, a list or a Struct."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        for arg in get_args(tp):
            arg = _strip(arg, container)
            origin = get_origin(arg)
            if container is None and isinstance(arg, type) and issubclass(arg, msgspec.Struct):
                return arg
            if container is not None and origin is container:
                return arg
    return tp


def unknown_key(value: object, t: mi.Type, path: Path_ = ()) -> tuple[Path_, str, list[str]] | None:
    """The first key not in a strict Struct: (path of its table, key, the keys expected)."""
    if isinstance(t, mi.UnionType):
        structs = [x for x in t.types if isinstance(x, mi.StructType | mi.DictType | mi.ListType)]
        return unknown_key(value, structs[0], path) if len(structs) == 1 else None
    if isinstance(t, mi.StructType) and isinstance(value, dict):
        fields = {f.encode_name: f for f in t.fields}
        known = list(fields) + ([t.tag_field] if t.tag_field else [])
        for k, v in value.items():
            if k in fields:
                found = unknown_key(v, fields[k].type, (*path, k))
                if found:
                    return found
            elif t.forbid_unknown_fields and k not in known:
                return path, str(k), known
    elif isinstance(t, mi.DictType) and isinstance(value, dict):
        for k, v in value.items():
            found = unknown_key(v, t.value_type, (*path, str(k)))
            if found:
                return found
    elif isinstance(t, mi.ListType) and isinstance(value, list):
        for i, v in enumerate(value):
            found = unknown_key(v, t.item_type, (*path, i))
            if found:
                return found
    return None


def locate(lines: list[str], path: Path_) -> int | None:
    """Best-effort line of a field: the table ``[a.b]`` holding ``key =``, the table itself,
    or a parent's line. Arrays of tables and dotted keys are not located (None)."""
    keys: list[str] = []
    for part in path:
        if isinstance(part, int):
            break
        keys.append(part)
    if not keys:
        return None
    for cut in range(len(keys), 0, -1):
        head, key = tuple(keys[: cut - 1]), keys[cut - 1]
        found = _find(lines, head, key) or _find(lines, (*head, key), None)
        if found:
            return found
    return None


def _find(lines: list[str], header: tuple[str, ...], key: str | None) -> int | None:
    head_re = (
        re.compile(
            r"\s*\[\s*"
            + r"\s*\.\s*".join(rf"(?:{re.escape(h)}|\"{re.escape(h)}\")" for h in header)
            + r"\s*\]\s*(?:#.*)?\Z"
        )
        if header
        else None
    )
    key_re = re.compile(rf"\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=") if key else None
    inside = header == ()
    for i, line in enumerate(lines, 1):
        if line.lstrip().startswith("["):
            if head_re is not None and head_re.match(line):
                if key_re is None:
                    return i
                inside = True
                continue
            if inside:
                return None  # left the table without finding the key
            continue
        if inside and key_re is not None and key_re.match(line):
            return i
    return None
