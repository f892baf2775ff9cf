"""ISO 20022 helpers shared by the integration and end-to-end tests: XSD checks of what the hub
answers, the pacs.008 a PSP sends, and the business header around a message.

Importable as ``from isokit import ...`` (``tests/`` is on the path, see ``tests/conftest.py``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lintas.bootstrap import Hub
from lintas.codecs import iso20022 as iso
from lintas.domain.fx import Quote
from lintas.domain.payment import Party
from lintas.sandbox.region import Customer
from lintas.services.iso_gateway import HUB_BIC, iso_rate

XSD_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "iso20022" / "xsd"
PACS_008 = iso.MessageId("pacs.008.001.13")
#: When the integration tests' messages say they were created.
AT = datetime(2026, 11, 29, tzinfo=UTC)


def assert_valid(xml: bytes) -> iso.Envelope:
    """``xml`` validates against its official XSDs (when present) and decodes."""
    if XSD_DIR.is_dir():
        report = iso.validate(xml, xsd_dir=XSD_DIR)
        assert report.valid, report.problems
    return iso.decode(xml, schema=False)


def party_of(customer: Customer) -> Party:
    """``customer`` as the debtor or creditor of a payment."""
    return Party(customer.name_latin, customer.account, customer.psp_id)


def credit_transfer(
    hub: Hub,
    quote: Quote,
    *,
    route: tuple[str, str],
    debtor: Party,
    creditor: Party,
    at: datetime,
    **changes: Any,
) -> iso.CreditTransfer:
    """The pacs.008 the debtor's PSP sends for ``quote`` from ``route[0]`` to ``route[1]``
    (keyword arguments override fields)."""
    src, dst = hub.region.country(route[0]), hub.region.country(route[1])
    d = quote.disclosure
    fields: dict[str, Any] = dict(
        message_id=f"MSG-{uuid.uuid4().hex[:20]}",
        created_at=at,
        clearing_system=src.ips.id,
        end_to_end_id="E2E-1",
        transaction_id=None,
        uetr=str(uuid.uuid4()),
        priority=iso.Priority.HIGH,
        settlement_amount=d.interbank_target,
        settlement_date=None,
        accepted_at=at,
        instructed_amount=d.amount_debited,
        exchange_rate=iso_rate(quote.exchange_rate),
        quote_id=quote.quote_id,
        charge_bearer=iso.ChargeBearer.SHARED,
        charges=(),
        instructing_agent_bic=debtor.agent,
        instructed_agent_bic=src.sap.id,
        intermediary_agent_1_bic=src.sap.id,
        intermediary_agent_1_account=iso.Account(f"fxp:{quote.fxp_id}"),
        intermediary_agent_2_bic=dst.sap.id,
        intermediary_agent_2_account=iso.Account(f"fxp:{quote.fxp_id}"),
        debtor_name=debtor.name,
        debtor_account=iso.Account(debtor.account),
        debtor_agent_bic=debtor.agent,
        creditor_agent_bic=creditor.agent,
        creditor_name=creditor.name,
        creditor_account=iso.Account(creditor.account),
    )
    fields.update(changes)
    return iso.CreditTransfer(**fields)


def encoded(
    message: iso.Message, sender: str, at: datetime = AT, business_id: str = "BIZ-1"
) -> bytes:
    """``message`` with a business header from ``sender`` to the hub, as XML."""
    header = iso.AppHeader(sender, HUB_BIC, business_id, iso.Envelope(message).message_id, at)
    return iso.encode(iso.Envelope(message, header))


def status_request(uetr: str, sender: str) -> bytes:
    """The pacs.028 with which ``sender`` asks after the payment ``uetr``."""
    message = iso.StatusRequest(
        message_id="MSG-028-1",
        created_at=AT,
        status_request_id="STS-1",
        original=iso.OriginalReference("MSG-1", PACS_008, None, uetr),
    )
    return encoded(message, sender)
