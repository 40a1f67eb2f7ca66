"""Self-assessment instruments: YAML questionnaires, their schema, loader and scorer.

The five built-in instruments (``relationship``, ``servqual``, ``service_grading``,
``capability``, ``pulse``) are YAML files in this folder; ``docs/instruments.md`` explains
how a trainer copies and edits one. Three rooms hold the code: :mod:`.schema` (the file
format as pydantic models, and the defaults), :mod:`.loader` (finding, limiting and checking
files) and :mod:`.scoring` (scores, index, bands, plan); everything public is re-exported here.

>>> from workbook.instruments import load_instrument
>>> len(load_instrument("servqual").items)
22
"""

from workbook.instruments.loader import (
    BUILTIN_DIR,
    ENV_VAR,
    list_instruments,
    load_instrument,
    parse_instrument,
    usable_instruments,
)
from workbook.instruments.schema import (
    DEFAULTS,
    Band,
    Dimension,
    Instrument,
    Item,
    Option,
    Part,
    Scale,
    ScoringDefaults,
    Segment,
    Text,
)
from workbook.instruments.scoring import (
    ACCOUNT_INSTRUMENTS,
    SEGMENT_KEY,
    DimensionScore,
    InstrumentResult,
    ItemScore,
    RespondentScore,
    latest_per_rater,
    score,
    score_submissions,
    team_results,
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
    "DimensionScore",
    "Instrument",
    "InstrumentResult",
    "Item",
    "ItemScore",
    "Option",
    "Part",
    "RespondentScore",
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
    "team_results",
    "tidy_responses",
    "usable_instruments",
]
