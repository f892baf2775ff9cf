"""Paying a merchant QR code across the border, through the services on a real SQLite file."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from testkit import (  # type: ignore[import-not-found]
    accounts_snapshot,
    assert_ledgers_balance,
    get_quote,
    open_hub,
    psp_of,
    richest,
    run,
    table_count,
)

from lintas.bootstrap import Hub
from lintas.codecs.emvqr import Initiation, Scheme, decode, encode
from lintas.domain import settlement
from lintas.domain.errors import InputInvalid, ReasonCode, Refused
from lintas.domain.fx import Quote
from lintas.domain.money import parse_amount
from lintas.domain.payment import Payment, PaymentStatus
from lintas.ports.clock import FixedClock
from lintas.sandbox.merchants import MERCHANTS_PER_COUNTRY, Merchant, merchants_in
from lintas.sandbox.region import Customer
from lintas.services.addressing import Resolution
from lintas.services.payments import PartyInput, PaymentRequest
from lintas.services.quoting import QuoteRequest

#: The moment the hub's clock shows in the tests that judge expiry.
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _thai_merchant(hub: Hub) -> Merchant:
    return merchants_in(hub.region, "TH")[0]


def _resolve(hub: Hub, country: str, payload: str) -> Resolution:
    return hub.addressing.resolve(country, "QR", payload, now=hub.clock.now())


def _net(hub: Hub, account_id: int) -> int:
    balance = hub.store.account_balance(account_id)
    assert balance is not None, account_id
    assert balance.debits_pending == balance.credits_pending == 0, balance
    return balance.credits_posted - balance.debits_posted


def _merchant_account(m: Merchant) -> int:
    return settlement.customer_account_id(m.country, m.psp, m.account)


def _pay(
    hub: Hub,
    debtor: Customer,
    quote: Quote,
    payee: Resolution,
    *,
    creditor: PartyInput | None = None,
) -> Payment:
    """Pay the resolved code (sent as the payment's ``merchantQr``) with ``quote``."""
    holder = payee.holder
    request = PaymentRequest(
        uetr=str(uuid.uuid4()),
        quote_id=quote.quote_id,
        debtor=PartyInput(debtor.name_latin, debtor.account, debtor.psp_id),
        creditor=creditor or PartyInput(holder.display_name, holder.account, holder.agent),
        merchant_qr=payee.value,
    )
    payment: Payment = run(hub.payments.submit(request, psp_of(debtor)))
    return payment


def _dynamic_promptpay(m: Merchant, amount: str) -> str:
    return encode(
        "promptpay",
        national_id=m.proxy,
        amount=amount,
        merchant_name=m.name,
        merchant_city=m.city,
        mcc=m.mcc,
    )


def test_every_country_accepts_qr_as_an_address_type_with_an_example_of_its_own(
    hub: Hub,
) -> None:
    for country in hub.reference.countries():
        qr = country.address_type("QR")
        assert qr is not None, country.code
        example = decode(qr.example, strict=True)
        assert example.valid and example.country == country.code, (country.code, example.errors)


def test_the_first_merchant_of_every_country_resolves_through_its_directory(hub: Hub) -> None:
    for country in hub.reference.countries():
        merchants = merchants_in(hub.region, country.code)
        assert len(merchants) >= MERCHANTS_PER_COUNTRY >= 50
        m = merchants[0]
        found = _resolve(hub, country.code, m.qr)
        assert (found.holder.agent, found.holder.account) == (m.psp, m.account), country.code
        assert found.address_type == "QR" and found.qr is not None
        assert found.qr.merchant_name == m.name and found.qr.mcc == m.mcc
        assert found.qr.initiation is Initiation.STATIC and found.qr.amount is None
        assert found.qr.currency == country.currency


def test_every_merchant_account_is_seeded_empty(hub: Hub) -> None:
    for country in hub.reference.countries():
        for m in merchants_in(hub.region, country.code):
            assert _net(hub, _merchant_account(m)) == 0, m.id
    assert_ledgers_balance(hub)


def test_a_static_thai_qr_paid_from_singapore_settles_and_every_ledger_balances(
    hub: Hub,
) -> None:
    m = _thai_merchant(hub)
    payee = _resolve(hub, "TH", m.qr)
    assert payee.qr is not None and payee.qr.scheme is Scheme.PROMPTPAY
    assert payee.holder.display_name == m.name
    debtor = richest(hub, "SG")
    quote = get_quote(hub, debtor, "TH", "20.00")
    payment = _pay(hub, debtor, quote, payee)
    assert payment.status is PaymentStatus.SETTLED and payment.iso_status == "ACCC", payment
    assert (payment.creditor.agent, payment.creditor.account) == (m.psp, m.account)
    assert _net(hub, _merchant_account(m)) == quote.disclosure.amount_credited.minor > 0
    assert_ledgers_balance(hub)


def test_a_dynamic_qrs_amount_is_exactly_what_the_merchant_receives(hub: Hub) -> None:
    m = _thai_merchant(hub)
    payee = _resolve(hub, "TH", _dynamic_promptpay(m, "1234.50"))
    assert payee.qr is not None and payee.qr.initiation is Initiation.DYNAMIC
    assert payee.qr.amount == parse_amount("1234.50", "THB")
    debtor = richest(hub, "SG")
    request = QuoteRequest(
        source_country="SG",
        source_currency="SGD",
        destination_country="TH",
        destination_currency="THB",
        amount_currency=payee.qr.currency,
        amount=payee.qr.amount.format(),
    )
    quote = run(hub.quoting.quote(request, psp_of(debtor)))[0]
    payment = _pay(hub, debtor, quote, payee)
    assert payment.status is PaymentStatus.SETTLED, payment
    assert payment.amount_credited == payee.qr.amount
    assert _net(hub, _merchant_account(m)) == 123_450
    assert_ledgers_balance(hub)


def _khqr(m: Merchant, created_at: datetime, expires_at: datetime) -> str:
    """A dynamic KHQR code of 40,000 KHR for ``m``, valid between the two moments."""
    return encode(
        "khqr",
        account_id=m.proxy,
        merchant_id=m.id,
        merchant_name=m.name,
        merchant_city=m.city,
        amount="40000",
        created_at=created_at,
        expires_at=expires_at,
    )


def test_an_expired_code_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    hub = open_hub(tmp_path / "hub.db", clock=FixedClock(NOW))
    try:
        m = merchants_in(hub.region, "KH")[0]
        expired = _khqr(m, NOW - timedelta(minutes=20), NOW - timedelta(minutes=5))
        before = accounts_snapshot(tmp_path / "hub.db")
        with pytest.raises(Refused) as refused:
            _resolve(hub, "KH", expired)
        assert refused.value.reason == "qr_expired"
        assert "expired" in refused.value.message
        assert accounts_snapshot(tmp_path / "hub.db") == before
        assert table_count(tmp_path / "hub.db", "payments") == 0
        # The same code a minute before it expires is payable.
        fresh = _khqr(m, NOW - timedelta(minutes=1), NOW + timedelta(minutes=1))
        found = _resolve(hub, "KH", fresh)
        assert found.qr is not None and found.qr.expires_at == NOW + timedelta(minutes=1)
        assert found.holder.account == m.account
    finally:
        hub.close()


def test_a_code_with_a_tampered_crc_is_refused_with_ff01(hub: Hub) -> None:
    m = _thai_merchant(hub)
    last = m.qr[-1]
    tampered = m.qr[:-1] + ("0" if last != "0" else "1")
    with pytest.raises(InputInvalid) as refused:
        _resolve(hub, "TH", tampered)
    assert refused.value.code is ReasonCode.FF01
    assert refused.value.reason == "qr_invalid" and "crc" in refused.value.message.lower()


def test_a_code_whose_amount_was_changed_after_printing_is_refused_with_ff01(hub: Hub) -> None:
    code = _dynamic_promptpay(_thai_merchant(hub), "100.00")
    changed = code.replace("5406100.00", "5406900.00")
    assert changed != code
    with pytest.raises(InputInvalid) as refused:
        _resolve(hub, "TH", changed)
    assert refused.value.code is ReasonCode.FF01


def test_a_code_of_another_country_than_asked_is_refused(hub: Hub) -> None:
    malaysian = merchants_in(hub.region, "MY")[0]
    with pytest.raises(InputInvalid) as refused:
        _resolve(hub, "TH", malaysian.qr)
    assert refused.value.reason == "qr_country_mismatch"
    assert "MY" in refused.value.message


def test_a_valid_code_of_an_unknown_merchant_is_refused_with_be23(hub: Hub) -> None:
    nobody = encode("promptpay", national_id="0999999999999", merchant_name="NOBODY")
    assert decode(nobody, strict=True).valid
    with pytest.raises(Refused) as refused:
        _resolve(hub, "TH", nobody)
    assert refused.value.code is ReasonCode.BE23


def test_a_code_the_hub_cannot_settle_in_its_currency_is_refused(hub: Hub) -> None:
    m = merchants_in(hub.region, "KH")[0]
    in_dollars = encode(
        "khqr", account_id=m.proxy, merchant_id=m.id, merchant_name=m.name, currency="USD"
    )
    with pytest.raises(InputInvalid) as refused:
        _resolve(hub, "KH", in_dollars)
    assert refused.value.reason == "qr_currency_not_settled"


def _quote_to_receive(hub: Hub, debtor: Customer, payee: Resolution) -> Quote:
    """A quote fixed to receive exactly what the resolved code adds up to."""
    assert payee.qr is not None and payee.qr.amount is not None
    request = QuoteRequest(
        source_country=debtor.country,
        source_currency=hub.addressing.country(debtor.country).currency,
        destination_country=payee.country,
        destination_currency=payee.qr.currency,
        amount_currency=payee.qr.currency,
        amount=payee.qr.amount.format(),
    )
    quote: Quote = run(hub.quoting.quote(request, psp_of(debtor)))[0]
    return quote


def _promptpay_with(m: Merchant, amount: str | None, **tip: object) -> str:
    fields: dict[str, object] = {
        "national_id": m.proxy,
        "merchant_name": m.name,
        "merchant_city": m.city,
        "mcc": m.mcc,
        **tip,
    }
    if amount is not None:
        fields["amount"] = amount
    return encode("promptpay", **fields)


def test_a_dynamic_code_with_a_fixed_fee_pays_the_merchant_amount_and_fee(hub: Hub) -> None:
    m = _thai_merchant(hub)
    payee = hub.addressing.resolve(
        "TH", "QR", _promptpay_with(m, "500.00", convenience_fee="12.50"), now=hub.clock.now()
    )
    assert payee.qr is not None
    assert payee.qr.merchant_amount == parse_amount("500.00", "THB")
    assert payee.qr.convenience_fee == parse_amount("12.50", "THB")
    assert payee.qr.amount == parse_amount("512.50", "THB")
    debtor = richest(hub, "SG")
    payment = _pay(hub, debtor, _quote_to_receive(hub, debtor, payee), payee)
    assert payment.status is PaymentStatus.SETTLED, payment
    assert payment.amount_credited == parse_amount("512.50", "THB")
    assert _net(hub, _merchant_account(m)) == 51_250
    assert_ledgers_balance(hub)


def test_a_static_code_with_a_percentage_fee_pays_the_payers_amount_and_the_rounded_fee(
    hub: Hub,
) -> None:
    m = _thai_merchant(hub)
    code = _promptpay_with(m, None, convenience_fee_percentage="2.5")
    payee = hub.addressing.resolve("TH", "QR", code, now=hub.clock.now(), amount="333.33")
    assert payee.qr is not None and payee.qr.initiation is Initiation.STATIC
    # 2.5 % of 333.33 is 8.33325, rounded down.
    assert payee.qr.convenience_fee == parse_amount("8.33", "THB")
    assert payee.qr.amount == parse_amount("341.66", "THB")
    debtor = richest(hub, "MY")
    payment = _pay(hub, debtor, _quote_to_receive(hub, debtor, payee), payee)
    assert payment.status is PaymentStatus.SETTLED, payment
    assert _net(hub, _merchant_account(m)) == 34_166
    assert_ledgers_balance(hub)


def test_a_tip_on_a_code_that_asks_for_one_reaches_the_merchant(hub: Hub) -> None:
    m = _thai_merchant(hub)
    code = _promptpay_with(m, "80.00", tip_prompt=True)
    payee = hub.addressing.resolve("TH", "QR", code, now=hub.clock.now(), tip="20")
    assert payee.qr is not None and payee.qr.tip_prompted
    assert payee.qr.merchant_amount == parse_amount("80.00", "THB")
    assert payee.qr.tip == parse_amount("20.00", "THB") and payee.qr.convenience_fee is None
    assert payee.qr.amount == parse_amount("100.00", "THB")
    debtor = richest(hub, "SG")
    payment = _pay(hub, debtor, _quote_to_receive(hub, debtor, payee), payee)
    assert payment.status is PaymentStatus.SETTLED, payment
    assert _net(hub, _merchant_account(m)) == 10_000
    assert_ledgers_balance(hub)


def test_a_tip_on_a_code_that_does_not_ask_for_one_is_refused_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    hub = open_hub(tmp_path / "hub.db")
    try:
        m = _thai_merchant(hub)
        before = accounts_snapshot(tmp_path / "hub.db")
        for code in (
            _promptpay_with(m, "80.00"),
            _promptpay_with(m, "80.00", convenience_fee="1.00"),
            m.qr,
        ):
            with pytest.raises(InputInvalid) as refused:
                hub.addressing.resolve("TH", "QR", code, now=hub.clock.now(), tip="5.00")
            assert refused.value.reason == "qr_tip_not_prompted"
        assert accounts_snapshot(tmp_path / "hub.db") == before
        assert table_count(tmp_path / "hub.db", "payments") == 0
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_a_tip_or_amount_for_another_address_type_is_refused(hub: Hub) -> None:
    m = _thai_merchant(hub)
    with pytest.raises(InputInvalid) as refused:
        hub.addressing.resolve("TH", "BUSINESS_ID", m.proxy, tip="1.00")
    assert refused.value.reason == "tip_without_a_qr_code"


@pytest.mark.parametrize("country", ["BN", "MM", "IN"])
def test_a_sandbox_template_code_is_unknown_to_the_codec_yet_paid_by_its_guid(
    hub: Hub, country: str
) -> None:
    m = merchants_in(hub.region, country)[3]
    qr = decode(m.qr, strict=True)
    assert qr.valid and [a.scheme for a in qr.accounts] == [Scheme.UNKNOWN]
    assert qr.payable_proxy() is None
    payee = _resolve(hub, country, m.qr)
    assert (payee.holder.agent, payee.holder.account) == (m.psp, m.account)
    assert payee.qr is not None and payee.qr.scheme is Scheme.UNKNOWN
    debtor = richest(hub, "SG")
    quote = get_quote(hub, debtor, country, "15.00")
    payment = _pay(hub, debtor, quote, payee)
    assert payment.status is PaymentStatus.SETTLED, payment
    assert _net(hub, _merchant_account(m)) == quote.disclosure.amount_credited.minor > 0
    assert_ledgers_balance(hub)


def test_a_template_whose_guid_no_directory_registers_is_not_payable(hub: Hub) -> None:
    code = encode("template", country="BN", guid="COM.EXAMPLE.NOBODY", sub02="BNM00019740")
    with pytest.raises(InputInvalid) as refused:
        _resolve(hub, "BN", code)
    assert refused.value.reason == "qr_not_payable"
    assert "COM.EXAMPLE.NOBODY" in refused.value.message


# -- the hub holds a QR payment to what its code asks --------------------------------------


def _quote_thb(hub: Hub, debtor: Customer, amount: str) -> Quote:
    """A quote from ``debtor``'s country fixed to credit ``amount`` THB."""
    request = QuoteRequest(
        source_country=debtor.country,
        source_currency=hub.addressing.country(debtor.country).currency,
        destination_country="TH",
        destination_currency="THB",
        amount_currency="THB",
        amount=amount,
    )
    quote: Quote = run(hub.quoting.quote(request, psp_of(debtor)))[0]
    return quote


def test_a_quote_for_another_amount_than_a_dynamic_code_asks_is_refused_with_am09(
    hub: Hub, tmp_path: Path
) -> None:
    # The ``hub`` fixture's store is tmp_path / "hub.db".
    m = _thai_merchant(hub)
    payee = _resolve(hub, "TH", _promptpay_with(m, "500.00", convenience_fee="12.50"))
    debtor = richest(hub, "SG")
    before = accounts_snapshot(tmp_path / "hub.db")
    # The merchant amount without the fee, and a cent more than the total: both refused.
    for credited in ("500.00", "512.51"):
        with pytest.raises(Refused) as refused:
            _pay(hub, debtor, _quote_thb(hub, debtor, credited), payee)
        assert refused.value.reason == "qr_amount_not_quoted"
        assert refused.value.code is ReasonCode.AM09
        assert "512.50" in refused.value.message
    assert accounts_snapshot(tmp_path / "hub.db") == before
    assert table_count(tmp_path / "hub.db", "payments") == 0
    payment = _pay(hub, debtor, _quote_thb(hub, debtor, "512.50"), payee)
    assert payment.status is PaymentStatus.SETTLED, payment
    assert _net(hub, _merchant_account(m)) == 51_250
    assert_ledgers_balance(hub)


def test_a_code_that_asks_for_a_tip_takes_any_amount_above_its_total_and_nothing_below(
    hub: Hub,
) -> None:
    m = _thai_merchant(hub)
    payee = _resolve(hub, "TH", _promptpay_with(m, "80.00", tip_prompt=True))
    debtor = richest(hub, "SG")
    with pytest.raises(Refused) as refused:
        _pay(hub, debtor, _quote_thb(hub, debtor, "79.99"), payee)
    assert refused.value.reason == "qr_amount_not_quoted"
    assert "plus any tip" in refused.value.message
    payment = _pay(hub, debtor, _quote_thb(hub, debtor, "95.00"), payee)
    assert payment.status is PaymentStatus.SETTLED, payment
    assert _net(hub, _merchant_account(m)) == 9_500
    assert_ledgers_balance(hub)


def test_a_qr_payment_to_another_account_than_the_codes_merchant_is_refused(
    hub: Hub, tmp_path: Path
) -> None:
    # The ``hub`` fixture's store is tmp_path / "hub.db".
    m = _thai_merchant(hub)
    payee = _resolve(hub, "TH", m.qr)
    someone_else = richest(hub, "TH")
    debtor = richest(hub, "SG")
    before = accounts_snapshot(tmp_path / "hub.db")
    with pytest.raises(Refused) as refused:
        _pay(
            hub,
            debtor,
            get_quote(hub, debtor, "TH", "20.00"),
            payee,
            creditor=PartyInput(someone_else.name_latin, someone_else.account, someone_else.psp_id),
        )
    assert refused.value.reason == "creditor_is_not_the_qr_merchant"
    assert refused.value.code is ReasonCode.AC01
    assert accounts_snapshot(tmp_path / "hub.db") == before
    assert table_count(tmp_path / "hub.db", "payments") == 0
    assert_ledgers_balance(hub)


def test_a_code_that_expired_between_resolving_and_paying_is_refused_at_payment(
    tmp_path: Path,
) -> None:
    clock = FixedClock(NOW)
    hub = open_hub(tmp_path / "hub.db", clock=clock)
    try:
        m = merchants_in(hub.region, "KH")[0]
        code = _khqr(m, NOW - timedelta(minutes=1), NOW + timedelta(minutes=1))
        payee = _resolve(hub, "KH", code)
        assert payee.qr is not None and payee.qr.amount is not None
        debtor = richest(hub, "SG")
        request = QuoteRequest("SG", "SGD", "KH", "KHR", "KHR", payee.qr.amount.format())
        quote = run(hub.quoting.quote(request, psp_of(debtor)))[0]
        clock.advance(120)
        with pytest.raises(Refused) as refused:
            _pay(hub, debtor, quote, payee)
        assert refused.value.reason == "qr_expired"
        assert refused.value.field == "merchantQr"
        assert table_count(tmp_path / "hub.db", "payments") == 0
        assert_ledgers_balance(hub)
    finally:
        hub.close()
