"""ISO 20022 codecs: typed frozen structs in, XML bytes out, and back, hardened.

The types are frozen ``msgspec.Struct``s (as in ``codecs.emvqr``): just as immutable,
comparable and hashable as frozen dataclasses, but built in C; a frozen dataclass's
``__init__`` (one ``object.__setattr__`` per field) cost more than reading the values of a
pacs.008. Their ``__post_init__`` still checks every value.

Messages (one module per family): head.001.001.02 (``header``), pacs.008.001.13
(``pacs008``), pacs.002.001.15 (``pacs002``), pacs.004.001.14 (``pacs004``),
pacs.028.001.06 (``pacs028``), acmt.023.001.02 / acmt.024.001.02 (``acmt``),
camt.056.001.11 (``camt056``), camt.029.001.10 (``camt029``), camt.053.001.12 (``camt053``).

Reading is a visible pipeline: size limit -> hardened parse (no DTD, no entities, no
network, depth limit) -> known namespaces only -> XSD validation (optional on the hot path)
-> typed read -> usage rules. The structural checks and the paths of a message's elements
depend only on its shape (tags and nesting), so they are worked out once per shape and
remembered (``_xml.Shape``, at most ``SHAPES_MAX`` shapes, only shapes that passed).

Every refusal is one of these, each carrying the ISO 20022 reason code to reply with
(``reason_code``, ``FF01`` unless a better code exists)::

    Iso20022Error
    ├── MessageTooLarge       longer than MESSAGE_BYTES_MAX; never parsed
    ├── MalformedXml          not well-formed XML (truncated, bad encoding)
    ├── ForbiddenConstruct    DOCTYPE, entity, or nesting deeper than DEPTH_MAX
    ├── UnknownMessage        unknown namespace, root element or message version
    ├── SchemaInvalid         breaks its XSD; ``problems`` lists (path, message)
    └── UsageRuleViolated     valid XML, but breaks a Lintas/Nexus usage rule (``rule``)
"""

from lintas.codecs.iso20022._xml import DEPTH_MAX, MESSAGE_BYTES_MAX
from lintas.codecs.iso20022.acmt import (
    Assignment,
    VerificationReport,
    VerificationRequest,
    VerificationResult,
)
from lintas.codecs.iso20022.camt029 import (
    RecallRejectionReason,
    RecallResolution,
    ResolutionStatus,
)
from lintas.codecs.iso20022.camt053 import Balance, Pagination, Side, Statement, StatementEntry
from lintas.codecs.iso20022.camt056 import RecallReason, RecallRequest
from lintas.codecs.iso20022.codec import (
    ENVELOPE_NAMESPACE,
    Envelope,
    Message,
    ValidationReport,
    decode,
    encode,
    identify,
    validate,
)
from lintas.codecs.iso20022.errors import (
    ForbiddenConstruct,
    Iso20022Error,
    MalformedXml,
    MessageTooLarge,
    SchemaInvalid,
    SchemaProblem,
    UnknownMessage,
    UsageRuleViolated,
)
from lintas.codecs.iso20022.header import AppHeader
from lintas.codecs.iso20022.models import (
    Account,
    CaseAssignment,
    ChargeBearer,
    MessageId,
    OriginalReference,
    Priority,
)
from lintas.codecs.iso20022.pacs002 import StatusReason, StatusReport, TransactionStatus
from lintas.codecs.iso20022.pacs004 import PaymentReturn, ReturnReason
from lintas.codecs.iso20022.pacs008 import Charge, CreditTransfer
from lintas.codecs.iso20022.pacs028 import StatusRequest
from lintas.codecs.iso20022.schema import XSD_DIR_ENV, default_xsd_dir

__all__ = [
    "DEPTH_MAX",
    "ENVELOPE_NAMESPACE",
    "MESSAGE_BYTES_MAX",
    "XSD_DIR_ENV",
    "Account",
    "AppHeader",
    "Assignment",
    "Balance",
    "CaseAssignment",
    "Charge",
    "ChargeBearer",
    "CreditTransfer",
    "Envelope",
    "ForbiddenConstruct",
    "Iso20022Error",
    "MalformedXml",
    "Message",
    "MessageId",
    "MessageTooLarge",
    "OriginalReference",
    "Pagination",
    "PaymentReturn",
    "Priority",
    "RecallReason",
    "RecallRejectionReason",
    "RecallRequest",
    "RecallResolution",
    "ResolutionStatus",
    "ReturnReason",
    "SchemaInvalid",
    "SchemaProblem",
    "Side",
    "Statement",
    "StatementEntry",
    "StatusReason",
    "StatusReport",
    "StatusRequest",
    "TransactionStatus",
    "UnknownMessage",
    "UsageRuleViolated",
    "ValidationReport",
    "VerificationReport",
    "VerificationRequest",
    "VerificationResult",
    "decode",
    "default_xsd_dir",
    "encode",
    "identify",
    "validate",
]
