"""A small synchronous HTTP client of the hub, used by the CLI and the tests."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Final

import httpx

from lintas.codecs.emvqr import decode

TIMEOUT_S: Final = 30.0


class HubError(Exception):
    """The hub refused a request (a problem+json answer)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        self.reason = str(problem.get("reason", "unknown"))
        self.detail = str(problem.get("detail", ""))
        self.code = problem.get("code")
        super().__init__(f"{status} {self.reason}: {self.detail}")


class HubClient:
    """Calls a hub's /v1 API. In the sandbox it finds participants' keys by itself."""

    def __init__(self, server: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(
            base_url=server.rstrip("/"), timeout=TIMEOUT_S, transport=transport
        )
        self._keys: dict[str, str] | None = None

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _call(self, method: str, path: str, *, key: str | None = None, **kw: Any) -> Any:
        headers = {"authorization": f"Bearer {key}"} if key else {}
        r = self._http.request(method, path, headers=headers, **kw)
        if r.status_code >= 400:
            try:
                problem = r.json()
            except ValueError:
                problem = {"reason": "http_error", "detail": r.text[:200]}
            raise HubError(r.status_code, problem)
        return r.json()

    def keys(self) -> Any:
        """Every sandbox key."""
        return self._call("GET", "/v1/sandbox/keys")

    def key_for(self, participant: str) -> str:
        """The sandbox key of ``participant``."""
        if self._keys is None:
            self._keys = {k["participant"]: k["apiKey"] for k in self.keys()["keys"]}
        try:
            return self._keys[participant]
        except KeyError:
            raise HubError(
                404,
                {
                    "reason": "participant_unknown",
                    "detail": f"no sandbox participant {participant!r}",
                },
            ) from None

    def countries(self) -> Any:
        """Every connected country."""
        return self._call("GET", "/v1/countries")

    def customers(self, country: str, limit: int = 10) -> Any:
        """Sample sandbox customers."""
        return self._call(
            "GET", "/v1/sandbox/customers", params={"country": country, "limit": limit}
        )

    def merchants(self, country: str, limit: int = 10) -> Any:
        """Sample sandbox merchants, each with its QR code."""
        return self._call(
            "GET", "/v1/sandbox/merchants", params={"country": country, "limit": limit}
        )

    def _psp_key(self, country: str, psp: str | None, key: str | None) -> tuple[str, str]:
        if psp is None:
            c = next((c for c in self.countries() if c["code"] == country), None)
            if c is None:
                raise HubError(
                    404, {"reason": "country_unknown", "detail": f"no country {country!r}"}
                )
            psp = c["psps"][0]["id"]
        assert psp is not None
        return psp, key or self.key_for(psp)

    def quotes(
        self,
        source: str,
        destination: str,
        amount: str,
        currency: str | None = None,
        *,
        psp: str | None = None,
        key: str | None = None,
    ) -> Any:
        """Every FXP's quote."""
        by_code = {c["code"]: c for c in self.countries()}
        if source not in by_code or destination not in by_code:
            missing = source if source not in by_code else destination
            raise HubError(404, {"reason": "country_unknown", "detail": f"no country {missing!r}"})
        _, key = self._psp_key(source, psp, key)
        return self._call(
            "GET",
            "/v1/quotes",
            key=key,
            params={
                "sourceCountry": source,
                "sourceCurrency": by_code[source]["currency"],
                "destinationCountry": destination,
                "destinationCurrency": by_code[destination]["currency"],
                "amountCurrency": currency or by_code[source]["currency"],
                "amount": amount,
            },
        )

    def resolve(
        self,
        country: str,
        address_type: str,
        value: str,
        *,
        key: str | None = None,
        amount: str | None = None,
        tip: str | None = None,
        expected_name: str | None = None,
    ) -> Any:
        """Resolve a proxy (a QR code may take the payer's ``amount`` and ``tip``); with
        ``expected_name``, the answer carries the payee verification (MTCH/CMTC/NMTC/NOAP)."""
        body: dict[str, str] = {"country": country, "addressType": address_type, "value": value}
        for name, given in (("amount", amount), ("tip", tip), ("expectedName", expected_name)):
            if given is not None:
                body[name] = given
        return self._call(
            "POST",
            "/v1/addressing/resolve",
            key=key or self.key_for(self.countries()[0]["psps"][0]["id"]),
            json=body,
        )

    def submit(self, body: dict[str, Any], *, key: str) -> Any:
        """Submit a payment."""
        return self._call("POST", "/v1/payments", key=key, json=body)

    def payment(self, uetr: str, *, key: str | None = None) -> Any:
        """A payment's status (operator key by default in the sandbox)."""
        return self._call("GET", f"/v1/payments/{uetr}", key=key or self.key_for("OPERATOR"))

    def reconciliation(self) -> Any:
        """Every ledger's reconciliation."""
        return self._call("GET", "/v1/reconciliation")

    def pay(
        self,
        *,
        source: str,
        destination: str,
        amount: str,
        currency: str | None,
        address_type: str,
        value: str,
        debtor_account: str | None,
        debtor_agent: str | None,
        debtor_name: str | None,
        uetr: str,
        key: str | None,
    ) -> Any:
        """Quote, resolve and submit; returns the final payment."""
        debtor_account, psp, debtor_name, key = self._debtor(
            source, debtor_account, debtor_agent, debtor_name, key
        )
        quotes = self.quotes(source, destination, amount, currency, psp=psp, key=key)["quotes"]
        payee = self.resolve(destination, address_type, value, key=key)
        return self._submit_to(payee, quotes[0], uetr, debtor_account, psp, debtor_name, key)

    def pay_qr(
        self,
        *,
        source: str,
        qr: str,
        amount: str | None,
        currency: str | None,
        destination: str | None,
        debtor_account: str | None,
        debtor_agent: str | None,
        debtor_name: str | None,
        uetr: str,
        key: str | None,
        tip: str | None = None,
    ) -> dict[str, Any]:
        """Pay a merchant QR code: resolve it in the country it names, quote, submit.

        A code with an amount (a dynamic code) is paid that amount, plus its convenience
        fee and the payer's ``tip`` (in the code's currency, only for a code that asks for
        one): the hub adds them up and the quote is fixed to *receive* exactly the sum.
        Otherwise ``amount`` is required, in ``currency`` (default the source's); when the
        code adds a fee or the payer a tip, the amount is the merchant's, in the code's
        currency (the default then), so the hub can add the fee and tip to it.
        Returns ``{"payee": ..., "quote": ..., "payment": ...}``; ``payee.qr`` shows the
        merchant amount, the fee, the tip and the total separately.
        """
        country = destination or decode(qr.strip()).country
        if country is None:
            # Unreadable: the hub gives the codec's precise errors for a country it connects.
            country = source
        debtor_account, psp, debtor_name, key = self._debtor(
            source, debtor_account, debtor_agent, debtor_name, key
        )
        payee = self.resolve(country, "QR", qr, key=key, tip=tip)
        code = payee["qr"]
        fixed = code["merchantAmount"]
        if fixed is not None:
            if amount is not None and not _same_amount(amount, fixed):
                raise HubError(
                    422,
                    {
                        "reason": "amount_fixed_by_code",
                        "detail": f"the code asks for {fixed} {code['currency']}; "
                        f"leave --amount out or give that amount",
                    },
                )
        elif amount is None:
            raise HubError(
                422,
                {
                    "reason": "amount_missing",
                    "detail": "the code leaves the amount to the payer: give --amount",
                },
            )
        elif tip is not None or code["convenienceFeePercentage"] or code["convenienceFee"]:
            if currency not in (None, code["currency"]):
                raise HubError(
                    422,
                    {
                        "reason": "amount_currency_not_the_codes",
                        "detail": f"the code adds a fee or a tip to the merchant's amount: "
                        f"give --amount in {code['currency']}",
                    },
                )
            # The hub adds the fee and the tip to the merchant's amount.
            payee = self.resolve(country, "QR", qr, key=key, amount=amount, tip=tip)
            code = payee["qr"]
        total = code["amount"]
        if total is not None:
            # Fixed to receive: the merchant gets exactly what the code (and tip) add up to.
            quotes = self.quotes(
                source, payee["country"], total, code["currency"], psp=psp, key=key
            )["quotes"]
        else:
            # The payer's amount as given (default: in the source's currency).
            assert amount is not None, "refused above"
            quotes = self.quotes(source, payee["country"], amount, currency, psp=psp, key=key)[
                "quotes"
            ]
        chosen = quotes[0]
        payment = self._submit_to(payee, chosen, uetr, debtor_account, psp, debtor_name, key)
        return {"payee": payee, "quote": chosen, "payment": payment}

    def _debtor(
        self,
        source: str,
        debtor_account: str | None,
        debtor_agent: str | None,
        debtor_name: str | None,
        key: str | None,
    ) -> tuple[str, str, str | None, str]:
        """(account, PSP, name, key) of the sender; a sample customer in the sandbox."""
        if debtor_account is None:
            sample = self.customers(source, 1)["customers"][0]
            debtor_account, debtor_agent = sample["account"], sample["agent"]
            debtor_name = debtor_name or sample["nameLatin"]
        if debtor_agent is None:
            raise HubError(
                422,
                {
                    "reason": "debtor_agent_missing",
                    "detail": "--debtor-agent is required with --debtor-account",
                },
            )
        psp, key = self._psp_key(source, debtor_agent, key)
        return debtor_account, psp, debtor_name, key

    def _submit_to(
        self,
        payee: dict[str, Any],
        quote: dict[str, Any],
        uetr: str,
        debtor_account: str,
        psp: str,
        debtor_name: str | None,
        key: str,
    ) -> Any:
        return self.submit(
            {
                "uetr": uetr,
                "quoteId": quote["quoteId"],
                "debtor": {
                    "name": debtor_name or "Sender",
                    "account": debtor_account,
                    "agent": psp,
                },
                "creditor": {
                    "name": payee["displayName"],
                    "account": payee["account"],
                    "agent": payee["agent"],
                },
                # How the payee was addressed, so scam reports on it are checked as well.
                **(
                    {"merchantQr": payee["value"]}
                    if payee["addressType"] == "QR"
                    else {
                        "creditorProxy": {
                            "addressType": payee["addressType"],
                            "value": payee["value"],
                        }
                    }
                ),
            },
            key=key,
        )


def _same_amount(typed: str, fixed: str) -> bool:
    """Whether the amount a payer typed is the one a code fixes (``150`` is ``150.00``)."""
    try:
        return Decimal(typed) == Decimal(fixed)
    except InvalidOperation:
        return False
