"""Scam signals: what one participant tells the others about an account, number, link or QR.

A signal names one *target* (an account at a bank, a phone number, a payment proxy, a URL, a
domain, an e-mail address, a crypto wallet or a merchant QR id) in one canonical form, so that
``+66 81-234-5678`` and ``0812345678`` (in Thailand) are the same number. It carries an abuse
type, a confidence (0-100), who reported it (participant and organisation), first and last seen,
an expiry, a status and a TLP 2.0 marking that decides who may see it (``visible_to``).

Pure: standard library only, no clock (times are passed in), no I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final
from urllib.parse import urlsplit

from lintas.domain.errors import InputInvalid, Refused
from lintas.domain.reference import BIC_PATTERN, AddressType

#: Longest value a caller may send for any type; longer input is refused unread.
VALUE_LENGTH_MAX: Final = 2048
#: Longest free-text description kept with a signal.
DESCRIPTION_LENGTH_MAX: Final = 500
#: How long a signal stays in force when its reporter names no expiry.
SIGNAL_TTL_DAYS_DEFAULT: Final = 365
#: The furthest ahead of its first sighting a signal may expire.
SIGNAL_TTL_DAYS_MAX: Final = 3 * 365
#: Organisation and participant identifiers are short codes.
IDENTIFIER_LENGTH_MAX: Final = 64

_DOMAIN_LENGTH_MAX: Final = 253
_EMAIL_LENGTH_MAX: Final = 254
_EMAIL_LOCAL_LENGTH_MAX: Final = 64
_ACCOUNT = re.compile(r"[A-Z0-9]{4,34}")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_TLD = re.compile(r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})")
_QR_ID = re.compile(r"[A-Z0-9._]{1,99}")
_EMAIL_LOCAL = re.compile(r"[^\s@\"(),:;<>\[\\\]]{1,64}")
_PHONE_SEPARATORS: Final = " -.()/"
_ACCOUNT_SEPARATORS: Final = " -./"
_BASE58: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX: Final = {c: i for i, c in enumerate(_BASE58)}
_BECH32 = re.compile(r"(?:bc1|ltc1)[ac-hj-np-z02-9]{11,71}")
_EVM = re.compile(r"0x[0-9a-f]{40}")


class SignalType(StrEnum):
    """What a signal is about."""

    ACCOUNT = "account"  # An account at a bank: "BIC:NUMBER".
    PHONE = "phone"  # A phone number (also a mobile proxy), E.164.
    PROXY = "proxy"  # Another payment proxy: "CC:TYPE:VALUE" (national id, UEN, e-wallet...).
    URL = "url"  # A link, without its scheme: "host[:port]/path?query".
    DOMAIN = "domain"  # A domain name, lower case, punycoded.
    EMAIL = "email"  # An e-mail address, lower case, its domain punycoded.
    WALLET = "wallet"  # A crypto wallet: "CHAIN:ADDRESS".
    QR = "qr"  # A merchant QR id (the merchant id of an EMVCo merchant-presented QR).


class AbuseType(StrEnum):
    """What the target was used for (the exchange's own short vocabulary)."""

    INVESTMENT_SCAM = "investment_scam"
    ROMANCE_SCAM = "romance_scam"
    JOB_SCAM = "job_scam"
    SHOPPING_SCAM = "shopping_scam"
    LOAN_SCAM = "loan_scam"
    IMPERSONATION = "impersonation"  # Posing as a bank, police, a government agency, family.
    PHISHING = "phishing"
    MALWARE = "malware"
    MONEY_MULE = "money_mule"  # An account that receives and moves scam proceeds.
    OTHER = "other"


class SignalStatus(StrEnum):
    """Where a signal stands; only ACTIVE signals count in lookups and checks."""

    ACTIVE = "active"
    MITIGATED = "mitigated"  # Acted upon (account frozen, domain taken down).
    DISPUTED = "disputed"  # The target's holder or another participant contests it.
    WITHDRAWN = "withdrawn"  # Retracted by its source; final.


class Tlp(StrEnum):
    """Traffic Light Protocol 2.0 markings, most restrictive first."""

    RED = "red"
    AMBER_STRICT = "amber+strict"
    AMBER = "amber"
    GREEN = "green"
    CLEAR = "clear"


class Chain(StrEnum):
    """Blockchains whose wallet addresses the exchange understands."""

    BTC = "BTC"
    ETH = "ETH"
    BSC = "BSC"
    POLYGON = "POLYGON"
    TRX = "TRX"
    SOL = "SOL"
    LTC = "LTC"


_EVM_CHAINS: Final = frozenset({Chain.ETH, Chain.BSC, Chain.POLYGON})


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking at signals, as TLP sees them.

    ``participant`` is None for the public. ``member`` is True for participants of the
    exchange (PSPs and anti-scam centres); other key holders (FX providers) are the wider
    community that GREEN reaches.
    """

    participant: str | None
    organisation: str | None
    member: bool

    def __post_init__(self) -> None:
        assert (self.participant is None) == (self.organisation is None), self
        assert not (self.member and self.participant is None), self


#: The public (no key): sees TLP:CLEAR only.
PUBLIC: Final = Viewer(None, None, False)


def visible_to(tlp: Tlp, source_participant: str, source_organisation: str, viewer: Viewer) -> bool:
    """Whether ``viewer`` may see a signal marked ``tlp`` (TLP 2.0, read for this exchange).

    RED stays with the reporting participant; AMBER+STRICT with the source's organisation;
    AMBER with the exchange's members; GREEN with every key holder (the community); CLEAR
    with everyone, the public check included.
    """
    if tlp is Tlp.CLEAR:
        return True
    if viewer.participant is None:
        return False
    if tlp is Tlp.GREEN:
        return True
    if tlp is Tlp.AMBER:
        return viewer.member or viewer.organisation == source_organisation
    if tlp is Tlp.AMBER_STRICT:
        return viewer.organisation == source_organisation
    assert tlp is Tlp.RED, tlp
    return viewer.participant == source_participant


@dataclass(frozen=True, slots=True)
class Target:
    """What a signal is about, in canonical form."""

    type: SignalType
    value: str

    def __post_init__(self) -> None:
        assert 0 < len(self.value) <= VALUE_LENGTH_MAX, self.value


@dataclass(frozen=True, slots=True)
class Hints:
    """What normalisation may need besides the value.

    ``mobile`` is the MOBILE address type of the country the number was written in (for
    national forms such as ``0812345678``); ``address_type`` the proxy type for PROXY; ``bank``
    the BIC for ACCOUNT when the value does not carry it; ``chain`` for WALLET likewise.
    """

    country: str | None = None
    mobile: AddressType | None = None
    address_type: AddressType | None = None
    bank: str | None = None
    chain: str | None = None


def _malformed(kind: SignalType, why: str) -> InputInvalid:
    return InputInvalid(f"{kind.value}_value_malformed", why, field="value")


def signal_type(text: str) -> SignalType:
    """The type named ``text`` (case-insensitive), or ``InputInvalid``."""
    try:
        return SignalType(text.strip().lower())
    except ValueError:
        known = ", ".join(t.value for t in SignalType)
        raise InputInvalid(
            "signal_type_unknown", f"unknown signal type {text!r}; one of {known}", field="type"
        ) from None


def normalise(kind: SignalType, value: str, hints: Hints = Hints()) -> Target:
    """``value`` as the canonical target of ``kind``, or ``InputInvalid`` saying why not."""
    if len(value) > VALUE_LENGTH_MAX:
        raise _malformed(kind, f"the value is over {VALUE_LENGTH_MAX} characters")
    text = value.strip()
    if not text:
        raise InputInvalid("signal_value_missing", "the value is empty", field="value")
    if kind is SignalType.PHONE:
        return Target(kind, _phone(text, hints.mobile))
    if kind is SignalType.ACCOUNT:
        return Target(kind, _account(text, hints.bank))
    if kind is SignalType.PROXY:
        return _proxy(text, hints)
    if kind is SignalType.URL:
        return Target(kind, _url(text))
    if kind is SignalType.DOMAIN:
        return Target(kind, _domain(_refang(text), kind))
    if kind is SignalType.EMAIL:
        return Target(kind, _email(_refang(text)))
    if kind is SignalType.WALLET:
        return Target(kind, _wallet(text, hints.chain))
    assert kind is SignalType.QR, kind
    qr = text.upper().translate({ord(c): None for c in " -"})
    if _QR_ID.fullmatch(qr) is None:
        raise _malformed(kind, "a merchant QR id is 1-99 letters, digits, '.' or '_'")
    return Target(kind, qr)


def _phone(text: str, mobile: AddressType | None) -> str:
    compact = text.translate({ord(c): None for c in _PHONE_SEPARATORS})
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not compact.startswith("+"):
        if mobile is None:
            raise InputInvalid(
                "phone_number_needs_a_country",
                "a number without its country code (+66...) needs a country to be read",
                field="country",
            )
        compact = mobile.normalise(compact)
    if _E164.fullmatch(compact) is None:
        raise _malformed(SignalType.PHONE, f"{text!r} is not a phone number (E.164, 7-15 digits)")
    return compact


def _account(text: str, bank: str | None) -> str:
    if bank is None:
        for separator in (":", "/"):
            head, found, tail = text.partition(separator)
            if found and BIC_PATTERN.fullmatch(head.strip().upper()[:8] or "-"):
                bank, text = head, tail
                break
    if bank is None:
        raise InputInvalid(
            "account_needs_a_bank", "an account is named with its bank: BIC:NUMBER", field="bank"
        )
    bic = bank.strip().upper()
    if len(bic) not in (8, 11) or BIC_PATTERN.fullmatch(bic[:8]) is None:
        raise InputInvalid("bank_malformed", f"{bank!r} is not a BIC", field="bank")
    number = text.upper().translate({ord(c): None for c in _ACCOUNT_SEPARATORS})
    if _ACCOUNT.fullmatch(number) is None:
        raise _malformed(SignalType.ACCOUNT, "an account number is 4-34 letters or digits")
    # The branch code (the last 3 of an 11-character BIC) does not change who holds the account.
    return f"{bic[:8]}:{number}"


def _proxy(text: str, hints: Hints) -> Target:
    address_type, country = hints.address_type, hints.country
    if address_type is None or country is None:
        raise InputInvalid(
            "proxy_needs_a_country_and_type",
            "a proxy is read with its country and type (NATIONAL_ID, UEN, EWALLET...)",
            field="proxyType",
        )
    if address_type.code == "MOBILE":
        # A mobile proxy is a phone number: one target, whatever it was reported as.
        return Target(SignalType.PHONE, _phone(text, address_type))
    if not address_type.accepts(text):
        raise _malformed(
            SignalType.PROXY, f"{text!r} is not a valid {address_type.code} in {country}"
        )
    return Target(SignalType.PROXY, f"{country}:{address_type.code}:{address_type.normalise(text)}")


def _refang(text: str) -> str:
    # Threat feeds write links "defanged" so that nobody clicks them by accident.
    return text.replace("[.]", ".").replace("(.)", ".").replace("[@]", "@").replace("[:]", ":")


def _domain(text: str, kind: SignalType) -> str:
    host = text.strip().rstrip(".").lower()
    if not host or len(host) > _DOMAIN_LENGTH_MAX * 4:
        raise _malformed(kind, "a domain name is 1-253 characters")
    try:
        # IDNA 2003 (the standard library's codec); names are compared in their ASCII form.
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise _malformed(kind, f"{text!r} is not a valid internationalised domain name") from None
    labels = ascii_host.split(".")
    if (
        len(ascii_host) > _DOMAIN_LENGTH_MAX
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or _TLD.fullmatch(labels[-1]) is None
    ):
        raise _malformed(kind, f"{text!r} is not a domain name")
    return ascii_host


def _url(text: str) -> str:
    raw = _refang(text)
    raw = re.sub(r"^hxxp", "http", raw, flags=re.IGNORECASE)
    if "://" not in raw:
        raw = "http://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise _malformed(SignalType.URL, f"{text!r} is not a URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise _malformed(SignalType.URL, "a URL is an http(s) link with a host")
    if any(c.isspace() for c in raw):
        raise _malformed(SignalType.URL, "a URL holds no spaces")
    # The scheme is dropped (http and https lead to the same scammer) and so is any user
    # part ("https://bank.example@evil.example" goes to evil.example); the path and query
    # keep their case because link shorteners tell /AbC from /abc.
    host = _domain(parts.hostname, SignalType.URL)
    default_port = 443 if parts.scheme.lower() == "https" else 80
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    path = "" if parts.path in ("", "/") else parts.path
    query = f"?{parts.query}" if parts.query else ""
    return f"{netloc}{path}{query}"


def _email(text: str) -> str:
    local, at, domain = text.strip().rpartition("@")
    if not at or _EMAIL_LOCAL.fullmatch(local) is None or len(local) > _EMAIL_LOCAL_LENGTH_MAX:
        raise _malformed(SignalType.EMAIL, f"{text!r} is not an e-mail address")
    address = f"{local.lower()}@{_domain(domain, SignalType.EMAIL)}"
    if len(address) > _EMAIL_LENGTH_MAX:
        raise _malformed(SignalType.EMAIL, "an e-mail address is at most 254 characters")
    return address


def _base58check(text: str) -> bytes | None:
    """The payload of a Base58Check string, or None when it is not one."""
    number = 0
    for c in text:
        digit = _BASE58_INDEX.get(c)
        if digit is None:
            return None
        number = number * 58 + digit
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(text) - len(text.lstrip("1"))) + raw
    if len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        return None
    return payload


def _base58_length(text: str) -> int | None:
    number = 0
    for c in text:
        digit = _BASE58_INDEX.get(c)
        if digit is None:
            return None
        number = number * 58 + digit
    return (number.bit_length() + 7) // 8 + len(text) - len(text.lstrip("1"))


def _wallet(text: str, chain_hint: str | None) -> str:
    address = text
    if chain_hint is None:
        head, found, tail = text.partition(":")
        if not found:
            raise InputInvalid(
                "wallet_needs_a_chain",
                "a wallet is named with its chain: CHAIN:ADDRESS",
                field="chain",
            )
        chain_hint, address = head, tail
    try:
        chain = Chain(chain_hint.strip().upper())
    except ValueError:
        known = ", ".join(c.value for c in Chain)
        raise InputInvalid(
            "chain_unknown", f"unknown chain {chain_hint!r}; one of {known}", field="chain"
        ) from None
    address = address.strip()
    bad = _malformed(SignalType.WALLET, f"{address!r} is not a {chain.value} address")
    if chain in _EVM_CHAINS:
        # EIP-55 mixed case is a checksum of the same address; compare in lower case.
        address = address.lower()
        if _EVM.fullmatch(address) is None:
            raise bad
    elif chain in (Chain.BTC, Chain.LTC) and address.lower().startswith(("bc1", "ltc1")):
        address = address.lower()
        if _BECH32.fullmatch(address) is None or (chain is Chain.BTC) != address.startswith("bc1"):
            raise bad
    elif chain in (Chain.BTC, Chain.LTC, Chain.TRX):
        payload = _base58check(address) if len(address) <= 40 else None
        versions = {Chain.BTC: (0x00, 0x05), Chain.LTC: (0x30, 0x32, 0x05), Chain.TRX: (0x41,)}
        if payload is None or len(payload) != 21 or payload[0] not in versions[chain]:
            raise bad
    else:
        assert chain is Chain.SOL, chain
        if not 32 <= len(address) <= 44 or _base58_length(address) != 32:
            raise bad
    return f"{chain.value}:{address}"


@dataclass(frozen=True, kw_only=True)
class TargetInput:
    """A target as a caller writes it, with what reading it may need."""

    type: str
    value: str
    country: str | None = None
    bank: str | None = None
    chain: str | None = None
    proxy_type: str | None = None


@dataclass(frozen=True, kw_only=True)
class SignalInput:
    """A report as a caller writes it (API body, JSON line, STIX indicator)."""

    target: TargetInput
    abuse: str
    confidence: int
    tlp: str = "amber"
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    expires_at: datetime | None = None
    description: str = ""
    id: str | None = None
    status: str = "active"
    created_at: datetime | None = None
    modified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """Who reported a signal."""

    participant: str
    organisation: str
    country: str | None

    def __post_init__(self) -> None:
        assert 0 < len(self.participant) <= IDENTIFIER_LENGTH_MAX, self
        assert 0 < len(self.organisation) <= IDENTIFIER_LENGTH_MAX, self
        assert self.country is None or re.fullmatch(r"[A-Z]{2}", self.country), self


@dataclass(frozen=True, slots=True)
class Signal:
    """One report about one target, by one source."""

    id: str
    target: Target
    abuse: AbuseType
    confidence: int
    source: Source
    tlp: Tlp
    status: SignalStatus
    first_seen: datetime
    last_seen: datetime
    expires_at: datetime
    created_at: datetime
    modified_at: datetime
    description: str = ""

    def __post_init__(self) -> None:
        assert 0 <= self.confidence <= 100, self.confidence
        assert self.first_seen <= self.last_seen, (self.first_seen, self.last_seen)
        assert self.first_seen < self.expires_at, (self.first_seen, self.expires_at)
        assert self.created_at <= self.modified_at, (self.created_at, self.modified_at)
        assert len(self.description) <= DESCRIPTION_LENGTH_MAX
        assert self.first_seen.tzinfo is not None and self.expires_at.tzinfo is not None

    def is_active(self, now: datetime) -> bool:
        """Whether the signal counts now: ACTIVE and not expired."""
        return self.status is SignalStatus.ACTIVE and now < self.expires_at

    def visible_to(self, viewer: Viewer) -> bool:
        """Whether ``viewer`` may see this signal under its TLP marking."""
        return visible_to(self.tlp, self.source.participant, self.source.organisation, viewer)


def check_times(
    first_seen: datetime, last_seen: datetime, expires_at: datetime, now: datetime
) -> None:
    """Refuse sightings in the future, last before first, or an expiry out of range."""
    slack = timedelta(minutes=5)  # Reporters' clocks drift a little.
    if first_seen > now + slack or last_seen > now + slack:
        raise InputInvalid("signal_seen_in_the_future", "firstSeen and lastSeen must be past")
    if last_seen < first_seen:
        raise InputInvalid("last_seen_before_first_seen", "lastSeen is before firstSeen")
    if expires_at <= first_seen:
        raise InputInvalid("signal_expires_before_it_was_seen", "expiresAt is before firstSeen")
    if expires_at > first_seen + timedelta(days=SIGNAL_TTL_DAYS_MAX):
        raise InputInvalid(
            "signal_expiry_too_far",
            f"a signal expires at most {SIGNAL_TTL_DAYS_MAX} days after it was first seen",
            field="expiresAt",
        )


def check_confidence(confidence: int) -> None:
    """Refuse a confidence outside 0-100."""
    if not 0 <= confidence <= 100:
        raise InputInvalid("confidence_out_of_range", "confidence is 0-100", field="confidence")


def abuse_type(text: str) -> AbuseType:
    """The abuse type ``text``, or ``InputInvalid``."""
    try:
        return AbuseType(text.strip().lower())
    except ValueError:
        known = ", ".join(a.value for a in AbuseType)
        raise InputInvalid(
            "abuse_type_unknown", f"unknown abuse type {text!r}; one of {known}", field="abuse"
        ) from None


def tlp_of(text: str) -> Tlp:
    """The TLP marking ``text`` (``amber+strict``, ``TLP:AMBER+STRICT``...), or ``InputInvalid``."""
    cleaned = text.strip().lower().removeprefix("tlp:").replace("_", "+")
    if cleaned == "white":
        cleaned = "clear"  # TLP 1.0's WHITE is TLP 2.0's CLEAR.
    try:
        return Tlp(cleaned)
    except ValueError:
        raise InputInvalid(
            "tlp_unknown",
            f"unknown TLP marking {text!r}; red, amber+strict, amber, green or clear",
            field="tlp",
        ) from None


def change_status(signal: Signal, status: SignalStatus, now: datetime) -> Signal:
    """``signal`` with ``status``; a withdrawn signal stays withdrawn."""
    if signal.status is SignalStatus.WITHDRAWN:
        raise Refused("signal_is_withdrawn", f"signal {signal.id} was withdrawn; report anew")
    return replace(signal, status=status, modified_at=max(now, signal.modified_at))


@dataclass(frozen=True, slots=True)
class Summary:
    """What a lookup answers about one target, from the signals a viewer may see."""

    target: Target
    active_reports: int
    sources: int
    first_seen: datetime | None
    last_seen: datetime | None
    confidence_max: int
    abuse_types: tuple[AbuseType, ...]
    signals: tuple[Signal, ...]


def summarise(target: Target, signals: Iterable[Signal], viewer: Viewer, now: datetime) -> Summary:
    """Count the active signals on ``target`` that ``viewer`` may see."""
    visible = tuple(s for s in signals if s.target == target and s.visible_to(viewer))
    active = [s for s in visible if s.is_active(now)]
    return Summary(
        target=target,
        active_reports=len(active),
        sources=len({s.source.organisation for s in active}),
        first_seen=min((s.first_seen for s in active), default=None),
        last_seen=max((s.last_seen for s in active), default=None),
        confidence_max=max((s.confidence for s in active), default=0),
        abuse_types=tuple(sorted({s.abuse for s in active})),
        signals=visible,
    )
