"""synth's exceptions (pure).

    SynthError                 anything synth reports to a user as one line
    ├── ConfigError            settings that cannot work (bad flag value, unknown mode)
    ├── InputError             an input file that cannot be read as an article
    └── ModelError             the model endpoint failed in a way retries cannot mend
        ├── ModelRefusedError  401/403/404/400: the request will never succeed as sent
        ├── ModelUnreachableError  connection refused or no such host: no request of this
        │                          run can reach the server, so the run's model calls stop
        └── RequestTooLongError  this request is longer than the model's context; others may fit

The CLI catches SynthError only; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class SynthError(Exception):
    """Base of every error synth reports to a user as one line."""


class ConfigError(SynthError):
    pass


class InputError(SynthError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ModelError(SynthError):
    def __init__(self, message: str, *, last_answer: object = None) -> None:
        super().__init__(message)
        # An answer that came back, failed validation and was re-asked, when the re-ask is
        # what failed (a 5xx): its valid parts may still be used.
        self.last_answer = last_answer


class ModelRefusedError(ModelError):
    pass


class RequestTooLongError(ModelError):
    """The server refused this request as longer than the model's context. Sent again, the
    same request is refused the same way, so the refusal can be kept like an answer."""


class ModelUnreachableError(ModelError):
    """Nothing answers at the endpoint: the connection was refused or its host name is not
    known. Every other request of the run would fail the same way, so none is sent."""
