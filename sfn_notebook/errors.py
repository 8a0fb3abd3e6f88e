"""Exceptions for misuse and bad definitions, and the runtime error value of the States language.

Python exceptions (``SfnNotebookError`` and its subclasses) report programming mistakes: an invalid
definition, a malformed path, an AWS call that failed.  A failed *execution* is never an exception:
it is a status on the :class:`~sfn_notebook.Execution`.  Inside the engine, ASL runtime errors travel
as :class:`StatesError` until Retry/Catch handle them or the execution fails with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "SfnNotebookError",
    "Diagnostic",
    "format_diagnostics",
    "DefinitionError",
    "PathError",
    "AwsError",
    "TaskFailed",
    "StatesError",
]


class SfnNotebookError(Exception):
    """Base class of every exception sfn_notebook raises on purpose."""


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a definition.

    ``pointer`` is a JSON Pointer (RFC 6901) into the definition, ``line``/``column`` are 1-based
    positions in the source text (``None`` when the definition came from a dict).
    """

    code: str
    message: str
    pointer: str = ""
    line: int | None = None
    column: int | None = None
    severity: Literal["ERROR", "WARNING"] = "ERROR"

    @property
    def state(self) -> str | None:
        """Name of the innermost state the pointer is inside, if any."""
        parts = [p.replace("~1", "/").replace("~0", "~") for p in self.pointer.split("/")[1:]]
        name = None
        for i, part in enumerate(parts[:-1]):
            if part == "States":
                name = parts[i + 1]
        return name

    @property
    def field(self) -> str | None:
        """The last component of the pointer (the field the problem is about)."""
        if not self.pointer:
            return None
        return self.pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")

    def location(self) -> str:
        """Where the problem is: line and column when known, the state and field, the JSON Pointer."""
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        state, field = self.state, self.field
        if state is not None:
            parts.append(f"state '{state}'")
        if field is not None and field != state and not field.isdigit():
            parts.append(f"field '{field}'")
        parts.append(self.pointer or "/")
        return ", ".join(parts[:-1]) + f" ({parts[-1]})" if len(parts) > 1 else parts[0]

    def __str__(self) -> str:
        return f"{self.severity.lower()} {self.code} at {self.location()}: {self.message}"

    def excerpt(self, text: str | None) -> list[str]:
        """The line of ``text`` the problem is on, and a caret under its column (none without a line).

        >>> d = Diagnostic("UNKNOWN_FIELD", "unknown field 'Nxt'", "/States/Hi/Nxt", 3, 5)
        >>> print("\\n".join(d.excerpt("StartAt: Hi\\nStates:\\n    Nxt: Bye\\n")))
               3 |     Nxt: Bye
                 |     ^
        """
        if text is None:
            return []
        return self._excerpt(_LINE_BREAK.split(text))

    def render(self, text: str | None = None) -> str:
        """The diagnostic (``str(self)``), then its source line and a caret when ``text`` is given."""
        return "\n".join([str(self), *self.excerpt(text)])

    def _excerpt(self, lines: Sequence[str]) -> list[str]:
        if self.line is None or not 0 < self.line <= len(lines):
            return []
        source = lines[self.line - 1]
        if self.line == 1:
            source = source.removeprefix("\ufeff")  # columns do not count a byte order mark
        caret = None if self.column is None else self.column - 1  # characters before the caret
        if len(source) > _EXCERPT_WIDTH:  # a long line (minified JSON): the part around the column
            start = min(max(0, (caret or 0) - _EXCERPT_WIDTH // 2), len(source) - _EXCERPT_WIDTH)
            head = "…" if start > 0 else ""
            tail = "…" if start + _EXCERPT_WIDTH < len(source) else ""
            source = head + source[start : start + _EXCERPT_WIDTH] + tail
            caret = None if caret is None else caret - start + len(head)
        out = [f"    {self.line:>4} | {source}"]
        if caret is not None:
            pad = "".join(c if c == "\t" else " " for c in source[:caret])  # tabs keep the caret aligned
            out.append(f"         | {pad}^")
        return out


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as the definition's line numbers count them
_EXCERPT_WIDTH = 100


def format_diagnostics(
    diagnostics: Sequence[Diagnostic], text: str | None = None, limit: int | None = None
) -> str:
    """Diagnostics one after the other, each with its source line and a caret when ``text`` is given.

    ``limit`` shows at most that many, and says how many more there are.  The notebook, the
    command line and ``str(DefinitionError)`` all show diagnostics this way.
    """
    lines = _LINE_BREAK.split(text) if text is not None else []
    shown = diagnostics if limit is None else diagnostics[:limit]
    out = ["\n".join([str(d), *d._excerpt(lines)]) for d in shown]
    if len(diagnostics) > len(shown):
        out.append(f"... and {len(diagnostics) - len(shown)} more")
    return "\n".join(out)


class DefinitionError(SfnNotebookError, ValueError):
    """The definition is not valid Amazon States Language. ``diagnostics`` lists every problem found.

    ``source`` is the definition's text, when there was one: the message then shows each error's
    line with a caret under the place.
    """

    def __init__(
        self, diagnostics: list[Diagnostic], source_name: str | None = None, source: str | None = None
    ) -> None:
        self.diagnostics = list(diagnostics)
        self.source_name = source_name
        self.source = source
        super().__init__(self._render())

    @property
    def pointer(self) -> str:
        return self.diagnostics[0].pointer if self.diagnostics else ""

    @property
    def line(self) -> int | None:
        return self.diagnostics[0].line if self.diagnostics else None

    def _render(self) -> str:
        errors = [d for d in self.diagnostics if d.severity == "ERROR"]
        n = len(errors)
        head = f"invalid state machine definition ({n} error{'s' if n != 1 else ''})"
        if self.source_name:
            head += f" in {self.source_name}"
        lines = _LINE_BREAK.split(self.source) if self.source is not None else []
        return head + "".join("\n  - " + "\n".join([str(d), *d._excerpt(lines)]) for d in errors)

    def __reduce__(self):  # keep the exception picklable
        return (type(self), (self.diagnostics, self.source_name, self.source))


class PathError(SfnNotebookError, ValueError):
    """A JSONPath, intrinsic function or JSONata expression that cannot be parsed."""

    def __init__(self, message: str, expression: str, position: int | None = None) -> None:
        self.message = message
        self.expression = expression
        self.position = position
        super().__init__(message)

    def __str__(self) -> str:
        text = f"{self.message}: {self.expression!r}"
        if self.position is not None and "\n" not in self.expression:
            text += f"\n  {self.expression}\n  {' ' * self.position}^"
        return text

    def __reduce__(self):
        return (type(self), (self.message, self.expression, self.position))


class AwsError(SfnNotebookError):
    """A call to AWS failed. ``code`` is AWS's error code (``AccessDeniedException``, ...)."""

    def __init__(
        self, code: str, message: str, operation: str | None = None, hint: str | None = None
    ) -> None:
        self.code = code
        self.message = message
        self.operation = operation
        self.hint = hint
        super().__init__(code, message)

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        if self.operation:
            text = f"{self.operation} failed with {text}"
        if self.hint:
            text += f"\n{self.hint}"
        return text

    def _render_traceback_(self) -> list[str]:
        """IPython shows this instead of a traceback: the message and the hint."""
        lines = str(self).splitlines()
        return [f"AwsError: {lines[0]}", *(f"  {line}" for line in lines[1:])]

    def __reduce__(self):  # keep the exception picklable
        return (type(self), (self.code, self.message, self.operation, self.hint))


class TaskFailed(Exception):
    """Raise inside a task handler to fail the task with exactly this ``error`` and ``cause``.

    >>> raise TaskFailed("PaymentDeclined", "card expired")  # doctest: +SKIP
    """

    def __init__(self, error: str | None = None, cause: str | None = None) -> None:
        self.error = error
        self.cause = cause
        super().__init__(error, cause)

    def __str__(self) -> str:
        return f"{self.error}: {self.cause}" if self.cause is not None else str(self.error)


class StatesError(Exception):
    """An ASL runtime error (``States.Runtime``, a task's error, ...) on its way to Retry/Catch.

    It is internal control flow of the engine; users see it as ``Execution.error``/``cause``.  It is a
    value: its fields never change, and :meth:`replace` and :meth:`located_at` return new errors.
    """

    error: str | None
    cause: str | None
    # True while the cause still needs AWS's "An error occurred while executing the state ..." prefix
    locate: bool
    # what went wrong in more words than AWS's cause gives; shown to the user as a note of the run
    hint: str | None
    # the field whose JSONata expression failed, which AWS names in the EvaluationFailed event
    location: str | None

    def __init__(
        self,
        error: str | None,
        cause: str | None = None,
        *,
        locate: bool = False,
        hint: str | None = None,
        location: str | None = None,
    ) -> None:
        super().__init__(error, cause)
        for name, value in zip(_STATES_ERROR_FIELDS, (error, cause, locate, hint, location)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        if name in _STATES_ERROR_FIELDS:
            raise AttributeError(f"StatesError.{name} cannot change; replace() makes a new error")
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if name in _STATES_ERROR_FIELDS:
            raise AttributeError(f"StatesError.{name} cannot be deleted")
        super().__delattr__(name)

    def replace(self, **changes: Any) -> StatesError:
        """A new error with some fields changed (error, cause, locate, hint, location)."""
        unknown = set(changes) - set(_STATES_ERROR_FIELDS)
        if unknown:
            raise TypeError(f"StatesError has no field {', '.join(sorted(unknown))}")
        fields = {name: getattr(self, name) for name in _STATES_ERROR_FIELDS}
        fields.update(changes)
        error = fields.pop("error")
        cause = fields.pop("cause")
        return StatesError(error, cause, **fields)

    def located_at(self, state: str, entered_id: int) -> StatesError:
        """This error as it leaves ``state``: a cause that still needs it gets AWS's prefix naming the
        state and the id of its StateEntered event (a new error; one that needs none is returned as is)."""
        if not self.locate:
            return self
        return self.replace(
            cause=f"An error occurred while executing the state '{state}' (entered at the event id "
            f"#{entered_id}). {self.cause}",
            locate=False,
        )

    def __str__(self) -> str:
        return f"{self.error}: {self.cause}"

    def __reduce__(self):  # keep the exception picklable (its fields cannot be set one by one)
        return (_states_error, tuple(getattr(self, name) for name in _STATES_ERROR_FIELDS))

    def output(self) -> dict[str, str]:
        """The Error Output a Catcher passes on: ``{"Error": ..., "Cause": ...}``."""
        out: dict[str, str] = {}
        if self.error is not None:
            out["Error"] = self.error
        if self.cause is not None:
            out["Cause"] = self.cause
        return out


_STATES_ERROR_FIELDS = ("error", "cause", "locate", "hint", "location")


def _states_error(
    error: str | None, cause: str | None, locate: bool, hint: str | None, location: str | None
) -> StatesError:
    return StatesError(error, cause, locate=locate, hint=hint, location=location)
