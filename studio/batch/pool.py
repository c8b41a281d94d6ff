"""Run SKU jobs on this machine: in this process (one worker), or in a pool of processes.

Every backend yields (job, files or failure reason) as SKUs finish, and checks `cancel` before
it starts another. A pool process that dies (killed, out of memory) breaks Python's pool: its
SKUs are tried again one at a time in a fresh pool, so the one that kills its worker is known,
and a SKU that kills its worker twice is recorded as failed while the rest go on.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from studio.batch.render import SkuFiles, render_sku
from studio.batch.types import SkuJob
from studio.errors import StudioError
from studio.progress import CancelToken
from studio.settings import Settings

Outcome = SkuFiles | str  # the files, or why the SKU failed
Work = tuple[SkuJob, bytes]  # a job and its photo's bytes
WORKER_DIED = "The worker making this SKU stopped twice (killed or out of memory). / 处理该商品的进程两次意外退出。"


def safe_render(settings: Settings, job: SkuJob, photo: bytes, fault: str = "") -> Outcome:
    """render_sku, with any failure turned into its reason (so one SKU never stops the batch)."""
    try:
        return render_sku(settings, job, photo, fault)
    except StudioError as exc:
        return str(exc)
    except Exception as exc:  # a bug or a model failure on this SKU: reported on its row
        traceback.print_exc()
        return f"Unexpected failure / 意外错误 ({type(exc).__name__}: {exc})"


def serial_jobs(
    work: Iterator[Work], settings: Settings, cancel: CancelToken | None
) -> Iterator[tuple[SkuJob, Outcome]]:
    for job, photo in work:
        if cancel is not None and cancel.cancelled:
            return
        yield job, safe_render(settings, job, photo)


def pool_jobs(
    work: Iterator[Work], settings: Settings, cancel: CancelToken | None, *, workers: int, fault: str = ""
) -> Iterator[tuple[SkuJob, Outcome]]:
    """`workers` processes (spawned: no CUDA or thread state is forked), at most one SKU each at a time."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    running: dict[Future, Work] = {}
    suspects: list[Work] = []  # SKUs in flight when a worker died: each tried again, alone
    alone = False  # a suspect is running by itself
    pending = iter(work)
    try:
        while True:
            stopped = cancel is not None and cancel.cancelled
            while not stopped and not alone and len(running) < workers:
                if suspects:
                    if running:
                        break  # wait until the suspect can run by itself
                    item = suspects.pop(0)
                    alone = True
                else:
                    nxt = next(pending, None)
                    if nxt is None:
                        break
                    item = nxt
                running[pool.submit(safe_render, settings, item[0], item[1], fault)] = item
            if not running:
                return
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            broken: list[Work] = []
            for future in finished:
                item = running.pop(future)
                try:
                    yield item[0], future.result()
                except BrokenProcessPool:
                    broken.append(item)
            if broken or any(f.done() and _broke(f) for f in running):
                broken += [running[f] for f in running]
                running.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
                if alone:  # it ran by itself and its worker died again
                    for item in broken:
                        yield item[0], WORKER_DIED
                else:
                    suspects.extend(broken)
            alone = False if not running else alone
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _broke(future: Future) -> bool:
    return isinstance(future.exception(), BrokenProcessPool)
