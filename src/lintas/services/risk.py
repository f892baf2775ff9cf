"""The risk rules every payment passes before money is reserved (a ``RiskAssessor``).

Rules, each configured in ``lintas/config/risk.toml`` (see ``docs/screening.md``):

- **sanctions**: the debtor name as sent and the creditor's registered full name are screened;
  a hit at the debtor agent's threshold holds, a hit at ``block_score`` blocks (RR04);
- **signals**: active scam reports on the creditor's account, proxy or merchant QR hold; a
  confident report from several organisations blocks (FRAD). The declared proxy is looked up
  in the exchange's canonical form (``+66 81-234-5678`` is ``+66812345678``, as is
  ``0812345678`` in Thailand), and a QR by every merchant id it names: its payable proxy, and
  the merchant id of a template the directories register by GUID (the sandbox's
  ``LINTAS.GENERIC`` of BN, MM and IN, which the codec reads as scheme ``unknown``);
- **velocity**: more than ``payments_max`` payments or ``amount_max`` per debtor account within
  ``window_s`` hold;
- **new payee**: a first payment from a debtor account to a creditor account above
  ``amount_max`` holds;
- **verification**: the creditor name the sender gave, verified against the registered name,
  holds when the answer is listed in ``hold_on`` (NMTC by default);
- **creditor proxy**: the proxy the debtor agent says it paid (``creditorProxy``) must resolve,
  in the destination directory, to the account the payment credits; when it does not (nobody
  holds it, or another account does) the payment is held with that reason. The proxy is
  read the way the exchange reads signals, so a formatting difference is never a reason.
  Like every rule it
  only adds a reason: it never lifts another rule's hold or block. It runs when the assessor is
  given the directory and reference data (``directory=``, ``reference=``).

The outcome is the most severe of the rules' (block > hold > pass), with every rule's reason.
Velocity and known payees are kept in memory, bounded (an LRU each): a restart forgets them,
which errs towards holding, never towards passing a blocked payment. Time is the payment's own
``created_at``, never a clock read.
"""

from __future__ import annotations

import tomllib
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from lintas.codecs import emvqr
from lintas.domain import signals as sig
from lintas.domain.errors import InputInvalid, ReasonCode
from lintas.domain.money import MoneyError, parse_amount
from lintas.domain.payment import Payment
from lintas.domain.reference import AddressType, Country
from lintas.matching import Hit
from lintas.matching.verification import VerificationResult, verify_payee
from lintas.ports.directory import ProxyDirectory, ReferenceData
from lintas.ports.risk import PASS, RiskContext, RiskDecision, RiskOutcome
from lintas.ports.signals import SignalLookup
from lintas.services.addressing import DIRECTORY_TEMPLATES
from lintas.services.screening import ScreeningService

#: The rules shipped with Lintas; ``HubConfig.risk_config`` names another file.
RISK_CONFIG_DEFAULT: Final = Path(__file__).resolve().parents[1] / "config" / "risk.toml"
#: Hard ceilings on the in-memory state, whatever the configuration says.
DEBTORS_MAX_CEILING: Final = 5_000_000
PAIRS_MAX_CEILING: Final = 10_000_000
PAYMENTS_MAX_CEILING: Final = 10_000
WINDOW_S_MAX: Final = 31 * 24 * 3600
#: Hits screened per name: the best one decides, the others only fill the reason.
HITS_PER_NAME: Final = 3
_NS_PER_S: Final = 1_000_000_000
#: The address type whose value is an account number, resolved by the account itself.
_ACCOUNT_TYPE: Final = "ACCOUNT"
#: Declared "proxies" the directory cannot resolve: a QR code is checked as ``merchantQr``.
_PROXY_TYPES_NOT_CHECKED: Final = frozenset({"QR"})
#: The address type whose values are phone numbers (a signal of type ``phone``).
_MOBILE_TYPE: Final = "MOBILE"
#: Merchant-account templates of one QR code looked at, at most (EMVCo tags 02-51 hold them).
QR_TEMPLATES_MAX: Final = 50


class RiskConfigError(ValueError):
    """The risk configuration file is missing, not TOML, or has an unknown or invalid key."""


@dataclass(frozen=True, kw_only=True)
class RiskRules:
    """Every rule's switch and thresholds (read from the TOML file; see the module doc)."""

    sanctions_enabled: bool = True
    sanctions_hold_score: float = 0.80
    sanctions_block_score: float = 0.95
    sanctions_cache_max: int = 100_000
    signals_enabled: bool = True
    signals_hold_reports: int = 1
    signals_block_confidence: int = 80
    signals_block_sources: int = 2
    velocity_enabled: bool = True
    velocity_window_s: int = 3600
    velocity_payments_max: int = 10
    velocity_debtors_max: int = 200_000
    #: Currency -> minor units (debtor's currency); a currency not listed is not checked.
    velocity_amount_max_minor: Mapping[str, int] = field(default_factory=dict)
    new_payee_enabled: bool = True
    new_payee_pairs_max: int = 500_000
    new_payee_amount_max_minor: Mapping[str, int] = field(default_factory=dict)
    verification_enabled: bool = True
    verification_hold_on: frozenset[VerificationResult] = frozenset({VerificationResult.NO_MATCH})
    creditor_proxy_enabled: bool = True
    #: Participant id -> its own screening hold score.
    participant_screening_thresholds: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 < self.sanctions_hold_score <= self.sanctions_block_score <= 1.0:
            raise RiskConfigError("need 0 < sanctions.hold_score <= block_score <= 1")
        for participant, cut in self.participant_screening_thresholds.items():
            if not 0.0 < cut <= self.sanctions_block_score:
                raise RiskConfigError(
                    f"participants.{participant}.screening_threshold must be in (0, block_score]"
                )
        if not 1 <= self.velocity_window_s <= WINDOW_S_MAX:
            raise RiskConfigError(f"velocity.window_s must be 1-{WINDOW_S_MAX}")
        if not 1 <= self.velocity_payments_max <= PAYMENTS_MAX_CEILING:
            raise RiskConfigError(f"velocity.payments_max must be 1-{PAYMENTS_MAX_CEILING}")
        if not 1 <= self.velocity_debtors_max <= DEBTORS_MAX_CEILING:
            raise RiskConfigError(f"velocity.debtors_max must be 1-{DEBTORS_MAX_CEILING}")
        if not 1 <= self.new_payee_pairs_max <= PAIRS_MAX_CEILING:
            raise RiskConfigError(f"new_payee.pairs_max must be 1-{PAIRS_MAX_CEILING}")
        if self.signals_hold_reports < 1:
            raise RiskConfigError("signals.hold_reports must be at least 1")
        if not 0 <= self.signals_block_confidence <= 100 or self.signals_block_sources < 1:
            raise RiskConfigError("signals.block_confidence 0-100, block_sources at least 1")
        if self.sanctions_cache_max < 1:
            raise RiskConfigError("sanctions.cache_max must be at least 1")


_KEYS: Final[dict[str, frozenset[str]]] = {
    "sanctions": frozenset({"enabled", "hold_score", "block_score", "cache_max"}),
    "signals": frozenset({"enabled", "hold_reports", "block_confidence", "block_sources"}),
    "velocity": frozenset({"enabled", "window_s", "payments_max", "debtors_max", "amount_max"}),
    "new_payee": frozenset({"enabled", "pairs_max", "amount_max"}),
    "verification": frozenset({"enabled", "hold_on"}),
    "creditor_proxy": frozenset({"enabled"}),
    "participants": frozenset(),
}


def load_risk_rules(path: Path | None = None) -> RiskRules:
    """Read the rules from ``path`` (default: the shipped ``config/risk.toml``)."""
    path = path or RISK_CONFIG_DEFAULT
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise RiskConfigError(f"risk configuration {path} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise RiskConfigError(f"{path} is not valid TOML: {e}") from None
    return rules_from_mapping(raw, where=str(path))


def rules_from_mapping(raw: Mapping[str, Any], *, where: str = "risk configuration") -> RiskRules:
    """Rules from a parsed TOML document; refuses unknown sections and keys."""
    unknown = set(raw) - set(_KEYS)
    if unknown:
        raise RiskConfigError(f"{where}: unknown section(s) {sorted(unknown)}")
    for section, allowed in _KEYS.items():
        table = raw.get(section, {})
        if not isinstance(table, dict):
            raise RiskConfigError(f"{where}: [{section}] must be a table")
        extra = set(table) - allowed
        if extra and section != "participants":
            raise RiskConfigError(f"{where}: unknown key(s) in [{section}]: {sorted(extra)}")

    def get(section: str, key: str, kind: type[Any], default: Any) -> Any:
        value = raw.get(section, {}).get(key, default)
        ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise RiskConfigError(f"{where}: {section}.{key} must be {kind.__name__}")
        return value

    def amounts(section: str) -> dict[str, int]:
        table = raw.get(section, {}).get("amount_max", {})
        if not isinstance(table, dict):
            raise RiskConfigError(f"{where}: [{section}.amount_max] must be a table")
        out: dict[str, int] = {}
        for code, text in table.items():
            try:
                out[code.upper()] = parse_amount(str(text), code.upper()).minor
            except MoneyError as e:
                raise RiskConfigError(f"{where}: {section}.amount_max.{code}: {e}") from None
        return out

    hold_on_raw = get("verification", "hold_on", list, ["NMTC"])
    try:
        hold_on = frozenset(VerificationResult(str(x).upper()) for x in hold_on_raw)
    except ValueError:
        raise RiskConfigError(
            f"{where}: verification.hold_on takes MTCH, CMTC, NMTC, NOAP"
        ) from None
    participants: dict[str, float] = {}
    for participant, table in raw.get("participants", {}).items():
        if not isinstance(table, dict) or set(table) - {"screening_threshold"}:
            raise RiskConfigError(
                f"{where}: [participants.{participant}] takes only screening_threshold"
            )
        cut = table.get("screening_threshold")
        if not isinstance(cut, int | float) or isinstance(cut, bool):
            raise RiskConfigError(f"{where}: participants.{participant}.screening_threshold")
        participants[str(participant)] = float(cut)
    return RiskRules(
        sanctions_enabled=get("sanctions", "enabled", bool, True),
        sanctions_hold_score=get("sanctions", "hold_score", float, 0.80),
        sanctions_block_score=get("sanctions", "block_score", float, 0.95),
        sanctions_cache_max=get("sanctions", "cache_max", int, 100_000),
        signals_enabled=get("signals", "enabled", bool, True),
        signals_hold_reports=get("signals", "hold_reports", int, 1),
        signals_block_confidence=get("signals", "block_confidence", int, 80),
        signals_block_sources=get("signals", "block_sources", int, 2),
        velocity_enabled=get("velocity", "enabled", bool, True),
        velocity_window_s=get("velocity", "window_s", int, 3600),
        velocity_payments_max=get("velocity", "payments_max", int, 10),
        velocity_debtors_max=get("velocity", "debtors_max", int, 200_000),
        velocity_amount_max_minor=amounts("velocity"),
        new_payee_enabled=get("new_payee", "enabled", bool, True),
        new_payee_pairs_max=get("new_payee", "pairs_max", int, 500_000),
        new_payee_amount_max_minor=amounts("new_payee"),
        verification_enabled=get("verification", "enabled", bool, True),
        verification_hold_on=hold_on,
        creditor_proxy_enabled=get("creditor_proxy", "enabled", bool, True),
        participant_screening_thresholds=participants,
    )


@dataclass(frozen=True, slots=True)
class _Finding:
    outcome: RiskOutcome
    reason: str
    code: ReasonCode | None = None


def signal_targets(
    payment: Payment,
    context: RiskContext,
    *,
    reference: ReferenceData | None = None,
    templates: Mapping[str, str] = DIRECTORY_TEMPLATES,
) -> list[tuple[str, str]]:
    """The creditor's targets as the exchange writes them: the account, the proxy the sender
    used (when the debtor agent said), and the merchant QR ids of a QR payment.

    The declared proxy is written in the exchange's canonical form, read in the destination
    country (``reference``); ``templates`` maps a template GUID to its merchant-id sub-tag.
    """
    targets = [("account", f"{payment.creditor.agent}:{payment.creditor.account}")]
    if context.creditor_proxy is not None:
        targets.append(
            _proxy_target(payment.destination_country, context.creditor_proxy, reference)
        )
    if context.merchant_qr:
        targets.extend(("qr", qr_id) for qr_id in merchant_qr_ids(context.merchant_qr, templates))
    return targets


def _proxy_target(
    country_code: str, proxy: tuple[str, str], reference: ReferenceData | None
) -> tuple[str, str]:
    """The declared proxy as a signal target, canonical when it can be read.

    A value that cannot be read is looked up as written: no signal is stored that way, but
    looking up more never lets a reported target through.
    """
    address_type, value = proxy
    country = None if reference is None else reference.country(country_code)
    kind = None if country is None else country.address_type(address_type)
    target: sig.Target | None = None
    if country is not None and kind is not None:
        target = _declared_target(country, kind, value)
    elif address_type == _MOBILE_TYPE:
        # Without the country's rules an international number (+66 81-234-5678) still reads.
        try:
            target = sig.normalise(sig.SignalType.PHONE, value)
        except InputInvalid:
            target = None
    if target is not None:
        return (target.type.value, target.value)
    if address_type == _MOBILE_TYPE:
        return ("phone", value)
    return ("proxy", f"{country_code}:{address_type}:{value}")


def _declared_target(country: Country, kind: AddressType, value: str) -> sig.Target | None:
    """``value`` of address type ``kind`` in ``country`` read as the exchange reads a reported
    proxy (a mobile number is a ``phone``), or None when it is no valid value of the type."""
    hints = sig.Hints(
        country=country.code,
        mobile=country.address_type(_MOBILE_TYPE),
        address_type=kind,
    )
    try:
        target = sig.normalise(sig.SignalType.PROXY, value, hints)
    except InputInvalid:
        return None
    assert target.type in (sig.SignalType.PHONE, sig.SignalType.PROXY), target
    return target


def _canonical_proxy(country: Country, kind: AddressType, value: str) -> str | None:
    """The declared proxy's value as the directory and the exchange write it, or None when
    it is no valid value of its type."""
    target = _declared_target(country, kind, value)
    if target is None:
        return None
    if target.type is sig.SignalType.PHONE:
        canonical = target.value
    else:
        prefix = f"{country.code}:{kind.code}:"
        assert target.value.startswith(prefix), (target, prefix)
        canonical = target.value[len(prefix) :]
    # The exchange only asks for an E.164 number; the directory wants this country's own.
    return canonical if kind.accepts(canonical) else None


def merchant_qr_ids(payload: str, templates: Mapping[str, str] = DIRECTORY_TEMPLATES) -> list[str]:
    """The merchant ids a scam report may name for a QR, in the exchange's canonical form:
    what the code pays (its payable proxy), the merchant id a national template carries
    beside it, and, for a template no national profile reads (scheme ``unknown``) whose GUID
    is in ``templates``, the sub-tag holding its merchant id. Empty when the code names no
    such id."""
    decoded = emvqr.decode(payload)
    found: list[str] = []
    proxy = decoded.payable_proxy()
    if proxy is not None:
        found.append(proxy[1])
    # The template's merchant id is read even from a code the codec finds invalid (expired,
    # say): looking a reported merchant up errs towards holding, never towards passing.
    for account in decoded.accounts[:QR_TEMPLATES_MAX]:
        # A national scheme's own merchant id (KHQR's 01 beside the Bakong account it pays,
        # DuitNow's, QR Ph's, LAPNet's), which a report may name instead of what is paid.
        typed = account.field("merchantId")
        if isinstance(typed, str) and typed:
            found.append(typed)
        if account.scheme is not emvqr.Scheme.UNKNOWN or not account.guid:
            continue
        subtag = templates.get(account.guid.upper())
        merchant_id = None if subtag is None else dict(account.subtags).get(subtag)
        if merchant_id:
            found.append(merchant_id)
    ids: list[str] = []
    for raw in found:
        try:
            qr_id = sig.normalise(sig.SignalType.QR, raw).value
        except InputInvalid:
            continue  # E.g. a VietQR "BIN:account": that is an account, not a merchant id.
        if qr_id not in ids:
            ids.append(qr_id)
    return ids


class RulesAssessor:
    """A ``RiskAssessor`` that applies ``RiskRules`` (see the module doc)."""

    def __init__(
        self,
        rules: RiskRules,
        *,
        screening: ScreeningService | None = None,
        signals: SignalLookup | None = None,
        directory: ProxyDirectory | None = None,
        reference: ReferenceData | None = None,
        directory_templates: Mapping[str, str] = DIRECTORY_TEMPLATES,
    ) -> None:
        self.rules = rules
        self._screening = screening
        self._signals = signals
        # The creditor-proxy rule reads the destination directory (and the reference data, to
        # write a declared proxy the way the directory does); without them it does not run.
        # The signals rule reads a declared proxy with the reference data too, when given.
        self._directory = directory
        self._reference = reference
        # GUID -> merchant-id sub-tag of the QR templates the directories register (the same
        # mapping as ``AddressingService(directory_templates=...)``).
        self._directory_templates = directory_templates
        # Debtor -> (created_at ns, amount minor) of its recent payments, newest last.
        self._recent: OrderedDict[str, deque[tuple[int, int]]] = OrderedDict()
        # (debtor, creditor) pairs that have had a payment pass; values unused.
        self._known_payees: OrderedDict[tuple[str, str], None] = OrderedDict()

    def assess(self, payment: Payment, context: RiskContext) -> RiskDecision:
        findings: list[_Finding] = []
        if self.rules.sanctions_enabled and self._screening is not None:
            findings.extend(self._sanctions(payment, context))
        if self.rules.signals_enabled and self._signals is not None:
            findings.extend(self._signals_on_creditor(payment, context))
        if (
            self.rules.creditor_proxy_enabled
            and context.creditor_proxy is not None
            and self._directory is not None
            and self._reference is not None
        ):
            findings.extend(self._creditor_proxy(payment, context.creditor_proxy))
        if self.rules.verification_enabled and context.creditor_holder is not None:
            holder = context.creditor_holder
            v = verify_payee(payment.creditor.name, holder.name, masked=holder.display_name)
            if v.result in self.rules.verification_hold_on:
                findings.append(
                    _Finding(
                        RiskOutcome.HOLD,
                        f"payee_verification_{v.result.value}: "
                        f"'{payment.creditor.name}' against the registered name ({v.score:.2f})",
                    )
                )
        debtor = f"{payment.source_country}:{payment.debtor.agent}:{payment.debtor.account}"
        creditor = (
            f"{payment.destination_country}:{payment.creditor.agent}:{payment.creditor.account}"
        )
        at_ns = int(payment.created_at.timestamp() * _NS_PER_S)
        amount = payment.amount_debited
        if self.rules.velocity_enabled:
            findings.extend(self._velocity(debtor, at_ns, amount.minor, amount.currency))
        if self.rules.new_payee_enabled and (debtor, creditor) not in self._known_payees:
            cap = self.rules.new_payee_amount_max_minor.get(amount.currency)
            if cap is not None and amount.minor > cap:
                findings.append(
                    _Finding(
                        RiskOutcome.HOLD,
                        f"first_payment_to_new_payee_above_amount: "
                        f"{amount.format()} {amount.currency} to {creditor}",
                    )
                )
        decision = _decide(findings)
        if decision.outcome is not RiskOutcome.BLOCK and self.rules.velocity_enabled:
            self._remember_payment(debtor, at_ns, amount.minor)
        if decision.outcome is RiskOutcome.PASS and self.rules.new_payee_enabled:
            self._remember_payee(debtor, creditor)
        return decision

    # -- rules ----------------------------------------------------------------------------------

    def _sanctions(self, payment: Payment, context: RiskContext) -> list[_Finding]:
        assert self._screening is not None
        rules = self.rules
        hold_score = rules.participant_screening_thresholds.get(
            payment.debtor.agent, rules.sanctions_hold_score
        )
        creditor_name = (
            context.creditor_holder.name if context.creditor_holder else payment.creditor.name
        )
        found: list[_Finding] = []
        for party, name, country in (
            ("debtor", payment.debtor.name, payment.source_country),
            ("creditor", creditor_name, payment.destination_country),
        ):
            hits = self._screening.screen(
                name, country=country, threshold=hold_score, limit=HITS_PER_NAME
            )
            if not hits:
                continue
            best = hits[0]
            outcome = (
                RiskOutcome.BLOCK if best.score >= rules.sanctions_block_score else RiskOutcome.HOLD
            )
            found.append(
                _Finding(outcome, f"sanctions_hit_{party}: {_hit_text(best)}", ReasonCode.RR04)
            )
        return found

    def _signals_on_creditor(self, payment: Payment, context: RiskContext) -> list[_Finding]:
        assert self._signals is not None
        rules = self.rules
        found: list[_Finding] = []
        targets = signal_targets(
            payment, context, reference=self._reference, templates=self._directory_templates
        )
        for kind, value in targets:
            summary = self._signals.active_reports(kind, value)
            if summary is None or summary.active_reports < rules.signals_hold_reports:
                continue
            confident = (
                summary.confidence_max >= rules.signals_block_confidence
                and summary.sources >= rules.signals_block_sources
            )
            found.append(
                _Finding(
                    RiskOutcome.BLOCK if confident else RiskOutcome.HOLD,
                    f"scam_signal_on_creditor_{kind}: {summary.active_reports} active report(s) "
                    f"from {summary.sources} source(s), confidence up to {summary.confidence_max}",
                    ReasonCode.FRAD,
                )
            )
        return found

    def _creditor_proxy(self, payment: Payment, proxy: tuple[str, str]) -> list[_Finding]:
        """A hold when the declared proxy does not lead to the account the payment credits."""
        assert self._directory is not None and self._reference is not None
        address_type, value = proxy
        creditor = payment.creditor
        country = self._reference.country(payment.destination_country)
        kind = None if country is None else country.address_type(address_type)
        if country is None or kind is None:
            where = f"is no address type of {payment.destination_country}"
        elif kind.code in _PROXY_TYPES_NOT_CHECKED:
            return []
        # Read as the exchange reads a reported proxy: a formatting difference is no reason.
        elif (canonical := _canonical_proxy(country, kind, value)) is None:
            where = f"is no valid {kind.label}"
        elif kind.code == _ACCOUNT_TYPE:
            # An account "proxy" is the account number itself.
            if canonical == creditor.account:
                return []
            where = "names another account"
        else:
            holder = self._directory.resolve(country.code, kind.code, canonical)
            if holder is not None and (holder.agent, holder.account) == (
                creditor.agent,
                creditor.account,
            ):
                return []
            # The other account is not named: the reason is shown to both PSPs.
            where = "is registered to nobody" if holder is None else "leads to another account"
        return [
            _Finding(
                RiskOutcome.HOLD,
                f"creditor_proxy_not_the_creditor_account: {payment.destination_country} "
                f"{address_type} {value} {where}, not to {creditor.agent}:{creditor.account}",
            )
        ]

    def _velocity(
        self, debtor: str, at_ns: int, amount_minor: int, currency: str
    ) -> list[_Finding]:
        rules = self.rules
        since = at_ns - rules.velocity_window_s * _NS_PER_S
        recent = self._recent.get(debtor)
        window = [(t, a) for t, a in recent if t > since] if recent else []
        count = len(window) + 1
        total = sum(a for _, a in window) + amount_minor
        found: list[_Finding] = []
        if count > rules.velocity_payments_max:
            found.append(
                _Finding(
                    RiskOutcome.HOLD,
                    f"velocity_payments_exceeded: {count} payments in "
                    f"{rules.velocity_window_s} s (max {rules.velocity_payments_max})",
                )
            )
        cap = rules.velocity_amount_max_minor.get(currency)
        if cap is not None and total > cap:
            found.append(
                _Finding(
                    RiskOutcome.HOLD,
                    f"velocity_amount_exceeded: {total} minor units of {currency} "
                    f"in {rules.velocity_window_s} s (max {cap})",
                )
            )
        return found

    def _remember_payment(self, debtor: str, at_ns: int, amount_minor: int) -> None:
        recent = self._recent.get(debtor)
        if recent is None:
            # One more than the count limit is all the count rule needs; the amount rule sums
            # at most that many, and once the count is exceeded the payment is held anyway.
            recent = deque(maxlen=self.rules.velocity_payments_max + 1)
            self._recent[debtor] = recent
            if len(self._recent) > self.rules.velocity_debtors_max:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(debtor)
        since = at_ns - self.rules.velocity_window_s * _NS_PER_S
        while recent and recent[0][0] <= since:
            recent.popleft()
        recent.append((at_ns, amount_minor))

    def _remember_payee(self, debtor: str, creditor: str) -> None:
        pair = (debtor, creditor)
        self._known_payees[pair] = None
        self._known_payees.move_to_end(pair)
        if len(self._known_payees) > self.rules.new_payee_pairs_max:
            self._known_payees.popitem(last=False)


def _hit_text(hit: Hit) -> str:
    return f"{hit.list_name} {hit.entry_id} '{hit.matched_name}' ({hit.score:.2f})"


def _decide(findings: list[_Finding]) -> RiskDecision:
    if not findings:
        return PASS
    reasons = tuple(f.reason for f in findings)
    blocks = [f for f in findings if f.outcome is RiskOutcome.BLOCK]
    if blocks:
        # Sanctions (RR04) are reported before scam signals (FRAD) when both block.
        codes = {f.code for f in blocks}
        code = ReasonCode.RR04 if ReasonCode.RR04 in codes else ReasonCode.FRAD
        return RiskDecision(RiskOutcome.BLOCK, reasons, code)
    return RiskDecision(RiskOutcome.HOLD, reasons)


def build_assessor(
    rules: RiskRules,
    *,
    screening: ScreeningService | None,
    signals: SignalLookup | None,
    directory: ProxyDirectory | None = None,
    reference: ReferenceData | None = None,
    directory_templates: Mapping[str, str] = DIRECTORY_TEMPLATES,
) -> RulesAssessor:
    """The assessor the hub uses (``bootstrap`` calls this)."""
    return RulesAssessor(
        rules,
        screening=screening,
        signals=signals,
        directory=directory,
        reference=reference,
        directory_templates=directory_templates,
    )
