"""Which merchant ids of a QR code the risk rules look up in the scam-signal exchange."""

from __future__ import annotations

import pytest

from lintas.codecs import emvqr
from lintas.domain import signals as sig
from lintas.sandbox.merchants import merchants_in
from lintas.sandbox.region import build_region
from lintas.services.risk import merchant_qr_ids

REGION = build_region(seed=7, customers_per_country=20)


def _canonical(value: str) -> str:
    return sig.normalise(sig.SignalType.QR, value).value


def test_a_khqr_merchant_is_looked_up_by_its_merchant_id() -> None:
    merchant = merchants_in(REGION, "KH")[0]
    decoded = emvqr.decode(merchant.qr)
    template = next(a for a in decoded.accounts if a.field("merchantId"))
    merchant_id = template.field("merchantId")
    assert isinstance(merchant_id, str)
    # What the code pays is a Bakong account (name@bank), an e-wallet proxy and no merchant
    # QR id; before, nothing of a KHQR code was looked up as a QR.
    proxy = decoded.payable_proxy()
    assert proxy is not None and "@" in proxy[1]
    assert merchant_qr_ids(merchant.qr) == [_canonical(merchant_id)]


@pytest.mark.parametrize("country", ["MY", "PH", "LA"])
def test_a_national_templates_merchant_id_is_looked_up(country: str) -> None:
    merchant = merchants_in(REGION, country)[0]
    typed = [
        a.field("merchantId") for a in emvqr.decode(merchant.qr).accounts if a.field("merchantId")
    ]
    assert typed, f"the sandbox's {country} code carries a merchant id"
    ids = merchant_qr_ids(merchant.qr)
    for merchant_id in typed:
        assert isinstance(merchant_id, str)
        assert _canonical(merchant_id) in ids
    assert len(ids) == len(set(ids))  # Each id once, even when it is also what is paid.
