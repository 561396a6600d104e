"""The captures a revision's provenance names: the ones the ledger knows, or stored now."""

from __future__ import annotations

from collections.abc import Callable

from archive.ledger import Ledger, LedgerRow, Provenance


def with_captures(ledger: Ledger, provenance: Provenance | None,
                  captures: Callable[[], tuple[str, ...]],
                  unchanged: LedgerRow | None) -> Provenance:
    """provenance with the references of its captures: the ones the ledger already has for
    an unchanged article, else the ones captures() stores now."""
    digest = provenance.source_digest if provenance is not None else None
    if unchanged is not None:
        known = ledger.provenance(unchanged.source, unchanged.identity)
        if known is not None and known[1].captures:
            return Provenance(digest, known[1].captures)
    return Provenance(digest, captures())
