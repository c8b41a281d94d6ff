"""The zimage family: tiny real-class Z-Image built offline, loaded by the studio's loader, same scene contract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.errors import StudioError
from studio.layers import PlacedProduct
from studio.models.diffusion import enable_low_vram, load_scene_pipeline
from studio.models.manager import DevicePolicy, ModelManager
from studio.progress import Cancelled, CancelToken
from studio.recipe import SceneSettings
from studio.scene.generate import generate_scenes
from studio.settings import Settings
from tests.conftest import make_bottle_cutout
from tests.models.fixtures import place_on_canvas

SIZE = (300, 400)
TWO = SceneSettings(preset="kitchen", steps=2)
PRESET = {"prompt": "product photo on a marble table", "negative_prompt": "text", "steps": 25, "guidance": 7.0}


@pytest.fixture(scope="module")
def zcache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "studio-cache"


@pytest.fixture(scope="module")
def zmodels(zcache: Path) -> ModelManager:
    return ModelManager(Settings(profile="tiny-zimage", cache_dir=zcache, device="cpu", open_browser=False))


@pytest.fixture(scope="module")
def placed() -> PlacedProduct:
    return place_on_canvas(make_bottle_cutout().rgba, SIZE, (90, 120))


def test_tiny_zimage_loads_through_the_real_loader(zmodels: ModelManager) -> None:
    pipe = load_scene_pipeline(zmodels)
    assert type(pipe).__name__ == "ZImageControlNetInpaintPipeline"
    # The real geometry: 8x VAE with FLUX's 16 latent channels, 2x2 patches, inpaint-mode ControlNet.
    assert pipe.vae_scale_factor == 8 and pipe.vae.config.latent_channels == 16
    assert pipe.transformer.config.all_patch_size == [2] or tuple(pipe.transformer.config.all_patch_size) == (2,)
    assert pipe.controlnet.config.control_in_dim == 33
    assert pipe.controlnet.noise_refiner is pipe.transformer.noise_refiner  # shared, not copied
    assert load_scene_pipeline(zmodels) is pipe  # cached
    assert pipe.transformer.dtype.__str__() == "torch.float32"  # CPU: float32


def test_scenes_per_seed_batch_independent_and_steps_from_the_family(
    zmodels: ModelManager, placed: PlacedProduct
) -> None:
    seen: list[str] = []
    scene = SceneSettings(preset="kitchen")  # no steps/guidance: the family's (tiny: 2 steps, guidance 0)
    two = generate_scenes(zmodels, placed, SIZE, scene, PRESET, [], [11, 12], progress=lambda f, m: seen.append(m))
    assert [s.background.size for s in two] == [SIZE, SIZE]
    assert [s.seed for s in two] == [11, 12] and two[0].kind == "generated"
    assert any("step 2 of 2" in m for m in seen) and not any("of 25" in m for m in seen)
    assert not np.array_equal(np.asarray(two[0].background), np.asarray(two[1].background))
    alone = generate_scenes(zmodels, placed, SIZE, scene, PRESET, [], [12])
    diff = np.abs(np.asarray(alone[0].background, np.int16) - np.asarray(two[1].background, np.int16))
    assert diff.max() <= 2  # a seed's scene does not depend on its batch neighbours
    assert "tiny-zimage" in two[0].note


def test_control_strength_and_prompt_change_the_scene(zmodels: ModelManager, placed: PlacedProduct) -> None:
    def run(**update: object) -> np.ndarray:
        scene = TWO.model_copy(update=update)
        return np.asarray(generate_scenes(zmodels, placed, SIZE, scene, PRESET, [], [3])[0].background, np.int16)

    base = run(control_strength=0.8)
    assert np.abs(base - run(control_strength=0.0)).mean() > 0.5
    assert np.abs(base - run(control_strength=0.8, prompt="红色丝绸 red silk")).mean() > 0.5


def test_cancel_within_a_step_and_the_next_run_works(zmodels: ModelManager, placed: PlacedProduct) -> None:
    pipe = load_scene_pipeline(zmodels)
    calls: list[int] = []
    hook = pipe.transformer.register_forward_hook(lambda *a: calls.append(1))
    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if "step 1 of" in message:
            token.cancel()

    try:
        with pytest.raises(Cancelled):
            generate_scenes(
                zmodels,
                placed,
                SIZE,
                TWO.model_copy(update={"steps": 12}),
                PRESET,
                [],
                [1, 2],
                progress=progress,
                cancel=token,
            )
        assert len(calls) <= 2
    finally:
        hook.remove()
    assert not zmodels.gpu_lock.locked()
    assert generate_scenes(zmodels, placed, SIZE, TWO, PRESET, [], [1])[0].background.size == SIZE


def test_oom_ladder_halves_then_offloads(zmodels: ModelManager, placed: PlacedProduct, monkeypatch) -> None:  # noqa: ANN001
    import torch

    pipe = load_scene_pipeline(zmodels)
    real_call = type(pipe).__call__
    batches: list[int] = []

    def tight(self, *args, **kwargs):  # noqa: ANN001, ANN202
        batches.append(kwargs["num_images_per_prompt"])
        if kwargs["num_images_per_prompt"] > 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return real_call(self, *args, **kwargs)

    monkeypatch.setattr(type(pipe), "__call__", tight)
    messages: list[str] = []
    scenes = generate_scenes(zmodels, placed, SIZE, TWO, PRESET, [], [5, 6], progress=lambda f, m: messages.append(m))
    assert batches == [2, 1, 1] and [s.seed for s in scenes] == [5, 6]
    assert any("ran out of memory" in m for m in messages)


def test_offload_puts_the_controlnet_in_the_chain_and_still_runs(zcache: Path, placed: PlacedProduct) -> None:
    models = ModelManager(Settings(profile="tiny-zimage", cache_dir=zcache, device="cpu", open_browser=False))
    pipe = load_scene_pipeline(models)
    assert enable_low_vram(pipe, models, device="cpu")
    # The chain: the ControlNet runs first each step and borrows the transformer's refiners, so it sits
    # between the text encoder and the transformer (diffusers' own order leaves it out of the chain).
    chain = {}
    for hook in pipe._all_hooks:
        prev = getattr(hook.hook, "prev_module_hook", None)
        chain[type(hook.model).__name__] = type(prev.model).__name__ if prev is not None else None
    assert chain["ZImageControlNetModel"] == "Qwen3Model"
    assert chain["ZImageTransformer2DModel"] == "ZImageControlNetModel"
    assert generate_scenes(models, placed, SIZE, TWO, PRESET, [], [1])[0].background.size == SIZE


def test_float16_is_refused_with_the_reason(zcache: Path) -> None:
    models = ModelManager(Settings(profile="tiny-zimage", cache_dir=zcache, device="cpu", open_browser=False))
    models._policy = DevicePolicy("cuda", "float16", card="Tesla T4 (compute capability 7.5)")
    with pytest.raises(StudioError, match="bfloat16") as err:
        load_scene_pipeline(models)
    assert "显卡" in str(err.value) and models.loaded_keys() == []


def test_an_sd15_folder_on_the_zimage_profile_says_which_profile(tiny_cache_dir: Path, zcache: Path) -> None:
    from studio.models.tiny import ensure_tiny_models, tiny_sources

    base, _ = tiny_sources(ensure_tiny_models(tiny_cache_dir))
    models = ModelManager(
        Settings(
            profile="zimage",
            base_model=str(base),
            cache_dir=zcache,
            device="cpu",
            controlnet=str(zcache / "tiny-zimage" / "controlnet"),
        )
    )
    with pytest.raises(StudioError, match="--profile sd15"):
        load_scene_pipeline(models)


def test_an_sd15_style_is_refused_on_zimage_in_both_languages(
    zmodels: ModelManager, tmp_path: Path, tiny_cache_dir: Path
) -> None:
    from diffusers import UNet2DConditionModel

    from studio.models.tiny import ensure_tiny_models, tiny_sources
    from studio.recipe import StyleChoice
    from studio.styles import apply_styles, validate_choices
    from tests.styles.lora_files import write_diffusers_lora

    base, _ = tiny_sources(ensure_tiny_models(tiny_cache_dir))
    write_diffusers_lora(
        tmp_path / "inkwash.safetensors",
        UNet2DConditionModel.from_pretrained(base / "unet"),
        seed=5,
        metadata={"ss_base_model_version": "sd_v1"},
    )
    style = [StyleChoice(name="inkwash", weight=0.8)]
    validate_choices(tmp_path, style, profile="tiny")  # fine on SD1.5
    with pytest.raises(StudioError) as err:
        validate_choices(tmp_path, style, profile="tiny-zimage")
    text = str(err.value)
    assert "Stable Diffusion 1.5" in text and "Z-Image" in text and "无法使用" in text and "--profile sd15" in text
    pipe = load_scene_pipeline(zmodels)
    before = {k: v.clone() for k, v in pipe.transformer.state_dict().items()}
    models = ModelManager(
        Settings(profile="tiny-zimage", cache_dir=zmodels.settings.cache_dir, lora_dir=tmp_path, device="cpu")
    )
    with pytest.raises(StudioError, match="Z-Image"):
        apply_styles(models, pipe, style)
    after = pipe.transformer.state_dict()
    assert set(after) == set(before) and all((after[k] == before[k]).all() for k in before)  # nothing changed
    assert apply_styles(models, pipe, []) == []


def test_an_sd_style_without_metadata_is_refused_by_its_layer_names(
    zmodels: ModelManager, tmp_path: Path, tiny_cache_dir: Path
) -> None:
    """Without metadata the base model is 'unknown'; diffusers would skip every UNet key silently."""
    from diffusers import UNet2DConditionModel

    from studio.models.tiny import ensure_tiny_models, tiny_sources
    from studio.recipe import StyleChoice
    from studio.styles import apply_styles
    from tests.styles.lora_files import write_kohya_lora

    base, _ = tiny_sources(ensure_tiny_models(tiny_cache_dir))
    write_kohya_lora(tmp_path / "plain.safetensors", UNet2DConditionModel.from_pretrained(base / "unet"), seed=2)
    models = ModelManager(
        Settings(profile="tiny-zimage", cache_dir=zmodels.settings.cache_dir, lora_dir=tmp_path, device="cpu")
    )
    with pytest.raises(StudioError, match="Z-Image cannot use it"):
        apply_styles(models, load_scene_pipeline(zmodels), [StyleChoice(name="plain", weight=0.7)])


def test_auto_picks_by_vram_and_says_what_a_bigger_card_gives() -> None:
    from studio.models.families import auto_profile

    profile, why = auto_profile("NVIDIA GeForce RTX 4090", 24.0, (8, 9))
    assert profile == "zimage" and "Apache-2.0" in why
    profile, why = auto_profile("NVIDIA GeForce RTX 3060", 12.0, (8, 6))
    assert profile == "sd15" and "16 GB would give" in why and "--profile zimage" in why
    profile, why = auto_profile("Tesla T4", 16.0, (7, 5))  # enough memory, but no bfloat16
    assert profile == "sd15" and "bfloat16" in why


def test_settings_auto_uses_the_cards_memory(monkeypatch) -> None:  # noqa: ANN001
    import studio.models.device as device
    from studio.models.device import GpuProbe

    big = GpuProbe("ok", "NVIDIA A100-SXM4-80GB", (8, 0), vram_gb=80.0)
    monkeypatch.setattr(device, "probe_gpu", lambda *a, **k: big)
    resolved = Settings(profile="auto").resolved()
    assert resolved.profile == "zimage" and not resolved.low_vram
    mid = GpuProbe("ok", "NVIDIA GeForce RTX 4080", (8, 9), vram_gb=16.0)
    monkeypatch.setattr(device, "probe_gpu", lambda *a, **k: mid)
    resolved = Settings(profile="auto").resolved()
    assert resolved.profile == "zimage" and resolved.low_vram and "offload" in resolved.profile_reason
    small = GpuProbe("ok", "NVIDIA GeForce RTX 2060", (7, 5), vram_gb=6.0)
    monkeypatch.setattr(device, "probe_gpu", lambda *a, **k: small)
    resolved = Settings(profile="auto").resolved()
    assert resolved.profile == "sd15" and "would give" in resolved.profile_reason


def test_probe_reads_the_cards_memory() -> None:
    from studio.models.device import probe_gpu

    class Props:
        total_memory = 16 * 2**30

    class FakeCuda:
        def is_available(self) -> bool:
            return True

        def get_device_name(self, index: int) -> str:
            return "NVIDIA RTX A4000"

        def get_device_capability(self, index: int) -> tuple[int, int]:
            return (8, 6)

        def get_arch_list(self) -> list[str]:
            return ["sm_80", "sm_86"]

        def get_device_properties(self, index: int) -> Props:
            return Props()

    assert probe_gpu(FakeCuda(), cuda_version="12.6", driver_version=lambda: "550.1").vram_gb == 16.0


def test_the_ui_table_lists_the_family_with_licence_vram_and_status() -> None:
    from studio.models.device import GpuProbe
    from studio.models.families import families_markdown

    card = GpuProbe("ok", "NVIDIA GeForce RTX 3060", (8, 6), vram_gb=12.0)
    en = families_markdown("sd15", card, "en")
    row = next(line for line in en.splitlines() if line.startswith("| **zimage**"))
    assert (
        "Z-Image Turbo" in row
        and "Apache-2.0" in row
        and "≥ 16 GB" in row
        and "needs 16 GB (this card has 12 GB)" in row
    )
    assert "in use" in next(line for line in en.splitlines() if line.startswith("| **sd15**"))
    zh = families_markdown("tiny-zimage", None, "zh")
    assert "许可证" in zh and "使用中" in next(line for line in zh.splitlines() if line.startswith("| **zimage**"))


def test_cli_poster_on_tiny_zimage_writes_labelled_posters_and_recipes(
    zcache: Path,
    tmp_path: Path,
    monkeypatch,
    capsys,  # noqa: ANN001
) -> None:
    import json

    from studio.cli import main
    from studio.export.files import read_recipe_from_file, read_xmp
    from studio.export.xmp import parse_xmp
    from tests.test_cli import _check_package

    monkeypatch.setenv("STUDIO_CACHE", str(zcache))
    cutout = make_bottle_cutout()
    photo = tmp_path / "bottle.png"
    flat = Image.new("RGB", cutout.rgba.size, (255, 255, 255))
    flat.paste(cutout.rgba, mask=cutout.rgba.getchannel("A"))
    flat.save(photo)
    out = tmp_path / "out"
    args = ["poster", "--product", str(photo), "--scene", "kitchen", "--headline", "手冲咖啡杯"]
    args += ["--profile", "tiny-zimage", "--platform", "taobao_main", "--platform", "xiaohongshu_3x4"]
    assert main([*args, "--out", str(out)]) == 0, capsys.readouterr().err
    _check_package(out, ["taobao_main", "xiaohongshu_3x4"], ["A"])  # exact sizes, manifest, zip, recipes
    recipe = json.loads((out / "recipes" / "A.json").read_text(encoding="utf-8"))
    assert recipe["models"]["profile"] == "tiny-zimage"
    for name in ("poster_taobao_main_A.jpg", "poster_xiaohongshu_3x4_A.jpg"):
        info = parse_xmp(read_xmp(out / name))
        assert info.aigc is not None and info.aigc["Label"] == "1"  # the TC260 AI label
        assert read_recipe_from_file(out / name).models.profile == "tiny-zimage"  # the recipe rides inside


def test_zimage_poster_keeps_the_product_pixels_exact(zmodels: ModelManager) -> None:
    from studio.pipeline import SceneCache, placed_for, render_poster
    from studio.presets import get_platform
    from studio.recipe import CopyText, Recipe
    from studio.scene.composite import product_fidelity_psnr

    cutout = make_bottle_cutout()
    recipe = Recipe(scene=SceneSettings(preset="marble_counter", seed=3), copy_text=CopyText(headline="双11 狂欢价"))
    cache = SceneCache()
    poster = render_poster(zmodels, cutout, recipe, "taobao_main", cache=cache)
    assert any(s.kind == "generated" for s in cache.scenes.values())  # the scene came from Z-Image
    placed = placed_for(cutout, recipe, get_platform("taobao_main"))
    assert product_fidelity_psnr(poster.image, placed) >= 40.0  # the product from the cut-out


def test_zero_gpu_duration_counts_the_familys_steps() -> None:
    from studio.models.zerogpu import estimate_seconds

    assert estimate_seconds(8, 2, profile="zimage") > estimate_seconds(8, 2, profile="sd15")
    assert estimate_seconds(8, 1, profile="zimage") < estimate_seconds(25, 1, profile="sdxl")


def _write_zimage_lora(path: Path, transformer: object, seed: int) -> None:
    """A PEFT-format LoRA on the tiny transformer's attention (what Z-Image LoRA trainers save)."""
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)
    tensors: dict[str, np.ndarray] = {}
    for name, module in transformer.named_modules():  # type: ignore[attr-defined]
        if name.startswith("layers.") and name.endswith(("attention.to_q", "attention.to_k", "attention.to_v")):
            tensors[f"transformer.{name}.lora_A.weight"] = (rng.standard_normal((4, module.in_features)) * 0.5).astype(
                np.float32
            )
            tensors[f"transformer.{name}.lora_B.weight"] = (rng.standard_normal((module.out_features, 4)) * 0.5).astype(
                np.float32
            )
    save_file(tensors, str(path), metadata={"format": "pt", "modelspec.architecture": "Z-Image-Turbo/lora"})


def test_a_zimage_style_changes_the_scene_and_off_restores_it(
    zcache: Path, tmp_path: Path, placed: PlacedProduct
) -> None:
    from studio.recipe import StyleChoice
    from studio.styles import find_style, validate_choices

    models = ModelManager(
        Settings(profile="tiny-zimage", cache_dir=zcache, lora_dir=tmp_path, device="cpu", open_browser=False)
    )
    pipe = load_scene_pipeline(models)
    _write_zimage_lora(tmp_path / "silk.safetensors", pipe.transformer, seed=4)
    assert find_style(tmp_path, "silk").base_model == "zimage"
    style = [StyleChoice(name="silk", weight=0.9)]
    validate_choices(tmp_path, style, profile="tiny-zimage")  # fits Z-Image
    with pytest.raises(StudioError, match="Z-Image"):
        validate_choices(tmp_path, style, profile="tiny")  # and is refused on SD1.5

    def scene(styles: list[StyleChoice]) -> np.ndarray:
        return np.asarray(generate_scenes(models, placed, SIZE, TWO, PRESET, styles, [7])[0].background, np.int16)

    plain = scene([])
    styled = scene(style)
    assert np.abs(styled - plain).mean() > 0.5
    assert np.array_equal(scene([]), plain)  # off again: the base model's scene exactly


def test_the_ui_registers_the_families_text_without_probing_a_cpu_studio() -> None:
    from studio.ui.model_families import register_families_text
    from studio.ui.texts import TEXTS

    models = ModelManager(Settings(profile="none", open_browser=False))
    register_families_text(models)
    zh, en = TEXTS["model_families"]
    assert "| **zimage**" in en and "Apache-2.0" in en and "≥ 16 GB" in en and "needs a CUDA GPU" in en
    assert "许可证" in zh and models.card_probe() is None
