"""Hypothesis: encode then decode gives the fields back; a changed character is caught."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from lintas.codecs.emvqr import AddressType, Scheme, decode, encode

digits = st.text(alphabet=string.digits, min_size=1, max_size=1)
account_numbers = st.text(alphabet=string.digits, min_size=4, max_size=19)
names = st.text(alphabet=string.ascii_uppercase + " ", min_size=1, max_size=25).filter(
    lambda s: s.strip() == s
)
thb_amounts = st.integers(min_value=1, max_value=10**9).map(lambda m: f"{m // 100}.{m % 100:02d}")


@given(
    bin_=st.text(alphabet=string.digits, min_size=6, max_size=6),
    account=account_numbers,
    vnd=st.integers(min_value=1, max_value=10**12),
    purpose=names,
)
def test_vietqr_round_trips(bin_: str, account: str, vnd: int, purpose: str) -> None:
    qr = decode(
        encode("vietqr", bank_bin=bin_, account=account, amount=str(vnd), purpose=purpose),
        strict=True,
    )
    assert qr.valid, qr.errors
    assert qr.amount is not None and qr.amount.minor == vnd and qr.currency == "VND"
    assert qr.payable_proxy() == (AddressType.ACCOUNT, f"{bin_}:{account}")
    assert qr.additional_data is not None and qr.additional_data.purpose == purpose


@given(
    mobile=st.text(alphabet=string.digits, min_size=9, max_size=9), amount=thb_amounts, name=names
)
def test_promptpay_round_trips(mobile: str, amount: str, name: str) -> None:
    qr = decode(
        encode("promptpay", mobile="0" + mobile, amount=amount, merchant_name=name), strict=True
    )
    assert qr.valid, qr.errors
    assert qr.amount is not None and qr.amount.format() == amount
    assert qr.merchant.name == name
    assert qr.payable_proxy() == (AddressType.MOBILE, "+66" + mobile)


@given(
    uen=st.text(alphabet=string.digits + "ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=9, max_size=10),
    editable=st.booleans(),
    reference=names,
)
def test_paynow_round_trips(uen: str, editable: bool, reference: str) -> None:
    qr = decode(encode("paynow", uen=uen, editable=editable, reference=reference), strict=True)
    account = qr.account(Scheme.PAYNOW)
    assert qr.valid and account is not None
    assert account.field("editable") is editable and account.field("proxyValue") == uen
    assert qr.additional_data is not None and qr.additional_data.reference_label == reference


_PRINTABLE = [c for c in string.printable if c not in "\t\n\r\x0b\x0c"]
_SAMPLES = [
    encode("promptpay", mobile="0812345678", amount="100.25"),
    encode("vietqr", bank_bin="970415", account="0011001932418", amount="120000"),
    encode("paynow", uen="201403121W", sgqr_id="180101000000001"),
    encode(
        "qris",
        nmid="ID1020021181745",
        acquirer_guid="ID.CO.BCA.WWW",
        merchant_pan="936000140000000001",
    ),
]


@settings(max_examples=500)
@given(sample=st.sampled_from(_SAMPLES), data=st.data())
def test_any_single_character_change_is_caught(sample: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(sample) - 1))
    replacement = data.draw(st.sampled_from(_PRINTABLE).filter(lambda c: c != sample[position]))
    changed = sample[:position] + replacement + sample[position + 1 :]
    assert not decode(changed, strict=True).valid
    lenient = decode(changed)
    # Only a case change inside the CRC value itself is tolerated in lenient mode.
    case_only = position >= len(sample) - 4 and replacement.upper() == sample[position]
    assert lenient.valid == case_only
