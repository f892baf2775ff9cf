"""What every national profile shares: the reading context and how it reports faults."""

from __future__ import annotations

from datetime import datetime

from lintas.codecs.emvqr.model import AddressType, MerchantAccount, Scheme


class ProfileContext:
    """The root fields a profile may need, and where it records faults.

    A plain slotted class rather than a dataclass: one is made per template on the
    decode hot path, and a hand-written ``__init__`` is several times cheaper.
    """

    __slots__ = ("country", "errors", "guid", "subs", "tag")

    def __init__(self, country: str | None, tag: str, guid: str, subs: dict[str, str]) -> None:
        self.country = country
        self.tag = tag
        self.guid = guid
        self.subs = subs
        #: ``(code, message)`` faults that make the code unpayable.
        self.errors: list[tuple[str, str]] = []

    def fail(self, code: str, message: str) -> None:
        """Record a fault that makes the code unpayable."""
        self.errors.append((code, f"tag {self.tag}: {message}"))

    def account(
        self,
        scheme: Scheme,
        fields: dict[str, str | bool | None],
        proxy: tuple[AddressType, str] | None = None,
        *,
        proxy_rank: int = 0,
        expires_at: datetime | None = None,
        created_at: datetime | None = None,
    ) -> MerchantAccount:
        """Build the account with the raw sub-tags kept alongside the typed fields."""
        # Positional: the cheaper call on the hot path (order as declared in the model).
        return MerchantAccount(
            scheme,
            self.tag,
            self.guid,
            tuple(self.subs.items()),
            tuple(fields.items()),
            proxy,
            proxy_rank,
            expires_at,
            created_at,
        )


def is_digits(text: str, length_min: int, length_max: int) -> bool:
    """ASCII digits only, with a length in range (``str.isdigit`` admits Thai digits)."""
    return length_min <= len(text) <= length_max and text.isascii() and text.isdigit()
