"""Out-of-memory back-off: whole batch → halves → one by one → CPU offload → a clear error."""

from __future__ import annotations

import pytest
import torch

from studio.errors import StudioError
from studio.models.oom import batch_sizes, run_with_oom_retry


class FakeGpu:
    """Runs batches of at most `fits` images; more raises CUDA's out-of-memory error."""

    def __init__(self, fits: int, fits_with_offload: int | None = None) -> None:
        self.fits = fits
        self.fits_with_offload = fits_with_offload
        self.calls: list[list[int]] = []
        self.frees = 0
        self.offloaded = False

    def run(self, indices: list[int]) -> list[str]:
        self.calls.append(list(indices))
        limit = self.fits_with_offload if self.offloaded and self.fits_with_offload is not None else self.fits
        if len(indices) > limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return [f"image-{i}" for i in indices]

    def free(self) -> None:
        self.frees += 1

    def offload(self) -> None:
        self.offloaded = True


def test_batch_sizes() -> None:
    assert batch_sizes(1) == [1]
    assert batch_sizes(2) == [2, 1]
    assert batch_sizes(4) == [4, 2, 1]
    assert batch_sizes(5) == [5, 3, 1]


def test_fits_first_time_runs_once() -> None:
    gpu = FakeGpu(fits=8)
    assert run_with_oom_retry(gpu.run, 4, free_memory=gpu.free) == [f"image-{i}" for i in range(4)]
    assert gpu.calls == [[0, 1, 2, 3]] and gpu.frees == 0


def test_halves_after_one_oom() -> None:
    gpu = FakeGpu(fits=2)
    retries: list[str] = []
    out = run_with_oom_retry(gpu.run, 4, free_memory=gpu.free, on_retry=retries.append)
    assert out == [f"image-{i}" for i in range(4)]
    assert gpu.calls == [[0, 1, 2, 3], [0, 1], [2, 3]]
    assert gpu.frees == 1 and len(retries) == 1 and "2 at a time" in retries[0]


def test_one_by_one_keeps_what_was_already_made() -> None:
    gpu = FakeGpu(fits=1)
    out = run_with_oom_retry(gpu.run, 3, free_memory=gpu.free)
    assert out == ["image-0", "image-1", "image-2"]
    # 3 fails, 2 fails, then singles; nothing made twice
    assert gpu.calls == [[0, 1, 2], [0, 1], [0], [1], [2]]
    assert gpu.frees == 2


def test_offload_is_the_last_resort() -> None:
    gpu = FakeGpu(fits=0, fits_with_offload=1)
    out = run_with_oom_retry(gpu.run, 2, free_memory=gpu.free, enable_offload=gpu.offload)
    assert out == ["image-0", "image-1"] and gpu.offloaded
    assert gpu.calls[-2:] == [[0], [1]]


def test_gives_a_seller_message_when_nothing_fits() -> None:
    gpu = FakeGpu(fits=0, fits_with_offload=0)
    with pytest.raises(StudioError, match="ran out of memory") as caught:
        run_with_oom_retry(gpu.run, 2, free_memory=gpu.free, enable_offload=gpu.offload)
    assert "sd15" in caught.value.hint


def test_other_errors_are_not_retried() -> None:
    calls: list[list[int]] = []

    def broken(indices: list[int]) -> list[str]:
        calls.append(indices)
        raise ValueError("a bug, not memory")

    with pytest.raises(ValueError):
        run_with_oom_retry(broken, 4, free_memory=lambda: None)
    assert len(calls) == 1
