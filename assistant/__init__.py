"""Rammeaftale-assistenten: answers Danish questions about the Rammeaftale 2018 process with
the exact source passages.

    from assistant import Assistant
    Assistant().ask("hvad sagde brugerne om overgange?")
"""
from .core import Assistant

__all__ = ["Assistant"]
