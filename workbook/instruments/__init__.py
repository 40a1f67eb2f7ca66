"""Self-assessment instruments: YAML questionnaires, their schema, loader and scorer.

The five built-in instruments (``relationship``, ``servqual``, ``service_grading``,
``capability``, ``pulse``) are YAML files in this folder; ``docs/instruments.md`` explains
how a trainer copies and edits one. Everything public lives in :mod:`.instrument`.

>>> from workbook.instruments import load_instrument
>>> len(load_instrument("servqual").items)
22
"""

from workbook.instruments.instrument import (
    ACCOUNT_INSTRUMENTS,
    BUILTIN_DIR,
    DEFAULTS,
    ENV_VAR,
    SEGMENT_KEY,
    Band,
    Dimension,
    Instrument,
    InstrumentResult,
    Item,
    Option,
    Part,
    Scale,
    ScoringDefaults,
    Segment,
    Text,
    latest_per_rater,
    list_instruments,
    load_instrument,
    parse_instrument,
    score,
    score_submissions,
    tidy_responses,
)

__all__ = [
    "ACCOUNT_INSTRUMENTS",
    "BUILTIN_DIR",
    "DEFAULTS",
    "ENV_VAR",
    "SEGMENT_KEY",
    "Band",
    "Dimension",
    "Instrument",
    "InstrumentResult",
    "Item",
    "Option",
    "Part",
    "Scale",
    "ScoringDefaults",
    "Segment",
    "Text",
    "latest_per_rater",
    "list_instruments",
    "load_instrument",
    "parse_instrument",
    "score",
    "score_submissions",
    "tidy_responses",
]
