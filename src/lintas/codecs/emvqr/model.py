"""The typed result of decoding an EMVCo merchant-presented QR code.

Address types returned by ``payable_proxy()`` (one per scheme template):

==========  ===========================================  =========================
scheme      template content                             (address type, value)
==========  ===========================================  =========================
promptpay   29/01 mobile ``0066812345678``               MOBILE, ``+66812345678``
promptpay   29/02 13-digit id, first digit not 0         NATIONAL_ID, id
promptpay   29/02 13-digit id starting 0 (juristic tax)  BUSINESS_ID, id
promptpay   29/03 e-wallet id                            EWALLET, id
promptpay   29/04 bank account                           ACCOUNT, account
promptpay   30 bill payment biller id                    MERCHANT_ID, biller id
paynow      proxy type 0 (mobile)                        MOBILE, ``+6591234567``
paynow      proxy type 2 (UEN)                           UEN, UEN
duitnow     02 merchant/account id                       MERCHANT_ID, id
qris        51 national template NMID                    MERCHANT_ID, NMID
qris        26-45 acquirer template merchant PAN         MERCHANT_ID, PAN
vietqr      QRIBFTTA / QRIBFTTC                          ACCOUNT, ``BIN:account``
vietqr      QRPUSH (merchant)                            MERCHANT_ID, ``BIN:id``
vnpay       01 merchant id                               MERCHANT_ID, id
qrph        p2m merchant id                              MERCHANT_ID, id
qrph        p2p account (else mobile)                    ACCOUNT ``BIC:account``
                                                         (MOBILE ``+63...``)
khqr        Bakong account id ``name@bank``              EWALLET, id
laoqr       merchant/account id                          MERCHANT_ID, id
sgqr        identity only                                (none)
unknown     kept, shown (tag, GUID, raw sub-tags)        (none)
==========  ===========================================  =========================

When a code carries several templates, the domestic IPS proxy wins over acquirer and
wallet templates (``proxy_rank``), then the lowest tag.

The types are frozen ``msgspec.Struct``s rather than frozen dataclasses: a decode builds
several of them, and a frozen dataclass's ``__init__`` (one ``object.__setattr__`` per
field) cost more than the whole TLV parse; a Struct is built in C, about ten times faster,
and is just as immutable, comparable and hashable. ``gc=False``: they hold no cycles.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec

from lintas.domain.money import Money


class Scheme(StrEnum):
    """The scheme a merchant-account template belongs to (JSON ``accounts[].scheme``)."""

    PROMPTPAY = "promptpay"
    PAYNOW = "paynow"
    SGQR = "sgqr"
    DUITNOW = "duitnow"
    QRIS = "qris"
    VIETQR = "vietqr"
    VNPAY = "vnpay"
    QRPH = "qrph"
    KHQR = "khqr"
    LAOQR = "laoqr"
    #: A template no profile reads (a card network, an acquirer, the sandbox's template for
    #: BN, MM and IN): kept and shown with its tag, GUID and raw sub-tags.
    UNKNOWN = "unknown"


class AddressType(StrEnum):
    """The proxy kinds the addressing service resolves."""

    MOBILE = "MOBILE"
    NATIONAL_ID = "NATIONAL_ID"
    BUSINESS_ID = "BUSINESS_ID"
    EWALLET = "EWALLET"
    ACCOUNT = "ACCOUNT"
    UEN = "UEN"
    MERCHANT_ID = "MERCHANT_ID"


class Initiation(StrEnum):
    """Tag 01: a static code is reused, a dynamic one is made for one payment."""

    STATIC = "static"
    DYNAMIC = "dynamic"


class QrIssue(msgspec.Struct, frozen=True, gc=False):
    """One error or warning, with a stable sentence-like code."""

    code: str
    message: str


class MerchantAccount(msgspec.Struct, frozen=True, gc=False):
    """One merchant-account template (IDs 02-51), or a scheme template in 80-99.

    ``fields`` holds the scheme's typed reading (by name) and ``subtags`` the raw
    sub-tags, so nothing the code carried is dropped.
    """

    scheme: Scheme
    tag: str
    guid: str
    subtags: tuple[tuple[str, str], ...]
    fields: tuple[tuple[str, str | bool | None], ...] = ()
    proxy: tuple[AddressType, str] | None = None
    #: 0 for a domestic IPS proxy, 1 for acquirer/wallet templates; see module doc.
    proxy_rank: int = 9
    expires_at: datetime | None = None
    created_at: datetime | None = None

    def field(self, name: str) -> str | bool | None:
        """The typed field ``name`` (``None`` when absent)."""
        for key, value in self.fields:
            if key == name:
                return value
        return None


class Merchant(msgspec.Struct, frozen=True, gc=False):
    """Tags 52, 59, 60, 61 and the alternate-language template 64."""

    name: str | None = None
    city: str | None = None
    mcc: str | None = None
    postal_code: str | None = None
    language: str | None = None
    name_alternate: str | None = None
    city_alternate: str | None = None


class Tip(msgspec.Struct, frozen=True, gc=False):
    """Tags 55-57: how a tip or convenience fee is added to the amount.

    ``indicator`` is tag 55: ``01`` the payer is prompted for a tip, ``02`` a fixed
    convenience fee (``fixed_fee``, tag 56), ``03`` a percentage fee (``percentage``, tag
    57, as written: ``"3.5"``). What the payer then pays is the addressing service's rule.
    """

    indicator: str
    fixed_fee: Money | None = None
    percentage: str | None = None

    @property
    def prompts_for_tip(self) -> bool:
        """Whether the payer is asked for a tip (55 = 01)."""
        return self.indicator == "01"

    def percentage_hundredths(self) -> int | None:
        """Tag 57 in hundredths of a percent (``"3.5"`` -> 350), or None without one.

        Only for a code the decoder found valid: it has checked the percentage's form.
        """
        if self.percentage is None:
            return None
        units, _, fraction = self.percentage.partition(".")
        return int(units) * 100 + int(fraction.ljust(2, "0"))


class AdditionalData(msgspec.Struct, frozen=True, gc=False):
    """Tag 62 and its sub-tags (01-11 named, the rest kept by id)."""

    bill_number: str | None = None
    mobile_number: str | None = None
    store_label: str | None = None
    loyalty_number: str | None = None
    reference_label: str | None = None
    customer_label: str | None = None
    terminal_label: str | None = None
    purpose: str | None = None
    consumer_data_request: str | None = None
    merchant_tax_id: str | None = None
    merchant_channel: str | None = None
    other: tuple[tuple[str, str], ...] = ()


class DecodedQr(msgspec.Struct, frozen=True, gc=False):
    """What a payload says, whether it can be paid, and why not."""

    valid: bool
    errors: tuple[QrIssue, ...]
    warnings: tuple[QrIssue, ...]
    payload: str
    payload_format: str | None = None
    initiation: Initiation | None = None
    country: str | None = None
    currency: str | None = None
    amount: Money | None = None
    tip: Tip | None = None
    merchant: Merchant = msgspec.field(default_factory=Merchant)
    accounts: tuple[MerchantAccount, ...] = ()
    additional_data: AdditionalData | None = None
    #: Templates 80-99 (unreserved), each read by a profile when one claims it
    #: (KHQR tag 99 timestamps) or kept as ``unknown`` with its raw sub-tags.
    unreserved: tuple[MerchantAccount, ...] = ()
    #: Tag 64: the merchant's name and city in another language.
    language: tuple[tuple[str, str], ...] = ()
    #: Data objects in ranges EMVCo reserves for future use (65-79), kept raw.
    reserved: tuple[tuple[str, str], ...] = ()
    crc: str | None = None
    expires_at: datetime | None = None
    created_at: datetime | None = None

    def payable_proxy(self) -> tuple[AddressType, str] | None:
        """The proxy to resolve to pay this code, or ``None`` (see the module table)."""
        if not self.valid:
            return None
        best: MerchantAccount | None = None
        for account in self.accounts:
            if account.proxy is None:
                continue
            if best is None or account.proxy_rank < best.proxy_rank:
                best = account
        return None if best is None else best.proxy

    def account(self, scheme: Scheme) -> MerchantAccount | None:
        """The first template of ``scheme``."""
        for acc in self.accounts:
            if acc.scheme is scheme:
                return acc
        return None
