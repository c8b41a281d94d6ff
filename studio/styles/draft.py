"""Fast draft mode: an LCM-LoRA (latent-consistency/lcm-lora-sdv1-5 or -sdxl) plus the LCM scheduler.

With it a scene takes 4-8 steps at guidance 1-2 instead of ~25 steps at 7:
roughly 4-6x faster, for softer detail and weaker prompt following (negative
prompts lose most of their effect at guidance ≤ 2). Good for trying layouts
and seeds; make the final poster without it.

While a fast-draft style is active, `apply_styles` swaps the pipeline's
scheduler for LCMScheduler and puts the original back when it is cleared.
The step count and guidance live in the recipe: `DRAFT_SCENE` is what the
style tab writes into `Recipe.scene` when a seller picks the draft mode.
"""

from __future__ import annotations

from typing import Any

DRAFT_SCENE = {"steps": 6, "guidance": 1.5}
DRAFT_STEPS = (4, 8)
DRAFT_GUIDANCE = (1.0, 2.0)
_SAVED_ATTR = "_studio_scheduler_before_draft"


def sync_draft_scheduler(pipe: Any, *, draft: bool) -> None:
    """LCMScheduler while `draft`, the pipeline's own scheduler otherwise."""
    saved = getattr(pipe, _SAVED_ATTR, None)
    if draft and saved is None:
        from diffusers import LCMScheduler

        object.__setattr__(pipe, _SAVED_ATTR, pipe.scheduler)
        pipe.scheduler = LCMScheduler.from_config(pipe.scheduler.config)
    elif not draft and saved is not None:
        pipe.scheduler = saved
        object.__setattr__(pipe, _SAVED_ATTR, None)


def draft_note(lang: str = "en") -> str:
    if lang == "zh":
        return "快速草稿：LCM 采样，4–8 步、引导系数 1–2，速度快 4–6 倍，细节较少、负面提示词基本无效；定稿请关闭。"
    return (
        "Fast draft: LCM sampling, 4-8 steps at guidance 1-2: about 4-6x faster, softer detail, "
        "negative prompts mostly ignored. Turn it off for the final poster."
    )
