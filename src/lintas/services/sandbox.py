"""Seeding the sandbox region into a fresh store: accounts, opening balances, FXP rates.

Seeding is deterministic (it only uses the region built from the seed) and happens once:
the first start of an empty store. Money enters each ledger by a posted transfer from that
ledger's issuance account, so every ledger balances from the first moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Context, Decimal
from typing import Final

from lintas.domain import settlement
from lintas.domain.fx import SizeTier, StandingRate
from lintas.domain.ledger import Account, AccountFlags, CreateTransferResult, Transfer
from lintas.domain.money import CurrencyCode, Money, exponent
from lintas.ports.clock import Clock
from lintas.ports.store import WriteCommand, Writer
from lintas.sandbox.merchants import merchants_for
from lintas.sandbox.region import Region

#: Accounts or transfers sent to the writer in one command at most while seeding.
SEED_CHUNK_MAX: Final = 2000
#: Significant digits of a seeded standing rate.
RATE_DIGITS: Final = 10

_R = CreateTransferResult
_MUST_NOT_OVERDRAW = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """What seeding created."""

    accounts: int
    transfers: int
    rates: int


def sandbox_accounts(region: Region) -> Iterator[tuple[Account, int]]:
    """Every sandbox account with the opening balance (minor units) to fund it with."""
    for country in region.countries:
        ledger = settlement.ledger_id(country.code)
        yield (
            Account(
                id=settlement.issuance_account_id(country.code),
                ledger=ledger,
                code=settlement.AccountCode.ISSUANCE,
                user_data=f"issuance:{country.code}",
            ),
            0,
        )
        yield (
            Account(
                id=settlement.scheme_fee_account_id(country.code),
                ledger=ledger,
                code=settlement.AccountCode.SCHEME_FEE,
                flags=_MUST_NOT_OVERDRAW,
                user_data=f"scheme-fee:{country.code}",
            ),
            0,
        )
        for psp in country.psps:
            yield (
                Account(
                    id=settlement.psp_fee_account_id(psp.id, country.code),
                    ledger=ledger,
                    code=settlement.AccountCode.PSP_FEE,
                    flags=_MUST_NOT_OVERDRAW,
                    user_data=f"psp-fee:{psp.id}",
                ),
                0,
            )
        for fxp in region.fxps:
            yield (
                Account(
                    id=settlement.fxp_account_id(fxp.id, country.code),
                    ledger=ledger,
                    code=settlement.AccountCode.FXP,
                    flags=_MUST_NOT_OVERDRAW,
                    user_data=f"fxp:{fxp.id}@{country.sap.id}",
                ),
                region.fxp_liquidity[(fxp.id, country.code)].minor,
            )
    for customer in region.customers:
        yield (
            Account(
                id=settlement.customer_account_id(
                    customer.country, customer.psp_id, customer.account
                ),
                ledger=settlement.ledger_id(customer.country),
                code=settlement.AccountCode.CUSTOMER,
                flags=_MUST_NOT_OVERDRAW,
                user_data=f"customer:{customer.id}",
            ),
            customer.opening_balance.minor,
        )
    # Merchants are paid into, never from: their accounts open empty (no funding transfer).
    for merchant in merchants_for(region):
        yield (
            Account(
                id=settlement.customer_account_id(merchant.country, merchant.psp, merchant.account),
                ledger=settlement.ledger_id(merchant.country),
                code=settlement.AccountCode.CUSTOMER,
                flags=_MUST_NOT_OVERDRAW,
                user_data=f"merchant:{merchant.country}:{merchant.id}",
            ),
            0,
        )


def sandbox_rates(region: Region, now_utc: datetime) -> list[StandingRate]:
    """Each FXP's standing rate for every pair: mid less its spread, with its size tiers."""
    usd = {m.currency: m.usd_per_unit for m in region.mid_rates}
    ctx = Context(prec=RATE_DIGITS, rounding=ROUND_FLOOR)
    currencies = [c.currency for c in region.countries]
    psps_by_currency = {c.currency: c.psps for c in region.countries}
    rates: list[StandingRate] = []
    for i, fxp in enumerate(region.fxps):
        for src in currencies:
            for dst in currencies:
                if src == dst:
                    continue
                mid = usd[src] / usd[dst]
                rate = ctx.multiply(mid, Decimal(10_000 - fxp.spread_bps) / Decimal(10_000))
                tiers = tuple(
                    SizeTier(_usd_minor_in(threshold, src, usd), bps)
                    for threshold, bps in fxp.tiers
                )
                # Each FXP gives one PSP per source country a better price: the sandbox shows
                # PSP-specific improvements working.
                psps = psps_by_currency[src]
                improvements = {psps[i % len(psps)].id: 5}
                rates.append(
                    StandingRate(
                        fxp_id=fxp.id,
                        source_currency=CurrencyCode(src),
                        target_currency=CurrencyCode(dst),
                        rate=rate,
                        posted_at=now_utc,
                        tiers=tiers,
                        psp_improvements_bps=improvements,
                    )
                )
    return rates


def _usd_minor_in(usd_minor: int, currency: str, usd: dict[str, Decimal]) -> Money:
    value = Decimal(usd_minor) / 100 / usd[currency]
    minor = int(value.scaleb(exponent(currency)).to_integral_value(rounding=ROUND_FLOOR))
    return Money(minor, CurrencyCode(currency))


def seed(region: Region, writer: Writer, clock: Clock) -> SeedSummary:
    """Create every account, fund it, and post every FXP's rates. Run once, on an empty store."""
    pairs = list(sandbox_accounts(region))
    accounts = [a for a, _ in pairs]
    for start in range(0, len(accounts), SEED_CHUNK_MAX):
        chunk = accounts[start : start + SEED_CHUNK_MAX]
        outcome = writer.submit(WriteCommand(accounts=chunk)).result()
        assert all(r == "ok" or r == "exists" for r in outcome.account_results), outcome
    funding = [
        Transfer(
            id=settlement.funding_transfer_id(account.id),
            debit_account_id=settlement.issuance_account_id(_country(account.ledger)),
            credit_account_id=account.id,
            amount=opening,
            ledger=account.ledger,
            code=settlement.TransferCode.FUNDING,
        )
        for account, opening in pairs
        if opening > 0
    ]
    for start in range(0, len(funding), SEED_CHUNK_MAX):
        transfers = funding[start : start + SEED_CHUNK_MAX]
        outcome = writer.submit(WriteCommand(transfers=transfers)).result()
        assert all(r in (_R.ok, _R.exists) for r in outcome.transfer_results), outcome
    rates = sandbox_rates(region, clock.now())
    for start in range(0, len(rates), SEED_CHUNK_MAX):
        writer.submit(WriteCommand(rates=rates[start : start + SEED_CHUNK_MAX])).result()
    return SeedSummary(accounts=len(accounts), transfers=len(funding), rates=len(rates))


def _country(ledger: int) -> str:
    return chr(ledger // 256) + chr(ledger % 256)
