"""Run SKU jobs on Ray: a local instance (`auto`) or a cluster's address. `ray` is optional.

With GPUs in the cluster, one actor per GPU (`num_gpus=1`) holds one loaded pipeline and makes
SKU after SKU; without, each SKU is a CPU task (`num_cpus=1`), and Ray's worker processes keep
their model manager between tasks (studio.batch.render.models_for). Photos go to the workers
through the object store and the files come back the same way: only the driver writes the
output folder, so no node needs to share a disk. A task whose worker dies is retried once by
Ray itself (max_retries=1), then recorded as failed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from studio.batch.pool import WORKER_DIED, Outcome, Work, safe_render
from studio.batch.types import SkuJob
from studio.errors import StudioError
from studio.progress import CancelToken
from studio.settings import Settings

RAY_MISSING = "Running on Ray needs the ray package: pip install -r requirements-ray.txt. / 需要安装 ray。"


def connect(address: str) -> Any:
    """ray, initialised: joined to `address`, or for `auto` a running local instance or a new one."""
    try:
        import ray
    except ImportError:
        raise StudioError(RAY_MISSING) from None
    if ray.is_initialized():
        return ray
    if address != "auto":
        try:
            ray.init(address=address, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise StudioError(f"Cannot join the Ray cluster at {address} ({exc}). / 无法连接 Ray 集群。") from None
        return ray
    try:
        ray.init(address="auto", log_to_driver=False)  # a `ray start --head` on this machine
    except (ConnectionError, RuntimeError, ValueError):
        ray.init(log_to_driver=False)  # none running: start one for this batch
    return ray


def _torch_threads() -> int:
    """The thread count torch uses in this process (its default, without importing torch for it)."""
    import sys

    torch = sys.modules.get("torch")
    if torch is not None:
        return int(torch.get_num_threads())
    return int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or (os.cpu_count() or 1)


def _actor_class(ray: Any) -> Any:
    @ray.remote(num_gpus=1, max_restarts=1, max_task_retries=1)
    class SkuActor:
        """One GPU, one loaded pipeline, SKU after SKU."""

        def __init__(self, settings: Settings) -> None:
            from studio.batch.render import models_for

            self.settings = settings
            models_for(settings)

        def make(self, job: SkuJob, photo: bytes, fault: str = "") -> Outcome:
            return safe_render(self.settings, job, photo, fault)

    return SkuActor


def ray_jobs(
    work: Iterator[Work], settings: Settings, cancel: CancelToken | None, *, address: str, fault: str = ""
) -> Iterator[tuple[SkuJob, Outcome]]:
    ray = connect(address)
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    settings_ref = ray.put(settings)
    if gpus >= 1:
        actors = [_actor_class(ray).remote(settings_ref) for _ in range(gpus)]
        width = len(actors)
    else:
        # Ray runs a 1-CPU task with OMP_NUM_THREADS=1; torch's float sums then differ from this
        # machine's `poster` in the last bit. The driver's thread count keeps a local instance exact.
        threads = {"env_vars": {"OMP_NUM_THREADS": str(_torch_threads())}}
        task = ray.remote(num_cpus=1, max_retries=1, runtime_env=threads)(safe_render)
        width = max(1, int(resources.get("CPU", 1)))
    running: dict[Any, SkuJob] = {}
    pending = iter(work)
    turn = 0
    while True:
        # Keep each worker busy with one SKU and one queued, no more (photos and posters stay bounded).
        while not (cancel is not None and cancel.cancelled) and len(running) < 2 * width:
            item = next(pending, None)
            if item is None:
                break
            job, photo = item
            photo_ref = ray.put(photo)
            if gpus >= 1:
                ref = actors[turn % len(actors)].make.remote(job, photo_ref, fault)
                turn += 1
            else:
                ref = task.remote(settings_ref, job, photo_ref, fault)
            running[ref] = job
        if not running:
            return
        ready, _ = ray.wait(list(running), num_returns=1)
        for ref in ready:
            job = running.pop(ref)
            try:
                yield job, ray.get(ref)
            except (ray.exceptions.WorkerCrashedError, ray.exceptions.ActorDiedError, ray.exceptions.NodeDiedError):
                yield job, WORKER_DIED
            except ray.exceptions.RayError as exc:
                yield job, f"Ray could not make this SKU / Ray 任务失败 ({type(exc).__name__}: {exc})"
