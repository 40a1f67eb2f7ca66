"""Loading and checking instrument files: limits before parsing, one error type after.

:func:`load_instrument` finds a built-in instrument or a trainer's file (in
``$WORKBOOK_INSTRUMENTS_DIR`` or ``extra_dirs=``; a trainer's file whose ``id`` equals a
built-in one replaces it), :func:`parse_instrument` reads YAML text and
:func:`list_instruments` lists what is available. A file is checked under limits
(``DEFAULTS.max_file_bytes``, depth, aliases, nodes) before anything is built from it;
every mistake becomes one :class:`~workbook.errors.WorkbookInputError` that names the
file, the key path (``items[3].text.en``), the line and the fix, in Chinese and English.

>>> len(load_instrument("servqual").items)
22
"""

from __future__ import annotations

import difflib
import os
import types
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from workbook import i18n
from workbook.errors import Problem, WorkbookInputError
from workbook.instruments.schema import DEFAULTS, Instrument, Item

if TYPE_CHECKING:  # pandas is imported where the table is built: a trainee's kernel lists without it
    import pandas as pd

BUILTIN_DIR = Path(__file__).resolve().parent
ENV_VAR = "WORKBOOK_INSTRUMENTS_DIR"
SUFFIXES = (".yaml", ".yml")


def parse_instrument(text: str, source: str = "<text>") -> Instrument:
    """Read an instrument from YAML ``text``; ``source`` names it in error messages.

    Raises :class:`~workbook.errors.WorkbookInputError` listing every problem found, each
    with its key path, its line and how to fix it.

    >>> try:
    ...     parse_instrument("id: x\\nversion: 1\\n  title: y", "mine.yaml")
    ... except WorkbookInputError as err:
    ...     print(err.keys, err.message("en").splitlines()[1][:38])
    ['instruments.yaml_syntax'] 1. line 3, column 8: YAML syntax error
    """
    _check_size(len(text.encode("utf-8", errors="surrogatepass")), source)
    root = _compose(text, source)
    problems = list(_duplicate_keys(root))
    if problems:
        raise WorkbookInputError(source, [_at(root, key, loc, **p) for key, loc, p in problems])
    data = _construct(root, source)
    try:
        instrument = Instrument.model_validate(data)
    except PydanticValidationError as exc:
        problems = [_translate(root, error) for error in exc.errors()]
        # A misspelt key also makes the right one "missing": name the spelling mistake first.
        problems.sort(key=lambda p: not p.key.startswith("instruments.unknown_key"))
        raise WorkbookInputError(source, problems) from None
    problems = list(_cross_checks(instrument))
    if problems:
        raise WorkbookInputError(source, [_at(root, key, loc, **p) for key, loc, p in problems])
    instrument._source = source
    return instrument


def load_instrument(
    path_or_id: str | os.PathLike, *, extra_dirs: Iterable[str | os.PathLike] = ()
) -> Instrument:
    """An instrument by file path or by ``id``.

    An id is looked up in ``extra_dirs``, then in ``$WORKBOOK_INSTRUMENTS_DIR``, then among
    the built-ins; the first file with that id wins, so a trainer's copy that keeps the id
    replaces the built-in one. A string ending in ``.yaml``/``.yml`` or holding a path
    separator is read as a path.

    >>> load_instrument("servqual").paired[1].id
    'perception'
    """
    if _looks_like_path(path_or_id):
        path = Path(path_or_id)
        if not path.is_file():
            raise WorkbookInputError(
                path.name, [Problem("instruments.file_not_found", params={"path": str(path)})]
            )
        return _load_file(path)
    wanted = str(path_or_id)
    for path in _files(extra_dirs):
        try:
            instrument = _load_file(path)
        except WorkbookInputError:
            if path.stem == wanted:  # most likely the file asked for: show why it cannot be used
                raise
            continue
        if instrument.id == wanted:
            return instrument
    known = sorted({row["id"] for row in _catalogue(extra_dirs, None)})
    raise WorkbookInputError(
        wanted, [Problem("instruments.not_found", params={"id": wanted, "known": ", ".join(known)})]
    )


def list_instruments(
    *, extra_dirs: Iterable[str | os.PathLike] = (), lang: str | None = None
) -> pd.DataFrame:
    """Every instrument file found, one row each: what a trainer can pick from.

    Columns: ``id, version, title`` (in ``lang``), ``n_dimensions, n_items, builtin, path``
    and ``error`` (the message of a file that cannot be used, else empty). Files are listed
    in search order (``extra_dirs``, ``$WORKBOOK_INSTRUMENTS_DIR``, built-ins); a file whose id
    was already found earlier is marked as shadowed in ``error``.

    >>> sorted(list_instruments()["id"])
    ['capability', 'pulse', 'relationship', 'service_grading', 'servqual']
    """
    import pandas as pd

    rows = [{k: v for k, v in row.items() if k != "instrument"} for row in _catalogue(extra_dirs, lang)]
    return pd.DataFrame(
        rows, columns=["id", "version", "title", "n_dimensions", "n_items", "builtin", "path", "error"]
    )


def usable_instruments(*, extra_dirs: Iterable[str | os.PathLike] = ()) -> list[Instrument]:
    """The instruments of :func:`list_instruments` that can be used (no ``error``), in search order.

    >>> [inst.id for inst in usable_instruments()]
    ['capability', 'pulse', 'relationship', 'service_grading', 'servqual']
    """
    return [row["instrument"] for row in _catalogue(extra_dirs, None) if not row["error"]]


def _catalogue(extra_dirs: Iterable[str | os.PathLike], lang: str | None) -> list[dict[str, Any]]:
    """One dict per instrument file: the columns of :func:`list_instruments` and the ``instrument``."""
    rows, seen = [], {}
    for path in _files(extra_dirs):
        row = {
            "id": None,
            "version": None,
            "title": None,
            "n_dimensions": 0,
            "n_items": 0,
            "builtin": path.parent == BUILTIN_DIR,
            "path": str(path),
            "error": "",
            "instrument": None,
        }
        try:
            inst = _load_file(path)
        except WorkbookInputError as exc:
            row.update(id=path.stem, error=exc.message(lang))
        else:
            row.update(
                id=inst.id,
                version=inst.version,
                title=inst.title.get(lang),
                n_dimensions=len(inst.dimensions),
                n_items=len(inst.items),
                instrument=inst,
            )
            if inst.id in seen:
                row["error"] = i18n.t("instruments.shadowed", lang, id=inst.id, path=seen[inst.id])
            else:
                seen[inst.id] = path.name
        rows.append(row)
    return rows


def _looks_like_path(value: object) -> bool:
    if isinstance(value, os.PathLike):
        return True
    text = str(value)
    return text.lower().endswith(SUFFIXES) or "/" in text or os.sep in text


def _search_dirs(extra_dirs: Iterable[str | os.PathLike]) -> list[Path]:
    named = [Path(d) for d in extra_dirs]
    named += [Path(d) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d.strip()]
    for folder in named:
        if not folder.is_dir():
            raise WorkbookInputError(
                str(folder),
                [Problem("instruments.dir_not_found", params={"path": str(folder), "env": ENV_VAR})],
            )
    return [*named, BUILTIN_DIR]


def _files(extra_dirs: Iterable[str | os.PathLike]) -> list[Path]:
    return [
        p
        for folder in _search_dirs(extra_dirs)
        for p in sorted(folder.iterdir())
        if p.suffix.lower() in SUFFIXES and p.is_file()
    ]


def _load_file(path: Path) -> Instrument:
    stat = path.stat()
    return _load_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=128)
def _load_cached(path: str, mtime_ns: int, size: int) -> Instrument:
    # Keyed on modification time and size, so an edited file is read again; instruments are frozen.
    file = Path(path)
    _check_size(size, file.name)  # before reading: a huge file is refused without loading it
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise WorkbookInputError(
            file.name, [Problem("instruments.not_utf8", params={"position": exc.start})]
        ) from None
    return parse_instrument(text, file.name)


# ------------------------------------------------------------------------------------------ YAML nodes


def _check_size(n_bytes: int, source: str) -> None:
    """Refuse a file larger than ``DEFAULTS.max_file_bytes`` before reading or parsing it."""
    if n_bytes > DEFAULTS.max_file_bytes:
        raise WorkbookInputError(
            source,
            [Problem("instruments.too_large", params={"size_kb": n_bytes / 1024,
                                                      "limit_kb": DEFAULTS.max_file_bytes / 1024})],
        )  # fmt: skip


def _compose(text: str, source: str) -> yaml.Node:
    """The YAML node tree of ``text``, after its nesting and aliases were found within the limits.

    PyYAML's composer recurses once per nesting level and follows no limit of its own, so the
    event stream (produced without recursion) is checked first; the expanded size is checked on
    the composed tree, where each alias is still one shared node.
    """
    # PyYAML's own parser, not libyaml's: libyaml stops deep nesting with a bare syntax error (before
    # the depth check can name it) and marks plain scalars differently (see _versions_as_text).
    try:
        _check_events(yaml.parse(text, Loader=yaml.SafeLoader), source)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise WorkbookInputError(
            source,
            [
                Problem(
                    "instruments.yaml_syntax",
                    params={"line": line, "column": column, "problem": exc.problem or exc.context or ""},
                )
            ],
        ) from None
    except yaml.YAMLError as exc:  # unreadable characters: PyYAML's reader error carries no mark
        raise WorkbookInputError(
            source,
            [
                Problem(
                    "instruments.yaml_syntax",
                    params={"line": 1, "column": 1, "problem": str(exc).splitlines()[0]},
                )
            ],
        ) from None
    if not isinstance(root, yaml.MappingNode):
        raise WorkbookInputError(source, [Problem("instruments.not_a_mapping")])
    _check_expanded_size(root, source)
    _versions_as_text(root)
    return root


def _check_events(events: Iterable[yaml.Event], source: str) -> None:
    """Refuse nesting deeper than ``DEFAULTS.max_depth`` or more than ``DEFAULTS.max_aliases`` aliases.

    Works on the parser's event stream, so a file of 5,000 ``[`` is refused at its 33rd
    bracket, before any node or object exists.
    """
    depth = aliases = 0
    for event in events:
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > DEFAULTS.max_depth:
                raise _limit(source, "instruments.too_deep", event, limit=DEFAULTS.max_depth)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > DEFAULTS.max_aliases:
                raise _limit(source, "instruments.too_many_aliases", event, limit=DEFAULTS.max_aliases)


def _limit(source: str, key: str, event: yaml.Event | yaml.Node, **params: object) -> WorkbookInputError:
    line = event.start_mark.line + 1 if event.start_mark else 1
    return WorkbookInputError(source, [Problem(key, params={"line": line, **params})])


def _check_expanded_size(root: yaml.Node, source: str) -> None:
    """Refuse a tree that counts more than ``DEFAULTS.max_nodes`` values once aliases are expanded.

    An alias is the same node object as its anchor, so each node's expanded size is computed
    once (memoised by identity): linear in the file, although the expansion itself may be
    exponential ("billion laughs": 9 levels of 10 aliases make 10⁹ values from 800 bytes).
    """
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        if id(node) not in sizes:
            if isinstance(node, yaml.MappingNode):
                children = [child for pair in node.value for child in pair]
            elif isinstance(node, yaml.SequenceNode):
                children = node.value
            else:
                children = []
            sizes[id(node)] = 1 + sum(size(child) for child in children)  # depth ≤ max_depth: no deep stack
        return sizes[id(node)]

    if size(root) > DEFAULTS.max_nodes:
        raise WorkbookInputError(
            source, [Problem("instruments.too_many_nodes", params={"limit": DEFAULTS.max_nodes})]
        )


def _versions_as_text(root: yaml.MappingNode) -> None:
    """Read ``version:`` as the text typed: ``1.10`` stays "1.10" (YAML would make it the float 1.1)."""
    for key, value in root.value:
        if key.value == "version" and isinstance(value, yaml.ScalarNode) and value.style is None:
            value.tag = "tag:yaml.org,2002:str"


def _construct(root: yaml.Node, source: str) -> Any:
    """Python values from the checked node tree; a tag that is not plain data becomes one error.

    The safe loader never runs code (``!!python/object/apply`` is refused, not executed); this
    turns its refusal, and any other value it cannot build, into the workbook's own message.
    """
    try:
        return yaml.SafeLoader("").construct_document(root)
    except Exception as exc:  # PyYAML's constructors fail in many ways on odd tags
        # e.g. "!!timestamp" on a mapping raises AttributeError inside PyYAML: still the user's file
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or (
            str(exc).splitlines()[0] if isinstance(exc, yaml.YAMLError) else "!!"
        )
        raise WorkbookInputError(
            source,
            [Problem("instruments.yaml_value",
                     params={"line": mark.line + 1 if mark else 1, "problem": problem})],
        ) from None  # fmt: skip


def _duplicate_keys(node: yaml.Node, loc: tuple = ()) -> Iterable[tuple[str, tuple, dict]]:
    # PyYAML silently keeps the last of two equal keys; a trainer would lose a text without noticing.
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):  # `? [a, b]: x`: refused when constructed
                continue
            if key.value in seen:
                yield "instruments.duplicate_key", (*loc, key.value), {"name": key.value}
            seen.add(key.value)
            yield from _duplicate_keys(value, (*loc, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            yield from _duplicate_keys(value, (*loc, i))


def _locate(root: yaml.Node, loc: Sequence) -> tuple[str, int]:
    """Key path as a trainer reads it (``items[3].text.en``) and the line it is on (or its parent's)."""
    parts: list[str] = []
    node, line = root, root.start_mark.line + 1
    for element in loc:
        if element == "[key]":  # pydantic's marker for a bad dictionary key: the path already names it
            continue
        child = None
        if isinstance(node, yaml.SequenceNode) and isinstance(element, int):
            parts.append(f"[{element}]")
            if 0 <= element < len(node.value):
                child = node.value[element]
                line = child.start_mark.line + 1
        else:
            parts.append(f"[{element}]" if isinstance(element, int) and node is None else f".{element}")
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == str(element):
                        child, line = value, key.start_mark.line + 1
        node = child
    return "".join(parts).lstrip("."), line


def _at(root: yaml.Node, message: str, loc: Sequence, /, **params: object) -> Problem:
    path, line = _locate(root, loc)
    return Problem(message, params={"path": path, "line": line, **params})


# ------------------------------------------------------------------------------------- pydantic errors

_TYPE_KEYS = {
    "string_type": "instruments.expected_text",
    "int_type": "instruments.expected_integer",
    "int_parsing": "instruments.expected_integer",
    "int_from_float": "instruments.expected_integer",
    "float_type": "instruments.expected_number",
    "float_parsing": "instruments.expected_number",
    "finite_number": "instruments.expected_number",
    "bool_type": "instruments.expected_bool",
    "bool_parsing": "instruments.expected_bool",
    "list_type": "instruments.expected_list",
    "dict_type": "instruments.expected_mapping",
    "model_type": "instruments.expected_mapping",
    "model_attributes_type": "instruments.expected_mapping",
    "string_pattern_mismatch": "instruments.bad_id",
    "too_short": "instruments.too_short",
    "literal_error": "instruments.expected_one_of",
}


def _translate(root: yaml.Node, error: Mapping[str, Any]) -> Problem:
    """One pydantic error as a catalogue problem: never pydantic's own (English-only) wording."""
    loc, kind = tuple(error["loc"]), error["type"]
    last = loc[-1] if loc else ""
    value = _short(error.get("input"))
    if last in i18n.LANGUAGES and kind in ("missing", "string_too_short", "string_type"):
        return _at(root, "instruments.missing_translation", loc, language=last)
    if kind == "missing":
        return _at(root, "instruments.missing_key", loc, name=last)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(last), allowed, n=1, cutoff=0.6)
        if close:
            return _at(root, "instruments.unknown_key", loc, name=last, suggestion=close[0])
        return _at(root, "instruments.unknown_key_no_match", loc, name=last, allowed=", ".join(allowed))
    if kind == "literal_error":
        return _at(
            root,
            "instruments.expected_one_of",
            loc,
            value=value,
            allowed=error.get("ctx", {}).get("expected", "").replace("'", ""),
        )
    if kind == "too_short":
        return _at(root, "instruments.too_short", loc, min=error.get("ctx", {}).get("min_length", 1))
    return _at(root, _TYPE_KEYS.get(kind, "instruments.invalid_value"), loc, value=value)


def _short(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unwrap(annotation: Any) -> Any:
    # Annotated[X, ...] → X;  X | None → X
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation


def _allowed_keys(loc: Sequence) -> list[str]:
    """The keys the model at ``loc`` accepts, for "did you mean" suggestions."""
    annotation: Any = Instrument
    for element in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = next((f for n, f in annotation.model_fields.items() if (f.alias or n) == element), None)
            if field is None:
                return []
            annotation = field.annotation
        elif get_origin(annotation) in (list, dict):
            annotation = get_args(annotation)[-1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or n for n, f in annotation.model_fields.items()]
    return []


# ------------------------------------------------------------------------------------- cross-checks


def _cross_checks(inst: Instrument) -> Iterable[tuple[str, tuple, dict]]:
    """Everything pydantic cannot see on one field alone: references, sums, bands, coverage."""
    yield from _check_scales(inst)
    yield from _check_dimensions(inst)
    yield from _check_items(inst)
    yield from _check_parts_and_segments(inst)
    yield from _check_bands(inst)
    yield from _check_recommendations(inst)


def _known(ids: Iterable[str]) -> str:
    return ", ".join(ids) or "—"


def _duplicates(ids: Sequence[str], where: str) -> Iterable[tuple[str, tuple, dict]]:
    first: dict[str, int] = {}
    for i, id_ in enumerate(ids):
        if id_ in first:
            yield (
                "instruments.duplicate_id",
                (where, i, "id" if where != "bands" else "code"),
                {"id": id_, "first": f"{where}[{first[id_]}]"},
            )
        else:
            first[id_] = i


def _check_scales(inst: Instrument) -> Iterable[tuple[str, tuple, dict]]:
    for sid, scale in inst.scales.items():
        if scale.numeric:
            missing = [k for k in ("min", "max") if getattr(scale, k) is None]
            for k in missing:
                yield "instruments.missing_key", ("scales", sid, k), {"name": k}
            if missing:
                continue
            if scale.min >= scale.max:
                yield (
                    "instruments.scale_min_max",
                    ("scales", sid, "min"),
                    {"min": scale.min, "max": scale.max},
                )
                continue  # labels cannot be checked against a range that does not exist
            for point in scale.labels:
                if not scale.min <= point <= scale.max:
                    yield (
                        "instruments.scale_label_out_of_range",
                        ("scales", sid, "labels", point),
                        {"value": point, "min": scale.min, "max": scale.max},
                    )
        elif scale.type == "choice":
            if not scale.options:
                yield "instruments.choice_without_options", ("scales", sid), {"scale": sid}
            for key, loc, params in _duplicates([o.id for o in scale.options], "options"):
                yield key, ("scales", sid, *loc), params
    if inst.scale is not None and inst.scale not in inst.scales:
        yield "instruments.unknown_scale", ("scale",), {"scale": inst.scale, "known": _known(inst.scales)}


def _check_dimensions(inst: Instrument) -> Iterable[tuple[str, tuple, dict]]:
    yield from _duplicates([d.id for d in inst.dimensions], "dimensions")
    for i, dim in enumerate(inst.dimensions):
        if dim.scale is not None and dim.scale not in inst.scales:
            yield (
                "instruments.unknown_scale",
                ("dimensions", i, "scale"),
                {"scale": dim.scale, "known": _known(inst.scales)},
            )
        if dim.weight < 0:
            yield "instruments.weight_negative", ("dimensions", i, "weight"), {"weight": dim.weight}
        scored = [it for it in inst.items if it.dimension == dim.id and _is_numeric(inst, it)]
        if not scored:
            yield "instruments.dimension_without_items", ("dimensions", i), {"dimension": dim.id}
    total = sum(d.weight for d in inst.dimensions)
    if abs(total - DEFAULTS.weight_total) > DEFAULTS.weight_tolerance:
        weights = ", ".join(f"{d.id} {d.weight:g}" for d in inst.dimensions)
        yield "instruments.weights_sum", ("dimensions",), {"total": round(total, 6), "weights": weights}


def _is_numeric(inst: Instrument, item: Item) -> bool:
    scale = inst.scales.get(inst.scale_of(item) or "")
    return scale is not None and scale.numeric


def _check_items(inst: Instrument) -> Iterable[tuple[str, tuple, dict]]:
    yield from _duplicates([it.id for it in inst.items], "items")
    dims = {d.id for d in inst.dimensions}
    scale_by_dim: dict[str, tuple[str, str]] = {}
    for i, item in enumerate(inst.items):
        if item.dimension is not None and item.dimension not in dims:
            yield (
                "instruments.unknown_dimension",
                ("items", i, "dimension"),
                {"dimension": item.dimension, "known": _known(d.id for d in inst.dimensions)},
            )
            continue
        scale_id = inst.scale_of(item)
        if scale_id is None:
            yield "instruments.no_scale", ("items", i), {"item": item.id}
            continue
        if scale_id not in inst.scales:
            if item.scale is not None:  # an unknown scale on a dimension or at the top is reported there
                yield (
                    "instruments.unknown_scale",
                    ("items", i, "scale"),
                    {"scale": scale_id, "known": _known(inst.scales)},
                )
            continue
        numeric = inst.scales[scale_id].numeric
        if item.reverse and not numeric:
            yield (
                "instruments.reverse_non_numeric",
                ("items", i, "reverse"),
                {"item": item.id, "scale": scale_id},
            )
        if numeric and item.dimension is None:
            yield "instruments.item_needs_dimension", ("items", i), {"item": item.id}
        if numeric and item.dimension is not None:
            other = scale_by_dim.setdefault(item.dimension, (scale_id, item.id))
            if other[0] != scale_id:
                yield (
                    "instruments.mixed_scales",
                    ("items", i, "scale"),
                    {
                        "item": item.id,
                        "scale": scale_id,
                        "dimension": item.dimension,
                        "other": other[0],
                        "other_item": other[1],
                    },
                )


def _check_parts_and_segments(inst: Instrument) -> Iterable[tuple[str, tuple, dict]]:
    if inst.paired is not None:
        if len(inst.paired) != 2:
            yield "instruments.paired_two_parts", ("paired",), {"n": len(inst.paired)}
        yield from _duplicates([p.id for p in inst.paired], "paired")
    segments = [s.id for s in inst.segments or []]
    yield from _duplicates(segments, "segments")
    for i, item in enumerate(inst.items):
        for j, code in enumerate(item.applies_to or []):
            if code not in segments:
                yield (
                    "instruments.unknown_segment",
                    ("items", i, "applies_to", j),
                    {"segment": code, "known": _known(segments)},
                )


def _check_bands(inst: Instrument) -> Iterable[tuple[str, tuple, dict]]:
    yield from _duplicates([b.code for b in inst.bands], "bands")
    ok = True
    for i, band in enumerate(inst.bands):
        outside = [(k, v) for k, v in (("from", band.lower), ("to", band.upper)) if not 0 <= v <= 100]
        for key, value in outside:
            yield "instruments.band_out_of_range", ("bands", i, key), {"value": value, "code": band.code}
        if not outside and band.lower >= band.upper:
            yield (
                "instruments.band_empty",
                ("bands", i),
                {"code": band.code, "low": band.lower, "high": band.upper},
            )
        ok = ok and not outside and band.lower < band.upper
    if not ok:
        return  # the gaps and overlaps of nonsense bounds would only repeat the problems above
    order = sorted(range(len(inst.bands)), key=lambda i: inst.bands[i].lower)
    edge = 0.0
    for i in order:
        band = inst.bands[i]
        if band.lower > edge:
            yield (
                "instruments.band_gap",
                ("bands", i, "from"),
                {"low": edge, "high": band.lower, "code": band.code},
            )
        elif band.lower < edge:
            yield (
                "instruments.band_overlap",
                ("bands", i, "from"),
                {"code": band.code, "low": band.lower, "high": edge},
            )
        edge = max(edge, band.upper)
    if edge < 100:
        yield (
            "instruments.band_gap",
            ("bands", order[-1], "to"),
            {"low": edge, "high": 100.0, "code": inst.bands[order[-1]].code},
        )


def _check_recommendations(inst: Instrument) -> Iterable[tuple[str, tuple, dict]]:
    codes = [b.code for b in inst.bands]
    for i, dim in enumerate(inst.dimensions):
        for code in codes:
            if code not in dim.recommendations:
                yield (
                    "instruments.missing_recommendation",
                    ("dimensions", i, "recommendations", code),
                    {"dimension": dim.id, "band": code},
                )
        for code in dim.recommendations:
            if code not in codes:
                yield (
                    "instruments.unknown_band",
                    ("dimensions", i, "recommendations", code),
                    {"band": code, "known": _known(codes)},
                )
