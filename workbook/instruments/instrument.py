"""Self-assessment instruments: questionnaires kept as YAML data, their schema, loader and scorer.

An *instrument* is one questionnaire a team fills in: a relationship score card for a key
account, SERVQUAL, the service-grading self-check, the customer-operations capability
check, a short NPS/CSAT/CES pulse. Each lives in a YAML file that a trainer can copy and
edit (``docs/instruments.md`` explains every key); this module

* describes the file format as pydantic models (:class:`Instrument` and its parts);
* loads and checks a file (:func:`load_instrument`, :func:`parse_instrument`,
  :func:`list_instruments`), turning every mistake into one
  :class:`~workbook.errors.WorkbookInputError` that names the file, the key path
  (``items[3].text.en``), the line and the fix, in Chinese and English;
* scores answers (:func:`score`): dimension scores, a weighted 0–100 index, its level
  band, the weakest dimensions, an improvement plan, the spread between raters and
  Cronbach's alpha.

Built-in instruments sit beside this module; a trainer's own files are found in the
folders named by ``$WORKBOOK_INSTRUMENTS_DIR`` (several joined by ``os.pathsep``) or by
the ``extra_dirs=`` argument. A trainer's file whose ``id`` equals a built-in one
replaces it.

Example
-------
>>> from workbook.instruments import load_instrument, score
>>> pulse = load_instrument("pulse")
>>> result = score(pulse, {"recommend": 9, "csat": 4, "ces": 6}, lang="en")
>>> round(result.index, 1), result.level     # 0.4·90 + 0.3·75 + 0.3·83.3
(83.5, 'good')
"""

from __future__ import annotations

import difflib
import os
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from workbook import i18n
from workbook.errors import Problem, WorkbookInputError
from workbook.satisfaction import cronbach_alpha

BUILTIN_DIR = Path(__file__).resolve().parent
ENV_VAR = "WORKBOOK_INSTRUMENTS_DIR"
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ScoringDefaults:
    """Every threshold of loading and scoring, in one place.

    ``weight_total``: dimension weights must add up to this (1, not 100), within
    ``weight_tolerance``. Cronbach's alpha is computed for a dimension only with at least
    ``alpha_min_respondents`` complete respondents and ``alpha_min_items`` items.
    ``n_weakest``: how many lowest-scoring dimensions :func:`score` calls the weakest.
    ``max_listed``: how many respondents or items an error message lists before "…".

    Limits of an instrument file, checked before anything is built from it (a YAML "billion
    laughs" file of a few hundred bytes would otherwise expand to gigabytes, and deep nesting
    would exhaust Python's stack): ``max_file_bytes`` (the built-ins are 6–15 KB),
    ``max_depth`` (nested lists / mappings; the built-ins need 6), ``max_aliases`` (``*name``
    references; the built-ins use none) and ``max_nodes`` (values once every alias is
    expanded; the built-ins have about 1,500).
    """

    weight_total: float = 1.0
    weight_tolerance: float = 1e-6
    alpha_min_respondents: int = 5
    alpha_min_items: int = 2
    n_weakest: int = 2
    max_listed: int = 8
    max_file_bytes: int = 512 * 1024
    max_depth: int = 32
    max_aliases: int = 50
    max_nodes: int = 50_000


DEFAULTS = ScoringDefaults()


# ================================================================================================ schema


def _number_to_text(value: object) -> object:
    # `version: 1.2` arrives from YAML as a float; a version is a label, so keep what was typed.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Version = Annotated[NonEmpty, BeforeValidator(_number_to_text)]
Number = Annotated[float, Field(allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Text(_Model):
    """A text in both languages: ``{zh: 满意度, en: satisfaction}``."""

    zh: NonEmpty
    en: NonEmpty

    def get(self, lang: str | None = None) -> str:
        """The text in ``lang`` (default: the active language of :mod:`workbook.i18n`)."""
        return getattr(self, i18n.normalize_language(lang) if lang else i18n.get_language())


class Option(_Model):
    """One answer of a ``choice`` scale."""

    id: Id
    name: Text


class Scale(_Model):
    """How an item is answered.

    ``numeric``: a whole-number rating from ``min`` to ``max`` (``labels`` name some points);
    ``choice``: one of ``options`` (not scored); ``text``: free text (not scored).
    """

    type: Literal["numeric", "choice", "text"] = "numeric"
    min: int | None = None
    max: int | None = None
    labels: dict[int, Text] = Field(default_factory=dict)
    options: list[Option] = Field(default_factory=list)

    @property
    def numeric(self) -> bool:
        return self.type == "numeric"


class Part(_Model):
    """One of the two answers of a paired item, e.g. expectation or perception."""

    id: Id
    name: Text


class Segment(_Model):
    """A group of respondents some items apply to, e.g. dealer class A."""

    id: Id
    name: Text


class Dimension(_Model):
    """A group of items scored together, with its weight in the index and one recommendation per band."""

    id: Id
    name: Text
    weight: Number
    scale: Id | None = None
    description: Text | None = None
    recommendations: dict[str, Text]


class Item(_Model):
    """One statement or question."""

    id: Id
    dimension: Id | None = None
    text: Text
    reverse: bool = False
    required: bool = True
    scale: Id | None = None
    applies_to: list[Id] | None = None


class Band(_Model):
    """A level on the 0–100 index: ``from`` (inclusive) to ``to`` (exclusive; the top band includes 100)."""

    code: Id
    name: Text
    lower: Number = Field(alias="from")
    upper: Number = Field(alias="to")
    description: Text | None = None


class Instrument(_Model):
    """A questionnaire as read from its YAML file (see ``docs/instruments.md``).

    Build one with :func:`load_instrument` or :func:`parse_instrument`: they also run the
    cross-checks (weights, bands, references) that a bare ``Instrument(...)`` skips.
    """

    id: Id
    version: Version
    title: Text
    description: Text
    scale: Id | None = None
    scales: dict[Id, Scale]
    paired: list[Part] | None = None
    segments: list[Segment] | None = None
    dimensions: list[Dimension] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)
    bands: list[Band] = Field(min_length=1)

    _source: str = PrivateAttr(default="<text>")

    @property
    def source(self) -> str:
        """Name of the file this instrument was read from."""
        return self._source

    def scale_of(self, item: Item) -> str | None:
        """Id of the scale ``item`` is answered on: its own, else its dimension's, else the default."""
        dimension = next((d for d in self.dimensions if d.id == item.dimension), None)
        return item.scale or (dimension.scale if dimension else None) or self.scale

    @cached_property
    def item_table(self) -> pd.DataFrame:
        """One row per item: dimension, scale, type, min, max, reverse, required, applies_to."""
        rows = []
        for item in self.items:
            scale_id = self.scale_of(item)
            scale = self.scales[scale_id]
            rows.append(
                {
                    "item_id": item.id,
                    "dimension": item.dimension,
                    "scale": scale_id,
                    "type": scale.type,
                    "min": scale.min,
                    "max": scale.max,
                    "reverse": item.reverse,
                    "required": item.required,
                    "applies_to": tuple(item.applies_to) if item.applies_to is not None else None,
                }
            )
        return pd.DataFrame(rows).set_index("item_id")

    @cached_property
    def sorted_bands(self) -> tuple[Band, ...]:
        """The bands from the lowest to the highest."""
        return tuple(sorted(self.bands, key=lambda band: band.lower))

    def band_of(self, values: object) -> np.ndarray:
        """Band codes of 0–100 ``values`` (lower bound inclusive); ``None`` where a value is NaN.

        >>> inst = load_instrument("relationship")
        >>> inst.band_of([0, 39.9, 40, 100]).tolist()
        ['prospect', 'initial_contact', 'active', 'strategic_partner']
        """
        x = np.atleast_1d(np.asarray(values, dtype=float))
        bands = self.sorted_bands
        position = np.searchsorted([b.lower for b in bands], x, side="right") - 1
        codes = np.array([b.code for b in bands], dtype=object)[np.clip(position, 0, len(bands) - 1)]
        codes[np.isnan(x)] = None
        return codes

    def band(self, code: str) -> Band:
        """The band with this code."""
        return next(b for b in self.bands if b.code == code)


# ================================================================================================ loading


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
    known = sorted(list_instruments(extra_dirs=extra_dirs)["id"].dropna().unique())
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
            )
            if inst.id in seen:
                row["error"] = i18n.t("instruments.shadowed", lang, id=inst.id, path=seen[inst.id])
            else:
                seen[inst.id] = path.name
        rows.append(row)
    return pd.DataFrame(
        rows, columns=["id", "version", "title", "n_dimensions", "n_items", "builtin", "path", "error"]
    )


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


# ================================================================================================ scoring


@dataclass(frozen=True)
class InstrumentResult:
    """What :func:`score` returns. Scores are 0–100 unless the column says ``raw``.

    Attributes
    ----------
    instrument_id, version, segment : str
        Which instrument (and which segment, e.g. dealer class) was scored.
    n_respondents : int
    index : float
        Weighted index 0–100: Σ wᵈ·scoreᵈ / Σ wᵈ over the dimensions that have answers.
    level, level_name : str
        Band code of ``index`` and its display name; ``reason`` says why.
    dimensions : DataFrame
        Index ``dimension``; columns ``name, weight, n_items, n_respondents, score`` (0–100),
        ``raw_score`` (mean on the answer scale; for paired instruments the mean gap),
        ``band, band_name, gap`` (100 − score), ``priority`` (gap × weight), ``rater_sd,
        rater_range`` (spread of the respondents' dimension scores, 0–100 points), ``alpha``
        (Cronbach's alpha, NaN below the minimum respondents/items), ``recommendation``;
        paired instruments add the mean of each part (e.g. ``expectation, perception``).
    items : DataFrame
        Index ``item_id``; ``dimension, text, reverse, n, mean`` (recoded raw value, or gap),
        ``score`` (0–100), and the mean of each part for paired instruments.
    respondents : DataFrame
        Index ``respondent_id``; one 0–100 column per dimension, ``index`` and ``level``.
    plan : DataFrame
        The improvement plan: one row per scored dimension, highest ``priority`` first, with
        ``rank, dimension, name, score, band, band_name, weight, gap, priority, recommendation``.
    weakest : tuple of str
        The lowest-scoring dimensions (``DEFAULTS.n_weakest``, ties included).
    other_answers : DataFrame
        Answers to unscored (choice and text) items: ``respondent_id, item_id, value``.
    """

    instrument_id: str
    version: str
    segment: str | None
    n_respondents: int
    index: float
    level: str
    level_name: str
    reason: str
    dimensions: pd.DataFrame
    items: pd.DataFrame
    respondents: pd.DataFrame
    plan: pd.DataFrame
    weakest: tuple[str, ...]
    other_answers: pd.DataFrame


COLUMNS = ("respondent_id", "item_id", "value")  # tidy responses; paired instruments add "part"
SINGLE_RESPONDENT = "1"  # respondent id given to the answers of a dict
SEGMENT_KEY = "_segment"  # stored beside the answers: the segment (e.g. dealer class) they were given for
ACCOUNT_INSTRUMENTS = ("relationship",)  # instruments that rate one key account


def tidy_responses(submissions: pd.DataFrame, rater: str = "respondent_id") -> pd.DataFrame:
    """Stored submissions (one row each, ``answers`` a dict) as the tidy table :func:`score` takes.

    Each submission's ``{item_id: value}`` becomes rows ``respondent_id, item_id, value``; a paired
    answer ``{item_id: {part: value}}`` becomes one row per part with a ``part`` column. The
    respondent id is taken from the ``rater`` column (as text), so two submissions of one person
    must be reduced to one before (e.g. keep the latest).

    >>> frame = pd.DataFrame({"respondent_id": [7, 8],
    ...                       "answers": [{"csat": 4}, {"csat": 5, "recommend": 9}]})
    >>> tidy_responses(frame).values.tolist()
    [['7', 'csat', 4], ['8', 'csat', 5], ['8', 'recommend', 9]]
    """
    pairs = [
        (str(who), item, value)
        for who, answers in zip(submissions[rater], submissions["answers"], strict=True)
        for item, value in answers.items()
    ]
    flat = pd.DataFrame(pairs, columns=list(COLUMNS))
    paired = flat["value"].map(lambda value: isinstance(value, dict))
    if not paired.any():
        return flat
    parts = [
        (who, item, part, value)
        for who, item, answer in flat[paired].itertuples(index=False)
        for part, value in answer.items()
    ]
    return pd.concat(
        [flat[~paired].assign(part=None), pd.DataFrame(parts, columns=[*COLUMNS[:2], "part", "value"])],
        ignore_index=True,
    )[[*COLUMNS, "part"]]


def latest_per_rater(submissions: pd.DataFrame) -> pd.DataFrame:
    """The last submission of each rater, with a ``rater`` column: a member by ``respondent_id``, an
    anonymous submission on its own (by ``submission_id``). Rows oldest first, as
    :meth:`workbook.store.Store.submissions` returns them; the result keeps that order.

    >>> people = pd.array([7, 7, None], dtype="Int64")
    >>> frame = pd.DataFrame({"submission_id": [1, 2, 3], "respondent_id": people})
    >>> latest_per_rater(frame)["submission_id"].tolist()
    [2, 3]
    """
    anonymous = "s" + submissions["submission_id"].astype(str)
    rater = submissions["respondent_id"].astype("string").fillna(anonymous)
    return submissions.assign(rater=rater).drop_duplicates("rater", keep="last")


def score_submissions(
    submissions: pd.DataFrame, instrument: Instrument | str, *, lang: str | None = None
) -> InstrumentResult:
    """Score stored submissions of one instrument (one team, one account) as one group of raters.

    Each rater counts once, with the answers they sent last: a member by ``respondent_id``, an
    anonymous submission on its own (by ``submission_id``); rows are taken oldest first, as
    :meth:`workbook.store.Store.submissions` returns them. The segment stored under
    :data:`SEGMENT_KEY` (the latest given) is passed to :func:`score`.

    >>> worst, best = {"recommend": 0, "csat": 1, "ces": 1}, {"recommend": 10, "csat": 5, "ces": 7}
    >>> frame = pd.DataFrame({"submission_id": [1, 2, 3],
    ...                       "respondent_id": pd.array([7, 7, None], dtype="Int64"),
    ...                       "answers": [worst, best, best]})
    >>> result = score_submissions(frame, "pulse")   # member 7 changed their mind; one anonymous
    >>> result.n_respondents, result.index
    (2, 100.0)
    """
    latest = latest_per_rater(submissions)
    segments = latest["answers"].map(lambda answers: answers.get(SEGMENT_KEY)).dropna().unique()
    answers = latest["answers"].map(lambda given: {k: v for k, v in given.items() if k != SEGMENT_KEY})
    responses = tidy_responses(latest.assign(answers=answers), rater="rater")
    return score(instrument, responses, segment=segments[-1] if len(segments) else None, lang=lang)


def score(
    instrument: Instrument | str,
    responses: pd.DataFrame | Mapping[str, object],
    *,
    segment: str | None = None,
    lang: str | None = None,
) -> InstrumentResult:
    """Score the answers to an instrument.

    Each answer is recoded and put on 0–100, averaged per respondent and dimension, then
    over respondents (each rater counts once), then weighted into the index:

    * reverse item: v′ = min + max − v;
    * item score: s = 100 · (v′ − min) / (max − min);
      paired item (gap g = second part − first part, e.g. perception − expectation):
      s = 100 · (g + (max − min)) / (2 (max − min)), so g = 0 gives 50;
    * dimension score: mean over respondents of each respondent's mean item score;
    * index = Σ wᵈ · scoreᵈ / Σ wᵈ over dimensions with answers; the level is the band
      whose ``from`` ≤ index (< ``to``);
    * plan priority = (100 − scoreᵈ) · wᵈ, highest first;
    * Cronbach's alpha per dimension (k items, respondents with every item answered,
      sample variances): α = k/(k − 1) · (1 − Σ σ²ᵢ / σ²_total).

    Parameters
    ----------
    instrument : Instrument or str
        An instrument, or an id/path for :func:`load_instrument`.
    responses : DataFrame or dict
        Tidy answers ``respondent_id, item_id, value`` (plus ``part`` for a paired
        instrument), or one respondent's ``{item_id: value}`` (``{item_id: {part: value}}``
        when paired). Empty values count as unanswered.
    segment : str, optional
        Segment of the respondents (e.g. dealer class ``"B"``): items whose ``applies_to``
        leaves it out are not asked and not scored. Required if the instrument has segments.
    lang : str, optional
        Language of the names and recommendations in the result (default: active language).

    Raises
    ------
    WorkbookInputError
        Unknown items or parts, values off the scale, duplicate answers, required items
        left unanswered (named per respondent), no scored answer at all.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297–334.
    Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1988). SERVQUAL: a multiple-item scale for
    measuring consumer perceptions of service quality. *Journal of Retailing*, 64(1), 12–40.

    Examples
    --------
    >>> r = score("pulse", {"recommend": 10, "csat": 5, "ces": 7}, lang="en")
    >>> r.index, r.level, r.level_name
    (100.0, 'excellent', 'excellent')
    """
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    items = _applicable_items(inst, segment)
    tidy = _tidy(inst, responses)
    tidy = _check_answers(inst, tidy, items)
    answers = _item_scores(inst, tidy, items)
    if answers.empty:
        raise WorkbookInputError(inst.id, [Problem("instruments.responses_empty")])
    per_respondent = answers.pivot_table(
        index="respondent_id", columns="dimension", values="score", aggfunc="mean", sort=False
    )
    dims = _dimension_table(inst, answers, per_respondent, items, lang)
    index = _weighted(dims["score"], dims["weight"])
    level = inst.band_of(index)[0]
    band = inst.band(level)
    return InstrumentResult(
        instrument_id=inst.id,
        version=inst.version,
        segment=segment,
        n_respondents=int(tidy["respondent_id"].nunique()),
        index=float(index),
        level=level,
        level_name=band.name.get(lang),
        reason=i18n.t(
            "instruments.reason", lang, index=index, band=band.name.get(lang), low=band.lower, high=band.upper
        ),
        dimensions=dims,
        items=_item_table(inst, answers, lang),
        respondents=_respondent_table(inst, per_respondent, dims["weight"]),
        plan=_plan(dims),
        weakest=_weakest(dims["score"]),
        other_answers=tidy.loc[
            ~tidy["item_id"].map(items["type"]).eq("numeric"), ["respondent_id", "item_id", "value"]
        ].reset_index(drop=True),
    )


# --------------------------------------------------------------------------------- answers in


def _applicable_items(inst: Instrument, segment: str | None) -> pd.DataFrame:
    table = inst.item_table
    codes = [s.id for s in inst.segments or []]
    if not codes:
        return table
    if segment not in codes:
        key = "instruments.segment_required" if segment is None else "instruments.unknown_segment_argument"
        raise WorkbookInputError(inst.id, [Problem(key, params={"segment": segment, "known": _known(codes)})])
    applies = table["applies_to"].map(lambda codes_: codes_ is None or segment in codes_)
    return table[applies.astype(bool)]


def _tidy(inst: Instrument, responses: object) -> pd.DataFrame:
    """Answers as ``respondent_id, item_id[, part], value`` (object values), blanks dropped later."""
    paired = inst.paired is not None
    if isinstance(responses, Mapping):
        records = []
        for item_id, value in responses.items():  # one respondent: a loop over items, not rows
            if paired and isinstance(value, Mapping):
                records += [(SINGLE_RESPONDENT, str(item_id), str(p), v) for p, v in value.items()]
            else:
                records.append((SINGLE_RESPONDENT, str(item_id), None, value))
        frame = pd.DataFrame(records, columns=["respondent_id", "item_id", "part", "value"], dtype=object)
        return frame if paired else frame.drop(columns="part")
    if not isinstance(responses, pd.DataFrame):
        raise WorkbookInputError(
            inst.id, [Problem("instruments.responses_type", params={"type": type(responses).__name__})]
        )
    needed = [*COLUMNS[:2], "part", "value"] if paired else list(COLUMNS)
    missing = [c for c in needed if c not in responses.columns]
    if missing:
        raise WorkbookInputError(
            inst.id,
            [
                Problem(
                    "instruments.responses_missing_column",
                    params={"columns": ", ".join(missing), "needed": ", ".join(needed)},
                )
            ],
        )
    frame = responses[needed].copy()
    frame["item_id"] = frame["item_id"].astype(str)
    if paired:
        frame["part"] = frame["part"].astype(str)
    return frame.reset_index(drop=True)


def _listed(values: Iterable[object]) -> str:
    values = list(dict.fromkeys(str(v) for v in values))
    shown = ", ".join(values[: DEFAULTS.max_listed])
    return shown + (
        f", … (+{len(values) - DEFAULTS.max_listed})" if len(values) > DEFAULTS.max_listed else ""
    )


def _check_answers(inst: Instrument, tidy: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Unknown items/parts, duplicates and unanswered required items; returns answered, applicable rows."""
    problems = []
    unknown = ~tidy["item_id"].isin(inst.item_table.index)
    if unknown.any():
        problems.append(
            Problem(
                "instruments.responses_unknown_item",
                params={
                    "items": _listed(tidy.loc[unknown, "item_id"]),
                    "known": _listed(inst.item_table.index),
                },
            )
        )
    keys = ["respondent_id", "item_id"]
    if inst.paired is not None:
        keys.append("part")
        parts = [p.id for p in inst.paired]
        bad = ~tidy["part"].isin(parts)
        if bad.any():
            problems.append(
                Problem(
                    "instruments.responses_unknown_part",
                    params={"parts": _listed(tidy.loc[bad, "part"]), "known": _known(parts)},
                )
            )
    value = tidy["value"]
    answered = value.notna()
    if not pd.api.types.is_numeric_dtype(value):  # text answers: blank text is unanswered too
        answered &= value.astype("string").str.strip().ne("").fillna(False)
    doubled = tidy[answered].duplicated(keys, keep=False)
    if doubled.any():
        rows = tidy[answered][doubled]
        problems.append(
            Problem(
                "instruments.responses_duplicate",
                params={"respondents": _listed(rows["respondent_id"]), "items": _listed(rows["item_id"])},
            )
        )
    problems += _unanswered(inst, tidy, tidy[answered], items)
    if problems:
        raise WorkbookInputError(inst.id, problems)
    return tidy[answered & tidy["item_id"].isin(items.index)].reset_index(drop=True)


def _unanswered(
    inst: Instrument, tidy: pd.DataFrame, answered: pd.DataFrame, items: pd.DataFrame
) -> list[Problem]:
    required = items.index[items["required"]]
    respondents = tidy["respondent_id"].unique()
    levels = [respondents, required]
    names = ["respondent_id", "item_id"]
    if inst.paired is not None:
        levels.append([p.id for p in inst.paired])
        names.append("part")
    expected = pd.MultiIndex.from_product(levels, names=names)
    given = pd.MultiIndex.from_frame(answered[names]) if len(answered) else expected[:0]
    missing = expected.difference(given).to_frame(index=False)
    if missing.empty:
        return []
    return [
        Problem(
            "instruments.responses_missing_required",
            params={
                "respondents": _listed(missing["respondent_id"]),
                "n": missing["respondent_id"].nunique(),
                "items": _listed(missing["item_id"]),
            },
        )
    ]


def _item_scores(inst: Instrument, tidy: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Numeric answers, recoded and put on 0–100: ``respondent_id, item_id, dimension, raw, score``."""
    numeric = tidy[tidy["item_id"].map(items["type"]).eq("numeric")].copy()
    meta = items.loc[numeric["item_id"]]
    value = pd.to_numeric(numeric["value"], errors="coerce").to_numpy(dtype=float)
    low, high = meta["min"].to_numpy(dtype=float), meta["max"].to_numpy(dtype=float)
    _check_values(inst, numeric, value, low, high)
    # Reverse items are recoded so that a higher number always means a better relationship.
    numeric["raw"] = np.where(meta["reverse"].to_numpy(dtype=bool), low + high - value, value)
    numeric["dimension"] = meta["dimension"].to_numpy()
    if inst.paired is None:
        numeric["score"] = 100 * (numeric["raw"] - low) / (high - low)
        return numeric[["respondent_id", "item_id", "dimension", "raw", "score"]]
    return _paired_scores(inst, numeric, items)


def _check_values(
    inst: Instrument, numeric: pd.DataFrame, value: np.ndarray, low: np.ndarray, high: np.ndarray
) -> None:
    problems = []
    text = np.isnan(value)
    if text.any():
        rows = numeric[text]
        problems.append(
            Problem(
                "instruments.responses_not_numeric",
                params={"items": _listed(rows["item_id"]), "values": _listed(rows["value"])},
            )
        )
    off = ~text & ((value < low) | (value > high))
    if off.any():
        rows = numeric[off]
        ranges = (
            rows["item_id"]
            + " "
            + pd.Series(low[off], index=rows.index).map("{:g}".format)
            + "–"
            + pd.Series(high[off], index=rows.index).map("{:g}".format)
        )
        problems.append(
            Problem(
                "instruments.responses_out_of_range",
                params={"items": _listed(ranges), "values": _listed(rows["value"])},
            )
        )
    if problems:
        raise WorkbookInputError(inst.id, problems)


def _paired_scores(inst: Instrument, numeric: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    first, second = (p.id for p in inst.paired)
    wide = numeric.pivot(index=["respondent_id", "item_id"], columns="part", values="raw")
    wide = wide.reindex(columns=[first, second]).dropna().reset_index()  # an optional item needs both parts
    meta = items.loc[wide["item_id"]]
    span = (meta["max"] - meta["min"]).to_numpy(dtype=float)
    wide["raw"] = wide[second] - wide[first]
    wide["score"] = 100 * (wide["raw"] + span) / (2 * span)
    wide["dimension"] = meta["dimension"].to_numpy()
    wide.columns.name = None
    return wide[["respondent_id", "item_id", "dimension", "raw", "score", first, second]]


# --------------------------------------------------------------------------------- results out


def _weighted(scores: pd.Series, weights: pd.Series) -> float:
    present = scores.notna()
    return float((scores[present] * weights[present]).sum() / weights[present].sum())


def _dimension_table(
    inst: Instrument,
    answers: pd.DataFrame,
    per_respondent: pd.DataFrame,
    items: pd.DataFrame,
    lang: str | None,
) -> pd.DataFrame:
    ids = [d.id for d in inst.dimensions]
    per_respondent = per_respondent.reindex(columns=ids)
    raw = answers.groupby(["respondent_id", "dimension"])["raw"].mean().unstack().reindex(columns=ids)
    dims = pd.DataFrame(index=pd.Index(ids, name="dimension"))
    dims["name"] = [d.name.get(lang) for d in inst.dimensions]
    dims["weight"] = [d.weight for d in inst.dimensions]
    dims["n_items"] = (
        items[items["type"].eq("numeric")].groupby("dimension").size().reindex(ids, fill_value=0)
    )
    dims["n_respondents"] = per_respondent.count()
    dims["score"] = per_respondent.mean()
    dims["raw_score"] = raw.mean()
    if inst.paired is not None:
        for part in (p.id for p in inst.paired):
            dims[part] = (
                answers.groupby(["respondent_id", "dimension"])[part]
                .mean()
                .unstack()
                .reindex(columns=ids)
                .mean()
            )
    dims["band"] = inst.band_of(dims["score"])
    band_names = {b.code: b.name.get(lang) for b in inst.bands}
    dims["band_name"] = dims["band"].map(band_names)
    dims["gap"] = 100 - dims["score"]
    dims["priority"] = dims["gap"] * dims["weight"]
    dims["rater_sd"] = per_respondent.std(ddof=1)
    dims["rater_range"] = per_respondent.max() - per_respondent.min()
    dims["alpha"] = _alphas(inst, answers)
    texts = {
        (d.id, code): text.get(lang) for d in inst.dimensions for code, text in d.recommendations.items()
    }
    dims["recommendation"] = [texts.get((d, b)) for d, b in zip(dims.index, dims["band"], strict=True)]
    return dims


def _alphas(inst: Instrument, answers: pd.DataFrame) -> pd.Series:
    wide = answers.pivot(index="respondent_id", columns="item_id", values="raw")
    item_dim = answers.drop_duplicates("item_id").set_index("item_id")["dimension"]
    result = {}
    for dim in inst.dimensions:  # a loop over dimensions (a handful), never over respondents
        block = wide[item_dim.index[item_dim.eq(dim.id)]].dropna()
        result[dim.id] = _cronbach_alpha(block)
    return pd.Series(result, dtype=float)


def _cronbach_alpha(block: pd.DataFrame) -> float:
    """Cronbach's alpha of one dimension's items (complete answers); NaN when too few or no variance."""
    n, k = block.shape
    if n < DEFAULTS.alpha_min_respondents or k < DEFAULTS.alpha_min_items:
        return float("nan")
    if not block.sum(axis=1).var(ddof=1) > 0:
        return float("nan")
    return float(cronbach_alpha(block.astype(float), missing="listwise").alpha)


def _item_table(inst: Instrument, answers: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    stats = answers.groupby("item_id", sort=False).agg(
        n=("raw", "count"), mean=("raw", "mean"), score=("score", "mean")
    )
    if inst.paired is not None:
        for part in (p.id for p in inst.paired):
            stats[part] = answers.groupby("item_id", sort=False)[part].mean()
    order = [it.id for it in inst.items if it.id in stats.index]
    texts = {it.id: (it.dimension, it.text.get(lang), it.reverse) for it in inst.items}
    table = stats.loc[order]
    meta = pd.DataFrame(
        [texts[i] for i in order], index=table.index, columns=["dimension", "text", "reverse"]
    )
    return pd.concat([meta, table], axis=1)


def _respondent_table(inst: Instrument, per_respondent: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    ids = [d.id for d in inst.dimensions]
    table = per_respondent.reindex(columns=ids)
    present = table.notna()
    weighted = table.fillna(0).mul(weights, axis=1).sum(axis=1)
    table["index"] = weighted / present.mul(weights, axis=1).sum(axis=1)
    table["level"] = inst.band_of(table["index"])
    table.columns.name = None
    return table


def _plan(dims: pd.DataFrame) -> pd.DataFrame:
    columns = ["name", "score", "band", "band_name", "weight", "gap", "priority", "recommendation"]
    plan = dims[dims["score"].notna()].sort_values("priority", ascending=False, kind="stable")[columns]
    plan = plan.reset_index()
    plan.insert(0, "rank", np.arange(1, len(plan) + 1))
    return plan


def _weakest(scores: pd.Series) -> tuple[str, ...]:
    present = scores.dropna()
    if present.empty:
        return ()
    cutoff = present.nsmallest(DEFAULTS.n_weakest).max()
    return tuple(present[present <= cutoff].sort_values(kind="stable").index)
