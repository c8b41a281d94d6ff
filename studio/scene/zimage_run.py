"""One Z-Image ControlNet-inpaint call for a batch of seeds: the family adapter's run half.

Same contract as the SD call in studio.scene.generate: one CPU generator per seed,
so a seed's scene does not depend on its batch; the tracker reports every step and
raises within a step of a cancel; the kept product pixels go in as the init image
and the mask (white = paint). What differs is the pipeline's own shape:
- the union ControlNet reads the control image, the mask and the kept pixels itself
  and the latents start from noise (no `strength`, no control start/end window);
- one init and control image serve the whole batch (the pipeline repeats them), but
  the mask is given once per image (it is not repeated);
- the prompt is read up to `max_tokens` Qwen tokens, not CLIP's 77.
"""

from __future__ import annotations

from typing import Any

from PIL import Image


def run_zimage(
    pipe: Any,
    profile: Any,
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
    tracker: Any,
) -> list[Image.Image]:
    import torch

    del control_window  # the pipeline applies its ControlNet on every step (see _family_note)
    generators = [torch.Generator("cpu").manual_seed(int(seed)) for seed in seeds]
    width, height = init.size
    count = len(seeds)
    result = pipe(
        prompt=prompt,
        # Turbo runs without guidance; the negative prompt is read only when guidance is on.
        negative_prompt=(negative or None) if guidance > 0 else None,
        image=init,
        mask_image=[mask] * count,
        control_image=control,
        height=height,
        width=width,
        num_inference_steps=max(1, int(steps)),
        guidance_scale=guidance,
        controlnet_conditioning_scale=control_scale,
        num_images_per_prompt=count,
        generator=generators,
        callback_on_step_end=tracker,
        output_type="pil",
        max_sequence_length=profile.prompt_tokens,
    )
    return list(result.images)
