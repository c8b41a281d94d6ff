"""The device-and-dtype policy, decided from the card: injected cards by compute capability."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from studio.models.device import GpuProbe, arch_supported, card_dtype, probe_gpu
from studio.models.manager import ModelManager, decide_device_policy
from studio.settings import Settings

# The default PyPI torch 2.15 wheel (CUDA 13.2): kernels for sm_75 … sm_120.
DEFAULT_ARCHS = ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"]
# A CUDA 12.6 wheel: Maxwell to Hopper.
CU126_ARCHS = ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"]

CARDS = {
    (6, 1): "NVIDIA GeForce GTX 1080",
    (7, 0): "Tesla V100-SXM2-16GB",
    (7, 5): "Tesla T4",
    (8, 6): "NVIDIA GeForce RTX 3060",
    (9, 0): "NVIDIA H100 80GB HBM3",
}


def fake_cuda(
    capability: tuple[int, int], archs: list[str], name: str = "", available: bool = True, init_error: str = ""
):
    def init() -> None:
        if init_error:
            raise RuntimeError(init_error)

    return SimpleNamespace(
        is_available=lambda: available,
        get_device_name=lambda i=0: name or CARDS[capability],
        get_device_capability=lambda i=0: capability,
        get_arch_list=lambda: archs,
        init=init,
        # The trap the policy must not fall into: torch says True on pre-Ampere cards (emulation).
        is_bf16_supported=lambda including_emulation=True: True,
    )


def policy_for(capability: tuple[int, int], archs: list[str] = CU126_ARCHS, name: str = ""):
    probe = probe_gpu(fake_cuda(capability, archs, name), cuda_version="12.6", driver_version=lambda: "560.35")
    return decide_device_policy(Settings(profile="sd15"), probe)


@pytest.mark.parametrize(
    ("capability", "dtype"),
    [((6, 1), "float32"), ((7, 0), "float16"), ((7, 5), "float16"), ((8, 6), "bfloat16"), ((9, 0), "bfloat16")],
)
def test_dtype_by_compute_capability(capability: tuple[int, int], dtype: str) -> None:
    policy = policy_for(capability)
    assert (policy.device, policy.dtype_name) == ("cuda", dtype)
    line = policy.describe()
    assert CARDS[capability] in line and dtype in line and f"{capability[0]}.{capability[1]}" in line
    assert policy.reason and policy.reason in line  # the status line says why


def test_bf16_never_below_ampere_even_when_torch_says_it_is_supported() -> None:
    for capability in [(6, 0), (6, 1), (7, 0), (7, 2), (7, 5)]:
        assert card_dtype("Some card", capability)[0] != "bfloat16"


def test_gtx_16xx_runs_in_float32() -> None:
    policy = policy_for((7, 5), name="NVIDIA GeForce GTX 1660 SUPER")
    assert policy.dtype_name == "float32" and "GTX 16xx" in policy.reason
    assert policy_for((7, 5), name="NVIDIA GeForce RTX 2060").dtype_name == "float16"


def test_an_explicit_dtype_wins_and_cpu_takes_it() -> None:
    cpu = decide_device_policy(Settings(profile="tiny", device="cpu", dtype="bfloat16"))
    assert (cpu.device, cpu.dtype_name) == ("cpu", "bfloat16")
    probe = probe_gpu(fake_cuda((7, 5), DEFAULT_ARCHS), cuda_version="13.2", driver_version=lambda: "580.65")
    forced = decide_device_policy(Settings(profile="sd15", dtype="float32"), probe)
    assert forced.dtype_name == "float32" and "float16" in forced.reason


def test_arch_matching() -> None:
    assert arch_supported((8, 9), DEFAULT_ARCHS)  # sm_86 code runs on 8.9
    assert arch_supported((12, 0), DEFAULT_ARCHS)
    assert not arch_supported((6, 1), DEFAULT_ARCHS)
    assert not arch_supported((7, 0), DEFAULT_ARCHS)
    assert arch_supported((7, 0), ["sm_60", "compute_70"])  # PTX is compiled by the driver


@pytest.mark.parametrize("capability", [(6, 1), (7, 0)])
def test_a_card_the_build_cannot_drive_falls_back_to_procedural_and_says_how_to_fix_it(
    capability: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = probe_gpu(fake_cuda(capability, DEFAULT_ARCHS), cuda_version="13.2", driver_version=lambda: "580.65")
    assert probe.status == "arch"
    assert CARDS[capability] in probe.message and "pip install" in probe.message and "cu126" in probe.message
    policy = decide_device_policy(Settings(profile="sd15"), probe)
    assert policy.device == "cpu" and policy.reason == probe.message
    import studio.models.device as device

    monkeypatch.setattr(device, "probe_gpu", lambda *a, **k: probe)
    resolved = Settings(profile="auto").resolved()
    assert resolved.profile == "none" and resolved.profile_reason == probe.message
    line = ModelManager(Settings(profile="auto")).describe()
    assert "procedural" in line and "--index-url" in line


def test_a_driver_too_old_for_the_build_is_named_not_no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    cuda = fake_cuda(
        (7, 5),
        DEFAULT_ARCHS,
        available=False,
        init_error="The NVIDIA driver on your system is too old (found version 12040).",
    )
    probe = probe_gpu(cuda, cuda_version="13.2", driver_version=lambda: "535.104")
    assert probe.status == "driver"
    assert "535.104" in probe.message and "580" in probe.message and "no CUDA GPU" not in probe.message
    # Known driver version alone is enough, whatever torch's own error says.
    silent = fake_cuda((7, 5), DEFAULT_ARCHS, available=False, init_error="cuda init failed")
    assert probe_gpu(silent, cuda_version="13.2", driver_version=lambda: "550.54").status == "driver"
    import studio.models.device as device

    monkeypatch.setattr(device, "probe_gpu", lambda *a, **k: probe)
    assert Settings(profile="auto").resolved().profile_reason == probe.message


def test_no_gpu_at_all_is_still_said_plainly() -> None:
    none = probe_gpu(
        fake_cuda((0, 0), [], available=False, init_error="Found no NVIDIA driver on your system."),
        cuda_version="13.2",
        driver_version=lambda: None,
    )
    assert none == GpuProbe("none", message="no CUDA GPU was found")
    assert decide_device_policy(Settings(profile="sd15"), none).device == "cpu"


def test_the_cli_and_app_flags_force_the_gpu_recipe_on_a_cpu() -> None:
    from studio.cli import _build_parser, _settings

    flags = ["--profile", "tiny", "--device", "cpu", "--dtype", "bfloat16", "--fast-path", "--compile"]
    args = _build_parser().parse_args(["poster", "--product", "p.png", "--out", "o", *flags])
    settings = _settings(args)
    assert (settings.device, settings.dtype, settings.fast_path, settings.compile) == ("cpu", "bfloat16", True, True)
    policy = decide_device_policy(settings)
    assert (policy.device, policy.dtype_name) == ("cpu", "bfloat16")
    import app

    from_app = app.settings_from_args(app.parse_args(flags))
    assert (from_app.device, from_app.dtype, from_app.fast_path, from_app.compile) == ("cpu", "bfloat16", True, True)
    with pytest.raises(SystemExit):
        _build_parser().parse_args(["poster", "--product", "p", "--out", "o", "--dtype", "int8"])


def test_a_gpu_that_cannot_be_queried_yet_gets_float16_not_a_crash() -> None:
    """ZeroGPU: is_available() is True in the main process, but the card is attached only inside each job."""

    def no_card(*_: object) -> object:
        raise RuntimeError("CUDA is not available in the main process")

    cuda = SimpleNamespace(
        is_available=lambda: True,
        get_device_name=no_card,
        get_device_capability=no_card,
        get_arch_list=lambda: DEFAULT_ARCHS,
        init=lambda: None,
    )
    policy = decide_device_policy(
        Settings(profile="sd15"), probe_gpu(cuda, cuda_version="13.2", driver_version=lambda: None)
    )
    assert (policy.device, policy.dtype_name) == ("cuda", "float16") and "first job" in policy.reason
