"""Run a batch of seeds on the GPU, backing off when it runs out of memory.

Plan: the whole batch → halves → one at a time → one at a time with CPU
offload → a StudioError telling the seller what to change. Results already
made are kept between attempts, so a retry only redoes what failed.
"""

from __future__ import annotations

import gc
from typing import Callable, Sequence, TypeVar

from studio.errors import StudioError

T = TypeVar("T")

# run(indices) -> one result per index, in order
BatchRunner = Callable[[list[int]], list[T]]


# Allocation failures torch reports as plain RuntimeErrors (or AcceleratorError): a full
# card shows up as these when the library, not torch's allocator, asked for the memory.
_OOM_TEXT = ("out of memory", "cublas_status_alloc_failed", "cudnn_status_alloc_failed", "cudaerrormemoryallocation")


def is_out_of_memory(exc: BaseException) -> bool:
    """torch's OutOfMemoryError, or a cuBLAS/cuDNN/CUDA allocation failure, here or in what it wraps."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency of every diffusion profile
        return False
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, torch.OutOfMemoryError):
            return True
        if isinstance(seen, RuntimeError) and any(t in str(seen).lower() for t in _OOM_TEXT):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def free_accelerator_memory() -> None:
    gc.collect()
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def batch_sizes(count: int) -> list[int]:
    """The batch sizes to try, largest first: all, half, one."""
    sizes = [count]
    half = (count + 1) // 2
    if half < count:
        sizes.append(half)
    if sizes[-1] > 1:
        sizes.append(1)
    return sizes


def run_with_oom_retry(
    run: BatchRunner[T],
    count: int,
    *,
    free_memory: Callable[[], None] = free_accelerator_memory,
    enable_offload: Callable[[], None] | None = None,
    on_retry: Callable[[str], None] | None = None,
) -> list[T]:
    """Results for indices 0..count-1, made in the largest batches that fit in memory."""
    done: dict[int, T] = {}
    plans: list[tuple[int, bool]] = [(size, False) for size in batch_sizes(count)]
    if enable_offload is not None:
        plans.append((1, True))
    for attempt, (size, offload) in enumerate(plans):
        if offload:
            assert enable_offload is not None
            enable_offload()
        if attempt and on_retry:
            how = "with the model partly in main memory" if offload else f"{size} at a time"
            on_retry(f"The graphics card ran out of memory; trying again {how}…")
        try:
            _run_in_chunks(run, count, size, done)
            return [done[i] for i in range(count)]
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            free_memory()
    raise StudioError(
        "The graphics card ran out of memory, even making one image at a time.",
        hint="Close other programs that use the GPU, choose a smaller poster size, "
        "or use the sd15 profile instead of sdxl.",
    )


def _run_in_chunks(run: BatchRunner[T], count: int, size: int, done: dict[int, T]) -> None:
    todo = [i for i in range(count) if i not in done]
    for start in range(0, len(todo), size):
        chunk = todo[start : start + size]
        results: Sequence[T] = run(chunk)
        if len(results) != len(chunk):
            raise RuntimeError(f"batch of {len(chunk)} returned {len(results)} results")
        done.update(zip(chunk, results))
