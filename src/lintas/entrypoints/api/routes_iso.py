"""The /v1/iso20022 routes: ISO 20022 XML in, XML out, through ``IsoGateway``.

Register with ``Router(build_routes(hub) + build_iso_routes(hub))``. Every route takes a
participant's bearer key; a refused message is answered with a pacs.002 RJCT (or, when not
even its UETR can be read, an application/problem+json), never a server error.

The gateway is ``hub.iso``, wired in bootstrap.
"""

from __future__ import annotations

from typing import Final

from lintas.bootstrap import Hub
from lintas.entrypoints.api.http import Param, Request, Response, Route
from lintas.ports.directory import Participant
from lintas.services.iso_gateway import STATEMENT_PAGE_ENTRIES_MAX, IsoAnswer, IsoGateway

XML: Final = b"application/xml"
XML_TYPE: Final = "application/xml"
_TAG: Final = "iso20022"
_KEY: Final = " Bearer key of a PSP (see `lintas sandbox keys`)."


def _caller(request: Request) -> Participant:
    assert request.caller is not None, "the app authenticates KEY routes before the handler"
    return request.caller


def _xml(answer: IsoAnswer) -> Response:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers]
    return Response(answer.body, answer.http_status, XML, headers)


def build_iso_routes(hub: Hub, gateway: IsoGateway | None = None) -> list[Route]:
    """Every /v1/iso20022 route, bound to ``hub``."""
    iso = gateway or hub.iso

    async def acmt023(request: Request) -> Response:
        return _xml(iso.verify(request.body, _caller(request)))

    async def pacs008(request: Request) -> Response:
        return _xml(await iso.credit_transfer(request.body, _caller(request)))

    async def pacs028(request: Request) -> Response:
        return _xml(iso.status_request(request.body, _caller(request)))

    async def pacs004(request: Request) -> Response:
        return _xml(await iso.payment_return(request.body, _caller(request)))

    async def pacs004_get(request: Request) -> Response:
        return _xml(iso.return_message(request.param("uetr"), _caller(request)))

    async def camt056(request: Request) -> Response:
        return _xml(await iso.recall_request(request.body, _caller(request)))

    async def camt056_get(request: Request) -> Response:
        return _xml(iso.forwarded_recall(request.param("uetr"), _caller(request)))

    async def camt029(request: Request) -> Response:
        return _xml(await iso.recall_answer(request.body, _caller(request)))

    async def camt029_get(request: Request) -> Response:
        creator = request.query.get("creator") or None
        return _xml(iso.recall_resolution(request.param("caseId"), _caller(request), creator))

    async def camt053(request: Request) -> Response:
        answer = iso.statement(
            request.param("account"),
            request.param("date"),
            _caller(request),
            page=request.query.get("page"),
        )
        return _xml(answer)

    post = 'curl -s -X POST -H "Authorization: Bearer $KEY" -H "Content-Type: application/xml"'
    return [
        Route(
            "POST",
            "/v1/iso20022/acmt.023",
            acmt023,
            "Verify an account or proxy (acmt.023 -> acmt.024)",
            "Resolves Vrfctn/PtyAndAcctId/Acct (Othr/Id, its type in SchmeNm/Prtry: MBNO, "
            "NIDN, ACCT, EMAL or a sandbox type such as UEN) in the country of the named Agt, "
            "else of the assignee's BIC. The acmt.024 carries the account, its agent, the full "
            "name (Pty/Nm, for screening) and the masked display name (Pty/CtctDtls/Nm); "
            "Rsn/Prtry says MTCH, CMTC or NMTC against Pty/Nm, or NOAP when nobody holds the "
            "address. A broken message is refused with problem+json, and so is an anti-scam "
            "centre's key (403 scam_centre_may_not_resolve, as on /v1/addressing/resolve)." + _KEY,
            f"{post} --data-binary @acmt023.xml $LINTAS_URL/v1/iso20022/acmt.023",
            tag=_TAG,
            content_type=XML_TYPE,
        ),
        Route(
            "POST",
            "/v1/iso20022/pacs.008",
            pacs008,
            "Submit a payment (pacs.008 -> pacs.002)",
            "The same payment engine as POST /v1/payments: the same UETR sent as JSON and as "
            "XML is one payment. AgrdRate/QtId names the quote; InstdAmt, IntrBkSttlmAmt, "
            "XchgRate and the debtor agent's ChrgsInf must be the quote's (else RJCT AM09, "
            "sent as NARR 'AM09: ...'); InstgAgt and DbtrAgt must be the caller (else AG01). "
            "Answers ACCC, or RJCT with the reason; a message the codec refuses gets RJCT FF01 "
            "with the precise error (HTTP 400), or problem+json when no UETR can be read." + _KEY,
            f"{post} --data-binary @pacs008.xml $LINTAS_URL/v1/iso20022/pacs.008",
            tag=_TAG,
            content_type=XML_TYPE,
        ),
        Route(
            "POST",
            "/v1/iso20022/pacs.028",
            pacs028,
            "Ask a payment's status (pacs.028 -> pacs.002)",
            "The current status of the payment OrgnlUETR names (ACTC, ACWP, ACCC, RJCT or BLCK "
            "with its reason). A UETR the caller may not see, or that does not exist, is "
            "answered RJCT NARR with HTTP 404." + _KEY,
            f"{post} --data-binary @pacs028.xml $LINTAS_URL/v1/iso20022/pacs.028",
            tag=_TAG,
            content_type=XML_TYPE,
        ),
        Route(
            "POST",
            "/v1/iso20022/pacs.004",
            pacs004,
            "Return a settled payment (pacs.004 -> pacs.002)",
            "The creditor agent of a SETTLED payment (OrgnlUETR) sends RtrdIntrBkSttlmAmt (in "
            "the currency credited, at most the amount credited, else RJCT AM09) back to its "
            "debtor: a new payment through both legs, on a fresh quote of the caller, linked "
            "to the original (pacs.028 of the original then names it in the Lintas-Returned-By "
            "header). OrgnlIntrBkSttlmAmt must be the original's. One return per payment: a "
            "second is RJCT DUPL (HTTP 409); the same RtrId resent gets the same answer. The "
            "pacs.002 points (OrgnlUETR) at the return payment, ACCC or RJCT with the reason. "
            "A pacs.008 with 'NexusOrgnlUETR:<uuid>' in RmtInf/Ustrd is a return too." + _KEY,
            f"{post} --data-binary @pacs004.xml $LINTAS_URL/v1/iso20022/pacs.004",
            tag=_TAG,
            content_type=XML_TYPE,
        ),
        Route(
            "GET",
            "/v1/iso20022/pacs.004",
            pacs004_get,
            "Get the pacs.004 of a payment's executed return",
            "The pacs.004 the hub sends the debtor agent once a return of the payment 'uetr' "
            "(the original's UETR) settled, after a pacs.004, a return pacs.008 or an accepted "
            "recall. Either agent of the original may read it; 404 when it was not returned."
            + _KEY,
            'curl -s -H "Authorization: Bearer $KEY" '
            '"$LINTAS_URL/v1/iso20022/pacs.004?uetr=3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"',
            params=(
                Param(
                    "uetr",
                    "the UETR of the original (returned) payment",
                    example="3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                ),
            ),
            tag=_TAG,
            content_type=XML_TYPE,
        ),
        Route(
            "POST",
            "/v1/iso20022/camt.056",
            camt056,
            "Recall a settled payment (camt.056 -> camt.029)",
            "The debtor agent asks the creditor agent to return a payment (CxlRsnInf AM09, "
            "CUST, DUPL, FRAD or TECH). Unknown, unsettled or return payments get RJCR NOOR, "
            "returned ones RJCR ARDT, at once. A creditor agent that answers recalls itself "
            "(the hub's recall_answering_psps) gets the case: the answer is PDCR (pending) with "
            "a Link to GET camt.029?caseId=<id>&creator=<caller>, where its answer will be; a "
            "second recall of the same payment while one is pending is 409. For every other "
            "PSP the sandbox answers at once: AM09, DUPL, FRAD and TECH are accepted when the "
            "creditor's account still holds the whole amount credited (else RJCR AM04), CUST is "
            "refused (RJCR CUST: the creditor's consent is needed; its PSP may still send a "
            "pacs.004). When accepted, the return is executed before the answer: the camt.029 "
            "(CNCL/ACCR) comes with headers Lintas-Return-UETR and Link to GET "
            "pacs.004?uetr=<original>. The same case id resent gets the same answer; an "
            "unreadable camt.056 gets problem+json." + _KEY,
            f"{post} --data-binary @camt056.xml $LINTAS_URL/v1/iso20022/camt.056",
            tag=_TAG,
            content_type=XML_TYPE,
        ),
        Route(
            "GET",
            "/v1/iso20022/camt.056",
            camt056_get,
            "Get the recall awaiting your answer about a payment you received (camt.056)",
            "For a creditor agent that answers recalls itself: the pending recall of the "
            "payment 'uetr', passed on by the hub (Assgnr the hub, Assgne the caller). Its "
            "Case/Id and Case/Cretr are what the caller's camt.029 answers (RslvdCase). 404 "
            "when no recall of that payment awaits the caller." + _KEY,
            'curl -s -H "Authorization: Bearer $KEY" '
            '"$LINTAS_URL/v1/iso20022/camt.056?uetr=3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"',
            params=(
                Param(
                    "uetr",
                    "the UETR of the recalled payment",
                    example="3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                ),
            ),
            tag=_TAG,
            content_type=XML_TYPE,
        ),
        Route(
            "POST",
            "/v1/iso20022/camt.029",
            camt029,
            "Answer a recall of a payment you received (camt.029)",
            "The creditor agent's own answer to a pending recall, once: RslvdCase (Id, Cretr) "
            "names the case, OrgnlUETR its payment. Accepted (Sts/Conf CNCL, TxCxlSts ACCR): "
            "the return is executed through both legs on a fresh quote of the caller and the "
            "answer is its pacs.004 (reason FOCR; headers Lintas-Return-UETR and Link); if the "
            "ledger refuses the return payment (the money is gone), the case is closed RJCR "
            "AM04 and the answer is that payment's pacs.002 RJCT (HTTP 422). Rejected (RJCR "
            "with CxlStsRsnInf/Rsn/Cd, e.g. CUST, LEGL, NOAS): the answer is the camt.029 the "
            "debtor agent will read. An unknown case is 404, a case about a payment the caller "
            "did not receive 403, an answered one 409: nothing changes." + _KEY,
            f"{post} --data-binary @camt029.xml $LINTAS_URL/v1/iso20022/camt.029",
            tag=_TAG,
            content_type=XML_TYPE,
        ),
        Route(
            "GET",
            "/v1/iso20022/camt.029",
            camt029_get,
            "Get a recall's resolution as it stands (camt.029)",
            "The camt.029 of recall case 'caseId' opened by 'creator' (default: the caller): "
            "PDCR while the creditor agent has not answered, CNCL/ACCR once the return is "
            "made (headers Lintas-Return-UETR and Link to its pacs.004), or RJCR with the "
            "reason. The debtor agent that opened it, the creditor agent of the payment and "
            "the operator may read it; 404 for anyone else." + _KEY,
            'curl -s -H "Authorization: Bearer $KEY" '
            '"$LINTAS_URL/v1/iso20022/camt.029?caseId=CASE-1"',
            params=(
                Param("caseId", "the case id of the recall (camt.056 Case/Id)", example="CASE-1"),
                Param(
                    "creator",
                    "the PSP that opened the case (default: the caller)",
                    required=False,
                    example="MRLNSGSG",
                ),
            ),
            tag=_TAG,
            content_type=XML_TYPE,
        ),
        Route(
            "GET",
            "/v1/iso20022/camt.053",
            camt053,
            "Get a settlement account's statement for a day (camt.053), page by page",
            "Opening and closing booked balances and every posted entry of a UTC day, each "
            "with the UETR of its payment, in booking order, "
            f"{STATEMENT_PAGE_ENTRIES_MAX} entries to a page: GrpHdr/MsgPgntn says the page "
            "number (PgNb, from 1) and whether it is the last (LastPgInd). The first page "
            "opens with OPBD, the last closes with CLBD, pages in between start and end with "
            "the interim booked balance (ITBD); the pages together list every entry once. A "
            "page past the last is 404. Accounts: 'fxp:<FXP>@<SAP>' (an FXP's liquidity at a "
            "SAP; the FXP's key) or 'psp-fee:<PSP>' (a PSP's fee account; the PSP's key); the "
            "operator may read any.",
            'curl -s -H "Authorization: Bearer $FXP_KEY" '
            '"$LINTAS_URL/v1/iso20022/camt.053?account=fxp:ANDMSGSG@LNSASGSG&date=2026-11-29'
            '&page=1"',
            params=(
                Param("account", "fxp:<FXP>@<SAP> or psp-fee:<PSP>", example="psp-fee:MRLNSGSG"),
                Param("date", "the UTC day, YYYY-MM-DD", example="2026-11-29"),
                Param("page", "the page, from 1 (default 1)", required=False, example="1"),
            ),
            tag=_TAG,
            content_type=XML_TYPE,
        ),
    ]
