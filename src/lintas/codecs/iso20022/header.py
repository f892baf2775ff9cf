"""head.001.001.02: the business application header that travels with every message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from lintas.codecs.iso20022._xml import Node, Reader, Writer, escape_text, format_datetime
from lintas.codecs.iso20022.models import (
    HEAD_001,
    MessageId,
    check_bic,
    check_id,
    check_moment,
)

NAMESPACE: Final[str] = f"urn:iso:std:iso:20022:tech:xsd:{HEAD_001}"
_r: Final = Reader()
_w: Final = Writer(NAMESPACE)


@dataclass(frozen=True, slots=True)
class AppHeader:
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


def read(root: Node) -> AppHeader:
    """An ``AppHdr`` element as an ``AppHeader``."""
    return AppHeader(
        from_bic=_r.need_bic(root, "Fr/FIId/FinInstnId/BICFI"),
        to_bic=_r.need_bic(root, "To/FIId/FinInstnId/BICFI"),
        business_message_id=_r.need_text(root, "BizMsgIdr"),
        message_definition_id=MessageId(_r.need_text(root, "MsgDefIdr")),
        created_at=_r.need_moment(root, "CreDt"),
    )
