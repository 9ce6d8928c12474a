"""The offline extractor's rules over a spaCy parse: figures, speakers, the story's profile."""
