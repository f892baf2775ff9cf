"""The /v1 routes: each handler validates at the edge, calls one service, shapes the answer."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from lintas.bootstrap import Hub
from lintas.domain.errors import REASON_TEXT, Forbidden, InputInvalid, NotFound
from lintas.domain.fx import Quote
from lintas.domain.money import CURRENCY_EXPONENTS, Money
from lintas.domain.payment import Payment
from lintas.domain.reference import Country
from lintas.entrypoints.api import schemas as s
from lintas.entrypoints.api.http import Auth, Param, Request, Response, Route
from lintas.ports.directory import Participant, Role
from lintas.sandbox.merchants import merchants_in
from lintas.services.addressing import QrDetails
from lintas.services.payments import PartyInput, PaymentRequest
from lintas.services.quoting import QuoteRequest, RatePost

#: Payments listed by one request at most, and when the caller names no limit.
PAYMENTS_LIST_MAX: Final = 1000
PAYMENTS_LIST_DEFAULT: Final = 100
#: Sandbox customers or merchants listed when the caller names no limit.
SANDBOX_LIST_DEFAULT: Final = 20
#: Sandbox customers listed by one request at most.
CUSTOMERS_LIST_MAX: Final = 200
#: Sandbox merchants listed by one request at most.
MERCHANTS_LIST_MAX: Final = 200


#: ``"%d.%02d"``-style formats and divisors per minor-unit exponent: ``amount`` runs about 40
#: times per payment (quotes and payment answers), so the format is not rebuilt each time.
_AMOUNT_FORMATS: Final = {
    code: ("%d." + f"%0{exp}d", 10**exp) for code, exp in CURRENCY_EXPONENTS.items() if exp
}


def amount(m: Money) -> s.Amount:
    """Money as the API writes it (the same text as ``Money.format``)."""
    spec = _AMOUNT_FORMATS.get(m.currency)
    if spec is None:  # No minor units (or unknown: ``format`` raises as before).
        return s.Amount(m.format(), m.currency)
    fmt, divisor = spec
    return s.Amount(fmt % divmod(m.minor, divisor), m.currency)


def country_out(c: Country) -> s.CountryOut:
    """A country as the API writes it."""
    return s.CountryOut(
        code=c.code,
        name=c.name,
        currency=c.currency,
        ips=s.IpsOut(c.ips.id, c.ips.name, c.ips.currency, amount(c.ips.amount_max)),
        psps=[s.AgentOut(p.id, p.name, p.kind) for p in c.psps],
        sap=s.AgentOut(c.sap.id, c.sap.name, "sap"),
        address_types=[
            s.AddressTypeOut(a.code, a.label, a.pattern, a.example) for a in c.address_types
        ],
    )


def qr_out(q: QrDetails) -> s.QrOut:
    """What a resolved QR code says, as the API writes it."""
    return s.QrOut(
        scheme=q.scheme.value,
        initiation=q.initiation.value,
        amount=_decimal(q.amount),
        currency=q.currency,
        merchant_name=q.merchant_name,
        merchant_city=q.merchant_city,
        mcc=q.mcc,
        expires_at=q.expires_at.isoformat() if q.expires_at is not None else None,
        merchant_amount=_decimal(q.merchant_amount),
        convenience_fee=_decimal(q.convenience_fee),
        convenience_fee_percentage=q.convenience_fee_percentage,
        tip=_decimal(q.tip),
        tip_prompted=q.tip_prompted,
    )


def _decimal(amount: Money | None) -> str | None:
    return None if amount is None else amount.format()


def quote_out(q: Quote) -> s.QuoteOut:
    """A quote as the API writes it."""
    d = q.disclosure
    return s.QuoteOut(
        quote_id=q.quote_id,
        fxp=q.fxp_id,
        source_currency=q.source_currency,
        target_currency=q.target_currency,
        amount_type=q.amount_type.value,
        exchange_rate=str(q.exchange_rate),
        created_at=q.created_at.isoformat(),
        expires_at=q.expires_at.isoformat(),
        disclosure=s.DisclosureOut(
            amount_debited=amount(d.amount_debited),
            principal=amount(d.principal),
            source_psp_fee=amount(d.source_psp_fee),
            scheme_fee=amount(d.scheme_fee),
            interbank_target=amount(d.interbank_target),
            destination_psp_fee=amount(d.destination_psp_fee),
            amount_credited=amount(d.amount_credited),
            exchange_rate=str(d.exchange_rate),
            effective_rate=str(d.effective_rate),
        ),
    )


def payment_out(p: Payment) -> s.PaymentOut:
    """A payment as the API writes it."""
    return s.PaymentOut(
        uetr=p.uetr,
        status=p.iso_status,
        state=p.status.value,
        reason=p.reason.value if p.reason else None,
        reason_text=(p.reason_detail or REASON_TEXT[p.reason]) if p.reason else None,
        quote_id=p.quote_id,
        fxp=p.fxp_id,
        source_country=p.source_country,
        destination_country=p.destination_country,
        debtor=s.PartyOut(p.debtor.name, p.debtor.account, p.debtor.agent),
        creditor=s.PartyOut(p.creditor.name, p.creditor.account, p.creditor.agent),
        amount_debited=amount(p.amount_debited),
        amount_credited=amount(p.amount_credited),
        principal=amount(p.principal),
        source_psp_fee=amount(p.source_psp_fee),
        scheme_fee=amount(p.scheme_fee),
        destination_psp_fee=amount(p.destination_psp_fee),
        interbank_target=amount(p.interbank_target),
        exchange_rate=p.exchange_rate,
        created_at=p.created_at.isoformat(),
        updated_at=p.updated_at.isoformat(),
        risk_reasons=list(p.risk_reasons),
    )


def _caller(request: Request) -> Participant:
    assert request.caller is not None, "the app authenticates KEY routes before the handler"
    return request.caller


def _limit(request: Request, default: int, limit_max: int) -> int:
    """The ``limit`` query parameter: 1 to ``limit_max``, ``default`` when not given."""
    raw = request.query.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= limit_max:
        raise InputInvalid("limit_out_of_range", f"limit must be 1 to {limit_max}", field="limit")
    return int(raw)


def _sandbox_country(hub: Hub, request: Request) -> str:
    """The ``country`` query parameter of a sandbox listing: a connected country's code."""
    code = request.param("country").upper()
    if hub.reference.country(code) is None:
        raise NotFound("country_unknown", f"no country {code!r} is connected", field="country")
    return code


def _sandbox_list_params(limit_max: int) -> tuple[Param, ...]:
    """The query parameters of a sandbox listing (``_sandbox_country`` and ``_limit``)."""
    return (
        Param("country", "country code", example="TH"),
        Param("limit", f"1 to {limit_max} (default {SANDBOX_LIST_DEFAULT})", required=False),
    )


def build_routes(hub: Hub) -> list[Route]:
    """Every /v1 route, bound to ``hub``."""

    async def countries(request: Request) -> Response:
        return Response.json([country_out(c) for c in hub.reference.countries()])

    async def address_types(request: Request) -> Response:
        country = hub.addressing.country(request.path_params["country"].upper())
        return Response.json(
            [s.AddressTypeOut(a.code, a.label, a.pattern, a.example) for a in country.address_types]
        )

    async def quotes(request: Request) -> Response:
        q = QuoteRequest(
            source_country=request.param("sourceCountry").upper(),
            source_currency=request.param("sourceCurrency").upper(),
            destination_country=request.param("destinationCountry").upper(),
            destination_currency=request.param("destinationCurrency").upper(),
            amount_currency=request.param("amountCurrency").upper(),
            amount=request.param("amount"),
        )
        made = await hub.quoting.quote(q, _caller(request))
        return Response.json(s.QuotesOut([quote_out(x) for x in made]))

    async def resolve(request: Request) -> Response:
        if _caller(request).role is Role.SCAM_CENTRE:
            # A centre works on reported targets (signals), never on who holds an account.
            raise Forbidden(
                "scam_centre_may_not_resolve",
                "anti-scam centres look targets up in the signal exchange, not in directories",
            )
        body: s.ResolveIn = request.json(s.ResolveIn)
        r = hub.addressing.resolve(
            body.country.upper(),
            body.address_type.upper(),
            body.value,
            body.expected_name,
            now=hub.clock.now(),
            amount=body.amount,
            tip=body.tip,
        )
        country = hub.reference.country(r.country)
        assert country is not None
        psp = country.psp(r.holder.agent)
        v = r.verification
        qr = r.qr
        return Response.json(
            s.ResolveOut(
                country=r.country,
                address_type=r.address_type,
                value=r.value,
                account=r.holder.account,
                agent=r.holder.agent,
                agent_name=psp.name if psp else r.holder.agent,
                display_name=r.holder.display_name,
                verification=v.result.value if v else None,
                verification_name=v.name_shown if v else None,
                qr=None if qr is None else qr_out(qr),
            )
        )

    async def submit_payment(request: Request) -> Response:
        body: s.PaymentIn = request.json(s.PaymentIn)
        payment = await hub.payments.submit(
            PaymentRequest(
                uetr=body.uetr,
                quote_id=body.quote_id,
                debtor=PartyInput(body.debtor.name, body.debtor.account, body.debtor.agent),
                creditor=PartyInput(body.creditor.name, body.creditor.account, body.creditor.agent),
                creditor_proxy=(
                    (body.creditor_proxy.address_type, body.creditor_proxy.value)
                    if body.creditor_proxy is not None
                    else None
                ),
                merchant_qr=body.merchant_qr,
            ),
            _caller(request),
        )
        return Response.json(payment_out(payment))

    async def get_payment(request: Request) -> Response:
        payment = hub.payments.status(request.path_params["uetr"], _caller(request))
        return Response.json(payment_out(payment))

    async def list_payments(request: Request) -> Response:
        limit = _limit(request, PAYMENTS_LIST_DEFAULT, PAYMENTS_LIST_MAX)
        found = hub.payments.recent(_caller(request), limit)
        return Response.json(s.PaymentsOut([payment_out(p) for p in found]))

    async def cases(request: Request) -> Response:
        held = hub.payments.cases(_caller(request))
        return Response.json(s.PaymentsOut([payment_out(p) for p in held]))

    async def release_case(request: Request) -> Response:
        p = await hub.payments.release(request.path_params["uetr"], _caller(request))
        return Response.json(payment_out(p))

    async def reject_case(request: Request) -> Response:
        p = await hub.payments.reject(request.path_params["uetr"], _caller(request))
        return Response.json(payment_out(p))

    async def post_rates(request: Request) -> Response:
        body: s.RatesIn = request.json(s.RatesIn)
        posted = await hub.quoting.post_rates(
            [
                RatePost(
                    source_currency=r.source_currency.upper(),
                    target_currency=r.target_currency.upper(),
                    rate=r.rate,
                    tiers=tuple((t.threshold, t.improvement_bps) for t in r.tiers),
                    psp_improvements_bps=tuple(
                        (p.psp.upper(), p.improvement_bps) for p in r.psp_improvements
                    ),
                )
                for r in body.rates
            ],
            _caller(request),
        )
        return Response.json(
            s.RatesOut(
                [
                    s.RateOut(
                        r.fxp_id,
                        r.source_currency,
                        r.target_currency,
                        str(r.rate),
                        r.posted_at.isoformat(),
                    )
                    for r in posted
                ]
            ),
            201,
        )

    async def customers(request: Request) -> Response:
        code = _sandbox_country(hub, request)
        limit = _limit(request, SANDBOX_LIST_DEFAULT, CUSTOMERS_LIST_MAX)
        found = hub.region.customers_of(code)[:limit]
        return Response.json(
            s.CustomersOut(
                [
                    s.CustomerOut(
                        id=c.id,
                        country=c.country,
                        name=c.name,
                        name_latin=c.name_latin,
                        kind=c.kind,
                        account=c.account,
                        agent=c.psp_id,
                        proxies=[{"addressType": t, "value": v} for t, v in c.proxies],
                        opening_balance=amount(c.opening_balance),
                    )
                    for c in found
                ]
            )
        )

    async def merchants(request: Request) -> Response:
        code = _sandbox_country(hub, request)
        limit = _limit(request, SANDBOX_LIST_DEFAULT, MERCHANTS_LIST_MAX)
        found = merchants_in(hub.region, code)[:limit]
        return Response.json(
            s.MerchantsOut(
                [
                    s.MerchantOut(
                        id=m.id,
                        country=m.country,
                        name=m.name,
                        city=m.city,
                        mcc=m.mcc,
                        agent=m.psp,
                        account=m.account,
                        address_type=m.address_type.value,
                        proxy=m.proxy,
                        qr=m.qr,
                    )
                    for m in found
                ]
            )
        )

    async def keys(request: Request) -> Response:
        return Response.json(
            s.KeysOut(
                [
                    s.KeyOut(p.id, p.role.value, p.country, key)
                    for p, key in hub.participants.sandbox_keys()
                ]
            )
        )

    async def reconciliation(request: Request) -> Response:
        if request.caller is not None and request.caller.role is not Role.OPERATOR:
            raise Forbidden("operator_only", "reconciliation is for the operator")
        ledgers = []
        for b in hub.store.ledger_balances():
            country = hub.reference.country(b.country)
            currency = country.currency if country else "?"
            ledgers.append(
                s.LedgerOut(
                    ledger=b.ledger,
                    country=b.country,
                    currency=currency,
                    accounts=b.accounts,
                    debits_posted=str(b.debits_posted),
                    credits_posted=str(b.credits_posted),
                    debits_pending=str(b.debits_pending),
                    credits_pending=str(b.credits_pending),
                    flag_violations=b.flag_violations,
                    balanced=b.balanced,
                )
            )
        return Response.json(s.ReconciliationOut(all(x.balanced for x in ledgers), ledgers))

    async def writer(request: Request) -> Response:
        if request.caller is not None and request.caller.role is not Role.OPERATOR:
            raise Forbidden("operator_only", "the writer's figures are for the operator")
        st = hub.store.stats
        per_batch = Decimal(st.commands) / st.batches if st.batches else Decimal(0)
        return Response.json(
            s.WriterOut(
                batches=st.batches,
                commands=st.commands,
                transfers=st.transfers,
                commands_per_batch=str(per_batch.quantize(Decimal("0.01"))),
                largest_batch=st.batch_size_max_seen,
                transfers_evicted=st.transfers_evicted,
                commands_queued=hub.store.commands_queued(),
                log_checkpoints=st.log_checkpoints,
                log_checks_failed=st.log_checks_failed,
            )
        )

    psp_key = "Bearer key of a PSP (see `lintas sandbox keys`)."
    return [
        Route(
            "GET",
            "/v1/countries",
            countries,
            "List connected countries",
            "Every country, its IPS (currency, maximum amount), PSPs, SAP and address types.",
            "curl -s $LINTAS_URL/v1/countries",
            auth=Auth.NONE,
            response=s.CountryOut,
            tag="reference",
        ),
        Route(
            "GET",
            "/v1/countries/{country}/address-types",
            address_types,
            "List a country's address types",
            "The proxy types a country's directory resolves, with the pattern of a valid value.",
            "curl -s $LINTAS_URL/v1/countries/TH/address-types",
            auth=Auth.NONE,
            params=(Param("country", "ISO 3166 alpha-2 code", where="path", example="TH"),),
            response=s.AddressTypeOut,
            tag="reference",
        ),
        Route(
            "GET",
            "/v1/quotes",
            quotes,
            "Get quotes from every FXP",
            "Prices an amount fixed to send (amountCurrency = sourceCurrency) or to receive "
            "(amountCurrency = destinationCurrency). Each quote holds its rate until "
            "expiresAt and discloses what is debited, credited and charged. " + psp_key,
            'curl -s -H "Authorization: Bearer $KEY" "$LINTAS_URL/v1/quotes?sourceCountry=SG'
            "&sourceCurrency=SGD&destinationCountry=TH&destinationCurrency=THB"
            '&amountCurrency=SGD&amount=100.00"',
            params=(
                Param("sourceCountry", "source country", example="SG"),
                Param("sourceCurrency", "source IPS currency", example="SGD"),
                Param("destinationCountry", "destination country", example="TH"),
                Param("destinationCurrency", "destination IPS currency", example="THB"),
                Param("amountCurrency", "which side is fixed", example="SGD"),
                Param("amount", "decimal string with the currency's decimals", example="100.00"),
            ),
            response=s.QuotesOut,
            tag="payments",
        ),
        Route(
            "POST",
            "/v1/addressing/resolve",
            resolve,
            "Resolve a proxy or account",
            "Looks a proxy up in the destination country's directory; answers the account, "
            "its agent and a masked display name. Unknown proxies are refused with BE23. "
            "With addressType QR the value is a merchant QR code: it is decoded, refused when "
            "invalid (FF01), of another country or expired, and the answer's qr object gives "
            "its merchant, scheme and what the payer pays: merchantAmount, convenienceFee "
            "(fixed, or a percentage rounded down), tip (only when tipPrompted; send tip) and "
            "amount, their sum, to quote fixed to receive. For a code without an amount, send "
            "the payer's amount (in the code's currency) to get the fee and the total.",
            'curl -s -X POST -H "Authorization: Bearer $KEY" $LINTAS_URL/v1/addressing/resolve '
            '-d \'{"country":"TH","addressType":"MOBILE","value":"+66812345678"}\'',
            request=s.ResolveIn,
            response=s.ResolveOut,
            tag="payments",
        ),
        Route(
            "POST",
            "/v1/payments",
            submit_payment,
            "Submit a payment",
            "Executes a payment against a quote: both legs reserved, then posted (ACCC) or "
            "voided (RJCT with reason). The same UETR is one payment for ever. " + psp_key,
            'curl -s -X POST -H "Authorization: Bearer $KEY" $LINTAS_URL/v1/payments -d '
            '\'{"uetr":"…","quoteId":"…","debtor":{"name":"…","account":"…",'
            '"agent":"…"},"creditor":{"name":"…","account":"…","agent":"…"}}\'',
            request=s.PaymentIn,
            response=s.PaymentOut,
            tag="payments",
        ),
        Route(
            "GET",
            "/v1/payments",
            list_payments,
            "List recent payments",
            "The caller's recent payments, newest first (the operator sees all).",
            'curl -s -H "Authorization: Bearer $KEY" "$LINTAS_URL/v1/payments?limit=10"',
            params=(
                Param(
                    "limit",
                    f"1 to {PAYMENTS_LIST_MAX} (default {PAYMENTS_LIST_DEFAULT})",
                    required=False,
                    example="10",
                ),
            ),
            response=s.PaymentsOut,
            tag="payments",
        ),
        Route(
            "GET",
            "/v1/payments/{uetr}",
            get_payment,
            "Get a payment's status",
            "A payment's status (ISO 20022 code), reason and amounts; only its two agents, its "
            "FXP and the operator may read it.",
            'curl -s -H "Authorization: Bearer $KEY" $LINTAS_URL/v1/payments/$UETR',
            params=(Param("uetr", "the payment's UETR", where="path"),),
            response=s.PaymentOut,
            tag="payments",
        ),
        Route(
            "GET",
            "/v1/cases",
            cases,
            "List payments held for review (operator)",
            "Payments the risk rules held (pacs.002 ACWP, funds reserved), oldest first, each "
            "with the reasons it was held. Operator key.",
            'curl -s -H "Authorization: Bearer $OPERATOR_KEY" $LINTAS_URL/v1/cases',
            response=s.PaymentsOut,
            tag="operator",
        ),
        Route(
            "POST",
            "/v1/cases/{uetr}/release",
            release_case,
            "Release a held payment (operator)",
            "Posts both reserved legs: the payment settles (ACCC). Operator key.",
            'curl -s -X POST -H "Authorization: Bearer $OPERATOR_KEY" '
            "$LINTAS_URL/v1/cases/$UETR/release",
            params=(Param("uetr", "the held payment's UETR", where="path"),),
            response=s.PaymentOut,
            tag="operator",
        ),
        Route(
            "POST",
            "/v1/cases/{uetr}/reject",
            reject_case,
            "Reject a held payment (operator)",
            "Voids both reserved legs: the payment is rejected (RJCT RR04) and every balance is "
            "as before. Operator key.",
            'curl -s -X POST -H "Authorization: Bearer $OPERATOR_KEY" '
            "$LINTAS_URL/v1/cases/$UETR/reject",
            params=(Param("uetr", "the held payment's UETR", where="path"),),
            response=s.PaymentOut,
            tag="operator",
        ),
        Route(
            "POST",
            "/v1/rates",
            post_rates,
            "Post standing rates (FXP)",
            "An FXP posts rates per currency pair, with size tiers and PSP improvements; they "
            "apply to every quote from then on. Bearer key of an FXP.",
            'curl -s -X POST -H "Authorization: Bearer $FXP_KEY" $LINTAS_URL/v1/rates -d '
            '\'{"rates":[{"sourceCurrency":"SGD","targetCurrency":"THB",'
            '"rate":"26.41"}]}\'',
            request=s.RatesIn,
            response=s.RatesOut,
            tag="fx",
        ),
        Route(
            "GET",
            "/v1/sandbox/customers",
            customers,
            "List sandbox customers",
            "Fictional parties of a country to pay from or to (sandbox only).",
            'curl -s "$LINTAS_URL/v1/sandbox/customers?country=TH&limit=5"',
            auth=Auth.SANDBOX,
            params=_sandbox_list_params(CUSTOMERS_LIST_MAX),
            response=s.CustomersOut,
            tag="sandbox",
        ),
        Route(
            "GET",
            "/v1/sandbox/merchants",
            merchants,
            "List sandbox merchants",
            "Fictional merchants of a country, each with the static QR code printed at its "
            "counter: resolve the code with addressType QR, then pay it (sandbox only).",
            'curl -s "$LINTAS_URL/v1/sandbox/merchants?country=TH&limit=5"',
            auth=Auth.SANDBOX,
            params=_sandbox_list_params(MERCHANTS_LIST_MAX),
            response=s.MerchantsOut,
            tag="sandbox",
        ),
        Route(
            "GET",
            "/v1/sandbox/keys",
            keys,
            "List sandbox API keys",
            "Every sandbox participant's API key (sandbox only: a real hub never shows keys).",
            "curl -s $LINTAS_URL/v1/sandbox/keys",
            auth=Auth.SANDBOX,
            response=s.KeysOut,
            tag="sandbox",
        ),
        Route(
            "GET",
            "/v1/reconciliation",
            reconciliation,
            "Reconcile every ledger",
            "Per ledger: debits and credits (posted and pending) summed over accounts, flag "
            "violations, and a replay of every transfer compared with the balances. Open in "
            "the sandbox; the operator's key otherwise.",
            "curl -s $LINTAS_URL/v1/reconciliation",
            auth=Auth.SANDBOX,
            response=s.ReconciliationOut,
            tag="operator",
        ),
        Route(
            "GET",
            "/v1/store/writer",
            writer,
            "Show the store writer's batching",
            "Since the hub started: batches committed (one transaction and one fsync each), "
            "commands and transfers in them, commands per batch (how well group commit "
            "amortises the fsync at the current load), the largest batch, transfers evicted "
            "from memory, commands waiting now, and the checked checkpoints of the transfer "
            "log taken while running (with the checks that found a balance the log does not "
            "give: the next start would refuse to open). Open in the sandbox; the operator's "
            "key otherwise.",
            "curl -s $LINTAS_URL/v1/store/writer",
            auth=Auth.SANDBOX,
            response=s.WriterOut,
            tag="operator",
        ),
    ]
