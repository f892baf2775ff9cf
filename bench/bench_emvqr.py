"""Decodes per second of the EMVCo QR codec on one core, over a mix of schemes.

Baseline in the same run: ``qriskit`` (PyPI, a QRIS-only parser and validator) on the
QRIS codes of the mix, and ``vietqr-emvco`` (PyPI, a VietQR parser that checks no CRC)
on the VietQR codes. Either is skipped with a note when not installed.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

from bench.machine import describe
from lintas.codecs.emvqr import decode, encode

ROUNDS_MAX: Final = 5
DURATION_S: Final = 1.0
NOW: Final = datetime(2025, 6, 1, tzinfo=UTC)


def _mix() -> dict[str, list[str]]:
    return {
        "promptpay": [
            encode("promptpay", mobile="0812345678", amount="100.50"),
            encode("promptpay", biller_id="010555123456701", reference1="INV1"),
        ],
        "paynow": [encode("paynow", uen="201403121W", amount="10.50", sgqr_id="180101000000001")],
        "duitnow": [encode("duitnow", participant_id="890053", merchant_id="0000012345")],
        "qris": [
            encode(
                "qris",
                nmid="ID1020021181745",
                acquirer_guid="ID.CO.BANKMANDIRI.WWW",
                merchant_pan="9360000812345678",
                amount="15000",
            )
        ],
        "vietqr": [
            encode(
                "vietqr",
                bank_bin="970415",
                account="0011001932418",
                amount="120000",
                purpose="ung ho lu lut",
            )
        ],
        "qrph": [encode("qrph", bic="BNORPHMMXXX", merchant_id="M12345")],
        "khqr": [
            encode(
                "khqr",
                account_id="john_smith@devb",
                currency="USD",
                amount="1.25",
                created_at=NOW,
                expires_at=NOW + timedelta(minutes=5),
            )
        ],
        "laoqr": [encode("laoqr", iin="27710418", merchant_id="LA123")],
    }


def _rate(fn: Callable[[str], object], payloads: list[str]) -> float:
    """Best of ``ROUNDS_MAX`` rounds of about ``DURATION_S`` each, in calls per second."""
    best = 0.0
    batch = 2000
    for _ in range(ROUNDS_MAX):
        done = 0
        start = time.perf_counter()
        while time.perf_counter() - start < DURATION_S:
            for i in range(batch):
                fn(payloads[i % len(payloads)])
            done += batch
        best = max(best, done / (time.perf_counter() - start))
    return best


def main() -> None:
    print("command: python -m bench emvqr")
    print(f"machine: {describe()}")
    mix = _mix()
    every = [p for codes in mix.values() for p in codes]
    assert all(decode(p, strict=True).valid for p in every)
    rate = _rate(decode, every)
    print(f"lintas emvqr decode, mix of {len(mix)} schemes: {rate:,.0f} decodes/s (target 50,000)")
    for scheme in ("qris", "vietqr"):
        rate = _rate(decode, mix[scheme])
        print(f"lintas emvqr decode, {scheme} only: {rate:,.0f} decodes/s")
    try:
        qriskit = importlib.import_module("qriskit")
        rate = _rate(qriskit.parse, mix["qris"])
        print(f"baseline qriskit.parse (PyPI), qris only: {rate:,.0f} decodes/s")
    except ImportError:
        print("baseline qriskit: not installed (pip install qriskit)")
    try:
        vietqr = importlib.import_module("vietqr_emvco")
        rate = _rate(vietqr.VietQRParser.parse, mix["vietqr"])
        print(
            f"baseline vietqr_emvco.VietQRParser.parse (PyPI, no CRC check), vietqr only: "
            f"{rate:,.0f} decodes/s"
        )
    except ImportError:
        print("baseline vietqr-emvco: not installed (pip install vietqr-emvco)")
