"""The JSON contract of a decoded code (``to_json``), relied on by the CLI and the API."""

from __future__ import annotations

from lintas.codecs.emvqr.model import AdditionalData, DecodedQr, MerchantAccount, QrIssue


def _issue(issue: QrIssue) -> dict[str, object]:
    return {"code": issue.code, "message": issue.message}


def _account(account: MerchantAccount) -> dict[str, object]:
    out: dict[str, object] = {
        "scheme": account.scheme.value,
        "tag": account.tag,
        "guid": account.guid,
    }
    for name, value in account.fields:
        out[name] = value
    out["proxy"] = (
        None
        if account.proxy is None
        else {"type": account.proxy[0].value, "value": account.proxy[1]}
    )
    out["subtags"] = {tag: value for tag, value in account.subtags}
    return out


def _additional(data: AdditionalData | None) -> dict[str, object] | None:
    if data is None:
        return None
    return {
        "billNumber": data.bill_number,
        "mobileNumber": data.mobile_number,
        "storeLabel": data.store_label,
        "loyaltyNumber": data.loyalty_number,
        "referenceLabel": data.reference_label,
        "customerLabel": data.customer_label,
        "terminalLabel": data.terminal_label,
        "purpose": data.purpose,
        "consumerDataRequest": data.consumer_data_request,
        "merchantTaxId": data.merchant_tax_id,
        "merchantChannel": data.merchant_channel,
        "other": {tag: value for tag, value in data.other},
    }


def to_json(qr: DecodedQr) -> dict[str, object]:
    """A JSON-ready dict: only str, bool, None, lists and dicts."""
    proxy = qr.payable_proxy()
    tip: dict[str, object] | None = None
    if qr.tip is not None:
        tip = {
            "indicator": qr.tip.indicator,
            "fixedFee": qr.tip.fixed_fee.format() if qr.tip.fixed_fee else None,
            "percentage": qr.tip.percentage,
        }
    return {
        "valid": qr.valid,
        "errors": [_issue(i) for i in qr.errors],
        "warnings": [_issue(i) for i in qr.warnings],
        "payloadFormat": qr.payload_format,
        "initiation": qr.initiation.value if qr.initiation else None,
        "country": qr.country,
        "currency": qr.currency,
        "amount": qr.amount.format() if qr.amount is not None else None,
        "tip": tip,
        "merchant": {
            "name": qr.merchant.name,
            "city": qr.merchant.city,
            "mcc": qr.merchant.mcc,
            "postalCode": qr.merchant.postal_code,
            "language": qr.merchant.language,
            "nameAlternate": qr.merchant.name_alternate,
            "cityAlternate": qr.merchant.city_alternate,
        },
        "accounts": [_account(a) for a in qr.accounts],
        "additionalData": _additional(qr.additional_data),
        "unreserved": [_account(a) for a in qr.unreserved],
        "reserved": {tag: value for tag, value in qr.reserved},
        "expiresAt": qr.expires_at.isoformat() if qr.expires_at else None,
        "createdAt": qr.created_at.isoformat() if qr.created_at else None,
        "payableProxy": None if proxy is None else {"type": proxy[0].value, "value": proxy[1]},
        "crc": qr.crc,
    }
