"""The CLI's reconciliation table reads whole in an 80-column terminal (or a CI log)."""

from __future__ import annotations

from rich.console import Console

from lintas.entrypoints.cli_common import reconciliation_table


def test_the_reconciliation_table_fits_80_columns_with_15_digit_sums_and_cuts_nothing() -> None:
    widest = "9" * 15
    ledgers = [
        {
            "country": code,
            "currency": currency,
            "accounts": 12_345,
            "debitsPosted": widest,
            "creditsPosted": widest,
            "debitsPending": widest,
            "balanced": balanced,
        }
        for code, currency, balanced in (("ID", "IDR", True), ("VN", "VND", False))
    ]
    console = Console(width=80, record=True, color_system=None)
    console.print(reconciliation_table(ledgers, title="Reconciliation"))
    text = console.export_text()
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), text
    assert "…" not in text, text
    for header in ("Ledger", "Ccy", "Accts", "Debits posted", "Credits posted", "Pending", "OK"):
        assert header in text, header
    assert sum(widest in line for line in lines) == 2 and "NO" in text
