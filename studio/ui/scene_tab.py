"""Tab 2 — scene compositing: pick a scene, place the product, generate (or draw a studio backdrop).

A seller picks a scene by its picture, drags the placement sliders and sees a
quick studio-backdrop preview when a slider is let go, then composes 1–4
variants side by side; clicking one keeps its seed for the export.
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

import gradio as gr
from PIL import Image

from studio.presets import all_presets, display_name
from studio.progress import Cancelled
from studio.settings import REPO_ROOT
from studio.ui.common import UiContext, lang_of, progress_adapter, register_form, seller_errors
from studio.ui.forms import SceneForm
from studio.ui.session import StudioSession, ensure

PREVIEW_PLATFORMS = ["taobao_main", "taobao_3x4", "douyin_9x16", "xiaohongshu_3x4"]
QUICK_PREVIEW_SIDE = 420  # px, the long side of the placement preview: small enough to feel instant
SCENES_DIR = REPO_ROOT / "presets" / "scenes"


def scene_choices(lang: str = "zh") -> list[tuple[str, str]]:
    return [(display_name(item, lang), pid) for pid, item in all_presets("scenes").items()]


def picker_items(lang: str = "zh") -> list[tuple[Image.Image, str]]:
    """(thumbnail, scene name) for every scene that has a thumbnail, in preset order.

    Images, not paths: the app refuses to serve files from inside the repository.
    """
    scenes = all_presets("scenes")
    return [
        (
            _thumbnail(str(SCENES_DIR / scenes[pid].get("thumbnail", f"thumbs/{pid}.png"))),
            display_name(scenes[pid], lang),
        )
        for pid in picker_ids()
    ]


@lru_cache(maxsize=64)
def _thumbnail(path: str) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def picker_ids() -> list[str]:
    """Scene ids in the same order as `picker_items`, so a click's index maps to an id."""
    return [
        pid
        for pid, item in all_presets("scenes").items()
        if (SCENES_DIR / item.get("thumbnail", f"thumbs/{pid}.png")).is_file()
    ]


def variant_columns(n: int) -> int:
    """Side by side: 1–3 in one row, 4 as a 2×2 square."""
    return 2 if n == 4 else max(1, n)


def build_scene_tab(ctx: UiContext) -> None:
    tr = ctx.tr
    # Auto steps and guidance are the running profile's (Z-Image Turbo: 8 steps, no guidance), shown as such.
    form_cls = SceneForm.for_profile(ctx.settings.profile)
    ids = picker_ids()
    shown_seeds = gr.State([])  # seeds of the variants now in the result gallery, in gallery order
    picker = tr.bind(
        gr.Gallery(
            picker_items(),
            label=tr.text("sc_picker"),
            columns=7,
            height=None,
            allow_preview=False,
            object_fit="cover",
            interactive=False,
            selected_index=ids.index("marble_counter") if "marble_counter" in ids else None,
            elem_id="scene-picker",
        ),
        "sc_picker",
    )
    with gr.Row():
        with gr.Column(scale=1):
            preset = tr.bind(
                gr.Dropdown(
                    scene_choices(), value="marble_counter", label=tr.text("scene_preset"), elem_id="scene-preset"
                ),
                "scene_preset",
            )
            separation = gr.Markdown(elem_id="scene-separation")  # the product melts into this scene?
            backdrop = tr.bind(
                gr.Radio(["auto", "procedural", "generated"], value="auto", label=tr.text("backdrop")), "backdrop"
            )
            prompt = tr.bind(
                gr.Textbox("", label=tr.text("prompt"), placeholder=tr.text("prompt_ph"), lines=2), "prompt"
            )
            tr.bind(prompt, "prompt_ph", "placeholder")
            with gr.Row():
                seed = tr.bind(gr.Number(value=0, precision=0, minimum=0, label=tr.text("seed")), "seed")
                dice = gr.Button("🎲", scale=0, min_width=50)
                n_variants = tr.bind(gr.Slider(1, 4, value=1, step=1, label=tr.text("n_variants")), "n_variants")
            with tr.bind(gr.Accordion(tr.text("placement"), open=True), "placement"):
                with gr.Row():
                    with gr.Column(scale=3, min_width=240):
                        center_x = tr.bind(
                            gr.Slider(0.1, 0.9, value=0.5, step=0.01, label=tr.text("center_x")), "center_x"
                        )
                        floor_y = tr.bind(gr.Slider(0, 1.0, value=0, step=0.01, label=tr.text("floor_y")), "floor_y")
                        scale = tr.bind(gr.Slider(0, 0.95, value=0, step=0.01, label=tr.text("scale")), "scale")
                        rotation = tr.bind(gr.Slider(-45, 45, value=0, step=1, label=tr.text("rotation")), "rotation")
                        with gr.Row():
                            shadow = tr.bind(gr.Checkbox(value=True, label=tr.text("shadow")), "shadow")
                            reflection = tr.bind(gr.Checkbox(value=False, label=tr.text("reflection")), "reflection")
                    with gr.Column(scale=2, min_width=180):
                        quick = tr.bind(
                            gr.Image(
                                type="pil",
                                label=tr.text("sc_quick_preview"),
                                interactive=False,
                                height=300,
                                format="jpeg",
                                buttons=[],
                                elem_id="scene-quick-preview",
                            ),
                            "sc_quick_preview",
                        )
                        tr.bind(gr.Markdown(tr.text("sc_quick_preview_hint")), "sc_quick_preview_hint", "value")
            with tr.bind(gr.Accordion(tr.text("advanced"), open=False), "advanced"):
                negative = tr.bind(gr.Textbox("", label=tr.text("negative"), lines=2), "negative")
                auto_steps, auto_guidance = form_cls.auto_sampler(form_cls().preset)
                steps = tr.bind(gr.Slider(1, 60, value=auto_steps, step=1, label=tr.text("steps")), "steps")
                guidance = tr.bind(
                    gr.Slider(0, 15, value=auto_guidance, step=0.5, label=tr.text("guidance")), "guidance"
                )
                strength = tr.bind(
                    gr.Slider(0, 2, value=0.8, step=0.05, label=tr.text("control_strength")), "control_strength"
                )
                control_start = tr.bind(
                    gr.Slider(0, 1, value=0, step=0.05, label=tr.text("control_start")), "control_start"
                )
                control_end = tr.bind(gr.Slider(0, 1, value=1, step=0.05, label=tr.text("control_end")), "control_end")
            preview_platform = tr.bind(
                gr.Dropdown(PREVIEW_PLATFORMS, value="taobao_main", label=tr.text("preview_platform")),
                "preview_platform",
            )
            with gr.Row():
                run = tr.bind(gr.Button(tr.text("compose"), variant="primary"), "compose", "value")
                cancel = tr.bind(gr.Button(tr.text("cancel"), variant="stop"), "cancel", "value")
        with gr.Column(scale=1):
            gallery = tr.bind(
                gr.Gallery(
                    label=tr.text("scene_result"),
                    columns=2,
                    height=520,
                    format="png",
                    interactive=False,
                    elem_id="scene-result",
                ),
                "scene_result",
            )
            status = gr.Markdown(elem_id="scene-status")
            # Shown only when a generated scene was made: what the AI was told to keep (the product's outline).
            control = tr.bind(
                gr.Image(
                    type="pil",
                    height=260,
                    interactive=False,
                    visible=False,
                    label=tr.text("sc_control_used"),
                    elem_id="scene-control",
                ),
                "sc_control_used",
            )

    dice.click(lambda: random.randint(0, 2**31 - 1), outputs=[seed], api_visibility="private")

    # ---- scene picker ---------------------------------------------------------------------------
    def pick_scene(evt: gr.SelectData):
        index = evt.index if isinstance(evt.index, int) else None
        if index is None or not 0 <= index < len(ids):
            return (gr.update(),) * 5
        return (gr.update(value=ids[index]), *preset_defaults(ids[index]))

    picker.select(
        pick_scene, outputs=[preset, steps, guidance, strength, picker], api_visibility="private", queue=False
    )

    @seller_errors
    def follow_language(lang):
        lang = lang_of(lang)
        return gr.update(value=picker_items(lang)), gr.update(choices=scene_choices(lang))

    switch = language_switch(ctx)
    if switch is not None:  # None when the tab is built on its own (tests)
        switch.change(follow_language, inputs=[switch], outputs=[picker, preset], api_visibility="private", queue=False)

    @seller_errors
    def preset_defaults(preset_id):
        item = all_presets("scenes").get(preset_id, {})
        selected = ids.index(preset_id) if preset_id in ids else None
        auto_steps, auto_guidance = form_cls.auto_sampler(preset_id)
        return (
            gr.update(value=auto_steps),
            gr.update(value=auto_guidance),
            gr.update(value=item.get("control_strength", 0.8)),
            gr.update(selected_index=selected),
        )

    # A seller's pick (not a reopened recipe's value) brings the preset's own steps, guidance and strength.
    preset.input(
        preset_defaults, inputs=[preset], outputs=[steps, guidance, strength, picker], api_visibility="private"
    )

    # ---- does the product stand out from the picked scene? -------------------------------------------
    @seller_errors
    def check_separation(preset_id, session, lang):
        from studio.ui.handlers import scene_separation

        return scene_separation(ensure(session), preset_id, lang_of(lang))

    separation_args: dict[str, Any] = dict(
        inputs=[preset, ctx.session, ctx.lang], outputs=[separation], api_visibility="private", show_progress="hidden"
    )
    preset.change(check_separation, **separation_args)  # a pick, a picker click, a reopened recipe
    cutout_event = ctx.extra.get("cutout_event")
    if cutout_event is not None:  # a new product against the scene already picked
        cutout_event.success(check_separation, **separation_args)

    # ---- quick placement preview (procedural backdrop, no model) ----------------------------------
    @seller_errors
    def preview_placement(preset_id, cx, fy, sc, rot, with_shadow, with_reflection, platform_id, seed_value, session):
        from studio.ui.handlers import preview_placement as preview

        session = ensure(session)
        form = form_cls.of(session.recipe, session.ui.get("scene"))
        form.preset, form.center_x, form.floor_y, form.scale, form.rotation = preset_id, cx, fy, sc, rot
        form.shadow, form.reflection, form.preview_platform, form.seed = (
            with_shadow,
            with_reflection,
            platform_id,
            seed_value,
        )
        image = preview(ctx, session, form)
        return image if image is not None else gr.update()  # nothing to place yet; tab ① says so when they compose

    preview_inputs = [
        preset,
        center_x,
        floor_y,
        scale,
        rotation,
        shadow,
        reflection,
        preview_platform,
        seed,
        ctx.session,
    ]
    preview_args: dict[str, Any] = dict(
        inputs=preview_inputs, outputs=[quick], show_progress="minimal", trigger_mode="always_last"
    )
    center_x.release(preview_placement, api_name="preview_placement", **preview_args)
    for slider in (floor_y, scale, rotation):
        slider.release(preview_placement, api_visibility="private", **preview_args)
    for trigger in (shadow.input, reflection.input, preset.change, preview_platform.change):
        trigger(preview_placement, api_visibility="private", **preview_args)

    # ---- compose ----------------------------------------------------------------------------------
    @seller_errors
    def compose_scene(
        preset_id,
        backdrop_mode,
        prompt_text,
        seed_value,
        n,
        cx,
        fy,
        sc,
        rot,
        with_shadow,
        with_reflection,
        negative_text,
        steps_value,
        guidance_value,
        strength_value,
        start,
        end,
        platform_id,
        session,
        lang,
        request: gr.Request,
        progress=gr.Progress(),
    ):
        from studio.ui.handlers import compose_scene as compose

        session = ensure(session)
        form = form_cls(
            preset_id,
            backdrop_mode,
            prompt_text or "",
            seed_value,
            n,
            cx,
            fy,
            sc,
            rot,
            with_shadow,
            with_reflection,
            negative_text or "",
            steps_value,
            guidance_value,
            strength_value,
            start,
            end,
            platform_id,
        )
        cancel_token = ctx.cancels.fresh(request.session_hash if request else None)
        try:
            result = compose(
                ctx, session, form, lang_of(lang), progress=progress_adapter(progress), cancel=cancel_token
            )
        except Cancelled:
            raise gr.Error(ctx.tr.text("sc_cancelled", lang_of(lang)), print_exception=False) from None
        session.views["scene_gallery"] = [(image, caption) for image, caption in result.images]
        # Plain values, not updates: API clients get the images themselves.
        return result.images, result.control_image, result.message, session, result.seeds

    # The widgets of SceneForm, in its field order: the event's inputs and the form's refill use the same list.
    scene_fields = [
        preset,
        backdrop,
        prompt,
        seed,
        n_variants,
        center_x,
        floor_y,
        scale,
        rotation,
        shadow,
        reflection,
        negative,
        steps,
        guidance,
        strength,
        control_start,
        control_end,
        preview_platform,
    ]
    run_event = run.click(
        compose_scene,
        inputs=[*scene_fields, ctx.session, ctx.lang],
        outputs=[gallery, control, status, ctx.session, shown_seeds],
        api_name="compose_scene",
        concurrency_id="gpu",
        concurrency_limit=1,
    )
    # Side by side (1–3 in a row, 4 as 2×2); the outline only beside a generated scene.
    run_event.success(
        lambda seeds, img: (
            gr.update(columns=variant_columns(len(seeds or [])), selected_index=None),
            gr.update(visible=img is not None),
        ),
        inputs=[shown_seeds, control],
        outputs=[gallery, control],
        api_visibility="private",
        queue=False,
    )

    def cancel_job(lang, request: gr.Request):
        ctx.cancels.token(request.session_hash if request else None).cancel()
        return ctx.tr.text("sc_cancelled", lang_of(lang))

    # The token stops the diffusion loop within one step (also for API callers); `cancels`
    # drops a job still waiting in the queue. A running thread is awaited, never abandoned,
    # so the next job never overlaps it.
    cancel.click(cancel_job, inputs=[ctx.lang], outputs=[status], cancels=[run_event], api_name="cancel", queue=False)

    @seller_errors
    def pick_variant(session, seeds, lang, evt: gr.SelectData):
        session = ensure(session)
        index = evt.index if isinstance(evt.index, int) else -1
        if not seeds or not 0 <= index < len(seeds):
            return gr.update(), session, gr.update()
        chosen = int(seeds[index])
        session = _keep_seed(session, chosen)
        return gr.update(value=chosen), session, ctx.tr.text("sc_seed_kept", lang_of(lang), seed=chosen)

    gallery.select(
        pick_variant,
        inputs=[ctx.session, shown_seeds, ctx.lang],
        outputs=[seed, ctx.session, status],
        api_visibility="private",
    )
    register_form(
        ctx,
        form_cls,
        scene_fields,
        views={"scene_gallery": gallery, "scene_status": status, "scene_quick": quick},
    )


def language_switch(ctx: UiContext) -> Any:
    """The header's 中文/English radio: its change (a click, or the browser's language on load) re-labels lists.

    Lists of names (gallery captions, dropdown choices) are not plain strings the Translator can swap.
    """
    switch = ctx.extra.get("lang_switch")
    if switch is not None:
        return switch
    from gradio.context import Context

    root = Context.root_block
    blocks = getattr(root, "blocks", {}) if root is not None else {}
    return next((b for b in blocks.values() if getattr(b, "elem_id", None) == "lang-switch"), None)


def _keep_seed(session: StudioSession, seed: int) -> StudioSession:
    from studio.ui.handlers import keep_seed

    keep_seed(session, seed)
    return session
