"""Kernels: the registry's contract, known answers, and every form of a kernel agreeing with the others."""

from __future__ import annotations

import asyncio
import hashlib
import os
import pickle

import pytest

from engine.errors import InputError
from kernels import KINDS, REGISTRY, cpu, get_kernel, hybrid, io


def test_registry_holds_the_kernels_the_issue_names() -> None:
    required = {"primes", "sum_squares", "sha256", "zlib", "sleep_io", "http_local", "hybrid", "noop"}
    assert required <= set(REGISTRY)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_kernel_is_consistent_and_picklable(name: str) -> None:
    kernel = REGISTRY[name]
    assert kernel.name == name
    assert kernel.kind in KINDS
    assert kernel.min_size <= kernel.default_size <= kernel.max_size
    assert kernel.task_50ms_size <= kernel.max_size
    # Pool processes and subinterpreters receive the kernel by pickling: every form must survive it.
    for form in (kernel.function, kernel.async_function, kernel.async_fetch, kernel.parse):
        if form is not None:
            assert pickle.loads(pickle.dumps(form)) is form


def test_unknown_kernel_names_the_accepted_ones() -> None:
    with pytest.raises(InputError) as caught:
        get_kernel("fibonacci")
    assert caught.value.field == "kernel"
    assert "primes" in caught.value.accepted and "noop" in caught.value.accepted


def test_primes_and_sum_squares_give_known_answers() -> None:
    assert cpu.count_primes(100) == 25
    assert cpu.count_primes(2) == 0
    assert cpu.sum_squares(10) == sum(i * i for i in range(10)) == 285


def test_sha256_hashes_the_stated_number_of_mebibytes() -> None:
    assert cpu.sha256_mib(2) == hashlib.sha256(bytes(2 << 20)).hexdigest()


def test_zlib_is_deterministic_and_depends_on_size() -> None:
    assert cpu.zlib_kib(64) == cpu.zlib_kib(64)
    assert cpu.zlib_kib(64) != cpu.zlib_kib(65)


def test_sleep_io_blocking_and_async_forms_agree() -> None:
    assert io.sleep_io(1) == asyncio.run(io.sleep_io_async(1)) == 1


def test_http_local_blocking_and_async_forms_fetch_the_same_page() -> None:
    with io.local_http_server() as port:
        assert os.environ[io.PORT_ENV] == str(port)
        blocking = io.http_local(0)
        awaited = asyncio.run(io.http_local_async(0))
    assert blocking == awaited
    assert io.PORT_ENV not in os.environ


def test_http_local_without_the_server_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(io.PORT_ENV, raising=False)
    with pytest.raises(RuntimeError, match="LAB_HTTP_PORT"):
        io.http_local(0)


def test_hybrid_parses_every_link_and_its_forms_agree() -> None:
    links = 57
    value = hybrid.parse_page(hybrid.make_page(links))
    assert value >> 32 == links
    assert hybrid.fetch_and_parse(links, latency_ms=0) == value
    assert asyncio.run(hybrid.fetch_and_parse_async(links, latency_ms=0)) == value
    assert hybrid.parse_page(asyncio.run(hybrid.fetch_page_async(links, latency_ms=0))) == value
    assert hybrid.parse_page(hybrid.make_page(links + 1)) != value
