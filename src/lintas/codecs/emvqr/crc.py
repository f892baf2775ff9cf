"""CRC-16/CCITT-FALSE, the checksum of tag 63 in EMVCo merchant-presented QR codes.

Polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR: exactly what
``binascii.crc_hqx`` computes when seeded with 0xFFFF. We use it rather than a Python
loop because it runs in C, and decoding speed matters on the payment hot path.
"""

from __future__ import annotations

import binascii
from typing import Final

CRC_INIT: Final[int] = 0xFFFF


def crc16_ccitt_false(data: bytes) -> int:
    """The CRC-16/CCITT-FALSE of ``data``."""
    return binascii.crc_hqx(data, CRC_INIT)


def crc_hex(text_through_6304: str) -> str:
    """The four upper-case hex digits of the CRC over the UTF-8 bytes of the text.

    EMVCo computes the CRC over everything up to and including the ``6304`` that
    introduces the CRC value itself.
    """
    return f"{crc16_ccitt_false(text_through_6304.encode('utf-8')):04X}"
