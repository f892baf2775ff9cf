"""The composition root: the only place that picks adapters and wires services.

Nothing opens a file or a connection at import: ``build_hub`` does, when asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeAlias

from lintas.adapters import log_checkpoint
from lintas.adapters.sanctions import load_list
from lintas.adapters.sandbox import SandboxDirectory, SandboxParticipants, SandboxReference
from lintas.adapters.sqlite.recalls import SqliteRecalls
from lintas.adapters.sqlite.signals_store import SignalsStore
from lintas.adapters.sqlite.store import TRANSFERS_IN_MEMORY_MAX, SqliteStore, StoreConfig
from lintas.domain import settlement
from lintas.domain.errors import LintasError
from lintas.domain.fx import QUOTE_TTL_S_DEFAULT
from lintas.matching import DEFAULT_THRESHOLD
from lintas.ports.clock import Clock, SystemClock
from lintas.ports.risk import RiskAssessor
from lintas.sandbox.region import Region, build_region
from lintas.services import sandbox as sandbox_seeding
from lintas.services.addressing import AddressingService
from lintas.services.iso_gateway import IsoGateway
from lintas.services.payments import HOLD_REVIEW_S_DEFAULT, PaymentsService
from lintas.services.quoting import QuotingService
from lintas.services.returns import RecallPolicy, ReturnsService
from lintas.services.risk import RulesAssessor, load_risk_rules
from lintas.services.screening import SCREEN_CACHE_MAX_DEFAULT, ScreeningService
from lintas.services.signals import ExchangeLookup, SignalsService

if TYPE_CHECKING:
    # Imported when a hub is built on PostgreSQL (``_open_store``, ``_open_signals_store``,
    # ``_recalls_store``): psycopg costs a SQLite-only hub nothing.
    from lintas.adapters.postgres.recalls import PostgresRecalls
    from lintas.adapters.postgres.signals_store import PostgresSignalsStore
    from lintas.adapters.postgres.store import PostgresStore

#: The payments store a hub runs on; both implement the same ports, with the same semantics.
HubStore: TypeAlias = "SqliteStore | PostgresStore"
#: Where a hub keeps return links and recall cases, and scam signals: in the payments
#: store's database, whichever it is (same methods, same semantics).
HubRecalls: TypeAlias = "SqliteRecalls | PostgresRecalls"
HubSignalsStore: TypeAlias = "SignalsStore | PostgresSignalsStore"

DB_PATH_DEFAULT: Final = Path("var/lintas.db")
SEED_DEFAULT: Final = 2026
#: Bumped whenever seeding creates different accounts for the same seed, or what a store
#: holds changes meaning (v3: transfer ids start with the payment's millisecond,
#: ``settlement.transfer_id``; v4: a ledger's own accounts start with the ledger,
#: ``settlement._ledger_account_id``; v5: funding transfer ids sort below every payment's,
#: ``settlement.funding_transfer_id``), so that a store made before is refused, not misread.
SANDBOX_DATA_VERSION: Final = "v5-funding-ids-first"
CUSTOMERS_PER_COUNTRY_DEFAULT: Final = 1000


@dataclass(frozen=True, kw_only=True)
class HubConfig:
    """How to build a hub. Every option is explicit and has a named default."""

    #: The SQLite file of the hub (unused with ``db_url``: nothing is kept in SQLite then).
    db_path: Path = DB_PATH_DEFAULT
    #: A PostgreSQL URL (``postgresql://user@host:5432/dbname``): everything the hub keeps
    #: (ledger, payments, quotes, rates, recall cases and returns, scam signals) lives there,
    #: in schema ``lintas``. None: all in ``db_path``.
    db_url: str | None = None
    sandbox: bool = True
    seed: int = SEED_DEFAULT
    customers_per_country: int = CUSTOMERS_PER_COUNTRY_DEFAULT
    payment_timeout_s: int = settlement.PAYMENT_TIMEOUT_S_DEFAULT
    quote_ttl_s: int = QUOTE_TTL_S_DEFAULT
    hold_review_s: int = HOLD_REVIEW_S_DEFAULT
    synchronous: str = "FULL"
    #: Sanctions list files loaded at start (UN XML, OFAC sdn.csv or its folder, FtM JSONL).
    sanctions_lists: tuple[Path, ...] = ()
    #: The risk rules file (``lintas.services.risk.RISK_CONFIG_DEFAULT`` is the documented
    #: default); None: no rules, every payment passes the risk decision.
    risk_config: Path | None = None
    #: Transfer records the ledger keeps in memory; older finished ones are read back from
    #: the store when named (``adapters.sqlite.store.TRANSFERS_IN_MEMORY_MAX``).
    transfers_in_memory_max: int = TRANSFERS_IN_MEMORY_MAX
    #: Seconds between two checked checkpoints of the transfer log while the hub runs
    #: (``adapters.log_checkpoint``): roughly what a start after a crash replays at most.
    #: 0: only each start takes one.
    log_checkpoint_interval_s: float = log_checkpoint.INTERVAL_S_DEFAULT
    #: PSPs that answer recalls (camt.056) of payments they received themselves, with a
    #: camt.029 of their own; until they do, a recall is pending. The sandbox answers at once
    #: for every other PSP (``services.returns.RecallPolicy``): by default all of them.
    recall_answering_psps: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.sandbox:
            # Only the sandbox region exists so far; a production hub needs real
            # directories and IPS connectors behind the same ports.
            raise ValueError("only the sandbox mode is available in this version")
        if not 1 <= self.payment_timeout_s <= 3600:
            raise ValueError("payment_timeout_s must be between 1 and 3600")
        if self.hold_review_s < self.payment_timeout_s:
            raise ValueError("hold_review_s must be at least payment_timeout_s")
        if not 10 <= self.customers_per_country <= 100_000:
            raise ValueError("customers_per_country must be between 10 and 100000")
        if self.transfers_in_memory_max < 0:
            raise ValueError("transfers_in_memory_max must not be negative")
        if self.log_checkpoint_interval_s < 0:
            raise ValueError("log_checkpoint_interval_s must not be negative")
        if self.db_url is not None and not self.db_url.startswith(_POSTGRES_URL_SCHEMES):
            raise ValueError("db_url must be a PostgreSQL URL (postgresql://...)")

    @property
    def store_name(self) -> str:
        """Where the payments store is, for messages (never with a password)."""
        if self.db_url is None:
            return str(self.db_path)
        from lintas.adapters.postgres.url import redacted

        return redacted(self.db_url)


#: What ``adapters.postgres.url.is_postgres_url`` accepts, spelled here so that a SQLite-only
#: hub never imports psycopg (about 0.3 s at start).
_POSTGRES_URL_SCHEMES: Final = ("postgresql://", "postgres://")


def db_location(db: str) -> tuple[Path, str | None]:
    """``(db_path, db_url)`` for what ``--db`` names: a SQLite file, or a PostgreSQL URL
    (checked here: ``InputInvalid`` when malformed).

    With a URL everything is in PostgreSQL and ``db_path`` is the default, unused: no SQLite
    file is created.
    """
    if not db.startswith(_POSTGRES_URL_SCHEMES):
        return Path(db), None
    from lintas.adapters.postgres.url import check_url

    check_url(db)
    return DB_PATH_DEFAULT, db


@dataclass(kw_only=True)
class Hub:
    """Everything a running hub holds, wired together."""

    config: HubConfig
    clock: Clock
    region: Region
    store: HubStore
    reference: SandboxReference
    directory: SandboxDirectory
    participants: SandboxParticipants
    quoting: QuotingService
    addressing: AddressingService
    payments: PaymentsService
    screening: ScreeningService
    iso: IsoGateway
    signals: SignalsService
    signals_store: HubSignalsStore
    recalls: HubRecalls
    recovered: int = 0

    async def start(self) -> None:
        """Finish what a previous run left in flight (void reserved payments)."""
        self.recovered = await self.payments.recover()

    def close(self) -> None:
        """Stop the writer and close the stores."""
        self.recalls.close()
        self.signals_store.close()
        self.store.close()


def _recall_answering_psps(config: HubConfig, reference: SandboxReference) -> frozenset[str]:
    """``config.recall_answering_psps``, each a PSP of the region (else a clear refusal)."""
    unknown = sorted(
        psp
        for psp in config.recall_answering_psps
        if (country := reference.country_of_agent(psp)) is None or country.psp(psp) is None
    )
    if unknown:
        raise ValueError(f"recall_answering_psps: not PSPs of the sandbox: {', '.join(unknown)}")
    return frozenset(config.recall_answering_psps)


def check_recall_answering_psps(config: HubConfig) -> None:
    """Refuse (``ValueError``) what ``build_hub`` would refuse in ``recall_answering_psps``,
    without opening the store: ``lintas serve`` says so before it starts."""
    if config.recall_answering_psps:
        # The PSPs do not depend on the customers: a region without any is built at once
        # (the full one, built again by ``build_hub``, took about a second).
        region = build_region(config.seed, 0)
        _recall_answering_psps(config, SandboxReference(region))


def _open_store(config: HubConfig, clock: Clock) -> HubStore:
    """The payments store ``config`` names, opened (migrated, its ledger restored)."""
    store: HubStore
    if config.db_url is None:
        store = SqliteStore(
            StoreConfig(
                path=config.db_path,
                synchronous=config.synchronous,
                transfers_in_memory_max=config.transfers_in_memory_max,
                log_checkpoint_interval_s=config.log_checkpoint_interval_s,
            ),
            clock,
        )
    else:
        from lintas.adapters.postgres.store import PostgresStore, PostgresStoreConfig

        store = PostgresStore(
            PostgresStoreConfig(
                url=config.db_url,
                transfers_in_memory_max=config.transfers_in_memory_max,
                log_checkpoint_interval_s=config.log_checkpoint_interval_s,
            ),
            clock,
        )
    store.open()
    return store


def _open_signals_store(config: HubConfig) -> HubSignalsStore:
    """The scam signals' store, opened, in the payments store's database."""
    if config.db_url is None:
        return SignalsStore(config.db_path).open()
    from lintas.adapters.postgres.signals_store import PostgresSignalsStore

    return PostgresSignalsStore(config.db_url).open()


def _recalls_store(config: HubConfig) -> HubRecalls:
    """Return links and recall cases, in the payments store's database (a connection per
    calling thread, opened on its first call, kept until ``Hub.close`` closes them)."""
    if config.db_url is None:
        return SqliteRecalls(config.db_path)
    from lintas.adapters.postgres.recalls import PostgresRecalls

    return PostgresRecalls(config.db_url)


def build_hub(
    config: HubConfig, clock: Clock | None = None, risk: RiskAssessor | None = None
) -> Hub:
    """Open (and on first start, seed) the store and wire every service.

    ``risk`` decides pass / hold / block for each payment (default: pass all).
    """
    clock = clock or SystemClock()
    region = build_region(config.seed, config.customers_per_country)
    rules = load_risk_rules(config.risk_config) if config.risk_config is not None else None
    screening = ScreeningService.from_files(
        config.sanctions_lists,
        loader=load_list,
        clock=clock,
        threshold=rules.sanctions_hold_score if rules else DEFAULT_THRESHOLD,
        participant_thresholds=rules.participant_screening_thresholds if rules else None,
        cache_max=rules.sanctions_cache_max if rules else SCREEN_CACHE_MAX_DEFAULT,
    )
    store = _open_store(config, clock)
    signals_store: HubSignalsStore | None = None
    recalls: HubRecalls | None = None
    try:
        seeded_with = store.meta("sandbox_seed")
        # The sandbox data's version is part of the signature: a store seeded by an older
        # Lintas (e.g. before merchants had accounts) is refused with a clear message.
        wanted = f"{config.seed}:{config.customers_per_country}:{SANDBOX_DATA_VERSION}"
        if seeded_with is None:
            if store.is_seeded():
                raise LintasError("store_not_a_sandbox", f"{config.store_name} holds another hub")
            sandbox_seeding.seed(region, store, clock)
            store.set_meta("sandbox_seed", wanted)
        elif seeded_with != wanted:
            older = not seeded_with.endswith(f":{SANDBOX_DATA_VERSION}")
            raise LintasError(
                "store_seeded_differently",
                f"{config.store_name} was seeded with {seeded_with}, not {wanted}; "
                + (
                    "it was made by another version of Lintas: delete it to start afresh, "
                    "or use another --db"
                    if older
                    else "use another --db or the same seed"
                ),
            )
        signals_store = _open_signals_store(config)
        reference = SandboxReference(region)
        directory = SandboxDirectory(region)
        if risk is None and rules is not None:
            risk = RulesAssessor(
                rules,
                screening=screening,
                signals=ExchangeLookup(store=signals_store, clock=clock),
                # The creditor-proxy rule resolves the declared proxy in these.
                directory=directory,
                reference=reference,
            )
        quoting = QuotingService(
            reference=reference,
            reader=store,
            writer=store,
            clock=clock,
            quote_ttl_s=config.quote_ttl_s,
        )
        addressing = AddressingService(reference=reference, directory=directory, clock=clock)
        payments = PaymentsService(
            reference=reference,
            directory=directory,
            quoting=quoting,
            reader=store,
            writer=store,
            clock=clock,
            timeout_s=config.payment_timeout_s,
            risk=risk,
            hold_review_s=config.hold_review_s,
            addressing=addressing,
        )
        recalls = _recalls_store(config)
        returns = ReturnsService(
            payments=payments,
            quoting=quoting,
            reference=reference,
            reader=store,
            recalls=recalls,
            clock=clock,
            policy=RecallPolicy(psps_answering=_recall_answering_psps(config, reference)),
        )
        iso = IsoGateway(
            payments=payments,
            quoting=quoting,
            addressing=addressing,
            reference=reference,
            reader=store,
            clock=clock,
            returns=returns,
        )
        return Hub(
            config=config,
            clock=clock,
            region=region,
            store=store,
            reference=reference,
            directory=directory,
            participants=SandboxParticipants(region, config.seed),
            quoting=quoting,
            addressing=addressing,
            iso=iso,
            payments=payments,
            screening=screening,
            signals=SignalsService(store=signals_store, reference=reference, clock=clock),
            signals_store=signals_store,
            recalls=recalls,
        )
    except BaseException:
        if recalls is not None:
            recalls.close()
        if signals_store is not None:
            signals_store.close()
        store.close()
        raise
