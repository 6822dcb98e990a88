"""Danish language understanding: spelling normalisation, the spaCy pipeline, custom components."""
