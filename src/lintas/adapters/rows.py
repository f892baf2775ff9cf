"""How domain records become rows and back (JSON bodies via msgspec, ids as 16-byte blobs)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

import msgspec

from lintas.domain.errors import ReasonCode
from lintas.domain.fx import AmountType, Disclosure, Quote, SizeTier, StandingRate
from lintas.domain.ledger import (
    Account,
    AccountFields,
    AccountFlags,
    Transfer,
    TransferFields,
    TransferFlags,
)
from lintas.domain.money import CurrencyCode, Money
from lintas.domain.payment import Party, Payment, PaymentStatus

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def id_blob(value: int) -> bytes:
    """A 128-bit id as 16 big-endian bytes (SQLite integers stop at 64 bits)."""
    return value.to_bytes(16, "big")


def blob_id(value: bytes) -> int:
    """The inverse of ``id_blob``."""
    return int.from_bytes(value, "big")


def _money(m: Money) -> list[Any]:
    return [m.minor, m.currency]


def _unmoney(v: list[Any]) -> Money:
    return Money(int(v[0]), CurrencyCode(str(v[1])))


class _Breakdown(TypedDict):
    """The seven amounts a payment and its quote's disclosure both carry, by field name."""

    amount_debited: Money
    principal: Money
    source_psp_fee: Money
    scheme_fee: Money
    interbank_target: Money
    destination_psp_fee: Money
    amount_credited: Money


def _breakdown(x: Payment | Disclosure) -> dict[str, Any]:
    """The seven amounts as stored: payments and disclosures use the same keys and order."""
    return {
        "debited": _money(x.amount_debited),
        "principal": _money(x.principal),
        "srcFee": _money(x.source_psp_fee),
        "schemeFee": _money(x.scheme_fee),
        "interbank": _money(x.interbank_target),
        "dstFee": _money(x.destination_psp_fee),
        "credited": _money(x.amount_credited),
    }


def _unbreakdown(d: dict[str, Any]) -> _Breakdown:
    """The inverse of ``_breakdown``, as keyword arguments."""
    return _Breakdown(
        amount_debited=_unmoney(d["debited"]),
        principal=_unmoney(d["principal"]),
        source_psp_fee=_unmoney(d["srcFee"]),
        scheme_fee=_unmoney(d["schemeFee"]),
        interbank_target=_unmoney(d["interbank"]),
        destination_psp_fee=_unmoney(d["dstFee"]),
        amount_credited=_unmoney(d["credited"]),
    )


def payment_body(p: Payment) -> bytes:
    """The whole payment as JSON."""
    return _encoder.encode(
        {
            "uetr": p.uetr,
            "status": p.status.value,
            "reason": p.reason.value if p.reason else None,
            "reasonDetail": p.reason_detail,
            "quoteId": p.quote_id,
            "fxpId": p.fxp_id,
            "src": p.source_country,
            "dst": p.destination_country,
            "debtor": [p.debtor.name, p.debtor.account, p.debtor.agent],
            "creditor": [p.creditor.name, p.creditor.account, p.creditor.agent],
            **_breakdown(p),
            "rate": p.exchange_rate,
            "digest": p.request_digest,
            "created": p.created_at.isoformat(),
            "updated": p.updated_at.isoformat(),
            "risk": list(p.risk_reasons),
            "returnOf": p.return_of,
        }
    )


def payment_from_body(body: bytes) -> Payment:
    """The inverse of ``payment_body``."""
    d = _decoder.decode(body)
    return Payment(
        uetr=d["uetr"],
        status=PaymentStatus(d["status"]),
        reason=ReasonCode(d["reason"]) if d["reason"] else None,
        reason_detail=d["reasonDetail"],
        quote_id=d["quoteId"],
        fxp_id=d["fxpId"],
        source_country=d["src"],
        destination_country=d["dst"],
        debtor=Party(*d["debtor"]),
        creditor=Party(*d["creditor"]),
        **_unbreakdown(d),
        exchange_rate=d["rate"],
        request_digest=d["digest"],
        created_at=datetime.fromisoformat(d["created"]),
        updated_at=datetime.fromisoformat(d["updated"]),
        risk_reasons=tuple(d.get("risk", ())),
        return_of=d.get("returnOf"),
    )


def payment_row(p: Payment) -> tuple[Any, ...]:
    """Parameters for the payments upsert."""
    return (
        p.uetr,
        p.status.value,
        p.debtor.agent,
        p.creditor.agent,
        p.created_at.isoformat(),
        p.updated_at.isoformat(),
        payment_body(p),
    )


def _disclosure(d: Disclosure) -> dict[str, Any]:
    return {
        **_breakdown(d),
        "rate": str(d.exchange_rate),
        "effective": str(d.effective_rate),
    }


def _undisclosure(d: dict[str, Any]) -> Disclosure:
    return Disclosure(
        **_unbreakdown(d),
        exchange_rate=Decimal(d["rate"]),
        effective_rate=Decimal(d["effective"]),
    )


def quote_row(q: Quote) -> tuple[Any, ...]:
    """Parameters for the quotes insert."""
    body = _encoder.encode(
        {
            "id": q.quote_id,
            "fxp": q.fxp_id,
            "psp": q.requested_by_psp,
            "src": q.source_currency,
            "dst": q.target_currency,
            "type": q.amount_type.value,
            "amount": _money(q.requested_amount),
            "rate": str(q.exchange_rate),
            "disclosure": _disclosure(q.disclosure),
            "created": q.created_at.isoformat(),
            "expires": q.expires_at.isoformat(),
        }
    )
    return (q.quote_id, q.expires_at.isoformat(), body)


def quote_from_body(body: bytes) -> Quote:
    """The inverse of ``quote_row``'s body."""
    d = _decoder.decode(body)
    return Quote(
        quote_id=d["id"],
        fxp_id=d["fxp"],
        requested_by_psp=d["psp"],
        source_currency=CurrencyCode(d["src"]),
        target_currency=CurrencyCode(d["dst"]),
        amount_type=AmountType(d["type"]),
        requested_amount=_unmoney(d["amount"]),
        exchange_rate=Decimal(d["rate"]),
        disclosure=_undisclosure(d["disclosure"]),
        created_at=datetime.fromisoformat(d["created"]),
        expires_at=datetime.fromisoformat(d["expires"]),
    )


def rate_row(r: StandingRate) -> tuple[Any, ...]:
    """Parameters for the rates upsert."""
    body = _encoder.encode(
        {
            "fxp": r.fxp_id,
            "src": r.source_currency,
            "dst": r.target_currency,
            "rate": str(r.rate),
            "tiers": [[_money(t.threshold), t.improvement_bps] for t in r.tiers],
            "psp": sorted(dict(r.psp_improvements_bps).items()),
            "posted": r.posted_at.isoformat(),
        }
    )
    return (r.fxp_id, r.source_currency, r.target_currency, r.posted_at.isoformat(), body)


def rate_from_body(body: bytes) -> StandingRate:
    """The inverse of ``rate_row``'s body."""
    d = _decoder.decode(body)
    return StandingRate(
        fxp_id=d["fxp"],
        source_currency=CurrencyCode(d["src"]),
        target_currency=CurrencyCode(d["dst"]),
        rate=Decimal(d["rate"]),
        tiers=tuple(SizeTier(_unmoney(m), int(bps)) for m, bps in d["tiers"]),
        psp_improvements_bps=dict((str(k), int(v)) for k, v in d["psp"]),
        posted_at=datetime.fromisoformat(d["posted"]),
    )


def account_row(a: Account) -> tuple[Any, ...]:
    """Parameters for the accounts upsert."""
    return (
        id_blob(a.id),
        a.ledger,
        a.code,
        int(a.flags),
        a.debits_pending,
        a.debits_posted,
        a.credits_pending,
        a.credits_posted,
        a.user_data,
    )


def account_from_row(row: tuple[Any, ...]) -> Account:
    """The inverse of ``account_row``."""
    return Account(
        id=blob_id(row[0]),
        ledger=row[1],
        code=row[2],
        flags=AccountFlags(row[3]),
        debits_pending=row[4],
        debits_posted=row[5],
        credits_pending=row[6],
        credits_posted=row[7],
        user_data=row[8],
    )


def transfer_row(t: Transfer) -> tuple[Any, ...]:
    """Parameters for the transfers insert."""
    return (
        id_blob(t.id),
        id_blob(t.debit_account_id),
        id_blob(t.credit_account_id),
        t.amount,
        t.ledger,
        t.code,
        int(t.flags),
        id_blob(t.pending_id) if t.pending_id else None,
        t.timeout_s,
        t.user_data,
        t.timestamp_ns,
    )


def transfer_row_of_fields(f: TransferFields) -> tuple[Any, ...]:
    """``transfer_row`` of a transfer given as ``Ledger.drain_changes(as_fields=True)``
    tuples (no ``Transfer`` is built on the writer's hot path)."""
    pending_id = f[7]
    return (
        f[0].to_bytes(16, "big"),
        f[1].to_bytes(16, "big"),
        f[2].to_bytes(16, "big"),
        f[3],
        f[4],
        f[5],
        f[6],
        pending_id.to_bytes(16, "big") if pending_id else None,
        f[8],
        f[9],
        f[10],
    )


def account_row_of_fields(f: AccountFields) -> tuple[Any, ...]:
    """``account_row`` of an account given as ``Ledger.account_fields``."""
    return (f[0].to_bytes(16, "big"), *f[1:])


def transfer_from_row(row: tuple[Any, ...]) -> Transfer:
    """The inverse of ``transfer_row``."""
    return Transfer(
        id=blob_id(row[0]),
        debit_account_id=blob_id(row[1]),
        credit_account_id=blob_id(row[2]),
        amount=row[3],
        ledger=row[4],
        code=row[5],
        flags=TransferFlags(row[6]),
        pending_id=blob_id(row[7]) if row[7] is not None else 0,
        timeout_s=row[8],
        user_data=row[9],
        timestamp_ns=row[10],
    )
