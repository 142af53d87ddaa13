"""Errors that users cause, reported as one clear message and exit code 1."""


class CmikgError(Exception):
    """A problem with the input or the request, explained in words; no traceback needed."""


class InputError(CmikgError):
    """A file cannot be read or parsed; the message starts with ``path:line:``."""


class ValidationFailed(CmikgError):
    """The data breaks the shapes, the ontology or the evidence rules."""

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.problems = problems
