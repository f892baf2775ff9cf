"""The chart of accounts and how a payment becomes ledger transfers.

One ledger per IPS (each IPS settles in one currency). On each ledger:

- ``CUSTOMER`` accounts (debits must not exceed credits: a customer cannot go negative);
- ``FXP`` accounts: each FXP's liquidity at the country's SAP (same flag);
- ``PSP_FEE`` and ``SCHEME_FEE`` accounts that collect fees;
- one ``ISSUANCE`` account that funds opening balances, so that money enters a ledger by a
  transfer too and the ledger balances from the first moment.

A payment is two legs, each on its own ledger (source IPS, destination IPS)::

    source ledger:      debtor --principal--> FXP@source SAP
                        debtor --source fee-> source PSP fee account
                        debtor --scheme fee-> scheme fee account
    destination ledger: FXP@destination SAP --amount credited--> creditor
                        FXP@destination SAP --destination fee--> destination PSP fee account

Each leg is reserved as pending transfers (a linked chain), then both legs are posted, or both
voided. Transfer ids derive from the UETR, so a retried step can never apply twice.

A payment's transfer ids also start with the millisecond it was accepted (``transfer_id``):
as TigerBeetle advises for its own ids, ids that grow with time keep every index of the
store appending at its end, where a random 128-bit id lands each insert on another page.
Measured on the SQLite store (300,000 transfer rows in batches of 500): 24.5 us of CPU per
row with time-ordered ids against 43.6 us with random ones, and the gap widens as the table
outgrows the page cache.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Final

from lintas.domain.ledger import Transfer, TransferFlags, new_transfer
from lintas.domain.payment import Payment

#: How long reserved legs may wait for their post before the ledger voids them.
PAYMENT_TIMEOUT_S_DEFAULT: Final = 60


class AccountCode(IntEnum):
    """What kind of account an account is (TigerBeetle's ``code``)."""

    CUSTOMER = 1
    FXP = 2
    PSP_FEE = 3
    SCHEME_FEE = 4
    ISSUANCE = 9


class TransferCode(IntEnum):
    """Why money moved (TigerBeetle's ``code`` on a transfer)."""

    FUNDING = 1
    PRINCIPAL = 10
    SOURCE_PSP_FEE = 11
    SCHEME_FEE = 12
    CREDIT = 20
    DESTINATION_PSP_FEE = 21


def ledger_id(country: str) -> int:
    """The ledger of a country's IPS: the two letters as a number (stable, no table needed)."""
    assert len(country) == 2 and country.isalpha() and country.isupper(), country
    return ord(country[0]) * 256 + ord(country[1])


#: Bits of a transfer id below its millisecond prefix (a digest of what the transfer is).
_DIGEST_BITS: Final = 80
#: Milliseconds fit 48 bits until the year 10889, so an id stays within 128 bits.
_MILLIS_MAX: Final = (1 << (128 - _DIGEST_BITS)) - 1
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND: Final = timedelta(milliseconds=1)


def transfer_id(at_ms: int, *parts: str) -> int:
    """A transfer id: ``at_ms`` (milliseconds since the epoch) in the top 48 bits, then 80
    bits of a digest of ``parts``. Never 0: ``at_ms`` is positive."""
    assert 0 < at_ms <= _MILLIS_MAX, at_ms
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=_DIGEST_BITS // 8).digest()
    return (at_ms << _DIGEST_BITS) | int.from_bytes(digest, "big")


def accepted_ms(payment: Payment) -> int:
    """The millisecond ``payment`` was accepted, as its transfer ids start (exact: no float)."""
    return (payment.created_at - _EPOCH) // _MILLISECOND


def transfer_id_span(payment: Payment) -> tuple[int, int]:
    """``[low, high)``: every transfer ``payment`` makes (pending, post, void) has an id in
    it, since each starts with the millisecond the payment was accepted (``transfer_id``).

    Why: a store finds a payment's transfers by this range of its primary key, with no index
    on the UETR. That index took a random-key insert per transfer, measured as more than half
    of the SQLite cost of writing one (10.7 against 4.5 us of CPU per row, ``bench``).
    Other transfers may fall in the range (other payments of the same millisecond): filter
    on ``user_data``.
    """
    at_ms = accepted_ms(payment)
    return at_ms << _DIGEST_BITS, (at_ms + 1) << _DIGEST_BITS


def _id(*parts: str) -> int:
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()
    value = int.from_bytes(digest, "big")
    # Zero is reserved by the ledger; the chance is 2**-128, but say so rather than hope.
    return value or 1


#: Account ids remembered per kind at most. Every payment derives five to seven account ids
#: (two blake2b digests each ~1 us plus the joins); the sandbox has about 11,000 accounts, a
#: real hub's hot set is its FXPs, PSPs and active customers. Beyond the bound the least
#: recently used id is recomputed, never wrong.
ACCOUNT_IDS_CACHED_MAX: Final = 65_536


@functools.lru_cache(maxsize=ACCOUNT_IDS_CACHED_MAX)
def customer_account_id(country: str, agent: str, account: str) -> int:
    """The ledger account of a customer's domestic account at ``agent``."""
    return _id("customer", country, agent, account)


#: Bits of a ledger's own account id below its ledger (``_ledger_account_id``).
_LEDGER_ACCOUNT_DIGEST_BITS: Final = 112


def _ledger_account_id(country: str, *parts: str) -> int:
    """The id of one of a ledger's own accounts (an FXP's liquidity, fees, issuance): the
    ledger in the top 16 bits, then a digest of ``parts``.

    Why: every payment touches five of them (the FXP on both ledgers, two PSP fee accounts,
    the scheme fee), a few dozen accounts in all, while its two customers are among
    thousands. The store keeps accounts in id order and a commit writes every page it
    touched whole; with random ids those few accounts were spread over as many pages as
    the customers. With the ledger first, each ledger's own accounts are neighbours.
    """
    digest = hashlib.blake2b(
        "\x1f".join(parts).encode(), digest_size=_LEDGER_ACCOUNT_DIGEST_BITS // 8
    ).digest()
    return (ledger_id(country) << _LEDGER_ACCOUNT_DIGEST_BITS) | int.from_bytes(digest, "big")


@functools.lru_cache(maxsize=ACCOUNT_IDS_CACHED_MAX)
def fxp_account_id(fxp: str, country: str) -> int:
    """An FXP's liquidity account at ``country``'s SAP."""
    return _ledger_account_id(country, "fxp", fxp, country)


@functools.lru_cache(maxsize=ACCOUNT_IDS_CACHED_MAX)
def psp_fee_account_id(psp: str, country: str) -> int:
    """Where a PSP's fees collect."""
    return _ledger_account_id(country, "psp-fee", psp, country)


@functools.lru_cache(maxsize=ACCOUNT_IDS_CACHED_MAX)
def scheme_fee_account_id(country: str) -> int:
    """Where the hub's scheme fees collect, per ledger."""
    return _ledger_account_id(country, "scheme-fee", country)


def issuance_account_id(country: str) -> int:
    """The account that funds opening balances on ``country``'s ledger."""
    return _ledger_account_id(country, "issuance", country)


#: The "millisecond" of every funding transfer's id: the first after the epoch, before any
#: payment, so funding ids sort below every payment's. The ledger answers an id above the
#: largest it evicted without reading the store (``Ledger.evict``): digest-like funding ids,
#: evicted first, would have put that horizon above every new payment's id.
_FUNDING_MS: Final = 1


def funding_transfer_id(account_id: int) -> int:
    """The id of the transfer that funded ``account_id``'s opening balance (the same on every
    seeding, so a seeding run again after a crash creates nothing twice)."""
    return transfer_id(_FUNDING_MS, "funding", str(account_id))


@dataclass(frozen=True, slots=True)
class PaymentLegs:
    """The pending transfers of both legs, and how to post or void them."""

    source: tuple[Transfer, ...]
    destination: tuple[Transfer, ...]

    @property
    def pending(self) -> tuple[Transfer, ...]:
        """Both legs' pending transfers, in order."""
        return self.source + self.destination

    def reserve_chain(self) -> list[Transfer]:
        """Both legs as one linked chain: reserved together or not at all."""
        pending = self.pending
        last = len(pending) - 1
        return [
            new_transfer(
                t.id,
                t.debit_account_id,
                t.credit_account_id,
                t.amount,
                t.ledger,
                t.code,
                _PENDING_LINKED if i < last else _PENDING,
                0,
                t.timeout_s,
                t.user_data,
                0,
            )
            for i, t in enumerate(pending)
        ]

    def post_chain(self) -> list[Transfer]:
        """Post every pending transfer, as one chain."""
        pending = self.pending
        last = len(pending) - 1
        return [
            _resolve(t, _POST_LINKED if i < last else _POST, "post") for i, t in enumerate(pending)
        ]

    def voids(self) -> list[Transfer]:
        """Void every pending transfer, each on its own: one that already expired must not
        stop the others from being released."""
        return [_resolve(t, _VOID, "void") for t in self.pending]


# Every transfer a payment makes is built once with its final flags (the members of a chain
# but the last are LINKED), with ``new_transfer``: a frozen dataclass's ``__init__`` costs a
# few microseconds per transfer and ``TransferFlags`` arithmetic about one more, and a payment
# makes ten to fifteen transfers. The ledger checks every field of every transfer it is given,
# so nothing here is trusted beyond what ``Transfer()`` would have been.
_PENDING: Final = TransferFlags.PENDING
_PENDING_LINKED: Final = TransferFlags.PENDING | TransferFlags.LINKED
_POST: Final = TransferFlags.POST_PENDING_TRANSFER
_POST_LINKED: Final = TransferFlags.POST_PENDING_TRANSFER | TransferFlags.LINKED
_VOID: Final = TransferFlags.VOID_PENDING_TRANSFER


def _resolve(pending: Transfer, flags: TransferFlags, verb: str) -> Transfer:
    # The post or void keeps its pending transfer's millisecond: it lands beside it.
    return new_transfer(
        transfer_id(pending.id >> _DIGEST_BITS, verb, str(pending.id)),
        pending.debit_account_id,
        pending.credit_account_id,
        pending.amount,
        pending.ledger,
        pending.code,
        flags,
        pending.id,
        0,
        pending.user_data,
        0,
    )


#: ``str(code)`` of every transfer code, as the pending ids hash it (computed once).
_CODE_TEXT: Final[dict[TransferCode, str]] = {code: str(code) for code in TransferCode}
assert _CODE_TEXT[TransferCode.PRINCIPAL] == "10", "pending ids hash the code's digits"


def payment_legs(payment: Payment, timeout_s: int = PAYMENT_TIMEOUT_S_DEFAULT) -> PaymentLegs:
    """The pending transfers that settle ``payment`` (fees of zero are left out)."""
    src, dst = payment.source_country, payment.destination_country
    src_ledger, dst_ledger = ledger_id(src), ledger_id(dst)
    debtor = customer_account_id(src, payment.debtor.agent, payment.debtor.account)
    creditor = customer_account_id(dst, payment.creditor.agent, payment.creditor.account)
    uetr = payment.uetr
    at_ms = accepted_ms(payment)

    def pending(debit: int, credit: int, amount: int, ledger: int, code: TransferCode) -> Transfer:
        return new_transfer(
            transfer_id(at_ms, "pending", uetr, _CODE_TEXT[code]),
            debit,
            credit,
            amount,
            ledger,
            int(code),
            _PENDING,
            0,
            timeout_s,
            uetr,
            0,
        )

    source = [
        pending(
            debtor,
            fxp_account_id(payment.fxp_id, src),
            payment.principal.minor,
            src_ledger,
            TransferCode.PRINCIPAL,
        )
    ]
    if payment.source_psp_fee.minor:
        source.append(
            pending(
                debtor,
                psp_fee_account_id(payment.debtor.agent, src),
                payment.source_psp_fee.minor,
                src_ledger,
                TransferCode.SOURCE_PSP_FEE,
            )
        )
    if payment.scheme_fee.minor:
        source.append(
            pending(
                debtor,
                scheme_fee_account_id(src),
                payment.scheme_fee.minor,
                src_ledger,
                TransferCode.SCHEME_FEE,
            )
        )
    destination = [
        pending(
            fxp_account_id(payment.fxp_id, dst),
            creditor,
            payment.amount_credited.minor,
            dst_ledger,
            TransferCode.CREDIT,
        )
    ]
    if payment.destination_psp_fee.minor:
        destination.append(
            pending(
                fxp_account_id(payment.fxp_id, dst),
                psp_fee_account_id(payment.creditor.agent, dst),
                payment.destination_psp_fee.minor,
                dst_ledger,
                TransferCode.DESTINATION_PSP_FEE,
            )
        )
    return PaymentLegs(source=tuple(source), destination=tuple(destination))
