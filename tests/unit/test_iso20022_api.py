"""The public surface, the error tree, the schema cache and the size bounds."""

from __future__ import annotations

import inspect
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from test_iso20022_strategies import (
    T0,
    UETR,
    XSD_DIR,
    needs_xsd,
    sample_credit_transfer,
    sample_header,
    sample_pacs008_bytes,
)

from lintas.codecs import iso20022 as iso
from lintas.codecs.iso20022.camt053 import STATEMENT_ENTRIES_MAX
from lintas.codecs.iso20022.schema import schema_for
from lintas.domain.money import Money, currency

# Every test here builds or validates against the official XSDs.
pytestmark = needs_xsd


def test_the_public_surface_is_pinned() -> None:
    assert sorted(iso.__all__) == sorted(
        name for name in vars(iso) if not name.startswith("_") and name in iso.__all__
    )
    for name in ("decode", "encode", "identify", "validate", "Iso20022Error", "Envelope"):
        assert name in iso.__all__


def test_every_error_is_an_iso20022_error_with_a_docstring_and_is_drawn_in_the_tree() -> None:
    errors = [
        iso.MessageTooLarge,
        iso.MalformedXml,
        iso.ForbiddenConstruct,
        iso.UnknownMessage,
        iso.SchemaInvalid,
        iso.UsageRuleViolated,
    ]
    assert iso.__doc__ is not None
    for error in errors:
        assert issubclass(error, iso.Iso20022Error)
        assert inspect.getdoc(error)
        assert error.__name__ in iso.__doc__


def test_identify_names_the_message_without_validating_it() -> None:
    assert iso.identify(sample_pacs008_bytes()) == "pacs.008.001.13"


def test_a_missing_xsd_folder_is_reported_as_an_unknown_message(tmp_path: Path) -> None:
    with pytest.raises(iso.UnknownMessage, match="no XSD"):
        iso.decode(sample_pacs008_bytes(), xsd_dir=tmp_path / "absent")


@needs_xsd
def test_a_schema_is_compiled_once_and_shared_between_threads() -> None:
    first = schema_for("pacs.008.001.13", XSD_DIR)
    xml = sample_pacs008_bytes()
    broken = xml.replace(b"<ChrgBr>SHAR</ChrgBr>", b"<ChrgBr>XXXX</ChrgBr>")

    def check(i: int) -> bool:
        return iso.validate(xml if i % 2 else broken, xsd_dir=XSD_DIR).valid

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(check, range(200)))
    assert results == [i % 2 == 1 for i in range(200)]
    assert schema_for("pacs.008.001.13", XSD_DIR) is first


@needs_xsd
def test_a_statement_with_the_most_entries_fits_in_one_message() -> None:
    sgd = currency("SGD")
    day = date(2026, 11, 29)
    entries = tuple(
        iso.StatementEntry(
            reference=f"NTRY-{i:030d}",
            amount=Money(10**12, sgd),
            side=iso.Side.CREDIT,
            booking_date=day,
            transaction_code="NEXUS-CREDIT-TRANSFER-INBOUND-XXXX",
            message_id=f"MSG-{i:031d}",
            end_to_end_id=f"E2E-{i:031d}",
            uetr=UETR,
        )
        for i in range(STATEMENT_ENTRIES_MAX)
    )
    statement = iso.Statement(
        message_id="MSG-STMT",
        created_at=T0,
        statement_id="STMT-1",
        account=iso.Account("SG-FXP-001", "FXP"),
        currency=sgd,
        statement_date=day,
        opening=iso.Balance(Money(0, sgd), iso.Side.CREDIT),
        closing=iso.Balance(Money(10**12 * STATEMENT_ENTRIES_MAX, sgd), iso.Side.CREDIT),
        entries=entries,
    )
    xml = iso.encode(iso.Envelope(statement, sample_header("camt.053.001.12")))
    assert len(xml) <= iso.MESSAGE_BYTES_MAX
    assert iso.decode(xml, xsd_dir=XSD_DIR).message == statement


def test_a_message_with_a_header_for_another_message_cannot_be_encoded() -> None:
    with pytest.raises(iso.UsageRuleViolated, match="header_names_the_document"):
        iso.encode(iso.Envelope(sample_credit_transfer(), sample_header("pacs.002.001.15")))
