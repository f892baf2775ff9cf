"""The errors Lintas raises on purpose, and the ISO 20022 reason codes they carry.

Exception tree (callers catch at the level they need)::

    LintasError                      any refusal Lintas explains to its caller
    ├── InputInvalid                 malformed or out-of-range input (FF01)      -> 400 / 422
    ├── Unauthenticated              no or unknown API key                        -> 401
    ├── Forbidden                    the key may not act for that participant     -> 403
    ├── NotFound                     unknown resource (country, payment, quote)   -> 404
    ├── Conflict                     same id, different content (DUPL)            -> 409
    ├── Refused                      a business refusal with a reason code        -> 422
    └── Unavailable                  the hub cannot take work now (overloaded)    -> 503

Broken invariants are never LintasError: they are assertions and crash.
"""

from __future__ import annotations

from enum import StrEnum


class ReasonCode(StrEnum):
    """ISO 20022 ExternalStatusReason1Code values Lintas uses, each with its meaning."""

    AB03 = "AB03"  # Aborted: settlement timeout.
    AB04 = "AB04"  # Aborted: fatal error during settlement (e.g. the hub restarted mid-payment).
    AB09 = "AB09"  # Error at the source (debtor) agent.
    AB10 = "AB10"  # Error at the destination (creditor) agent.
    AC01 = "AC01"  # Incorrect or unknown account number.
    AC04 = "AC04"  # Closed account.
    AG01 = "AG01"  # Transaction forbidden for this participant.
    AM02 = "AM02"  # Amount over the allowed maximum.
    AM04 = "AM04"  # Insufficient funds.
    AM09 = "AM09"  # Wrong amount.
    BE23 = "BE23"  # Unknown proxy (account proxy invalid).
    DUPL = "DUPL"  # Duplicate payment.
    FF01 = "FF01"  # Invalid file or message format.
    RC01 = "RC01"  # Bank identifier incorrect.
    AB05 = "AB05"  # Timeout at the creditor agent.
    AB08 = "AB08"  # Creditor agent offline.
    RR04 = "RR04"  # Regulatory reason (sanctions screening, or an operator's review).
    FRAD = "FRAD"  # Fraudulent origin (scam signals).
    NARR = "NARR"  # Narrative reason given in the additional information.
    QTEX = "QTEX"  # Nexus: the quote has expired.


REASON_TEXT: dict[ReasonCode, str] = {
    ReasonCode.AB03: "settlement timed out; both legs were voided",
    ReasonCode.AB04: "the hub stopped during settlement; both legs were voided",
    ReasonCode.AB09: "error at the debtor agent",
    ReasonCode.AB10: "error at the creditor agent",
    ReasonCode.AC01: "unknown account",
    ReasonCode.AC04: "account closed",
    ReasonCode.AG01: "transaction forbidden for this participant",
    ReasonCode.AM02: "amount over the allowed maximum",
    ReasonCode.AM04: "insufficient funds",
    ReasonCode.AM09: "wrong amount",
    ReasonCode.BE23: "unknown proxy",
    ReasonCode.DUPL: "duplicate payment",
    ReasonCode.FF01: "invalid format",
    ReasonCode.RC01: "unknown agent identifier",
    ReasonCode.AB05: "timeout at the creditor agent",
    ReasonCode.AB08: "creditor agent offline",
    ReasonCode.RR04: "regulatory reason",
    ReasonCode.FRAD: "suspected fraud",
    ReasonCode.NARR: "see additional information",
    ReasonCode.QTEX: "the quote has expired",
}


class LintasError(Exception):
    """A refusal Lintas explains: a stable reason, a message, and an ISO reason code."""

    http_status = 400
    title = "Bad request"

    def __init__(
        self, reason: str, message: str, *, code: ReasonCode | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        #: A stable, sentence-like name (``amount_has_too_many_decimals``).
        self.reason = reason
        self.message = message
        self.code = code
        #: The input field at fault, where there is one (``creditor.account``).
        self.field = field


class InputInvalid(LintasError):
    """Malformed or out-of-range input (ISO FF01 unless a sharper code applies)."""

    http_status = 422
    title = "Invalid input"

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        code: ReasonCode | None = ReasonCode.FF01,
        field: str | None = None,
    ) -> None:
        super().__init__(reason, message, code=code, field=field)


class MalformedRequest(InputInvalid):
    """A body that is not parseable at all (bad JSON)."""

    http_status = 400
    title = "Malformed request"


class Unauthenticated(LintasError):
    """No API key, or one the hub does not know."""

    http_status = 401
    title = "Unauthenticated"


class Forbidden(LintasError):
    """The key is valid but may not act for, or read, that resource."""

    http_status = 403
    title = "Forbidden"


class NotFound(LintasError):
    """The named resource does not exist."""

    http_status = 404
    title = "Not found"


class Conflict(LintasError):
    """The same identifier was used before with different content."""

    http_status = 409
    title = "Conflict"


class Refused(LintasError):
    """A business refusal (expired quote, amount over limit, unknown proxy...)."""

    http_status = 422
    title = "Refused"


class Unavailable(LintasError):
    """The hub cannot take more work right now; retry later."""

    http_status = 503
    title = "Unavailable"
