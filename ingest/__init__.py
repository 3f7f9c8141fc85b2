"""Ingest: corpus texts -> cleaned, voice-labelled, de-duplicated passages -> index."""
