"""CPU-bound kernels: pure Python loops that hold the GIL, and C code (hashlib, zlib) that releases it.

Standard library only; plain top-level functions so they pickle into processes and subinterpreters.
They never know which executor runs them.
"""

from __future__ import annotations

import hashlib
import zlib

_CHUNK = 1 << 20  # 1 MiB: well past the 2 KiB above which hashlib and zlib release the GIL
_PATTERN = 64 << 10


def count_primes(limit: int) -> int:
    """How many primes are below `limit`, by trial division (pure Python, holds the GIL)."""
    count = 0
    for candidate in range(2, limit):
        divisor = 2
        while divisor * divisor <= candidate:
            if candidate % divisor == 0:
                break
            divisor += 1
        else:
            count += 1
    return count


def sum_squares(limit: int) -> int:
    """The lesson's example: the sum of i*i for i below `limit`."""
    return sum(i * i for i in range(limit))


def _compressible_block() -> bytes:
    # Text-like data so zlib has real work to do; a fixed linear congruential sequence keeps it the
    # same in every process and interpreter without importing random. 64 KiB of it, repeated: the
    # repetition is past deflate's 32 KiB window, so it compresses like 1 MiB of fresh text, and every
    # worker process and subinterpreter builds it 16 times faster at import.
    words = [b"thread", b"process", b"asyncio", b"lock", b"queue", b"future", b"core", b"gil", b"pool", b"task"]
    state = 12345
    parts = []
    total = 0
    while total < _PATTERN:
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        word = words[state % len(words)] + b" %d " % (state % 997)
        parts.append(word)
        total += len(word)
    return (b"".join(parts)[:_PATTERN] * (_CHUNK // _PATTERN))[:_CHUNK]


_ZERO_BLOCK = bytes(_CHUNK)
_TEXT_BLOCK = _compressible_block()


def sha256_mib(mebibytes: int) -> str:
    """SHA-256 of `mebibytes` MiB, fed 1 MiB at a time (hashlib releases the GIL for each update)."""
    digest = hashlib.sha256()
    for _ in range(mebibytes):
        digest.update(_ZERO_BLOCK)
    return digest.hexdigest()


def zlib_kib(kibibytes: int) -> int:
    """Compress `kibibytes` KiB of text-like data at level 6; returns the CRC-32 of the output.

    zlib releases the GIL while it compresses each chunk.
    """
    compressor = zlib.compressobj(6)
    crc = 0
    remaining = kibibytes * 1024
    while remaining > 0:
        piece = min(remaining, _CHUNK)
        crc = zlib.crc32(compressor.compress(_TEXT_BLOCK[:piece]), crc)
        remaining -= piece
    return zlib.crc32(compressor.flush(), crc)


def noop(size: int) -> int:
    """The empty kernel: returns at once, so a run measures the harness's own per-task overhead."""
    return size
