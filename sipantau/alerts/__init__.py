"""Early warning: rules kept as data turn the read side's frames into warnings.

Pure pandas over frames handed in (no SQL, no Streamlit), so any past day can be
replayed by handing in that day's frames. What is in data, not code
(data/reference/, README "Peringatan dini"):
- `warning_rules.csv`: each rule's kind, detector, severity and escalation days;
- `warning_parameters.csv`: each rule's thresholds (changing one needs no code);
- `warning_routes.csv`: which unit acts on which kind of warning at each level
  (kab/kota → provinsi → pusat), with overrides per obstacle category;
- `units.csv`: the units that act; `document_stages.csv`: which stage needs which document.

`detect` gives one row per (region, rule, subject) that holds on the as-of date,
with a `key` stable across days, so a stateful layer can open, update, escalate
(`escalation_level`) and clear one record per key. `explain` renders a row as
one sentence in Bahasa Indonesia or English.

Input contract: see `AlertInputs` and `COLUMNS` (the columns each frame needs;
extra columns are ignored). Dates may be `date` objects or datetime64.

The package, in the order data flows through it:
- `inputs`: the input frames and their columns;
- `arrays`: day counts, lookups by key, and `hits` (what a detector returns);
- `detectors`: one function per condition, and the `DETECTORS` registry;
- `rulebook`: the reference tables read and checked (`load_rules`, `RuleError`);
- `detection`: `detect`, owners along the chain, `escalation_level`;
- `wording`: `explain` and the words it uses.

It may import numpy, pandas, `sipantau.config` (the reference directory) and `sipantau.i18n`
(number and date formats); nothing that reads the database or draws. Names with a leading
underscore are private to the package (its modules share them); this module is its API.
"""

from sipantau.alerts.arrays import hits
from sipantau.alerts.detection import RESULT_COLUMNS, detect, escalation_level, owner_at
from sipantau.alerts.detectors import DETECTORS, TREND_COLUMNS, Detector, DetectorRun, projected_finish, trend
from sipantau.alerts.inputs import COLUMNS, AlertInputs
from sipantau.alerts.rulebook import LEVELS, RuleBook, RuleError, load_document_stages, load_rules, load_units
from sipantau.alerts.wording import WORDS, explain, word

__all__ = [
    "COLUMNS", "DETECTORS", "LEVELS", "RESULT_COLUMNS", "TREND_COLUMNS", "WORDS", "AlertInputs", "Detector",
    "DetectorRun", "RuleBook", "RuleError", "detect", "escalation_level", "explain", "hits", "load_document_stages",
    "load_rules", "load_units", "owner_at", "projected_finish", "trend", "word",
]
