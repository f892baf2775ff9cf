"""Deterministic sandbox merchants, each with the static QR code its country prints.

Every merchant is fictional. For each country of the region, ``MERCHANTS_PER_COUNTRY``
merchants get a name, a city, an MCC, an acquiring PSP (from ``build_region()``), an
account at that PSP, a merchant id, and the static code of the country's scheme, built
with ``lintas.codecs.emvqr.encode``:

=======  ==================  ===============================================
country  scheme              payable proxy (``DecodedQr.payable_proxy()``)
=======  ==================  ===============================================
SG       PayNow + SGQR       UEN
MY       DuitNow             MERCHANT_ID (merchant id)
TH       PromptPay (tag 29)  BUSINESS_ID (13-digit juristic tax id)
ID       QRIS                MERCHANT_ID (NMID)
PH       QR Ph P2M           MERCHANT_ID (merchant id)
VN       VietQR (NAPAS)      ACCOUNT ``BIN:account``
KH       KHQR merchant       EWALLET (Bakong account id ``name@bank``)
LA       Lao QR (LAPNet)     MERCHANT_ID (merchant id)
BN/MM/IN sandbox template    MERCHANT_ID (merchant id, sub-tag 02; see below)
=======  ==================  ===============================================

India's real merchant QR is the UPI ``upi://pay`` URI, which is not EMVCo; Brunei and
Myanmar's templates are not public in enough detail. For those three countries the sandbox
prints a plain EMVCo code whose merchant-account template (tag 26) is the sandbox's own:
GUID ``SANDBOX_TEMPLATE_GUID``, 01 the acquiring PSP, 02 the merchant id. No national
profile reads it, so the codec reports it as scheme ``unknown`` (with its GUID and raw
sub-tags, as the JSON contract says); the addressing service finds the merchant id by the
template's GUID (``lintas.services.addressing.DIRECTORY_TEMPLATES``) and resolves it
through the country's directory like any other proxy.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Final

from lintas.codecs.emvqr import AddressType, encode
from lintas.domain.reference import Country, Psp
from lintas.sandbox.region import Region, build_region

MERCHANTS_PER_COUNTRY: Final = 50
#: The GUID of the sandbox's merchant-account template (BN, MM and IN).
SANDBOX_TEMPLATE_GUID: Final = "LINTAS.GENERIC"
#: The sub-tag of that template holding the merchant id (01 holds the acquiring PSP).
SANDBOX_TEMPLATE_MERCHANT_ID_SUBTAG: Final = "02"
#: Distinct sets of countries whose merchants are kept built (one in practice).
MERCHANT_BUILDS_CACHED_MAX: Final = 4
#: The seed of every draw: the same merchants on every run and every machine.
SEED: Final = 20260301

#: Country -> cities (at most 15 characters: EMVCo tag 60).
_CITIES: Final[dict[str, tuple[str, ...]]] = {
    "SG": ("SINGAPORE",),
    "MY": ("KUALA LUMPUR", "PENANG", "JOHOR BAHRU", "IPOH", "MELAKA", "KOTA KINABALU"),
    "TH": ("BANGKOK", "CHIANG MAI", "PHUKET", "KHON KAEN", "HAT YAI", "PATTAYA"),
    "ID": ("JAKARTA", "DENPASAR", "BANDUNG", "SURABAYA", "YOGYAKARTA", "MEDAN"),
    "PH": ("MANILA", "CEBU CITY", "DAVAO CITY", "QUEZON CITY", "BAGUIO", "ILOILO CITY"),
    "VN": ("HANOI", "HO CHI MINH", "DA NANG", "HUE", "HAI PHONG", "NHA TRANG"),
    "KH": ("PHNOM PENH", "SIEM REAP", "BATTAMBANG", "SIHANOUKVILLE", "KAMPOT"),
    "LA": ("VIENTIANE", "LUANG PRABANG", "PAKSE", "SAVANNAKHET", "VANG VIENG"),
    "BN": ("B.S. BEGAWAN", "KUALA BELAIT", "TUTONG", "SERIA"),
    "MM": ("YANGON", "MANDALAY", "NAY PYI TAW", "BAGAN", "TAUNGGYI"),
    "IN": ("MUMBAI", "NEW DELHI", "BENGALURU", "CHENNAI", "KOLKATA", "JAIPUR"),
}
#: Country -> words a shop name starts with (fictional, ASCII, short).
_OWNERS: Final[dict[str, tuple[str, ...]]] = {
    "SG": ("AH HOCK", "MEI LING", "RAJU", "SITI", "TAN BROS", "KAMPONG"),
    "MY": ("PAK ALI", "AH SENG", "MAK LIMAH", "KUMAR", "WARISAN", "SRI"),
    "TH": ("BAAN", "KHUN SOMCHAI", "JAY NOK", "SUKJAI", "RUAMJAI", "CHAO"),
    "ID": ("WARUNG BU", "TOKO", "SARI", "BAROKAH", "JAYA", "MAKMUR"),
    "PH": ("ALING NENA", "MANG JOSE", "BAHAY", "TITA", "KUYA BOY", "MABUHAY"),
    "VN": ("CO LAN", "ANH TUAN", "HOA SEN", "BA HAI", "MINH", "PHUONG"),
    "KH": ("BOPHA", "SOKHA", "ANGKOR", "MEAS", "CHENDA", "VANNA"),
    "LA": ("SABAIDEE", "KHAMPHOU", "NANG NOY", "MEKONG", "DOK CHAMPA", "PHET"),
    "BN": ("HAJI OMAR", "DAYANG", "KAMPONG AYER", "AWANG", "NUR", "SERI"),
    "MM": ("DAW KHIN", "U AUNG", "SHWE", "MYA", "HTET", "GOLDEN"),
    "IN": ("SHARMA", "LAKSHMI", "GUPTA", "GANESH", "PATEL", "ANNAPURNA"),
}
#: (trade, MCC): ISO 18245 merchant category codes.
_TRADES: Final[tuple[tuple[str, str], ...]] = (
    ("CAFE", "5814"),
    ("NOODLES", "5812"),
    ("BAKERY", "5462"),
    ("GROCERY", "5411"),
    ("PHARMACY", "5912"),
    ("BOOKS", "5942"),
    ("TAILOR", "5651"),
    ("FLOWERS", "5992"),
    ("LAUNDRY", "7211"),
    ("HARDWARE", "5251"),
    ("TOURS", "4722"),
    ("SOUVENIRS", "5947"),
)
#: Template account-number digits per country (sandbox form only).
_ACCOUNT_DIGITS: Final = 12


@dataclass(frozen=True, slots=True)
class Merchant:
    """A fictional merchant and the static code printed at its counter."""

    id: str
    country: str
    name: str
    city: str
    mcc: str
    psp: str
    account: str
    #: The proxy its code resolves to: ``DecodedQr.payable_proxy()`` of ``qr``, or for the
    #: sandbox template of BN, MM and IN the merchant id found by the template's GUID.
    address_type: AddressType
    proxy: str
    qr: str


def _proxy_and_qr(
    country: Country,
    psp: Psp,
    index: int,
    psp_index: int,
    base: dict[str, object],
    rng: random.Random,
) -> tuple[str, AddressType, str, str]:
    """(merchant id, address type, proxy value, payload) for merchant ``index``."""
    code = country.code
    serial = f"{index + 1:04d}"
    if code == "SG":
        uen = f"2026{index + 1:05d}M"
        qr = encode("paynow", uen=uen, sgqr_id=f"2603010000{index + 1:05d}", **base)
        return uen, AddressType.UEN, uen, qr
    if code == "MY":
        merchant_id = f"9{rng.randrange(10**8):08d}{serial[-1]}"
        participant = f"89{psp_index:02d}{psp_index:02d}"
        qr = encode("duitnow", participant_id=participant, merchant_id=merchant_id, **base)
        return merchant_id, AddressType.MERCHANT_ID, merchant_id, qr
    if code == "TH":
        tax_id = f"01055{rng.randrange(10**4):04d}{serial}"
        qr = encode("promptpay", national_id=tax_id, **base)
        return tax_id, AddressType.BUSINESS_ID, tax_id, qr
    if code == "ID":
        nmid = f"ID2026{rng.randrange(10**5):05d}{serial}"
        qr = encode("qris", nmid=nmid, **base)
        return nmid, AddressType.MERCHANT_ID, nmid, qr
    if code == "PH":
        merchant_id = f"PHM{serial}{rng.randrange(10**4):04d}"
        qr = encode("qrph", bic=psp.id, merchant_id=merchant_id, **base)
        return merchant_id, AddressType.MERCHANT_ID, merchant_id, qr
    if code == "VN":
        bank_bin = f"9704{psp_index + 10:02d}"
        account = f"{rng.randrange(10**8):08d}{serial}"
        qr = encode("vietqr", bank_bin=bank_bin, account=account, **base)
        proxy = f"{bank_bin}:{account}"
        return proxy, AddressType.ACCOUNT, proxy, qr
    if code == "KH":
        account_id = f"shop{serial}@{psp.id[:4].lower()}"
        merchant_id = f"KHM{serial}"
        qr = encode("khqr", account_id=account_id, merchant_id=merchant_id, **base)
        return merchant_id, AddressType.EWALLET, account_id, qr
    if code == "LA":
        merchant_id = f"LAM{serial}{rng.randrange(10**4):04d}"
        qr = encode("laoqr", iin=f"2771{psp_index:04d}", merchant_id=merchant_id, **base)
        return merchant_id, AddressType.MERCHANT_ID, merchant_id, qr
    merchant_id = f"{code}M{serial}{rng.randrange(10**4):04d}"
    qr = encode(
        "template",
        country=code,
        guid=SANDBOX_TEMPLATE_GUID,
        sub01=psp.id,
        sub02=merchant_id,
        **base,
    )
    return merchant_id, AddressType.MERCHANT_ID, merchant_id, qr


def build_merchants(region: Region) -> tuple[Merchant, ...]:
    """``MERCHANTS_PER_COUNTRY`` merchants for every country of ``region``, in country order."""
    return _build(region.countries)


def merchants_for(region: Region) -> tuple[Merchant, ...]:
    """``build_merchants(region)``, built once per set of countries.

    Merchants depend only on the countries (and their PSPs), never on the customers or the
    seed, so the directory, the seeding and the API share one build (about 0.2 s).
    """
    return _cached(region.countries)


@lru_cache(maxsize=MERCHANT_BUILDS_CACHED_MAX)
def _cached(countries: tuple[Country, ...]) -> tuple[Merchant, ...]:
    return _build(countries)


def _build(countries: tuple[Country, ...]) -> tuple[Merchant, ...]:
    out: list[Merchant] = []
    for country in countries:
        rng = random.Random(f"{SEED}:{country.code}")
        cities = _CITIES[country.code]
        owners = _OWNERS[country.code]
        for index in range(MERCHANTS_PER_COUNTRY):
            psp_index = index % len(country.psps)
            psp = country.psps[psp_index]
            trade, mcc = _TRADES[index % len(_TRADES)]
            name = f"{owners[(index // len(_TRADES)) % len(owners)]} {trade}"[:25]
            city = cities[index % len(cities)]
            account = f"{rng.randrange(10**_ACCOUNT_DIGITS):0{_ACCOUNT_DIGITS}d}"
            base: dict[str, object] = {"merchant_name": name, "merchant_city": city, "mcc": mcc}
            merchant_id, address_type, proxy, qr = _proxy_and_qr(
                country, psp, index, psp_index, base, rng
            )
            out.append(
                Merchant(
                    merchant_id,
                    country.code,
                    name,
                    city,
                    mcc,
                    psp.id,
                    account,
                    address_type,
                    proxy,
                    qr,
                )
            )
    return tuple(out)


@cache
def _by_proxy() -> dict[tuple[str, str], Merchant]:
    merchants = merchants_for(build_region(customers_per_country=0))
    index = {(m.address_type.value, m.proxy): m for m in merchants}
    assert len(index) == len(merchants), "two sandbox merchants share a proxy"
    return index


def merchants_of(country: str) -> tuple[Merchant, ...]:
    """The sandbox merchants of ``country`` (of the default region)."""
    return tuple(m for m in _by_proxy().values() if m.country == country.upper())


def merchant_by_proxy(address_type: AddressType | str, value: str) -> Merchant | None:
    """The sandbox merchant whose code pays ``(address_type, value)`` (see
    ``Merchant.address_type``); ``None`` when no merchant has it."""
    kind = address_type.value if isinstance(address_type, AddressType) else address_type
    return _by_proxy().get((kind.upper(), value))


def merchants_in(region: Region, country: str) -> tuple[Merchant, ...]:
    """The merchants of ``country`` in ``region``, in build order (empty for an unknown one)."""
    code = country.upper()
    return tuple(m for m in merchants_for(region) if m.country == code)
