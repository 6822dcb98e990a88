"""Language understanding (Danish and English): the NLU components of config.yml
and what they use.

components         `DanishNormalizer` (spelling, bounded length) and the code fingerprints
spelling           the Danish spelling normaliser (æøå, abbreviations, dialect, typos)
build_spacy        builds the blank Danish spaCy pipeline with lemmas (no downloads)
linear_model       TF-IDF + logistic regression for intents and FAQ topics, flat scores
linear_classifier  `LinearNLUClassifier`: scores, the decision rule, follow-ups, parse data
follow_up          follow-up questions read in the light of the previous answer
language           `LanguageOfMessage`: the message's language, "in English", other languages
crisis             `CrisisDetector`: crisis words always win, distress is never a dead end
"""
