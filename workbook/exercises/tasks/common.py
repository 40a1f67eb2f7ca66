"""What the task modules share: the day the cards are read, and how a detector moves a threshold.

>>> AS_OF.date().isoformat()
'2026-06-30'
"""

import pandas as pd

AS_OF = pd.Timestamp("2026-06-30")  # the sample data's snapshot date: every card is read on this day
STRICT = 1e-6  # shifting a threshold by this turns "≥ / ≤" into "> / <" for whole-number cards
