"""The deterministic simulated region: 11 countries, their IPSs, PSPs, SAPs, FXPs and customers.

``build_region(seed)`` always returns the same data for the same seed (one ``random.Random``
drives every choice, in a fixed order, with integer and exact-decimal arithmetic only), so
demos, tests and benchmarks can name a customer (``TH-000042``) and find the same person.

What is real and what is not:

- Real: the names of the instant payment systems, their address (proxy) types and formats,
  check-digit schemes, mobile numbering plans and currencies; the IPS maximums follow each
  scheme's published or typical bank limits (see the comments at ``_IPS``).
- Fictional: every person, business, PSP, SAP and FXP, and every identifier derived from
  them (accounts, mobile numbers, NRICs, national ids, handles). PSP and SAP identifiers are
  well-formed BIC-like codes invented for the sandbox; none is meant to be a real BIC.
- Two IPS names are sandbox choices: Brunei has no branded instant payment system that the
  sandbox could model, so it is called "BN Instant Payments (sandbox)"; for Myanmar the
  sandbox models MMQR, the national QR standard run over the MPU switch.
- Mid rates are plausible late-2026 values written by hand, not market data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from lintas.domain.money import Money, currency, exponent
from lintas.domain.reference import (
    AddressType,
    Country,
    Fxp,
    Ips,
    MidRate,
    Psp,
    PspKind,
    Sap,
    nric_check_letter,
    thai_id_check_digit,
)
from lintas.sandbox.names import GeneratedName, business_name, handle_parts, person_name

CustomerKind = Literal["person", "business"]

#: The order every listing of the region follows.
COUNTRY_CODES: Final[tuple[str, ...]] = (
    "SG",
    "MY",
    "TH",
    "ID",
    "PH",
    "VN",
    "KH",
    "LA",
    "BN",
    "MM",
    "IN",
)

DEFAULT_SEED: Final[int] = 2026
CUSTOMERS_PER_COUNTRY_DEFAULT: Final[int] = 1000
#: The most customers one country may be given (keeps a build under a few seconds).
CUSTOMERS_PER_COUNTRY_MAX: Final[int] = 100_000
#: How many times a random identifier is redrawn when it collides before giving up.
_REDRAW_MAX: Final[int] = 50
#: Share of customers that are businesses, in percent.
BUSINESS_SHARE_PCT: Final[int] = 10
#: Liquidity each FXP holds at each country's SAP, in US cents at mid (USD 50 million).
FXP_LIQUIDITY_USD_MINOR: Final[int] = 50_000_000_00

MID_RATES_AS_OF: Final[date] = date(2026, 11, 27)


@dataclass(frozen=True, slots=True)
class Customer:
    """A fictional account holder at a PSP in one country."""

    id: str
    country: str
    psp_id: str
    #: The domestic account number, digits only, in the country's usual length.
    account: str
    #: The full legal name, in the local script where the country uses one.
    name: str
    #: The romanisation of ``name`` (RTGS for Thai, Vietnamese without diacritics, ...).
    name_latin: str
    kind: CustomerKind
    #: ``(address type code, normalised value)``; each pair is unique across the region.
    proxies: tuple[tuple[str, str], ...]
    opening_balance: Money
    #: India's IFSC of the account's branch (kept apart from the account number); else "".
    branch_code: str = ""


@dataclass(frozen=True, slots=True)
class Region:
    """Everything the sandbox simulates, with lookups by country and by proxy."""

    countries: tuple[Country, ...]
    fxps: tuple[Fxp, ...]
    #: ``(fxp_id, country) -> liquidity`` held at that country's SAP, in its currency.
    fxp_liquidity: dict[tuple[str, str], Money]
    mid_rates: tuple[MidRate, ...]
    customers: tuple[Customer, ...]
    _countries_by_code: dict[str, Country] = field(init=False, repr=False, compare=False)
    _customers_by_country: dict[str, tuple[Customer, ...]] = field(
        init=False, repr=False, compare=False
    )
    _customers_by_proxy: dict[tuple[str, str], Customer] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Indexes are built once here so every lookup on the hot path is a dict read.
        by_code = {c.code: c for c in self.countries}
        assert len(by_code) == len(self.countries), "country codes must be unique"
        by_country: dict[str, list[Customer]] = {code: [] for code in by_code}
        by_proxy: dict[tuple[str, str], Customer] = {}
        for customer in self.customers:
            by_country[customer.country].append(customer)
            for proxy in customer.proxies:
                assert proxy not in by_proxy, f"proxy {proxy} is not unique"
                by_proxy[proxy] = customer
        for fxp in self.fxps:
            for code, country in by_code.items():
                liquidity = self.fxp_liquidity[(fxp.id, code)]
                assert liquidity.currency == country.currency, (fxp.id, code)
        object.__setattr__(self, "_countries_by_code", by_code)
        object.__setattr__(
            self, "_customers_by_country", {k: tuple(v) for k, v in by_country.items()}
        )
        object.__setattr__(self, "_customers_by_proxy", by_proxy)

    def country(self, code: str) -> Country:
        """The country ``code``; an unknown code raises ``KeyError``."""
        return self._countries_by_code[code]

    def customers_of(self, country: str) -> tuple[Customer, ...]:
        """The customers of ``country`` in id order (empty for an unknown country)."""
        return self._customers_by_country.get(country, ())

    def customer_by_proxy(
        self, address_type: str, value: str, country: str | None = None
    ) -> Customer | None:
        """The customer registered under a proxy, or None.

        ``value`` must be normalised, unless ``country`` is given: then it is normalised with
        that country's address type first. Without a country a local form (``0812345678``)
        is never guessed at, because it could be a number in several countries.
        """
        if country is not None:
            found = self._countries_by_code.get(country)
            kind = None if found is None else found.address_type(address_type)
            if kind is None:
                return None
            value = kind.normalise(value)
        customer = self._customers_by_proxy.get((address_type, value))
        if customer is not None and country is not None and customer.country != country:
            return None
        return customer

    def mid_rate(self, currency_code: str) -> MidRate:
        """The mid rate of ``currency_code``; an unknown currency raises ``KeyError``."""
        for rate in self.mid_rates:
            if rate.currency == currency_code:
                return rate
        raise KeyError(currency_code)


# --- Static reference data ------------------------------------------------------------------

_PHONE_SEPARATORS: Final = " -.()/"


def _mobile(calling_code: str, trunk: str, pattern: str, example: str, label: str) -> AddressType:
    return AddressType(
        "MOBILE",
        label,
        pattern,
        example,
        separators=_PHONE_SEPARATORS,
        calling_code=calling_code,
        trunk_prefix=trunk,
    )


def _account(pattern: str, example: str, label: str = "Bank account number") -> AddressType:
    return AddressType("ACCOUNT", label, pattern, example)


#: The code printed at each country's first sandbox merchant (``lintas.sandbox.merchants``):
#: the example of the country's QR address type, so the documented example resolves.
_QR_EXAMPLES: Final[dict[str, str]] = {
    "SG": "00020101021126370009SG.PAYNOW010120210202600001M0301151410007SG.SGQR0115260301000000"
    "001020701.00015204581453037025802SG5912AH HOCK CAFE6009SINGAPORE6304C984",
    "MY": "00020101021126420014A00000061500010106890000021096726780615204581453034585802MY5912"
    "PAK ALI CAFE6012KUALA LUMPUR63049334",
    "TH": "00020101021129370016A000000677010111021301055366300015204581453037645802TH5909"
    "BAAN CAFE6007BANGKOK630403C9",
    "ID": "00020101021151440014ID.CO.QRIS.WWW0215ID20267933800010303UMI5204581453033605802ID"
    "5914WARUNG BU CAFE6007JAKARTA630483F3",
    "PH": "00020101021128420011ph.ppmi.p2m0108LUZNPHMM0311PHM000145995204581453036085802PH5915"
    "ALING NENA CAFE6006MANILA63048DA8",
    "VN": "00020101021138560010A0000007270126000697041001128458764100010208QRIBFTTA520458145303"
    "7045802VN5911CO LAN CAFE6005HANOI630423EC",
    "KH": "00020101021130280013shop0001@tnls0107KHM00015204581453031165802KH5910BOPHA CAFE6010"
    "PHNOM PENH630461BB",
    "LA": "00020101021138540016A00526628466257701082771000002030010311LAM0001963352045814530341"
    "85802LA5913SABAIDEE CAFE6009VIENTIANE6304F3DA",
    "BN": "00020101021126450014LINTAS.GENERIC0108TMBGBNBB0211BNM000197405204581453030965802BN"
    "5914HAJI OMAR CAFE6012B.S. BEGAWAN63049A61",
    "MM": "00020101021126450014LINTAS.GENERIC0108IRWDMMMY0211MMM000113085204581453031045802MM"
    "5913DAW KHIN CAFE6006YANGON6304FB26",
    "IN": "00020101021126450014LINTAS.GENERIC0108GNGBINBB0211INM000183295204581453033565802IN"
    "5911SHARMA CAFE6006MUMBAI63042AF5",
}


def _qr(country: str) -> AddressType:
    # A QR payload is taken as printed: no separator is dropped (merchant names hold spaces)
    # and case is kept (the CRC covers it). The pattern only checks the EMVCo header; the
    # addressing service decodes the code itself and resolves the proxy it carries.
    return AddressType(
        "QR", "Merchant QR code (EMVCo)", r"0002\d{2}.+", _QR_EXAMPLES[country], separators=""
    )


_ADDRESS_TYPES_WITHOUT_QR: Final[dict[str, tuple[AddressType, ...]]] = {
    "SG": (
        _mobile("+65", "", r"\+65[89]\d{7}", "+6581234567", "Mobile number (PayNow)"),
        AddressType(
            "NATIONAL_ID",
            "NRIC or FIN (PayNow)",
            r"[STFGM]\d{7}[A-Z]",
            "S1234567D",
            case="upper",
            check="sg_nric",
        ),
        # The ROC form's check letter is not public in a form the sandbox can verify, so UENs
        # are checked by shape only.
        AddressType(
            "UEN",
            "Unique Entity Number (PayNow Corporate)",
            r"(?:\d{8}[A-Z]|(?:19|20)\d{7}[A-Z]|[TSR]\d{2}[A-Z]{2}\d{4}[A-Z])",
            "201912345K",
            case="upper",
        ),
    ),
    "MY": (
        _mobile("+60", "0", r"\+601\d{8,9}", "+60123456789", "Mobile number (DuitNow)"),
        AddressType(
            "NATIONAL_ID", "MyKad number (DuitNow)", r"\d{12}", "900101145673", check="my_nric"
        ),
        AddressType(
            "BUSINESS_ID",
            "Business registration number, SSM (DuitNow)",
            r"(?:19|20)\d{2}0[1-6]\d{6}",
            "201901012345",
        ),
        _account(r"\d{12}", "514012345678"),
    ),
    "TH": (
        _mobile("+66", "0", r"\+66[689]\d{8}", "+66812345678", "Mobile number (PromptPay)"),
        AddressType(
            "NATIONAL_ID",
            "Citizen id (PromptPay)",
            r"[1-8]\d{12}",
            "110170012345" + thai_id_check_digit("110170012345"),
            check="th_id",
        ),
        AddressType(
            "BUSINESS_ID",
            "Juristic person tax id (PromptPay)",
            r"0\d{12}",
            "010555601234" + thai_id_check_digit("010555601234"),
            check="th_id",
        ),
        AddressType("EWALLET", "e-Wallet id (PromptPay)", r"\d{15}", "140000812345678"),
        _account(r"\d{10}", "1234567890"),
    ),
    "ID": (
        _mobile("+62", "0", r"\+628\d{8,11}", "+6281234567890", "Mobile number (BI-FAST)"),
        AddressType(
            "EMAIL",
            "E-mail address (BI-FAST)",
            r"[a-z0-9._%+-]{1,64}@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}",
            "budi.santoso@pos.example",
            separators="",
            case="lower",
        ),
        _account(r"\d{10,13}", "1234567890"),
    ),
    "PH": (
        _mobile("+63", "0", r"\+639\d{9}", "+639171234567", "Mobile number (InstaPay)"),
        _account(r"\d{12}", "001234567890"),
    ),
    "VN": (
        _account(r"\d{9,14}", "0123456789", "Bank account number (NAPAS 247)"),
        _mobile("+84", "0", r"\+84[35789]\d{8}", "+84912345678", "Mobile number"),
    ),
    "KH": (
        AddressType(
            "EWALLET",
            "Bakong account id",
            r"[a-z0-9_.]{3,40}@[a-z]{3,10}",
            "sokha_chan@tnls",
            separators="",
            case="lower",
        ),
        _mobile("+855", "0", r"\+855[1-9]\d{7,8}", "+85512345678", "Mobile number (Bakong)"),
    ),
    "LA": (
        _mobile("+856", "0", r"\+85620[2579]\d{7}", "+8562055512345", "Mobile number"),
        _account(r"\d{13,16}", "0101200012345678"),
    ),
    "BN": (
        _mobile("+673", "", r"\+673[78]\d{6}", "+6737123456", "Mobile number"),
        _account(r"\d{11,13}", "00012345678"),
    ),
    "MM": (
        _mobile("+95", "0", r"\+959\d{7,9}", "+959791234567", "Mobile number"),
        _account(r"\d{13,17}", "02730102700123456"),
    ),
    "IN": (
        AddressType(
            "UPI",
            "UPI id (VPA)",
            r"[a-z0-9][a-z0-9._-]{1,255}@[a-z][a-z0-9]{1,63}",
            "rahul.sharma@ganga",
            separators="",
            case="lower",
        ),
        _mobile("+91", "0", r"\+91[6-9]\d{9}", "+919876543210", "Mobile number (UPI)"),
        _account(r"\d{9,18}", "123456789012"),
    ),
}

#: Every country's address types: its directory's proxies, then the merchant QR code.
_ADDRESS_TYPES: Final[dict[str, tuple[AddressType, ...]]] = {
    code: (*types, _qr(code)) for code, types in _ADDRESS_TYPES_WITHOUT_QR.items()
}

# (country, name, currency, IPS id, IPS name, IPS maximum in major units)
_IPS: Final[tuple[tuple[str, str, str, str, str, int], ...]] = (
    # FAST's scheme limit per transaction is SGD 200,000.
    ("SG", "Singapore", "SGD", "SG-FAST", "FAST / PayNow", 200_000),
    # DuitNow limits are set per bank (often MYR 50,000 a day or less); the sandbox picks that.
    ("MY", "Malaysia", "MYR", "MY-DUITNOW", "DuitNow / RPP (PayNet)", 50_000),
    # PromptPay has no scheme-wide cap; banks apply their own. The sandbox uses THB 2,000,000,
    # a high but common per-transfer bank ceiling, so large business payments still fit.
    ("TH", "Thailand", "THB", "TH-PROMPTPAY", "PromptPay / ITMX", 2_000_000),
    # BI-FAST's per-transaction maximum is IDR 250 million.
    ("ID", "Indonesia", "IDR", "ID-BIFAST", "BI-FAST", 250_000_000),
    # InstaPay's per-transaction limit is PHP 50,000.
    ("PH", "Philippines", "PHP", "PH-INSTAPAY", "InstaPay", 50_000),
    # NAPAS 247 instant transfers are capped just under VND 500 million per transaction.
    ("VN", "Viet Nam", "VND", "VN-NAPAS247", "NAPAS 247", 500_000_000),
    # Bakong's limits are per participant; KHR 40 million (about USD 10,000) is typical.
    ("KH", "Cambodia", "KHR", "KH-BAKONG", "Bakong", 40_000_000),
    # LAPNet leaves limits to members; LAK 200 million (about USD 9,000) for the sandbox.
    ("LA", "Lao PDR", "LAK", "LA-LAPNET", "LAPNet", 200_000_000),
    # A sandbox name: Brunei has no branded instant payment system to model.
    ("BN", "Brunei Darussalam", "BND", "BN-INSTANT", "BN Instant Payments (sandbox)", 20_000),
    # MMQR over the MPU switch; MMK 10 million (about USD 4,800 at the official rate).
    ("MM", "Myanmar", "MMK", "MM-MMQR", "MMQR / MPU", 10_000_000),
    # NPCI's general UPI limit per person-to-person transaction is INR 100,000.
    ("IN", "India", "INR", "IN-UPI", "UPI (NPCI)", 100_000),
)

# Fictional PSPs; BIC-like ids: 4 letters + country + location. E-wallets end in a digit,
# the convention for non-SWIFT-connected participants.
_PSPS: Final[dict[str, tuple[tuple[str, str, PspKind], ...]]] = {
    "SG": (
        ("MRLNSGSG", "Merlion Commercial Bank", "bank"),
        ("KLNGSGSG", "Kallang Savings Bank", "bank"),
        ("STRPSGS1", "StraitsPay", "ewallet"),
    ),
    "MY": (
        ("SRBNMYKL", "Serambi Bank Berhad", "bank"),
        ("BRNGMYKL", "Bunga Raya Bank Berhad", "bank"),
        ("KDAIMYK1", "KedaiPay", "ewallet"),
    ),
    "TH": (
        ("CHPYTHBK", "Chao Phraya Bank", "bank"),
        ("LNNATHBK", "Lanna Bank", "bank"),
        ("ISNBTHBK", "Isan Commercial Bank", "bank"),
        ("SBAITHB1", "SabaiPay", "ewallet"),
    ),
    "ID": (
        ("NSTRIDJA", "Bank Nusantara Raya", "bank"),
        ("MRPIIDJA", "Bank Merapi", "bank"),
        ("TOBAIDJA", "Bank Toba Sejahtera", "bank"),
        ("DMPTIDJ1", "DompetKita", "ewallet"),
    ),
    "PH": (
        ("LUZNPHMM", "Luzon Commercial Bank", "bank"),
        ("VSYAPHMM", "Visayas Savings Bank", "bank"),
        ("MNDNPHMM", "Mindanao Development Bank", "bank"),
        ("PISOPHM1", "PisoPay", "ewallet"),
    ),
    "VN": (
        ("HLNGVNVX", "Ha Long Commercial Bank", "bank"),
        ("MKDTVNVX", "Mekong Delta Bank", "bank"),
        ("HNGAVNVX", "Hong Ha Bank", "bank"),
        ("VIPYVNV1", "ViPay", "ewallet"),
    ),
    "KH": (
        ("TNLSKHPP", "Tonle Sap Bank", "bank"),
        ("ANKRKHPP", "Angkor Commercial Bank", "bank"),
        ("KMPTKHPP", "Kampot Bank", "bank"),
        ("RMDLKHP1", "RomdoulPay", "ewallet"),
    ),
    "LA": (
        ("CHMPLALA", "Champa Bank", "bank"),
        ("VTNBLALA", "Vientiane Commercial Bank", "bank"),
        ("LPBGLALA", "Luang Prabang Bank", "bank"),
        ("DKCPLAL1", "DokchampaPay", "ewallet"),
    ),
    "BN": (
        ("TMBGBNBB", "Temburong Bank", "bank"),
        ("BLITBNBB", "Belait Bank", "bank"),
        ("TUTGBNBB", "Tutong Bank", "bank"),
        ("KMPGBNB1", "KampongPay", "ewallet"),
    ),
    "MM": (
        ("IRWDMMMY", "Irrawaddy Bank", "bank"),
        ("BGNBMMMY", "Bagan Bank", "bank"),
        ("SLWNMMMY", "Salween Bank", "bank"),
        ("PDKPMMM1", "PadaukPay", "ewallet"),
    ),
    "IN": (
        ("GNGBINBB", "Ganga Bank", "bank"),
        ("DCCNINBB", "Deccan Bank", "bank"),
        ("HMLYINBB", "Himalaya Bank", "bank"),
        ("CHLOINB1", "ChaloPay", "ewallet"),
    ),
}

_SAP_LOCATION: Final[dict[str, str]] = {
    "SG": "SG",
    "MY": "KL",
    "TH": "BK",
    "ID": "JA",
    "PH": "MM",
    "VN": "VX",
    "KH": "PP",
    "LA": "LA",
    "BN": "BB",
    "MM": "MY",
    "IN": "BB",
}

#: Mobile numbers as (national prefixes, digits after the prefix) per country.
_MOBILE_PLANS: Final[dict[str, tuple[tuple[str, ...], int]]] = {
    "SG": (("8", "9"), 7),
    "MY": (("12", "13", "14", "16", "17", "18", "19"), 7),
    "TH": (
        (
            "61",
            "62",
            "63",
            "64",
            "65",
            "80",
            "81",
            "82",
            "83",
            "84",
            "86",
            "89",
            "91",
            "92",
            "93",
            "94",
            "95",
            "96",
            "97",
            "98",
            "99",
        ),
        7,
    ),
    "ID": (
        ("811", "812", "813", "821", "822", "852", "853", "856", "857", "877", "878", "895", "896"),
        8,
    ),
    "PH": (
        (
            "905",
            "906",
            "915",
            "916",
            "917",
            "918",
            "919",
            "920",
            "926",
            "927",
            "928",
            "935",
            "945",
            "955",
            "956",
            "965",
            "977",
            "995",
            "996",
            "997",
            "998",
            "999",
        ),
        7,
    ),
    "VN": (
        (
            "32",
            "33",
            "34",
            "35",
            "36",
            "37",
            "38",
            "39",
            "70",
            "76",
            "77",
            "78",
            "79",
            "81",
            "82",
            "83",
            "84",
            "85",
            "86",
            "88",
            "89",
            "90",
            "91",
            "93",
            "94",
            "96",
            "97",
            "98",
        ),
        7,
    ),
    "KH": (
        (
            "10",
            "11",
            "12",
            "15",
            "16",
            "17",
            "61",
            "69",
            "70",
            "77",
            "78",
            "85",
            "86",
            "87",
            "89",
            "92",
            "93",
            "95",
            "98",
        ),
        6,
    ),
    "LA": (("202", "205", "207", "209"), 7),
    "BN": (("7", "8"), 6),
    "MM": (("92", "94", "96", "97", "99"), 8),
    "IN": (("6", "7", "8", "9"), 9),
}

#: Domestic account number lengths (inclusive range of digits) per country.
_ACCOUNT_LENGTHS: Final[dict[str, tuple[int, int]]] = {
    "SG": (9, 10),
    "MY": (12, 12),
    "TH": (10, 10),
    "ID": (10, 13),
    "PH": (12, 12),
    "VN": (9, 14),
    "KH": (9, 12),
    "LA": (13, 16),
    "BN": (11, 13),
    "MM": (13, 17),
    "IN": (9, 18),
}

#: How wealthy a typical account holder is relative to Singapore, in percent, so that
#: balances drawn in US dollars look local once converted.
_WEALTH_PCT: Final[dict[str, int]] = {
    "SG": 100,
    "BN": 70,
    "MY": 40,
    "TH": 30,
    "ID": 20,
    "VN": 20,
    "PH": 18,
    "IN": 15,
    "KH": 10,
    "LA": 10,
    "MM": 8,
}

#: Handles (after ``@``) of the Indian PSPs' UPI ids.
_UPI_HANDLES: Final[dict[str, str]] = {
    "GNGBINBB": "ganga",
    "DCCNINBB": "deccan",
    "HMLYINBB": "himalaya",
    "CHLOINB1": "chalo",
}

#: The e-mail domains of Indonesian customers: the reserved ``.example`` TLD, so no real
#: mailbox can ever be hit.
_EMAIL_DOMAINS: Final[tuple[str, ...]] = ("pos.example", "surel.example", "kantor.example")

# Mid rates: US dollars per unit, written as strings so the Decimals are exact.
# MMK is the central bank's reference rate; the market rate is far weaker.
_MID_RATES: Final[tuple[tuple[str, str], ...]] = (
    ("SGD", "0.7710"),
    ("MYR", "0.2370"),
    ("THB", "0.02900"),
    ("IDR", "0.00006061"),
    ("PHP", "0.01709"),
    ("VND", "0.00003802"),
    ("KHR", "0.0002494"),
    ("LAK", "0.00004608"),
    ("BND", "0.7710"),  # Pegged one-to-one to the Singapore dollar.
    ("MMK", "0.0004762"),
    ("INR", "0.01130"),
    ("USD", "1"),
)

# (id, name, spread_bps, tiers as (USD minor threshold, improvement bps)); all fictional.
_FXPS: Final[tuple[tuple[str, str, int, tuple[tuple[int, int], ...]], ...]] = (
    ("ANDMSGSG", "Andaman FX", 40, ((1_000_000, 5), (10_000_000, 12), (100_000_000, 20))),
    ("SUNDIDJA", "Sunda Exchange", 35, ((500_000, 3), (5_000_000, 8), (50_000_000, 15))),
    ("MKNGTHBK", "Mekong FX Partners", 45, ((2_000_000, 10), (20_000_000, 18), (200_000_000, 25))),
)

# Currencies where people think in hundreds at the least, so balances are rounded to 100.
_COARSE_CURRENCIES: Final[frozenset[str]] = frozenset({"IDR", "VND", "KHR", "LAK", "MMK"})


def _countries() -> tuple[Country, ...]:
    countries = []
    for code, name, cur, ips_id, ips_name, amount_max_major in _IPS:
        cur_code = currency(cur)
        location = _SAP_LOCATION[code]
        countries.append(
            Country(
                code=code,
                name=name,
                currency=cur,
                ips=Ips(
                    ips_id,
                    ips_name,
                    code,
                    cur,
                    Money(amount_max_major * 10 ** exponent(cur_code), cur_code),
                ),
                address_types=_ADDRESS_TYPES[code],
                psps=tuple(Psp(pid, pname, code, kind) for pid, pname, kind in _PSPS[code]),
                sap=Sap(f"LNSA{code}{location}", f"Lintas Sandbox Settlement Agent {name}", code),
                mobile_prefix=next(
                    a.calling_code for a in _ADDRESS_TYPES[code] if a.code == "MOBILE"
                ),
            )
        )
    assert tuple(c.code for c in countries) == COUNTRY_CODES
    return tuple(countries)


def _mid_rates() -> tuple[MidRate, ...]:
    return tuple(MidRate(cur, Decimal(rate), MID_RATES_AS_OF) for cur, rate in _MID_RATES)


def _usd_to_local(usd_minor: int, rate: MidRate) -> Money:
    """``usd_minor`` US cents in ``rate``'s currency at mid, rounded down to its minor unit."""
    # Exact integer arithmetic on the rate's fraction: no Decimal context (and its precision)
    # is involved, and it is several times faster on the build's hot path.
    numerator, denominator = rate.usd_per_unit.as_integer_ratio()
    code = currency(rate.currency)
    usd_exponent = exponent(currency("USD"))
    minor = usd_minor * 10 ** exponent(code) * denominator // (10**usd_exponent * numerator)
    return Money(minor, code)


# --- Customer generation --------------------------------------------------------------------


class _Generator:
    """Draws customers for one region, keeping every identifier unique region-wide."""

    def __init__(
        self, rng: random.Random, rates: dict[str, MidRate], countries: tuple[Country, ...]
    ) -> None:
        self.rng = rng
        self.rates = rates
        self.banks = {c.code: tuple(p for p in c.psps if p.kind == "bank") for c in countries}
        self.proxies_taken: set[tuple[str, str]] = set()
        self.accounts_taken: set[str] = set()

    def _digits(self, count: int) -> str:
        # One draw per string, not per digit: this is the build's hottest line.
        return f"{self.rng.randrange(10**count):0{count}d}"

    def _unique(self, code: str, draw_value: Callable[[], str]) -> str:
        # Redraw on a collision, a bounded number of times: a region that cannot find a free
        # value is misconfigured, and looping on would hide that.
        for _ in range(_REDRAW_MAX):
            value = draw_value()
            if (code, value) not in self.proxies_taken:
                self.proxies_taken.add((code, value))
                return value
        raise AssertionError(f"no free {code} value after {_REDRAW_MAX} draws")

    def account(self, country: str) -> str:
        low, high = _ACCOUNT_LENGTHS[country]
        for _ in range(_REDRAW_MAX):
            length = self.rng.randint(low, high)
            value = str(self.rng.randint(1, 9)) + self._digits(length - 1)
            if value not in self.accounts_taken:
                self.accounts_taken.add(value)
                return value
        raise AssertionError(f"no free account number in {country}")

    def mobile(self, country: Country) -> str:
        prefixes, tail_digits = _MOBILE_PLANS[country.code]
        return self._unique(
            "MOBILE",
            lambda: country.mobile_prefix + self.rng.choice(prefixes) + self._digits(tail_digits),
        )

    def sg_nric(self) -> str:
        def draw() -> str:
            roll = self.rng.randrange(100)
            prefix = "S" if roll < 55 else "T" if roll < 85 else self.rng.choice("FGM")
            digits = self._digits(7)
            return prefix + digits + nric_check_letter(prefix, digits)

        return self._unique("NATIONAL_ID", draw)

    def sg_uen(self) -> str:
        def draw() -> str:
            year = self.rng.randint(1975, 2025)
            return f"{year}{self._digits(5)}{self.rng.choice('ABCDEGHKMNRWZ')}"

        return self._unique("UEN", draw)

    def my_nric(self) -> str:
        def draw() -> str:
            year = self.rng.randint(1950, 2006) % 100
            month, day = self.rng.randint(1, 12), self.rng.randint(1, 28)
            place = self.rng.randint(1, 16)  # Born in one of the 16 states and territories.
            # The last digit's parity records sex; the sandbox does not model sex.
            return f"{year:02d}{month:02d}{day:02d}{place:02d}{self._digits(4)}"

        return self._unique("NATIONAL_ID", draw)

    def my_business_id(self) -> str:
        def draw() -> str:
            year = self.rng.randint(1990, 2025)
            return f"{year}0{self.rng.choice('13')}{self._digits(6)}"

        return self._unique("BUSINESS_ID", draw)

    def th_citizen_id(self) -> str:
        def draw() -> str:
            first_twelve = str(self.rng.choice((1, 1, 1, 3, 3, 5, 8))) + self._digits(11)
            return first_twelve + thai_id_check_digit(first_twelve)

        return self._unique("NATIONAL_ID", draw)

    def th_tax_id(self) -> str:
        def draw() -> str:
            # 0105: a company registered in Bangkok; the year digits and serial follow.
            first_twelve = "0105" + self._digits(8)
            return first_twelve + thai_id_check_digit(first_twelve)

        return self._unique("BUSINESS_ID", draw)

    def th_ewallet_id(self, psp: Psp) -> str:
        # PromptPay e-wallet ids start with the 3-digit code of the e-wallet operator.
        operator = str(100 + sum(map(ord, psp.id)) % 900)
        return self._unique("EWALLET", lambda: operator + self._digits(12))

    def handle(self, code: str, named: GeneratedName, sep: str, domain: str, local_max: int) -> str:
        base = sep.join(handle_parts(named.name_latin)[:3])[:local_max].strip("._-") or "user"

        def draw() -> str:
            # The bare name first, then with a number, as people do when theirs is taken.
            if (code, f"{base}@{domain}") not in self.proxies_taken:
                return f"{base}@{domain}"
            return f"{base}{self.rng.randint(1, 9999)}@{domain}"

        return self._unique(code, draw)

    def opening_balance(self, country: Country, kind: CustomerKind) -> Money:
        # Orders of magnitude in US cents: persons USD 10 to 100,000, businesses USD 10,000
        # to 10 million, weighted towards the middle, then scaled to the country.
        if kind == "person":
            magnitude = self.rng.choice((4, 5, 5, 6, 6, 6, 7))
        else:
            magnitude = self.rng.choice((7, 7, 8, 8, 9))
        usd_minor = self.rng.randrange(10 ** (magnitude - 1), 10**magnitude)
        usd_minor = max(100, usd_minor * _WEALTH_PCT[country.code] // 100)
        local = _usd_to_local(usd_minor, self.rates[country.currency])
        unit = 10 ** exponent(local.currency) * (100 if local.currency in _COARSE_CURRENCIES else 1)
        return Money(max(unit, local.minor // unit * unit), local.currency)

    def ifsc(self, psp: Psp) -> str:
        # IFSC: 4-letter bank code, a 0, then a 6-character branch code.
        return f"{psp.id[:4]}0{self._digits(6)}"

    def customer(self, country: Country, index: int) -> Customer:
        rng = self.rng
        kind: CustomerKind = "business" if rng.randrange(100) < BUSINESS_SHARE_PCT else "person"
        # Businesses bank with banks; people also keep e-wallets.
        psp = rng.choice(self.banks[country.code] if kind == "business" else country.psps)
        named: GeneratedName = (
            person_name(country.code, rng) if kind == "person" else business_name(country.code, rng)
        )
        account = self.account(country.code)
        proxies = self.proxies(country, psp, kind, named, account)
        return Customer(
            id=f"{country.code}-{index:06d}",
            country=country.code,
            psp_id=psp.id,
            account=account,
            name=named.name,
            name_latin=named.name_latin,
            kind=kind,
            proxies=proxies,
            opening_balance=self.opening_balance(country, kind),
            branch_code=self.ifsc(psp) if country.code == "IN" else "",
        )

    def proxies(
        self, country: Country, psp: Psp, kind: CustomerKind, named: GeneratedName, account: str
    ) -> tuple[tuple[str, str], ...]:
        rng = self.rng
        person = kind == "person"
        found: list[tuple[str, str]] = []
        code = country.code
        if country.address_type("ACCOUNT") is not None:
            # Account numbers are already unique region-wide (see ``account``).
            self.proxies_taken.add(("ACCOUNT", account))
            found.append(("ACCOUNT", account))
        if person or rng.random() < 0.3:
            found.append(("MOBILE", self.mobile(country)))
        if code == "SG":
            if person and rng.random() < 0.8:
                found.append(("NATIONAL_ID", self.sg_nric()))
            if not person:
                found.append(("UEN", self.sg_uen()))
        elif code == "MY":
            if person and rng.random() < 0.8:
                found.append(("NATIONAL_ID", self.my_nric()))
            if not person:
                found.append(("BUSINESS_ID", self.my_business_id()))
        elif code == "TH":
            if person and rng.random() < 0.8:
                found.append(("NATIONAL_ID", self.th_citizen_id()))
            if not person:
                found.append(("BUSINESS_ID", self.th_tax_id()))
            if psp.kind == "ewallet":
                found.append(("EWALLET", self.th_ewallet_id(psp)))
        elif code == "ID" and rng.random() < 0.5:
            domain = rng.choice(_EMAIL_DOMAINS)
            found.append(("EMAIL", self.handle("EMAIL", named, ".", domain, 40)))
        elif code == "KH":
            bank_code = psp.id[:4].lower()
            found.append(("EWALLET", self.handle("EWALLET", named, "_", bank_code, 30)))
        elif code == "IN":
            handle = _UPI_HANDLES[psp.id]
            found.append(("UPI", self.handle("UPI", named, ".", handle, 40)))
        return tuple(found)


def build_region(
    seed: int = DEFAULT_SEED, customers_per_country: int = CUSTOMERS_PER_COUNTRY_DEFAULT
) -> Region:
    """Build the whole simulated region; the same arguments always give equal data."""
    assert 0 <= customers_per_country <= CUSTOMERS_PER_COUNTRY_MAX, customers_per_country
    # One generator, used in a fixed order, is what makes the region reproducible.
    rng = random.Random(seed)
    countries = _countries()
    rates = _mid_rates()
    rates_by_currency = {r.currency: r for r in rates}
    assert all(c.currency in rates_by_currency for c in countries)
    fxps = tuple(Fxp(fid, name, spread, tiers) for fid, name, spread, tiers in _FXPS)
    liquidity = {
        (fxp.id, country.code): _usd_to_local(
            FXP_LIQUIDITY_USD_MINOR, rates_by_currency[country.currency]
        )
        for fxp in fxps
        for country in countries
    }
    generator = _Generator(rng, rates_by_currency, countries)
    customers = tuple(
        generator.customer(country, index)
        for country in countries
        for index in range(1, customers_per_country + 1)
    )
    return Region(
        countries=countries,
        fxps=fxps,
        fxp_liquidity=liquidity,
        mid_rates=rates,
        customers=customers,
    )
