"""The JSON shapes of the HTTP API (camelCase), as msgspec structs.

Request structs are strict: unknown fields and wrong types are refused with the path of the
offending field. Amounts are decimal strings, never JSON numbers.
"""

from __future__ import annotations

import msgspec


class Amount(msgspec.Struct, rename="camel", frozen=True):
    """An exact amount: a decimal string with the currency's decimals, and the currency."""

    amount: str
    currency: str


class AddressTypeOut(msgspec.Struct, rename="camel", frozen=True):
    """An address type a country accepts, with the pattern its normalised value matches."""

    code: str
    label: str
    pattern: str
    example: str


class IpsOut(msgspec.Struct, rename="camel", frozen=True):
    """A country's instant payment system."""

    id: str
    name: str
    currency: str
    amount_max: Amount


class AgentOut(msgspec.Struct, rename="camel", frozen=True):
    """A PSP or SAP."""

    id: str
    name: str
    kind: str


class CountryOut(msgspec.Struct, rename="camel", frozen=True):
    """A connected country."""

    code: str
    name: str
    currency: str
    ips: IpsOut
    psps: list[AgentOut]
    sap: AgentOut
    address_types: list[AddressTypeOut]


class DisclosureOut(msgspec.Struct, rename="camel", frozen=True):
    """What the sender must see before approving."""

    amount_debited: Amount
    principal: Amount
    source_psp_fee: Amount
    scheme_fee: Amount
    interbank_target: Amount
    destination_psp_fee: Amount
    amount_credited: Amount
    exchange_rate: str
    effective_rate: str


class QuoteOut(msgspec.Struct, rename="camel", frozen=True):
    """One FXP's quote."""

    quote_id: str
    fxp: str
    source_currency: str
    target_currency: str
    amount_type: str
    exchange_rate: str
    created_at: str
    expires_at: str
    disclosure: DisclosureOut


class QuotesOut(msgspec.Struct, rename="camel", frozen=True):
    """Every FXP's quote, best first."""

    quotes: list[QuoteOut]


class ResolveIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True):
    """A proxy or account to resolve in a country."""

    country: str
    address_type: str
    value: str
    #: The payee name the sender expects; when given, the answer carries a verification.
    expected_name: str | None = None
    #: QR only: for a code without an amount, what the payer enters (a decimal string in
    #: the code's currency); the answer then gives the fee and the total.
    amount: str | None = None
    #: QR only: the tip the payer adds, in the code's currency, for a code that asks for one.
    tip: str | None = None


class QrOut(msgspec.Struct, rename="camel", frozen=True):
    """What a resolved merchant QR code says and what the payer pays, in ``currency``:
    ``amount`` = ``merchantAmount`` + ``convenienceFee`` + ``tip`` (decimal strings)."""

    #: The scheme of the template that was paid: promptpay, paynow, duitnow, qris ...
    #: (``unknown`` for a template the directory knows by its GUID).
    scheme: str
    #: ``static`` (reused at the counter) or ``dynamic`` (made for one payment).
    initiation: str
    #: What the merchant receives in all: quote it fixed to receive. Null while the
    #: merchant amount is not known (a code without one and no ``amount`` asked).
    amount: str | None
    currency: str
    merchant_name: str | None
    merchant_city: str | None
    mcc: str | None
    #: When the code stops being payable (ISO 8601), for schemes that carry an expiry.
    expires_at: str | None
    #: The code's amount, or the payer's ``amount``; null when neither.
    merchant_amount: str | None = None
    #: The convenience fee the code adds (fixed, or its percentage of the merchant amount
    #: rounded down); null without one, or for a percentage while the amount is not known.
    convenience_fee: str | None = None
    #: The fee's percentage as printed on the code (``"3.5"``), else null.
    convenience_fee_percentage: str | None = None
    #: The tip the payer adds; null without one.
    tip: str | None = None
    #: Whether the code asks the payer for a tip (only then is ``tip`` accepted).
    tip_prompted: bool = False


class ResolveOut(msgspec.Struct, rename="camel", frozen=True):
    """Where a proxy leads. The full name stays with the hub (screening); this is masked."""

    country: str
    address_type: str
    value: str
    account: str
    agent: str
    agent_name: str
    display_name: str
    #: Payee verification of ``expectedName``: MTCH, CMTC, NMTC or NOAP (None when not asked).
    verification: str | None = None
    #: On CMTC, the registered name masked as the destination allows (else None).
    verification_name: str | None = None
    #: For ``addressType`` QR: the code's amount, merchant and scheme (else None).
    qr: QrOut | None = None


class PartyIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True):
    """A debtor or creditor."""

    name: str
    account: str
    agent: str


class ProxyIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True):
    """How the sender addressed the creditor."""

    address_type: str
    value: str


class PaymentIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True):
    """A payment to execute against a quote. ``creditorProxy`` and ``merchantQr`` (optional)
    say how the creditor was addressed; scam signals on them are checked too."""

    uetr: str
    quote_id: str
    debtor: PartyIn
    creditor: PartyIn
    creditor_proxy: ProxyIn | None = None
    merchant_qr: str | None = None


class PartyOut(msgspec.Struct, rename="camel", frozen=True):
    """A debtor or creditor as recorded."""

    name: str
    account: str
    agent: str


class PaymentOut(msgspec.Struct, rename="camel", frozen=True):
    """A payment and where it is: ``status`` is the ISO 20022 code (ACCC, RJCT ...)."""

    uetr: str
    status: str
    state: str
    reason: str | None
    reason_text: str | None
    quote_id: str
    fxp: str
    source_country: str
    destination_country: str
    debtor: PartyOut
    creditor: PartyOut
    amount_debited: Amount
    amount_credited: Amount
    principal: Amount
    source_psp_fee: Amount
    scheme_fee: Amount
    destination_psp_fee: Amount
    interbank_target: Amount
    exchange_rate: str
    created_at: str
    updated_at: str
    risk_reasons: list[str] = []


class PaymentsOut(msgspec.Struct, rename="camel", frozen=True):
    """Recent payments the caller may see."""

    payments: list[PaymentOut]


class TierIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True):
    """A size tier: at or above ``threshold`` (source currency) the rate improves by ``bps``."""

    threshold: str
    improvement_bps: int


class PspImprovementIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True):
    """A better rate for quotes requested by one PSP."""

    psp: str
    improvement_bps: int


class RateIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True):
    """One standing rate: units of target currency per unit of source currency."""

    source_currency: str
    target_currency: str
    rate: str
    tiers: list[TierIn] = []
    psp_improvements: list[PspImprovementIn] = []


class RatesIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True):
    """Rates an FXP posts."""

    rates: list[RateIn]


class RateOut(msgspec.Struct, rename="camel", frozen=True):
    """A standing rate as the hub holds it."""

    fxp: str
    source_currency: str
    target_currency: str
    rate: str
    posted_at: str


class RatesOut(msgspec.Struct, rename="camel", frozen=True):
    """Standing rates."""

    rates: list[RateOut]


class CustomerOut(msgspec.Struct, rename="camel", frozen=True):
    """A sandbox customer (fictional) to pay from or to."""

    id: str
    country: str
    name: str
    name_latin: str
    kind: str
    account: str
    agent: str
    proxies: list[dict[str, str]]
    opening_balance: Amount


class CustomersOut(msgspec.Struct, rename="camel", frozen=True):
    """Sample parties of a country."""

    customers: list[CustomerOut]


class MerchantOut(msgspec.Struct, rename="camel", frozen=True):
    """A sandbox merchant (fictional) and the static QR code printed at its counter."""

    id: str
    country: str
    name: str
    city: str
    mcc: str
    agent: str
    account: str
    #: The proxy its code carries, as the directory resolves it.
    address_type: str
    proxy: str
    #: The payload of the code: resolve it with ``addressType`` QR.
    qr: str


class MerchantsOut(msgspec.Struct, rename="camel", frozen=True):
    """Sample merchants of a country."""

    merchants: list[MerchantOut]


class KeyOut(msgspec.Struct, rename="camel", frozen=True):
    """A sandbox participant and its API key."""

    participant: str
    role: str
    country: str | None
    api_key: str


class KeysOut(msgspec.Struct, rename="camel", frozen=True):
    """Every sandbox key."""

    keys: list[KeyOut]


class LedgerOut(msgspec.Struct, rename="camel", frozen=True):
    """One ledger's reconciliation."""

    ledger: int
    country: str
    currency: str
    accounts: int
    debits_posted: str
    credits_posted: str
    debits_pending: str
    credits_pending: str
    flag_violations: int
    balanced: bool


class ReconciliationOut(msgspec.Struct, rename="camel", frozen=True):
    """Every ledger, checked from its accounts and from a replay of its transfers."""

    balanced: bool
    ledgers: list[LedgerOut]


class WriterOut(msgspec.Struct, rename="camel", frozen=True):
    """The store's writer since the hub started: how well group commit is batching."""

    batches: int
    commands: int
    transfers: int
    #: ``commands / batches`` (two decimals, as a string: never a float on the wire).
    commands_per_batch: str
    largest_batch: int
    transfers_evicted: int
    #: Commands waiting for the writer at this moment.
    commands_queued: int
    #: Checked checkpoints of the transfer log taken while running (a start after a crash
    #: replays only what came after the last), and checks that found a stored balance the
    #: log does not give (then none is kept, and the next start refuses to open).
    log_checkpoints: int
    log_checks_failed: int


class Problem(msgspec.Struct, rename="camel", omit_defaults=True, frozen=True):
    """An RFC 9457 problem: ``reason`` is stable, ``code`` the ISO 20022 reason code."""

    type: str
    title: str
    status: int
    detail: str
    reason: str
    code: str | None = None
    field: str | None = None
