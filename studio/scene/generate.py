"""AI scenes around the placed product: ControlNet + inpainting, one batch for all seeds.

The model repaints everything outside the product at the profile's working
resolution; what it keeps is the product eroded to whole latent cells, so no
neutral fill ever sits in the kept area (see `prepare_inputs`). The background
is then resized to the poster. The product's own pixels are composited later
at final size, never through the VAE, covering the few edge pixels the model painted.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from PIL import Image

from studio.errors import StudioError
from studio.layers import PlacedProduct, Scene
from studio.models.manager import ModelManager
from studio.models.profiles import DiffusionProfile, diffusion_profile, scene_guidance, scene_steps, working_size
from studio.progress import Cancelled, CancelToken, Progress, no_progress
from studio.recipe import SceneSettings, StyleChoice
from studio.scene.control import make_control_image

# Pixels per latent cell in every SD VAE: the inpaint mask is read at this grid.
LATENT_CELL = 8
# Kept cells lie this far inside the product's solid alpha (soft cut-out edges are painted).
KEEP_MARGIN_PX = 2
# What the model sees outside the product before it repaints it (never inside a kept cell).
NEUTRAL = (127, 127, 127)
LOAD_SHARE = 0.1
PROMPT_TOKENS = 75  # CLIP reads 77 tokens, two of them start and end  # share of the progress bar spent loading, before the first step


def generate_scenes(
    models: ModelManager,
    placed: PlacedProduct,
    size: tuple[int, int],
    scene: SceneSettings,
    preset: dict[str, Any],
    styles: list[StyleChoice],
    seeds: list[int],
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> list[Scene]:
    """One generated Scene (RGB background of exactly `size`) per seed, in the order of `seeds`."""
    if not seeds:
        return []
    profile = diffusion_profile(models.profile)
    steps = scene_steps(scene.steps, preset, profile.name)
    guidance = scene_guidance(scene.guidance, preset, profile.name)
    control_scale = float(
        scene.control_strength if scene.control_strength is not None else preset.get("control_strength", 0.8)
    )
    if scene.control_start >= scene.control_end:
        raise StudioError(
            "The control start must come before the control end.",
            hint="For example start 0.0 and end 1.0 (the product's outline guides the whole generation).",
        )
    _check_cancel(cancel)
    work = working_size(placed.rgba.size, profile)
    init, mask, control_work = scene_inputs(placed, work, scene.control_type)

    from studio.models.diffusion import disable_low_vram, enable_low_vram, load_scene_pipeline
    from studio.models.fastpath import prepare_run
    from studio.models.oom import run_with_oom_retry
    from studio.scene.zimage_run import run_zimage
    from studio.styles import apply_styles

    progress(0.0, "Loading the scene model…")
    # Loaded before taking the GPU: a first-use download does not hold up another user's scene.
    pipe = load_scene_pipeline(
        models, control_type=scene.control_type, progress=lambda f, m: progress(f * LOAD_SHARE, m)
    )
    with models.gpu():
        trigger_words = apply_styles(models, pipe, styles)
        prompt, negative, prompt_note = build_prompts(
            preset, scene, trigger_words, _token_counter(pipe), limit=profile.prompt_tokens
        )
        _check_cancel(cancel)
        tracker = _StepTracker(progress, cancel, steps=steps, images=len(seeds))
        offloaded: list[bool] = []

        def run(indices: list[int]) -> list[Image.Image]:
            tracker.start_batch(len(indices))
            prepare_run(pipe, work, len(indices))  # VAE tiling/slicing; QKV fusion off while a LoRA is on
            images = (run_zimage if profile.family == "zimage" else _run_pipeline)(
                pipe,
                profile,
                seeds=[seeds[i] for i in indices],
                prompt=prompt,
                negative=negative,
                init=init,
                mask=mask,
                control=control_work,
                steps=steps,
                guidance=guidance,
                control_scale=control_scale,
                control_window=(scene.control_start, scene.control_end),
                tracker=tracker,
            )
            tracker.finish_batch()
            return images

        def offload() -> None:
            offloaded.append(enable_low_vram(pipe, models))

        try:
            images = run_with_oom_retry(
                run,
                len(seeds),
                enable_offload=offload,
                on_retry=lambda message: progress(tracker.fraction(), message),
            )
        finally:
            # The offload fallback is for this run only: the next one starts on the GPU again.
            if any(offloaded) and not models.settings.low_vram:
                disable_low_vram(pipe, models)
    progress(1.0, "Scene ready")
    return [
        Scene(
            background=image.convert("RGB").resize(size, Image.Resampling.LANCZOS),
            shadow=None,
            seed=seed,
            prompt=prompt,
            negative_prompt=negative,
            kind="generated",
            # What the ControlNet saw, at the poster's size for the UI (NEAREST keeps it binary).
            control_image=control_work.resize(size, Image.Resampling.NEAREST),
            note="; ".join(n for n in (profile.note, prompt_note, _family_note(profile, scene)) if n),
        )
        for image, seed in zip(images, seeds)
    ]


def build_prompts(
    preset: dict[str, Any],
    scene: SceneSettings,
    trigger_words: list[str],
    count_tokens: Callable[[str], int] | None = None,
    limit: int = PROMPT_TOKENS,
) -> tuple[str, str, str]:
    """(prompt, negative prompt, note): preset words, then the seller's, then trigger words.

    The text encoder reads only `limit` tokens and drops the rest. When the prompt
    is longer, the seller's words and the trigger words go first, so what gets
    cut is the preset's generic tail, never the seller's own words or a style.
    """
    base, own = preset.get("prompt", ""), [scene.prompt, *trigger_words]
    positive = _join([base, *own])
    negative = _join([preset.get("negative_prompt", ""), scene.negative_prompt])
    note = ""
    if count_tokens is not None and count_tokens(positive) > limit:
        positive = _join([*own, base])
        note = "the prompt is longer than the model reads, so the end of the scene preset's words was left out"
    return positive, negative, note


def scene_inputs(
    placed: PlacedProduct, work: tuple[int, int], control_type: str = "canny"
) -> tuple[Image.Image, Image.Image, Image.Image]:
    """(init image, inpaint mask, control image) for the model, the control made at the working size.

    Made there, the ControlNet's 1-px lines stay connected (a poster-sized map shrunk
    to the working size kept only 38–64 % of the outline).
    """
    control = make_control_image(placed, control_type, size=work)  # type: ignore[arg-type]
    return prepare_inputs(placed, control, work)


def prepare_inputs(
    placed: PlacedProduct, control: Image.Image, work: tuple[int, int]
) -> tuple[Image.Image, Image.Image, Image.Image]:
    """(init image, inpaint mask, control image), all at the working size.

    The mask is white where the model paints. It keeps only the latent cells that
    lie wholly inside the product's solid alpha (eroded by KEEP_MARGIN_PX), and it
    paints every other pixel, a few product edge pixels included. Why eroded rather
    than grown: an inpainting UNet reproduces what it keeps, so a kept ring outside
    the product (grey, or the product's edge colours extended) comes back as a
    visible outline around it. Kept inside, the model paints the scene up to and
    under the edge, and the product's own pixels go back over it at final size, so
    the scene meets the real outline. Cells, because the pipeline reads the mask
    at the latent grid: a cell half outside the product would keep the grey there.
    """
    rgba = placed.rgba.convert("RGBA").resize(work, Image.Resampling.LANCZOS)
    alpha = rgba.getchannel("A")
    init = Image.new("RGB", work, NEUTRAL)
    init.paste(rgba.convert("RGB"), mask=alpha)
    kept = kept_cells(np.asarray(alpha))
    mask = Image.fromarray(np.where(kept, 0, 255).astype(np.uint8))
    from studio.scene.control import shrink_edges

    return init, mask, shrink_edges(control, work)


def kept_cells(alpha: np.ndarray, cell: int = LATENT_CELL, margin: int = KEEP_MARGIN_PX) -> np.ndarray:
    """bool (h, w): True on every latent cell that lies wholly inside the eroded solid product."""
    import cv2

    solid = (alpha >= 250).astype(np.uint8)
    if margin > 0:
        solid = cv2.erode(solid, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8), borderValue=0)
    height, width = solid.shape
    rows, cols = height // cell, width // cell
    kept = np.zeros((height, width), bool)
    if rows and cols:
        blocks = solid[: rows * cell, : cols * cell].reshape(rows, cell, cols, cell)
        whole = blocks.min(axis=(1, 3)) > 0
        kept[: rows * cell, : cols * cell] = np.repeat(np.repeat(whole, cell, axis=0), cell, axis=1)
    return kept


class _StepTracker:
    """callback_on_step_end target: reports progress and stops within one step of a cancel.

    Progress counts images: a batch of n images at step k of N is n*k/N images done.
    """

    def __init__(self, progress: Progress, cancel: CancelToken | None, *, steps: int, images: int) -> None:
        self.progress = progress
        self.cancel = cancel
        self.steps = max(1, steps)
        self.images = max(1, images)
        self.images_done = 0
        self.batch = 0
        self.step = 0

    def start_batch(self, size: int) -> None:
        self.batch, self.step = size, 0

    def finish_batch(self) -> None:
        self.images_done += self.batch
        self.batch, self.step = 0, 0

    def fraction(self) -> float:
        done = self.images_done + self.batch * min(self.step, self.steps) / self.steps
        return LOAD_SHARE + (1 - LOAD_SHARE) * min(1.0, done / self.images)

    def __call__(self, pipe: Any, step: int, timestep: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        self.step = step + 1
        # Raising here leaves the denoising loop at once, skipping the VAE decode too.
        _check_cancel(self.cancel)
        images = f"{self.images} scenes" if self.images > 1 else "the scene"
        self.progress(self.fraction(), f"Painting {images}: step {min(self.step, self.steps)} of {self.steps}")
        return kwargs


def _run_pipeline(
    pipe: Any,
    profile: DiffusionProfile,
    *,
    seeds: list[int],
    prompt: str,
    negative: str,
    init: Image.Image,
    mask: Image.Image,
    control: Image.Image,
    steps: int,
    guidance: float,
    control_scale: float,
    control_window: tuple[float, float],
    tracker: _StepTracker,
) -> list[Image.Image]:
    import torch

    # One CPU generator per seed: a seed gives the same picture whatever the batch or device.
    generators = [torch.Generator("cpu").manual_seed(int(seed)) for seed in seeds]
    width, height = init.size
    count = len(seeds)
    result = pipe(
        prompt=prompt,
        negative_prompt=negative or None,
        # One copy per seed: the pipeline samples each masked-image latent with its own
        # seed's generator, so a seed's scene does not depend on its batch neighbours.
        image=[init] * count,
        mask_image=[mask] * count,
        control_image=control,
        height=height,
        width=width,
        strength=profile.strength,
        num_inference_steps=scheduler_steps(steps, profile.strength),
        guidance_scale=guidance,
        controlnet_conditioning_scale=control_scale,
        control_guidance_start=control_window[0],
        control_guidance_end=control_window[1],
        num_images_per_prompt=count,
        generator=generators,
        callback_on_step_end=tracker,
        output_type="pil",
    )
    return list(result.images)


def scheduler_steps(steps: int, strength: float) -> int:
    """The num_inference_steps that makes the pipeline denoise exactly `steps` steps at `strength`.

    Inpaint pipelines run int(num_inference_steps · strength) steps: SDXL's 0.99 turned
    25 into 24 (progress stopped at 24 of 25) and 1 into 0 (an error).
    """
    steps = max(1, int(steps))
    if strength >= 1.0:
        return steps
    count = math.ceil(steps / strength)
    while int(count * strength) < steps:
        count += 1
    return count


def _family_note(profile: DiffusionProfile, scene: SceneSettings) -> str:
    if profile.family == "zimage" and (scene.control_start, scene.control_end) != (0.0, 1.0):
        return "Z-Image's ControlNet guides every step, so the control start and end were not used"
    return ""


def _token_counter(pipe: Any) -> Callable[[str], int] | None:
    tokenizer = getattr(pipe, "tokenizer", None)
    if tokenizer is None:
        return None
    return lambda text: len(tokenizer(text, add_special_tokens=False).input_ids)


def _check_cancel(cancel: CancelToken | None) -> None:
    if cancel is not None and cancel.cancelled:
        raise Cancelled()


def _join(parts: list[str]) -> str:
    return ", ".join(p.strip().strip(",").strip() for p in parts if p and p.strip().strip(","))
