"""The one-line summary a run shows after a bulk action (confirm a session, send reminders)."""
from __future__ import annotations


def with_counts(head: str, *clauses: tuple[int, str]) -> str:
    """`head`, then each clause whose count is not zero: the summary names only what happened."""
    return head + "".join(text for count, text in clauses if count)
