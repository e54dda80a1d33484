"""A textbook CRC, bit by bit, from the parameters of the CRC catalogue (Williams' model).

Written from the parameter sets alone (width, polynomial in normal MSB-first form, init, refin,
refout, xorout) so that it shares nothing with ``signers.checksums``: no reflected constants, no
tables, no folding.  Slow (one loop turn per bit); the tests use it on short inputs.
"""

from __future__ import annotations

from typing import NamedTuple


class Model(NamedTuple):
    name: str
    width: int
    poly: int  # normal form, without the x**width term
    init: int
    refin: bool
    refout: bool
    xorout: int
    check: int  # the catalogue's CRC of b"123456789"


# reveng.sourceforge.io/crc-catalogue: CRC-32/ISO-HDLC, CRC-32/ISCSI, CRC-64/NVME.
CRC32 = Model("CRC-32/ISO-HDLC", 32, 0x04C11DB7, 0xFFFFFFFF, True, True, 0xFFFFFFFF, 0xCBF43926)
CRC32C = Model("CRC-32/ISCSI", 32, 0x1EDC6F41, 0xFFFFFFFF, True, True, 0xFFFFFFFF, 0xE3069283)
CRC64NVME = Model(
    "CRC-64/NVME",
    64,
    0xAD93D23594C93659,
    0xFFFFFFFFFFFFFFFF,
    True,
    True,
    0xFFFFFFFFFFFFFFFF,
    0xAE8B14860A799888,
)
MODELS = {"CRC32": CRC32, "CRC32C": CRC32C, "CRC64NVME": CRC64NVME}


def reflect(value: int, bits: int) -> int:
    """``value`` with its lowest ``bits`` bits in the opposite order."""
    out = 0
    for _ in range(bits):
        out = (out << 1) | (value & 1)
        value >>= 1
    return out


def crc(model: Model, data: bytes) -> int:
    """The CRC of ``data``: a shift register fed the message bits, most significant first."""
    top = 1 << (model.width - 1)
    mask = (1 << model.width) - 1
    register = model.init
    for byte in data:
        if model.refin:
            byte = reflect(byte, 8)
        register ^= byte << (model.width - 8)
        for _ in range(8):
            if register & top:
                register = ((register << 1) ^ model.poly) & mask
            else:
                register = (register << 1) & mask
    if model.refout:
        register = reflect(register, model.width)
    return register ^ model.xorout
