"""Build the project's Danish spaCy pipeline: a blank `da` tokenizer plus a lookup lemmatizer.

No pretrained Danish model or weights are downloaded: the lemma table comes from the
`spacy-lookups-data` package in the lock file. Run `python -m bot.rasa_plugins.nlu.build_spacy [DIR]`
(default `models/spacy_da`); `make install` does it once and the Rasa config points at it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import spacy

from core.settings import REPO_ROOT

DEFAULT_DIR = REPO_ROOT / "models" / "spacy_da"


def build(target: Path = DEFAULT_DIR) -> Path:
    """Create the pipeline and save it to `target` (overwriting an older build)."""
    nlp = spacy.blank("da")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta["name"] = "moedeklar_da"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Blank Danish tokenizer with spacy-lookups-data lemmas (Mødeklar)."
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return target


if __name__ == "__main__":
    path = build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR)
    print(f"Danish spaCy pipeline saved to {path}")
