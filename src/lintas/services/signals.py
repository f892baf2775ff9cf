"""The scam-signal exchange: report, update, withdraw and look up signals; the public check.

Who may do what:
- PSPs, national anti-scam centres (``Role.SCAM_CENTRE``) and the operator report signals and
  change or withdraw their own organisation's signals. A centre reports as itself: its id is
  its organisation and its country the signal's source country.
- Every key holder looks signals up; what each one sees follows TLP 2.0
  (``lintas.domain.signals.visible_to``): PSPs, centres and the operator are members of the
  exchange (AMBER and below); FX providers see GREEN and CLEAR only.
- The public check (no key) sees TLP:CLEAR signals only, and only counts: never who
  reported, never a description.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final, Protocol

from lintas.domain import signals as sig
from lintas.domain.errors import Conflict, Forbidden, InputInvalid, NotFound
from lintas.domain.signals import (
    Signal,
    SignalInput,
    SignalStatus,
    SignalType,
    Summary,
    Target,
    TargetInput,
    Viewer,
)
from lintas.ports.clock import Clock
from lintas.ports.directory import Participant, ReferenceData, Role
from lintas.ports.signals import SignalPages, SignalSummary

#: Records one import may hold at most (a file is refused beyond it before anything is written).
IMPORT_RECORDS_MAX: Final = 2_000_000
#: Stable namespace for ids derived from a record without one (re-importing changes nothing).
SIGNAL_ID_NAMESPACE: Final = uuid.UUID("5b0a1c3e-7f55-4f0e-9a61-6c1d2b8e4a10")

#: Roles that may report signals and that see TLP:AMBER (members of the exchange).
MEMBER_ROLES: Final = frozenset({Role.PSP, Role.SCAM_CENTRE, Role.OPERATOR})


class SignalStore(SignalPages, Protocol):
    """Where signals live: ``adapters.sqlite.signals_store.SignalsStore`` or
    ``adapters.postgres.signals_store.PostgresSignalsStore``; pages of them feed TAXII and
    the STIX export (``SignalPages``)."""

    def insert(self, signal: Signal, now_ns: int) -> None: ...
    def replace(self, signal: Signal, now_ns: int) -> None: ...
    def insert_many(self, signals: Iterable[Signal], now_ns: int) -> int: ...
    def get(self, signal_id: str) -> Signal | None: ...
    def on_target(self, target: Target) -> list[Signal]: ...


@dataclass(frozen=True, kw_only=True)
class SignalChange:
    """What a PATCH may change; None leaves a field as it is."""

    status: str | None = None
    confidence: int | None = None
    tlp: str | None = None
    abuse: str | None = None
    last_seen: datetime | None = None
    expires_at: datetime | None = None
    description: str | None = None


def organisation_of(participant: Participant) -> str:
    """The organisation a participant belongs to.

    A PSP's organisation is the institution code of its BIC (the first four letters): a bank
    group's entities in several countries share it. Anyone else (an anti-scam centre, an FX
    provider, the operator) is an organisation alone.
    """
    if participant.role is Role.PSP:
        return participant.id[:4]
    return participant.id


def viewer_of(participant: Participant | None) -> Viewer:
    """How TLP sees ``participant`` (None: the public)."""
    if participant is None:
        return sig.PUBLIC
    return Viewer(participant.id, organisation_of(participant), participant.role in MEMBER_ROLES)


def _signal_id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise InputInvalid("signal_id_malformed", f"{text!r} is not a UUID", field="id") from None


def _status(text: str) -> SignalStatus:
    try:
        return SignalStatus(text.strip().lower())
    except ValueError:
        raise InputInvalid(
            "signal_status_unknown",
            f"unknown status {text!r}; active, mitigated, disputed or withdrawn",
            field="status",
        ) from None


class SignalsService:
    """The exchange's use cases over a ``SignalStore``."""

    def __init__(self, *, store: SignalStore, reference: ReferenceData, clock: Clock) -> None:
        self._store = store
        self._reference = reference
        self._clock = clock

    @property
    def store(self) -> SignalStore:
        """The store (TAXII and exports page through it)."""
        return self._store

    # --- Reading what callers write ---------------------------------------------------------

    def target(self, given: TargetInput, default_country: str | None = None) -> Target:
        """The canonical target of ``given`` (a national number is read in ``given.country``,
        else in ``default_country``)."""
        kind = sig.signal_type(given.type)
        code = (given.country or default_country or "").strip().upper() or None
        country = None
        if code is not None:
            country = self._reference.country(code)
            if country is None and (given.country is not None or kind is SignalType.PROXY):
                raise InputInvalid(
                    "country_unknown", f"no country {code!r} is connected", field="country"
                )
        address_type = None
        if kind is SignalType.PROXY:
            if given.proxy_type is None:
                raise InputInvalid(
                    "proxy_needs_a_country_and_type", "name the proxy type", field="proxyType"
                )
            if country is not None:
                address_type = country.address_type(given.proxy_type.strip().upper())
                if address_type is None:
                    raise InputInvalid(
                        "proxy_type_unknown",
                        f"{country.code} has no proxy type {given.proxy_type!r}",
                        field="proxyType",
                    )
        hints = sig.Hints(
            country=country.code if country else None,
            mobile=country.address_type("MOBILE") if country else None,
            address_type=address_type,
            bank=given.bank,
            chain=given.chain,
        )
        return sig.normalise(kind, given.value, hints)

    def build(self, given: SignalInput, source: sig.Source, now: datetime) -> Signal:
        """A new signal from ``given`` (validated; nothing is stored)."""
        target = self.target(given.target, source.country)
        sig.check_confidence(given.confidence)
        first_seen = given.first_seen or now
        last_seen = given.last_seen or first_seen
        expires_at = given.expires_at or first_seen + timedelta(days=sig.SIGNAL_TTL_DAYS_DEFAULT)
        sig.check_times(first_seen, last_seen, expires_at, now)
        if len(given.description) > sig.DESCRIPTION_LENGTH_MAX:
            raise InputInvalid(
                "description_too_long",
                f"a description is at most {sig.DESCRIPTION_LENGTH_MAX} characters",
                field="description",
            )
        created_at = min(given.created_at or now, now)
        modified_at = max(created_at, min(given.modified_at or created_at, now))
        signal_id = given.id
        if signal_id is None:
            # Derived from what the record says, so importing the same file twice adds nothing.
            name = f"{source.participant}|{target.type}|{target.value}|{first_seen.isoformat()}"
            signal_id = str(uuid.uuid5(SIGNAL_ID_NAMESPACE, name))
        return Signal(
            id=_signal_id(signal_id),
            target=target,
            abuse=sig.abuse_type(given.abuse),
            confidence=given.confidence,
            source=source,
            tlp=sig.tlp_of(given.tlp),
            status=_status(given.status),
            first_seen=first_seen,
            last_seen=last_seen,
            expires_at=expires_at,
            created_at=created_at,
            modified_at=modified_at,
            description=given.description,
        )

    @staticmethod
    def source_of(caller: Participant) -> sig.Source:
        """The source a caller reports as; only members of the exchange may report."""
        if caller.role not in MEMBER_ROLES:
            raise Forbidden(
                "participant_may_not_report_signals",
                "only PSPs, anti-scam centres and the operator report signals",
            )
        return sig.Source(caller.id, organisation_of(caller), caller.country)

    # --- Use cases --------------------------------------------------------------------------

    def report(self, given: SignalInput, caller: Participant) -> Signal:
        """Record a new signal from ``caller``; the same id again with the same content answers
        the stored signal, with other content ``Conflict``."""
        now = self._clock.now()
        signal = self.build(replace(given, status="active"), self.source_of(caller), now)
        existing = self._store.get(signal.id)
        if existing is not None:
            if existing.source.participant == caller.id and existing.target == signal.target:
                return existing
            raise Conflict("signal_id_already_used", f"signal {signal.id} exists", field="id")
        self._store.insert(signal, self._clock.now_ns())
        return signal

    def _own(self, signal_id: str, caller: Participant) -> Signal:
        signal = self._store.get(_signal_id(signal_id))
        viewer = viewer_of(caller)
        if signal is None or not signal.visible_to(viewer):
            # A signal the caller may not see does not exist for it.
            raise NotFound("signal_unknown", f"no signal {signal_id}", field="id")
        if signal.source.organisation != viewer.organisation:
            raise Forbidden(
                "signal_belongs_to_another_organisation",
                "only the reporting organisation changes or withdraws a signal",
            )
        return signal

    def change(self, signal_id: str, change: SignalChange, caller: Participant) -> Signal:
        """Apply ``change`` to the caller's organisation's signal ``signal_id``."""
        signal = self._own(signal_id, caller)
        now = self._clock.now()
        updated = signal
        if change.status is not None:
            updated = sig.change_status(updated, _status(change.status), now)
        elif signal.status is SignalStatus.WITHDRAWN:
            updated = sig.change_status(updated, SignalStatus.WITHDRAWN, now)  # Refuses.
        if change.confidence is not None:
            sig.check_confidence(change.confidence)
        last_seen = change.last_seen or signal.last_seen
        expires_at = change.expires_at or signal.expires_at
        sig.check_times(signal.first_seen, last_seen, expires_at, now)
        description = signal.description if change.description is None else change.description
        if len(description) > sig.DESCRIPTION_LENGTH_MAX:
            raise InputInvalid("description_too_long", "description too long", field="description")
        # After this point, the change is valid and must be stored.
        updated = replace(
            updated,
            confidence=signal.confidence if change.confidence is None else change.confidence,
            tlp=signal.tlp if change.tlp is None else sig.tlp_of(change.tlp),
            abuse=signal.abuse if change.abuse is None else sig.abuse_type(change.abuse),
            last_seen=last_seen,
            expires_at=expires_at,
            description=description,
            modified_at=max(now, signal.modified_at),
        )
        self._store.replace(updated, self._clock.now_ns())
        return updated

    def withdraw(self, signal_id: str, caller: Participant) -> Signal:
        """Withdraw the caller's organisation's signal (final)."""
        return self.change(signal_id, SignalChange(status=SignalStatus.WITHDRAWN.value), caller)

    def get(self, signal_id: str, caller: Participant) -> Signal:
        """One signal the caller may see, or ``NotFound``."""
        signal = self._store.get(_signal_id(signal_id))
        if signal is None or not signal.visible_to(viewer_of(caller)):
            raise NotFound("signal_unknown", f"no signal {signal_id}", field="id")
        return signal

    def lookup(self, given: TargetInput, caller: Participant | None) -> Summary:
        """How many active reports ``caller`` may see on a target, since when, from how many
        organisations (the public: TLP:CLEAR only)."""
        target = self.target(given, caller.country if caller else None)
        now = self._clock.now()
        return sig.summarise(target, self._store.on_target(target), viewer_of(caller), now)

    # --- Bulk -------------------------------------------------------------------------------

    def prepare(
        self,
        records: Iterable[SignalInput],
        source: sig.Source,
        on_record: Callable[[int], None] | None = None,
    ) -> list[Signal]:
        """Validate every record (the first bad one refuses the whole import, naming its
        position) before anything is written."""
        now = self._clock.now()
        prepared: list[Signal] = []
        for index, record in enumerate(records, start=1):
            if index > IMPORT_RECORDS_MAX:
                raise InputInvalid(
                    "import_too_large", f"an import holds at most {IMPORT_RECORDS_MAX} records"
                )
            try:
                prepared.append(self.build(record, source, now))
            except InputInvalid as e:
                raise type(e)(
                    e.reason, f"record {index}: {e.message}", code=e.code, field=e.field
                ) from None
            if on_record is not None:
                on_record(index)
        return prepared

    def save(
        self, signals: list[Signal], chunk: int, on_chunk: Callable[[int], None] | None = None
    ) -> int:
        """Store prepared signals, ``chunk`` at a time; return how many rows changed."""
        assert chunk > 0, chunk
        changed = 0
        for start in range(0, len(signals), chunk):
            part = signals[start : start + chunk]
            changed += self._store.insert_many(part, self._clock.now_ns())
            if on_chunk is not None:
                on_chunk(len(part))
        return changed


# --- The public check ---------------------------------------------------------------------

#: Languages the public check answers in (BCP 47 primary tags), English first (the fallback).
CHECK_LANGUAGES: Final = ("en", "ms", "id", "th", "vi", "fil", "km", "lo", "my", "zh")
#: Tags people's browsers send for the same languages.
_LANGUAGE_ALIASES: Final = {"tl": "fil", "in": "id", "zsm": "ms", "cmn": "zh", "bur": "my"}
#: Entries of an Accept-Language header read at most.
ACCEPT_LANGUAGE_ENTRIES_MAX: Final = 16

#: (headline, what to do next) per language, when active reports exist.
_REPORTED: Final[dict[str, tuple[str, str]]] = {
    "en": (
        "Warning: there are active scam reports about this.",
        "Do not send money and do not share any codes. If you have already paid, call your bank "
        "now and report it to the police or your national anti-scam centre.",
    ),
    "ms": (
        "Amaran: terdapat laporan penipuan aktif mengenai perkara ini.",
        "Jangan pindahkan wang dan jangan kongsikan sebarang kod. Jika anda sudah membuat "
        "bayaran, segera hubungi bank anda dan buat laporan kepada polis atau pusat "
        "anti-penipuan kebangsaan.",
    ),
    "id": (
        "Peringatan: ada laporan penipuan aktif terkait hal ini.",
        "Jangan mengirim uang dan jangan membagikan kode apa pun. Jika Anda sudah membayar, "
        "segera hubungi bank Anda dan laporkan ke polisi atau pusat antipenipuan nasional.",
    ),
    "th": (
        "คำเตือน: มีรายงานการหลอกลวงที่ยังมีผลอยู่เกี่ยวกับรายการนี้",
        "อย่าโอนเงินและอย่าบอกรหัสใด ๆ แก่ผู้อื่น หากคุณโอนเงินไปแล้ว ให้ติดต่อธนาคารของคุณทันที "
        "และแจ้งความกับตำรวจหรือศูนย์ต่อต้านการหลอกลวงของประเทศ",
    ),
    "vi": (
        "Cảnh báo: có báo cáo lừa đảo còn hiệu lực về đối tượng này.",
        "Đừng chuyển tiền và đừng chia sẻ bất kỳ mã nào. Nếu bạn đã chuyển tiền, hãy liên hệ "
        "ngay với ngân hàng của bạn và trình báo công an hoặc cơ quan phòng chống lừa đảo "
        "quốc gia.",
    ),
    "fil": (
        "Babala: may mga aktibong ulat ng scam tungkol dito.",
        "Huwag magpadala ng pera at huwag ibigay ang anumang code. Kung nakapagbayad ka na, "
        "tawagan agad ang iyong bangko at i-report ito sa pulisya o sa pambansang ahensiya "
        "laban sa scam.",
    ),
    "km": (
        "ការព្រមាន៖ មានរបាយការណ៍អំពីការបោកប្រាស់ដែលនៅមានសុពលភាពទាក់ទងនឹងរឿងនេះ។",
        "សូមកុំផ្ញើប្រាក់ ហើយកុំប្រាប់លេខកូដណាមួយដល់អ្នកដទៃ។ ប្រសិនបើអ្នកបានបង់ប្រាក់រួចហើយ "
        "សូមទាក់ទងធនាគាររបស់អ្នកភ្លាមៗ ហើយរាយការណ៍ទៅប៉ូលិស ឬមជ្ឈមណ្ឌលប្រឆាំងការបោកប្រាស់ជាតិ។",
    ),
    "lo": (
        "ຄຳເຕືອນ: ມີລາຍງານການສໍ້ໂກງທີ່ຍັງມີຜົນຢູ່ກ່ຽວກັບລາຍການນີ້.",
        "ຢ່າໂອນເງິນ ແລະ ຢ່າບອກລະຫັດໃດໆໃຫ້ຜູ້ອື່ນ. ຖ້າທ່ານໄດ້ໂອນເງິນໄປແລ້ວ, ໃຫ້ຕິດຕໍ່ທະນາຄານຂອງທ່ານທັນທີ "
        "ແລະ ແຈ້ງຄວາມຕໍ່ເຈົ້າໜ້າທີ່ຕຳຫຼວດ ຫຼື ໜ່ວຍງານຕ້ານການສໍ້ໂກງແຫ່ງຊາດ.",
    ),
    "my": (
        "သတိပေးချက် - ဤအရာနှင့်ပတ်သက်၍ လက်ရှိ လိမ်လည်မှုတိုင်ကြားချက်များ ရှိနေပါသည်။",
        "ငွေမလွှဲပါနှင့်၊ မည်သည့်ကုဒ်နံပါတ်ကိုမျှ မမျှဝေပါနှင့်။ ငွေလွှဲပြီးဖြစ်ပါက သင့်ဘဏ်ကို ချက်ချင်းဆက်သွယ်ပြီး "
        "ရဲ သို့မဟုတ် အမျိုးသားအဆင့် လိမ်လည်မှုတိုက်ဖျက်ရေးဌာနသို့ တိုင်ကြားပါ။",
    ),
    "zh": (
        "警告：此项目前有有效的诈骗举报。",
        "请勿转账，也不要向任何人透露验证码。如果您已经付款，请立即联系您的银行，"
        "并向警方或国家反诈骗中心报案。",
    ),
}

#: (headline, what to do next) per language, when no active report is known.
_NOT_REPORTED: Final[dict[str, tuple[str, str]]] = {
    "en": (
        "No active scam reports were found for this.",
        "That does not prove it is safe. Confirm who you are paying through official channels, "
        "and stop if anyone pressures you to pay quickly.",
    ),
    "ms": (
        "Tiada laporan penipuan aktif ditemui untuk perkara ini.",
        "Ini tidak bermakna ia selamat. Sahkan penerima melalui saluran rasmi, dan berhenti "
        "jika ada sesiapa mendesak anda membuat bayaran dengan segera.",
    ),
    "id": (
        "Tidak ditemukan laporan penipuan aktif untuk hal ini.",
        "Ini bukan berarti aman. Pastikan penerima melalui saluran resmi, dan berhenti jika "
        "ada yang mendesak Anda untuk segera membayar.",
    ),
    "th": (
        "ไม่พบรายงานการหลอกลวงที่ยังมีผลอยู่สำหรับรายการนี้",
        "แต่ไม่ได้หมายความว่าปลอดภัย โปรดตรวจสอบผู้รับเงินผ่านช่องทางทางการ และหยุดทันทีหากมีผู้เร่งรัดให้คุณโอนเงิน",
    ),
    "vi": (
        "Không tìm thấy báo cáo lừa đảo nào còn hiệu lực về đối tượng này.",
        "Điều này không có nghĩa là an toàn. Hãy xác minh người nhận qua các kênh chính thức "
        "và dừng lại nếu có ai hối thúc bạn chuyển tiền gấp.",
    ),
    "fil": (
        "Walang nakitang aktibong ulat ng scam tungkol dito.",
        "Hindi ito nangangahulugang ligtas ito. Tiyakin kung sino ang babayaran mo sa mga "
        "opisyal na paraan, at huminto kung may nagmamadali sa iyong magbayad.",
    ),
    "km": (
        "រកមិនឃើញរបាយការណ៍អំពីការបោកប្រាស់ដែលនៅមានសុពលភាពសម្រាប់រឿងនេះទេ។",
        "នេះមិនមានន័យថាវាមានសុវត្ថិភាពនោះទេ។ សូមផ្ទៀងផ្ទាត់អ្នកទទួលតាមរយៈបណ្ដាញផ្លូវការ "
        "ហើយឈប់ភ្លាម ប្រសិនបើមាននរណាម្នាក់ជំរុញឱ្យអ្នកបង់ប្រាក់យ៉ាងប្រញាប់។",
    ),
    "lo": (
        "ບໍ່ພົບລາຍງານການສໍ້ໂກງທີ່ຍັງມີຜົນຢູ່ສຳລັບລາຍການນີ້.",
        "ນີ້ບໍ່ໄດ້ໝາຍຄວາມວ່າປອດໄພ. ກະລຸນາກວດສອບຜູ້ຮັບເງິນຜ່ານຊ່ອງທາງທາງການ ແລະ ຢຸດທັນທີ ຖ້າມີຄົນເລັ່ງໃຫ້ທ່ານໂອນເງິນ.",
    ),
    "my": (
        "ဤအရာနှင့်ပတ်သက်၍ လက်ရှိ လိမ်လည်မှုတိုင်ကြားချက် မတွေ့ပါ။",
        "ဤသည်မှာ လုံခြုံသည်ဟု မဆိုလိုပါ။ ငွေလက်ခံသူကို တရားဝင်လမ်းကြောင်းများမှတစ်ဆင့် အတည်ပြုပါ၊ "
        "တစ်စုံတစ်ယောက်က အမြန်ငွေလွှဲရန် ဖိအားပေးလာပါက ချက်ချင်းရပ်လိုက်ပါ။",
    ),
    "zh": (
        "未发现关于此项的有效诈骗举报。",
        "这并不代表它是安全的。请通过官方渠道核实收款人；如果有人催促您尽快付款，请立即停止。",
    ),
}

assert set(_REPORTED) == set(_NOT_REPORTED) == set(CHECK_LANGUAGES)


def check_language(lang: str | None, accept_language: str | None) -> str:
    """The language to answer in: ``lang`` if supported, else the best of Accept-Language,
    else English."""
    candidates: list[tuple[float, int, str]] = []
    if lang:
        candidates.append((2.0, 0, lang))
    if accept_language:
        for position, entry in enumerate(accept_language.split(",")[:ACCEPT_LANGUAGE_ENTRIES_MAX]):
            tag, _, params = entry.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            candidates.append((quality, position + 1, tag))
    for quality, _, tag in sorted(candidates, key=lambda c: (-c[0], c[1])):
        primary = tag.strip().lower().split("-")[0]
        primary = _LANGUAGE_ALIASES.get(primary, primary)
        if quality > 0 and primary in CHECK_LANGUAGES:
            return primary
    return "en"


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    """What the public is told: whether active reports exist, how many, since when, and what
    to do next; never who reported, never what they wrote."""

    type: SignalType
    reported: bool
    active_reports: int
    first_reported_on: str | None
    language: str
    headline: str
    advice: str


def public_check(summary: Summary, language: str) -> CheckAnswer:
    """The public answer for ``summary`` in ``language`` (one of ``CHECK_LANGUAGES``)."""
    assert language in CHECK_LANGUAGES, language
    reported = summary.active_reports > 0
    headline, advice = (_REPORTED if reported else _NOT_REPORTED)[language]
    return CheckAnswer(
        type=summary.target.type,
        reported=reported,
        active_reports=summary.active_reports,
        # A day, not a time: enough to say "reported since", too coarse to identify a report.
        first_reported_on=summary.first_seen.date().isoformat() if summary.first_seen else None,
        language=language,
        headline=headline,
        advice=advice,
    )


# --- The payment path ---------------------------------------------------------------------

#: How the hub itself reads signals for its risk decisions: as a member of the exchange (AMBER,
#: GREEN, CLEAR); RED and AMBER+STRICT stay with their sources even here.
HUB_VIEWER: Final = Viewer("LINTAS-HUB", "LINTAS-HUB", True)


class ExchangeLookup:
    """The exchange as the risk rules' ``SignalLookup`` (``lintas.ports.signals``)."""

    def __init__(self, *, store: SignalStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def active_reports(self, kind: str, value: str) -> SignalSummary | None:
        """The active reports the hub may use on ``(kind, value)`` (canonical), or None."""
        try:
            target = Target(SignalType(kind), value)
        except ValueError:
            return None
        summary = sig.summarise(
            target, self._store.on_target(target), HUB_VIEWER, self._clock.now()
        )
        if summary.active_reports == 0:
            return None
        return SignalSummary(
            kind=kind,
            value=value,
            active_reports=summary.active_reports,
            sources=summary.sources,
            confidence_max=summary.confidence_max,
            first_seen=summary.first_seen,
        )
