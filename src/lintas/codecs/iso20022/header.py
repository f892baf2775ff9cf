"""head.001.001.02: the business application header that travels with every message."""

from __future__ import annotations

from datetime import datetime
from typing import Final, cast

import msgspec
from lxml import etree

from lintas.codecs.iso20022._xml import (
    Fields,
    Writer,
    escape_text,
    format_datetime,
    is_bic,
    read_datetime,
)
from lintas.codecs.iso20022.errors import SchemaInvalid, SchemaProblem
from lintas.codecs.iso20022.models import (
    HEAD_001,
    MessageId,
    check_bic,
    check_id,
    check_moment,
)

NAMESPACE: Final[str] = f"urn:iso:std:iso:20022:tech:xsd:{HEAD_001}"
_w: Final = Writer(NAMESPACE)


class AppHeader(msgspec.Struct, frozen=True, gc=False):
    """Who sends to whom, the business message id, which message follows, and when."""

    from_bic: str
    to_bic: str
    business_message_id: str
    message_definition_id: MessageId
    created_at: datetime

    def __post_init__(self) -> None:
        check_bic("header From", self.from_bic)
        check_bic("header To", self.to_bic)
        check_id("BizMsgIdr", self.business_message_id)
        check_id("MsgDefIdr", self.message_definition_id)
        check_moment("CreDt", self.created_at)


def build(header: AppHeader) -> etree._Element:
    """The ``AppHdr`` element."""
    root = _w.root("AppHdr")
    _w.sub(root, "Fr/FIId/FinInstnId/BICFI", header.from_bic)
    _w.sub(root, "To/FIId/FinInstnId/BICFI", header.to_bic)
    _w.sub(root, "BizMsgIdr", header.business_message_id)
    _w.sub(root, "MsgDefIdr", header.message_definition_id)
    _w.sub(root, "CreDt", format_datetime(header.created_at))
    return root


def render(header: AppHeader) -> str:
    """The ``AppHdr`` as text: exactly what ``build`` then serialising it write."""
    return (
        f'<AppHdr xmlns="{NAMESPACE}"><Fr><FIId><FinInstnId><BICFI>{header.from_bic}</BICFI>'
        f"</FinInstnId></FIId></Fr><To><FIId><FinInstnId><BICFI>{header.to_bic}</BICFI>"
        f"</FinInstnId></FIId></To><BizMsgIdr>{escape_text(header.business_message_id)}"
        f"</BizMsgIdr><MsgDefIdr>{escape_text(header.message_definition_id)}</MsgDefIdr>"
        f"<CreDt>{format_datetime(header.created_at)}</CreDt></AppHdr>"
    )


#: What ``read`` takes, in the order it unpacks them.
_TEXTS: Final = (
    "Fr/FIId/FinInstnId/BICFI",
    "To/FIId/FinInstnId/BICFI",
    "BizMsgIdr",
    "MsgDefIdr",
    "CreDt",
)


def read(root: Fields) -> AppHeader:
    """An ``AppHdr`` element as an ``AppHeader``."""
    values = root.texts(_TEXTS)
    for key, value in zip(_TEXTS, values, strict=True):
        if value is None:
            raise SchemaInvalid([SchemaProblem(f"/{key}", "required element missing")])
    from_bic, to_bic, business_message_id, message_definition_id, created = cast(list[str], values)
    for key, bic in ((_TEXTS[0], from_bic), (_TEXTS[1], to_bic)):
        if not is_bic(bic):
            raise SchemaInvalid([SchemaProblem(f"/{key}", f"{bic!r} is not a BIC")])
    return AppHeader(
        from_bic=from_bic,
        to_bic=to_bic,
        business_message_id=business_message_id,
        message_definition_id=MessageId(message_definition_id),
        created_at=read_datetime(created),
    )
