"""The one exception type for mistakes a shop owner can fix.

The UI shows its message as-is, the CLI prints it on one line and exits non-zero.
Anything else that escapes is a bug in the studio, not in the user's input.
"""


class StudioError(Exception):
    """A user-facing problem, worded for a seller (no stack traces, no jargon)."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()
