"""Tab 2 — scene compositing: preset, placement, generation (or procedural backdrop)."""

from __future__ import annotations

import random

import gradio as gr

from studio.presets import all_presets, display_name
from studio.recipe import Placement, SceneSettings
from studio.ui.common import UiContext, lang_of, progress_adapter, seller_errors
from studio.ui.session import ensure

PREVIEW_PLATFORMS = ["taobao_main", "taobao_3x4", "douyin_9x16", "xiaohongshu_3x4"]


def scene_choices(lang: str = "zh") -> list[tuple[str, str]]:
    return [(display_name(item, lang), pid) for pid, item in all_presets("scenes").items()]


def build_scene_tab(ctx: UiContext) -> None:
    tr = ctx.tr
    gr.Markdown(ctx.models.describe())
    with gr.Row():
        with gr.Column(scale=1):
            preset = tr.bind(gr.Dropdown(scene_choices(), value="marble_counter", label=tr.text("scene_preset")), "scene_preset")
            backdrop = tr.bind(gr.Radio(["auto", "procedural", "generated"], value="auto", label=tr.text("backdrop")), "backdrop")
            prompt = tr.bind(gr.Textbox(label=tr.text("prompt"), placeholder=tr.text("prompt_ph"), lines=2), "prompt")
            with gr.Row():
                seed = tr.bind(gr.Number(value=0, precision=0, minimum=0, label=tr.text("seed")), "seed")
                dice = gr.Button("🎲", scale=0, min_width=50)
                n_variants = tr.bind(gr.Slider(1, 4, value=1, step=1, label=tr.text("n_variants")), "n_variants")
            with tr.bind(gr.Accordion(tr.text("placement"), open=True), "placement"):
                center_x = tr.bind(gr.Slider(0.1, 0.9, value=0.5, step=0.01, label=tr.text("center_x")), "center_x")
                floor_y = tr.bind(gr.Slider(0, 1.0, value=0, step=0.01, label=tr.text("floor_y")), "floor_y")
                scale = tr.bind(gr.Slider(0, 0.95, value=0, step=0.01, label=tr.text("scale")), "scale")
                rotation = tr.bind(gr.Slider(-45, 45, value=0, step=1, label=tr.text("rotation")), "rotation")
                shadow = tr.bind(gr.Checkbox(value=True, label=tr.text("shadow")), "shadow")
                reflection = tr.bind(gr.Checkbox(value=False, label=tr.text("reflection")), "reflection")
            with tr.bind(gr.Accordion(tr.text("advanced"), open=False), "advanced"):
                negative = tr.bind(gr.Textbox(label=tr.text("negative"), lines=2), "negative")
                steps = tr.bind(gr.Slider(1, 60, value=25, step=1, label=tr.text("steps")), "steps")
                guidance = tr.bind(gr.Slider(1, 15, value=7, step=0.5, label=tr.text("guidance")), "guidance")
                strength = tr.bind(gr.Slider(0, 2, value=0.8, step=0.05, label=tr.text("control_strength")), "control_strength")
                control_start = tr.bind(gr.Slider(0, 1, value=0, step=0.05, label=tr.text("control_start")), "control_start")
                control_end = tr.bind(gr.Slider(0, 1, value=1, step=0.05, label=tr.text("control_end")), "control_end")
            preview_platform = tr.bind(gr.Dropdown(PREVIEW_PLATFORMS, value="taobao_main", label=tr.text("preview_platform")), "preview_platform")
            with gr.Row():
                run = tr.bind(gr.Button(tr.text("compose"), variant="primary"), "compose", "value")
                cancel = tr.bind(gr.Button(tr.text("cancel"), variant="stop"), "cancel", "value")
        with gr.Column(scale=1):
            gallery = tr.bind(gr.Gallery(label=tr.text("scene_result"), columns=2, height=520, format="png", interactive=False), "scene_result")
            with tr.bind(gr.Accordion(tr.text("control_image"), open=False), "control_image"):
                control = gr.Image(type="pil", height=260, interactive=False, show_label=False)
            status = gr.Markdown()

    dice.click(lambda: random.randint(0, 2**31 - 1), outputs=[seed], api_name=False)

    @seller_errors
    def preset_defaults(preset_id):
        item = all_presets("scenes").get(preset_id, {})
        return (
            gr.update(value=item.get("steps", 25)),
            gr.update(value=item.get("guidance", 7.0)),
            gr.update(value=item.get("control_strength", 0.8)),
        )

    preset.change(preset_defaults, inputs=[preset], outputs=[steps, guidance, strength], api_name=False)

    @seller_errors
    def compose_scene(preset_id, backdrop_mode, prompt_text, seed_value, n, cx, fy, sc, rot, with_shadow, with_reflection,
                      negative_text, steps_value, guidance_value, strength_value, start, end, platform_id,
                      session, lang, request: gr.Request, progress=gr.Progress()):
        from studio.pipeline import SceneCache, generate_backdrops, render_poster
        from studio.presets import get_platform

        session = ensure(session)
        if session.cutout is None:
            raise gr.Error(ctx.tr.text("need_cutout", lang_of(lang)), print_exception=False)
        scene = SceneSettings(
            preset=preset_id, backdrop=backdrop_mode, prompt=prompt_text or "", negative_prompt=negative_text or "",
            seed=int(seed_value or 0), steps=int(steps_value), guidance=float(guidance_value),
            control_strength=float(strength_value), control_start=float(start), control_end=max(float(start), float(end)),
            shadow=bool(with_shadow), reflection=bool(with_reflection),
        )
        # 0 on a slider means "automatic for each canvas size".
        placement = Placement(center_x=cx, floor_y=fy or None, scale=sc or None, rotation_deg=rot)
        recipe = session.recipe.model_copy(update={"scene": scene, "placement": placement})
        cancel_token = ctx.cancels.fresh(request.session_hash if request else None)
        # Previews show the scene and product only; copy is laid on in tab ④.
        preview_recipe = recipe.model_copy(update={"copy_text": recipe.copy_text.model_copy(update={"headline": "", "subline": "", "selling_points": [], "price": "", "original_price": "", "badge": "", "cta": ""})})
        variants = [preview_recipe.model_copy(update={"scene": scene.model_copy(update={"seed": scene.seed + i})}) for i in range(int(n))]
        cache = session.scene_cache if isinstance(session.scene_cache, SceneCache) else SceneCache()
        report = progress_adapter(progress)
        generate_backdrops(ctx.models, session.cutout, variants, get_platform(platform_id), cache, progress=report, cancel=cancel_token)
        images, notes, control_image = [], [], None
        for v in variants:
            poster = render_poster(ctx.models, session.cutout, v, platform_id, cache=cache, cancel=cancel_token)
            images.append((poster.image, f"seed {v.scene.seed}"))
            notes.extend(poster.warnings)
        for cached in cache.scenes.values():
            control_image = cached.control_image or control_image
        session.scene_cache = cache
        session = session.with_recipe(recipe)
        msg = ctx.tr.text("scene_done", lang_of(lang), n=len(images))
        if notes:
            msg += "\n\n" + "\n".join(f"- {n}" for n in dict.fromkeys(notes))
        return images, control_image, msg, session

    run_event = run.click(
        compose_scene,
        inputs=[preset, backdrop, prompt, seed, n_variants, center_x, floor_y, scale, rotation, shadow, reflection,
                negative, steps, guidance, strength, control_start, control_end, preview_platform, ctx.session, ctx.lang],
        outputs=[gallery, control, status, ctx.session],
        api_name="compose_scene",
        concurrency_id="gpu",
        concurrency_limit=1,
    )

    def cancel_job(request: gr.Request):
        ctx.cancels.token(request.session_hash if request else None).cancel()
        return "⏹"

    # The token stops the diffusion loop within one step; `cancels` also drops the queued event.
    cancel.click(cancel_job, outputs=[status], cancels=[run_event], api_name="cancel", queue=False)

    @seller_errors
    def pick_variant(session, evt: gr.SelectData):
        session = ensure(session)
        seed_text = str(evt.value.get("caption", "") if isinstance(evt.value, dict) else "")
        if seed_text.startswith("seed "):
            chosen = int(seed_text.split()[1])
            scene = session.recipe.scene.model_copy(update={"seed": chosen})
            session = session.with_recipe(session.recipe.model_copy(update={"scene": scene}))
            return gr.update(value=chosen), session
        return gr.update(), session

    gallery.select(pick_variant, inputs=[ctx.session], outputs=[seed, ctx.session], api_name=False)
