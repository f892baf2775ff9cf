"""How a payment becomes ledger transfers: legs, amounts, ids and chains."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from lintas.domain import settlement as st
from lintas.domain.ledger import Transfer, TransferFlags
from lintas.domain.money import CurrencyCode, Money
from lintas.domain.payment import Payment

SGD, THB = CurrencyCode("SGD"), CurrencyCode("THB")


def _codes(transfers: tuple[Transfer, ...] | list[Transfer]) -> list[int]:
    return [t.code for t in transfers]


def test_each_country_has_its_own_stable_ledger_number() -> None:
    assert st.ledger_id("SG") == ord("S") * 256 + ord("G")
    assert st.ledger_id("TH") != st.ledger_id("SG")


def test_the_source_leg_debits_the_debtor_on_the_source_ledger(
    make_payment: Callable[..., Payment],
) -> None:
    p = make_payment()
    legs = st.payment_legs(p)
    debtor = st.customer_account_id("SG", p.debtor.agent, p.debtor.account)
    assert _codes(legs.source) == [
        st.TransferCode.PRINCIPAL,
        st.TransferCode.SOURCE_PSP_FEE,
        st.TransferCode.SCHEME_FEE,
    ]
    assert all(t.ledger == st.ledger_id("SG") for t in legs.source)
    assert all(t.debit_account_id == debtor for t in legs.source)
    assert [t.credit_account_id for t in legs.source] == [
        st.fxp_account_id(p.fxp_id, "SG"),
        st.psp_fee_account_id(p.debtor.agent, "SG"),
        st.scheme_fee_account_id("SG"),
    ]
    assert [t.amount for t in legs.source] == [
        p.principal.minor,
        p.source_psp_fee.minor,
        p.scheme_fee.minor,
    ]


def test_the_destination_leg_pays_the_creditor_from_the_fxp_on_the_destination_ledger(
    make_payment: Callable[..., Payment],
) -> None:
    p = make_payment()
    legs = st.payment_legs(p)
    fxp = st.fxp_account_id(p.fxp_id, "TH")
    assert _codes(legs.destination) == [st.TransferCode.CREDIT, st.TransferCode.DESTINATION_PSP_FEE]
    assert all(t.ledger == st.ledger_id("TH") for t in legs.destination)
    assert all(t.debit_account_id == fxp for t in legs.destination)
    assert [t.credit_account_id for t in legs.destination] == [
        st.customer_account_id("TH", p.creditor.agent, p.creditor.account),
        st.psp_fee_account_id(p.creditor.agent, "TH"),
    ]
    assert [t.amount for t in legs.destination] == [
        p.amount_credited.minor,
        p.destination_psp_fee.minor,
    ]


def test_the_legs_add_up_to_the_disclosure(make_payment: Callable[..., Payment]) -> None:
    p = make_payment()
    legs = st.payment_legs(p)
    assert sum(t.amount for t in legs.source) == p.amount_debited.minor
    assert sum(t.amount for t in legs.destination) == p.interbank_target.minor


def test_fees_of_zero_are_left_out_and_the_amounts_still_add_up(
    make_payment: Callable[..., Payment],
) -> None:
    p = make_payment(
        amount_debited=Money(9_964, SGD),
        source_psp_fee=Money(0, SGD),
        scheme_fee=Money(0, SGD),
        amount_credited=Money(264_109, THB),
        destination_psp_fee=Money(0, THB),
    )
    legs = st.payment_legs(p)
    assert _codes(legs.source) == [st.TransferCode.PRINCIPAL]
    assert _codes(legs.destination) == [st.TransferCode.CREDIT]
    assert sum(t.amount for t in legs.source) == p.amount_debited.minor
    assert sum(t.amount for t in legs.destination) == p.interbank_target.minor


def test_only_the_fee_that_is_zero_is_left_out(make_payment: Callable[..., Payment]) -> None:
    p = make_payment(amount_debited=Money(9_996, SGD), scheme_fee=Money(0, SGD))
    assert _codes(st.payment_legs(p).source) == [
        st.TransferCode.PRINCIPAL,
        st.TransferCode.SOURCE_PSP_FEE,
    ]


def test_every_pending_transfer_is_pending_with_the_timeout_and_names_its_uetr(
    make_payment: Callable[..., Payment],
) -> None:
    p = make_payment()
    for t in st.payment_legs(p, timeout_s=7).pending:
        assert t.flags == TransferFlags.PENDING
        assert t.timeout_s == 7
        assert t.user_data == p.uetr
        assert t.pending_id == 0


def test_transfer_ids_derive_from_the_uetr_so_a_retry_reuses_them(
    make_payment: Callable[..., Payment],
) -> None:
    p = make_payment()
    first, again = st.payment_legs(p), st.payment_legs(p)
    assert [t.id for t in first.pending] == [t.id for t in again.pending]
    assert [t.id for t in first.post_chain()] == [t.id for t in again.post_chain()]
    assert [t.id for t in first.voids()] == [t.id for t in again.voids()]
    other = st.payment_legs(make_payment(uetr="0b1e7a52-94c3-4d0e-8f6a-1c2b3d4e5f60"))
    assert not {t.id for t in first.pending} & {t.id for t in other.pending}


def test_a_payments_transfer_ids_start_with_the_millisecond_it_was_accepted(
    make_payment: Callable[..., Payment],
) -> None:
    at = datetime(2026, 11, 30, 5, 6, 7, 891_999, tzinfo=UTC)
    p = make_payment(created_at=at, updated_at=at)
    ms = (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    assert st.accepted_ms(p) == ms == 1_796_015_167_891  # Rounded down, never up.
    legs = st.payment_legs(p)
    for t in [*legs.pending, *legs.post_chain(), *legs.voids()]:
        # Posts and voids keep their pending transfer's millisecond: they land beside it.
        assert t.id >> 80 == ms, hex(t.id)
        assert 0 < t.id < 2**128


def test_ids_of_a_later_payment_sort_after_an_earlier_ones_so_indexes_append(
    make_payment: Callable[..., Payment],
) -> None:
    at = datetime(2026, 11, 30, 5, 6, 7, tzinfo=UTC)
    earlier = make_payment(created_at=at, updated_at=at)
    later = make_payment(
        uetr="0b1e7a52-94c3-4d0e-8f6a-1c2b3d4e5f60",
        created_at=at + timedelta(milliseconds=1),
        updated_at=at + timedelta(milliseconds=1),
    )
    early_ids = [t.id for t in st.payment_legs(earlier).pending]
    late_ids = [t.id for t in st.payment_legs(later).pending]
    assert max(early_ids) < min(late_ids)


def test_two_payments_in_the_same_millisecond_get_different_ids(
    make_payment: Callable[..., Payment],
) -> None:
    one = st.payment_legs(make_payment())
    two = st.payment_legs(make_payment(uetr="0b1e7a52-94c3-4d0e-8f6a-1c2b3d4e5f60"))
    assert {t.id >> 80 for t in [*one.pending, *two.pending]} == {st.accepted_ms(make_payment())}
    assert not {t.id for t in one.pending} & {t.id for t in two.pending}


def test_pending_post_and_void_ids_are_all_distinct(make_payment: Callable[..., Payment]) -> None:
    legs = st.payment_legs(make_payment())
    ids = [t.id for t in [*legs.pending, *legs.post_chain(), *legs.voids()]]
    assert len(ids) == len(set(ids)) == 3 * len(legs.pending)
    assert all(i > 0 for i in ids)


def test_the_reserve_chain_links_every_transfer_but_the_last(
    make_payment: Callable[..., Payment],
) -> None:
    legs = st.payment_legs(make_payment())
    chain = legs.reserve_chain()
    assert [t.id for t in chain] == [t.id for t in legs.pending]
    assert all(t.flags & TransferFlags.PENDING for t in chain)
    assert all(t.flags & TransferFlags.LINKED for t in chain[:-1])
    assert not chain[-1].flags & TransferFlags.LINKED
    # Linking is applied to copies: the legs themselves stay unlinked.
    assert not any(t.flags & TransferFlags.LINKED for t in legs.pending)


def test_the_post_chain_posts_each_pending_transfer_linked_but_the_last(
    make_payment: Callable[..., Payment],
) -> None:
    legs = st.payment_legs(make_payment())
    posts = legs.post_chain()
    assert [t.pending_id for t in posts] == [t.id for t in legs.pending]
    assert [t.amount for t in posts] == [t.amount for t in legs.pending]
    assert all(t.flags & TransferFlags.POST_PENDING_TRANSFER for t in posts)
    assert not any(t.flags & TransferFlags.PENDING for t in posts)
    assert all(t.flags & TransferFlags.LINKED for t in posts[:-1])
    assert not posts[-1].flags & TransferFlags.LINKED


def test_voids_are_each_on_their_own_so_one_expired_transfer_cannot_block_the_rest(
    make_payment: Callable[..., Payment],
) -> None:
    legs = st.payment_legs(make_payment())
    voids = legs.voids()
    assert [t.pending_id for t in voids] == [t.id for t in legs.pending]
    assert all(t.flags == TransferFlags.VOID_PENDING_TRANSFER for t in voids)


def test_account_ids_differ_by_kind_country_and_owner() -> None:
    ids = {
        st.customer_account_id("SG", "PSP1", "1"),
        st.customer_account_id("TH", "PSP1", "1"),
        st.customer_account_id("SG", "PSP2", "1"),
        st.fxp_account_id("PSP1", "SG"),
        st.psp_fee_account_id("PSP1", "SG"),
        st.scheme_fee_account_id("SG"),
        st.issuance_account_id("SG"),
    }
    assert len(ids) == 7


def test_a_ledgers_own_accounts_start_with_the_ledger_so_they_are_neighbours_in_the_store() -> None:
    for country in ("SG", "TH", "VN"):
        own = {
            st.fxp_account_id("FXP1", country),
            st.fxp_account_id("FXP2", country),
            st.psp_fee_account_id("PSP1", country),
            st.psp_fee_account_id("PSP2", country),
            st.scheme_fee_account_id(country),
            st.issuance_account_id(country),
        }
        assert len(own) == 6  # Distinct accounts, distinct ids.
        assert {i >> 112 for i in own} == {st.ledger_id(country)}
        assert all(0 < i < 1 << 128 for i in own)
    # The same names on another ledger are other accounts.
    assert st.fxp_account_id("FXP1", "SG") != st.fxp_account_id("FXP1", "TH")
