"""Errors that stancekit reports to the user as one line.

Every error the user can cause (bad file, bad YAML, bad model, bad template) is raised as a
`StancekitError` subclass with a message that names the file, key or value at fault. The CLI turns
these into a single ``stancekit: error: ...`` line and exit code 2; Python callers can catch them.
"""
from __future__ import annotations


class StancekitError(ValueError):
    """Base class: a problem with the user's input, config or model (never a bug in stancekit)."""

    exit_code = 2


class InputError(StancekitError):
    """The text input cannot be read (missing, empty, binary, undecodable)."""


class ConfigError(StancekitError):
    """A YAML file, actors file, template or option is invalid; the message names the key path."""


class ModelError(StancekitError):
    """The model cannot be loaded or is not a usable NLI sequence-classification model."""


class OutputError(StancekitError):
    """An output file or folder cannot be written (checked before any model work)."""
