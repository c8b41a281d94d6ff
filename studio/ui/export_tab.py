"""Tab 5 — A/B export: variant sets × platforms → files, compliance table, zip; A/B results → a decision.

A variant set changes one thing (seed, scene, style, headline, layout) or two as a
grid (2 scenes × 2 headlines = A B C D). Posters are shown one platform per row,
variants side by side, so a seller compares like with like.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import gradio as gr

from studio.export.credentials import c2pa_available
from studio.export.sheets import plain_cell
from studio.export.sku import sku_slug
from studio.limits import new_output_folder
from studio.presets import all_presets, display_name
from studio.progress import Cancelled
from studio.recipe import Recipe
from studio.ui.common import UiContext, lang_of, progress_adapter, register_form, seller_errors
from studio.ui.forms import ExportForm
from studio.ui.scene_tab import language_switch
from studio.ui.session import ensure

DEFAULT_PLATFORMS = ["taobao_main", "taobao_3x4", "jd_main", "douyin_9x16", "xiaohongshu_3x4"]
FACTORS = ["seed", "scene", "style", "copy", "layout", "grid"]
GRID_FACTORS = ["seed", "scene", "style", "copy", "layout"]
FACTOR_LABELS = {  # bilingual on purpose: the radio is read before the language matters
    "seed": "种子 seed",
    "scene": "场景 scene",
    "style": "风格 style",
    "copy": "标题 copy",
    "layout": "版式 layout",
    "grid": "组合 grid (A×B)",
}
NO_STYLE = "none"
CHECK_NAMES = {
    "size": ("尺寸", "size"),
    "format": ("格式", "format"),
    "max_bytes": ("文件大小上限", "max file size"),
    "min_bytes": ("文件大小下限", "min file size"),
    "srgb": ("sRGB 色彩", "sRGB colour"),
    "white_background": ("白底", "white background"),
    "fill_85": ("商品占 85%", "product fills 85%"),
    "no_text": ("不含文字", "no text"),
    "safe_top_bottom": ("避开顶部/底部遮挡", "clear of app overlays"),
    "aigc_metadata": ("AI 隐式标识", "AI label in metadata"),
    "aigc_visible_label": ("AI 显式标识（≥5% 高）", "visible AI label (≥5% tall)"),
    "copy_complete": ("文案完整", "all copy on the poster"),
    "legibility": ("手机上看得清", "legible in a phone grid"),
    "upscale": ("商品清晰度", "product sharpness"),
    "layout": ("版面整洁度", "layout cleanliness"),
}
RESULT_WORDS = {
    "passed": ("✅ 通过", "✅ passed"),
    "failed": ("❌ 未通过", "❌ failed"),
    "not_checked": ("⚠ 部分未检查", "⚠ partly not checked"),
    "warning": ("⚠ 可上传，请留意", "⚠ usable, see note"),
}
COMPLIANCE_HEADERS = {
    "zh": ["文件", "方案", "平台", "结果", "原因"],
    "en": ["file", "variant", "platform", "result", "reasons"],
}
AB_HEADERS = {
    "zh": ["方案", "曝光", "点击", "点击率 CTR", "95% 区间", "p（对比 A）", "最优概率"],
    "en": ["variant", "impressions", "clicks", "CTR", "95% CI", "p vs A", "P(best)"],
}


def platform_choices(lang: str = "zh") -> list[tuple[str, str]]:
    return [(f"{display_name(p, lang)} {p['width']}×{p['height']}", pid) for pid, p in all_presets("platforms").items()]


def scene_choices(lang: str = "zh") -> list[tuple[str, str]]:
    return [(display_name(item, lang), pid) for pid, item in all_presets("scenes").items()]


def layout_choices(lang: str = "zh") -> list[tuple[str, str]]:
    return [("自动 auto", "auto")] + [(display_name(item, lang), lid) for lid, item in all_presets("layouts").items()]


def style_choices(lora_dir: Path) -> list[tuple[str, str]]:
    """'No style' plus the styles whose files are here (a built-in style not downloaded yet cannot render offline)."""
    from studio.styles import list_styles

    styles = [s for s in list_styles(lora_dir) if s.usable and s.path is not None and not s.fast_draft]
    return [("无风格 none", NO_STYLE)] + [(s.display_name or s.name, s.name) for s in styles]


def factors_in(factor: str, first: str, second: str) -> set[str]:
    return {first, second} if factor == "grid" else {factor}


def build_export_tab(ctx: UiContext) -> None:
    tr = ctx.tr
    variant_count = gr.State(0)  # variants in the last export: the gallery's column count
    with gr.Row():
        with gr.Column(scale=1):
            platforms = tr.bind(
                gr.CheckboxGroup(platform_choices(), value=DEFAULT_PLATFORMS, label=tr.text("platforms")), "platforms"
            )
            factor = tr.bind(
                gr.Radio(
                    [(FACTOR_LABELS[f], f) for f in FACTORS],
                    value="seed",
                    label=tr.text("vary"),
                    elem_id="export-factor",
                ),
                "vary",
            )
            with gr.Row(visible=False) as grid_row:
                grid_first = tr.bind(
                    gr.Dropdown(
                        [(FACTOR_LABELS[f], f) for f in GRID_FACTORS], value="scene", label=tr.text("ex_grid_first")
                    ),
                    "ex_grid_first",
                )
                grid_second = tr.bind(
                    gr.Dropdown(
                        [(FACTOR_LABELS[f], f) for f in GRID_FACTORS], value="copy", label=tr.text("ex_grid_second")
                    ),
                    "ex_grid_second",
                )
            grid_hint = tr.bind(gr.Markdown(tr.text("ex_grid_hint"), visible=False), "ex_grid_hint", "value")
            n_variants = tr.bind(
                gr.Slider(1, ctx.settings.max_variants, value=2, step=1, label=tr.text("ab_variants")), "ab_variants"
            )
            scene_pick = tr.bind(
                gr.Dropdown(
                    scene_choices(),
                    value=[],
                    multiselect=True,
                    visible=False,
                    label=tr.text("ex_vary_scenes"),
                    elem_id="export-scenes",
                ),
                "ex_vary_scenes",
            )
            style_pick = tr.bind(
                gr.Dropdown(
                    style_choices(ctx.settings.lora_dir),
                    value=[],
                    multiselect=True,
                    visible=False,
                    label=tr.text("ex_vary_styles"),
                ),
                "ex_vary_styles",
            )
            headlines = tr.bind(
                gr.Textbox(
                    value="",
                    lines=3,
                    visible=False,
                    label=tr.text("ex_vary_headlines"),
                    placeholder="双11 狂欢价\n限时第二件半价",
                    elem_id="export-headlines",
                ),
                "ex_vary_headlines",
            )
            layout_pick = tr.bind(
                gr.Dropdown(
                    layout_choices(), value=[], multiselect=True, visible=False, label=tr.text("ex_vary_layouts")
                ),
                "ex_vary_layouts",
            )
            # Comma-separated values: kept for API callers and scripts; the pickers above replace it on screen.
            values = tr.bind(gr.Textbox(value="", visible=False, label=tr.text("vary_values")), "vary_values")
            with gr.Row():
                sku = tr.bind(gr.Textbox(value="poster", label=tr.text("sku"), max_length=40), "sku")
                fmt = tr.bind(
                    gr.Radio(["auto", "jpeg", "png", "webp"], value="auto", label=tr.text("format")), "format"
                )
            ai_label = tr.bind(gr.Checkbox(value=True, label=tr.text("ai_label")), "ai_label")
            with gr.Row():
                # Default: the studio's own settings (--producer / --c2pa); each export may change them.
                producer = tr.bind(
                    tr.bind(
                        gr.Textbox(
                            value=ctx.settings.content_producer,
                            max_length=100,
                            label=tr.text("ex_producer"),
                            info=tr.text("ex_producer_info"),
                            elem_id="export-producer",
                        ),
                        "ex_producer",
                    ),
                    "ex_producer_info",
                    "info",
                )
                signing = c2pa_available()
                c2pa_box = tr.bind(
                    tr.bind(
                        gr.Checkbox(
                            value=bool(ctx.settings.c2pa) and signing,
                            interactive=signing,
                            label=tr.text("ex_c2pa"),
                            info=tr.text("ex_c2pa_info" if signing else "ex_c2pa_missing"),
                            elem_id="export-c2pa",
                        ),
                        "ex_c2pa",
                    ),
                    "ex_c2pa_info" if signing else "ex_c2pa_missing",
                    "info",
                )
            with gr.Row():
                run = tr.bind(gr.Button(tr.text("export"), variant="primary", scale=3), "export", "value")
                cancel = tr.bind(gr.Button(tr.text("cancel"), variant="stop", scale=1), "cancel", "value")
            zip_file = tr.bind(gr.File(label=tr.text("download_zip"), interactive=False), "download_zip")
        with gr.Column(scale=2):
            gallery = tr.bind(
                gr.Gallery(
                    label=tr.text("posters"),
                    columns=2,
                    height=560,
                    interactive=False,
                    object_fit="contain",
                    elem_id="export-gallery",
                ),
                "posters",
            )
            status = gr.Markdown(elem_id="export-status")
            compliance = tr.bind(
                gr.Dataframe(
                    headers=COMPLIANCE_HEADERS["zh"],
                    interactive=False,
                    wrap=True,
                    column_widths=["27%", "7%", "15%", "13%", "38%"],
                    visible=False,
                    label=tr.text("ex_compliance"),
                    elem_id="export-compliance",
                ),
                "ex_compliance",
            )
            with tr.bind(gr.Accordion(tr.text("ex_manifest"), open=False), "ex_manifest"):
                manifest = gr.Dataframe(interactive=False, wrap=True)
    with tr.bind(gr.Accordion(tr.text("ab_results"), open=False, elem_id="ab-panel"), "ab_results"):
        with gr.Row():
            results_csv = tr.bind(gr.File(file_types=[".csv"], label=tr.text("results_csv")), "results_csv")
            results_table = gr.Dataframe(
                headers=["variant", "impressions", "clicks", "orders"],
                value=[["A", 0, 0, 0], ["B", 0, 0, 0]],
                interactive=True,
                column_count=(4, "fixed"),
                elem_id="ab-input",
            )
        with gr.Row():
            min_lift = tr.bind(
                tr.bind(
                    gr.Number(
                        value=20,
                        minimum=1,
                        maximum=1000,
                        step=1,
                        label=tr.text("ab_min_lift"),
                        info=tr.text("ab_min_lift_info"),
                        elem_id="ab-min-lift",
                    ),
                    "ab_min_lift",
                ),
                "ab_min_lift_info",
                "info",
            )
            design = tr.bind(
                gr.Radio(AB_DESIGN_CHOICES, value="split", label=tr.text("ab_design"), elem_id="ab-design"), "ab_design"
            )
        analyse = tr.bind(gr.Button(tr.text("analyse"), variant="primary"), "analyse", "value")
        decision = gr.Markdown(elem_id="ab-decision")
        stats_table = gr.Dataframe(interactive=False, visible=False, elem_id="ab-stats")  # shown once there are stats
    with tr.bind(gr.Accordion(tr.text("project"), open=False), "project"):
        with gr.Row():
            save_btn = tr.bind(gr.Button(tr.text("save_project")), "save_project", "value")
            project_file = tr.bind(gr.File(label=tr.text("project_file"), interactive=False), "project_file")
            open_file = tr.bind(
                gr.File(file_types=[".poster", ".zip", ".json", "image"], label=tr.text("open_project")), "open_project"
            )
        project_status = gr.Markdown()

    # ---- which value pickers to show ----------------------------------------------------------------
    def show_pickers(factor_name, first, second):
        used = factors_in(factor_name, first, second)
        grid = factor_name == "grid"
        style_update = gr.update(visible="style" in used)
        if "style" in used:  # styles dropped into loras/ since the page was opened show up too
            style_update = gr.update(visible=True, choices=style_choices(ctx.settings.lora_dir))
        return (
            gr.update(visible=grid),
            gr.update(visible=grid),
            gr.update(visible="seed" in used),
            gr.update(visible="scene" in used),
            style_update,
            gr.update(visible="copy" in used),
            gr.update(visible="layout" in used),
        )

    picker_outputs = [grid_row, grid_hint, n_variants, scene_pick, style_pick, headlines, layout_pick]
    for trigger in (factor.change, grid_first.change, grid_second.change):
        trigger(
            show_pickers,
            inputs=[factor, grid_first, grid_second],
            outputs=picker_outputs,
            api_visibility="private",
            queue=False,
        )

    def follow_language(lang):
        lang = lang_of(lang)
        return (
            gr.update(choices=scene_choices(lang)),
            gr.update(choices=layout_choices(lang)),
            gr.update(choices=platform_choices(lang)),
        )

    switch = language_switch(ctx)
    if switch is not None:
        switch.change(
            follow_language,
            inputs=[switch],
            outputs=[scene_pick, layout_pick, platforms],
            api_visibility="private",
            queue=False,
        )

    # ---- export ---------------------------------------------------------------------------------------
    @seller_errors
    def export_posters(
        platform_ids,
        n,
        factor_name,
        values_text,
        sku_text,
        file_format,
        with_label,
        scenes,
        styles,
        headline_lines,
        layouts,
        first,
        second,
        sign=False,
        producer_name="",
        session=None,
        lang=None,
        request: gr.Request = None,
        progress=gr.Progress(),
    ):
        from studio.ui.handlers import export_posters as export_fn

        lang = lang_of(lang)
        session = ensure(session)
        form = ExportForm(
            list(platform_ids or []),
            n,
            factor_name,
            values_text,
            sku_text,
            file_format,
            with_label,
            scenes,
            styles,
            headline_lines,
            layouts,
            first,
            second,
            bool(sign),
            producer_name or "",
        )
        token = ctx.cancels.fresh(request.session_hash if request else None)
        try:
            made = export_fn(ctx, session, form, lang, progress=progress_adapter(progress), cancel=token)
        except Cancelled:
            raise gr.Error(ctx.tr.text("ex_cancelled", lang), print_exception=False) from None
        # Plain values, not updates: API clients get the files and tables themselves.
        return made.images, made.zip_path, made.manifest, made.message, session, made.variant_count

    # The widgets of ExportForm, in its field order: the event's inputs and the form's refill use the same list.
    export_fields = [
        platforms,
        n_variants,
        factor,
        values,
        sku,
        fmt,
        ai_label,
        scene_pick,
        style_pick,
        headlines,
        layout_pick,
        grid_first,
        grid_second,
        c2pa_box,
        producer,
    ]
    export_event = run.click(
        export_posters,
        inputs=[*export_fields, ctx.session, ctx.lang],
        outputs=[gallery, zip_file, manifest, status, ctx.session, variant_count],
        api_name="export_posters",
        concurrency_id="gpu",
        concurrency_limit=1,
    )
    # One platform per row, its variants side by side.
    export_event.success(
        lambda n: gr.update(columns=min(4, max(1, int(n or 1)))),
        inputs=[variant_count],
        outputs=[gallery],
        api_visibility="private",
        queue=False,
    )

    @seller_errors
    def compliance_report(session, table, lang):
        """One row per file, from the reports the export made; the A/B table gets the variant names."""
        session = ensure(session)
        if session.last_export is None or "export_reports" not in session.views:
            return gr.update(), gr.update()
        rows = compliance_rows_from(session.views["export_reports"], lang_of(lang))
        variants = list(dict.fromkeys(r[1] for r in rows))
        if _all_zero(table) and variants:
            table = {
                "headers": ["variant", "impressions", "clicks", "orders"],
                "data": [[v, 0, 0, 0] for v in variants],
            }
        return {"headers": COMPLIANCE_HEADERS[lang_of(lang)], "data": rows}, table

    export_event.success(
        compliance_report,
        inputs=[ctx.session, results_table, ctx.lang],
        outputs=[compliance, results_table],
        api_name="compliance_report",
    ).success(lambda: gr.update(visible=True), outputs=[compliance], api_visibility="private", queue=False)

    def cancel_export(lang, request: gr.Request):
        ctx.cancels.token(request.session_hash if request else None).cancel()
        return ctx.tr.text("ex_cancelled", lang_of(lang))

    cancel.click(
        cancel_export,
        inputs=[ctx.lang],
        outputs=[status],
        cancels=[export_event],
        api_name="cancel_export",
        queue=False,
    )

    # ---- project save / open ------------------------------------------------------------------------------
    @seller_errors
    def save_project_file(session, lang):
        from studio.export.project import save_project

        session = ensure(session)
        if session.cutout is None:
            raise gr.Error(ctx.tr.text("need_cutout", lang_of(lang)), print_exception=False)
        path = new_output_folder("project-") / f"{sku_slug(session.recipe.export.sku)}.poster"
        save_project(
            path,
            cutouts={session.photo_name or "product": session.cutout.rgba},
            recipes=[session.recipe],
            extra={"photo_name": session.photo_name},
        )
        return str(path), ctx.tr.text("project_saved", lang_of(lang))

    save_btn.click(
        save_project_file,
        inputs=[ctx.session, ctx.lang],
        outputs=[project_file, project_status],
        api_name="save_project",
    )

    @seller_errors
    def open_anything(file, session, lang):
        """A .poster project, a recipe .json, or a poster image made by the studio."""
        from studio.ui.reopen import reopen

        if not file:
            return gr.update(), session
        session, message = reopen(
            Path(getattr(file, "name", file)), ensure(session), lang_of(lang), ctx.settings.budgets
        )
        return message, session

    open_event = open_file.upload(
        open_anything,
        inputs=[open_file, ctx.session, ctx.lang],
        outputs=[project_status, ctx.session],
        api_name="open_project",
    )
    ctx.extra["open_event"] = open_event  # app.py refills every tab after it
    register_form(
        ctx,
        ExportForm,
        export_fields,
        views={"export_gallery": gallery, "export_zip": zip_file, "export_status": status},
    )

    # ---- A/B results ------------------------------------------------------------------------------------------
    @seller_errors
    def load_results(file):
        from studio.export.abtest import read_results_csv

        if not file:
            return gr.update()
        from studio.budgets import check_csv_file

        check_csv_file(Path(getattr(file, "name", file)), ctx.settings.budgets)  # rows counted before parsing
        rows = read_results_csv(Path(getattr(file, "name", file)))  # handles GBK files from Chinese Excel
        return [[r["variant"], r["impressions"], r["clicks"], r.get("orders", 0) or 0] for r in rows]

    results_csv.upload(load_results, inputs=[results_csv], outputs=[results_table], api_visibility="private")

    @seller_errors
    def ab_analysis(table, lift_percent=20, design_name="split", lang=None):
        from studio.ui.handlers import ab_results

        return ab_results(ctx, table, lang_of(lang), min_lift_percent=lift_percent, design=design_name)

    analyse.click(
        ab_analysis,
        inputs=[results_table, min_lift, design, ctx.lang],
        outputs=[stats_table, decision],
        api_name="ui_ab_stats",
    ).success(lambda: gr.update(visible=True), outputs=[stats_table], api_visibility="private", queue=False)


# ---- variant sets ---------------------------------------------------------------------------------------------


def variant_set(
    ctx: UiContext,
    base: Recipe,
    factor: str,
    first: str,
    second: str,
    n: int,
    values_text: str | None,
    picks: dict[str, Any],
    lang: str,
) -> tuple[list[Recipe], list[str]]:
    """The recipes to export, named A, B, C…, and the factors they vary."""
    from studio.export.variants import make_grid, make_variants

    most = ctx.settings.max_variants
    if factor == "grid":
        if first == second:
            raise gr.Error(ctx.tr.text("ex_grid_same", lang), print_exception=False)
        values_a = factor_values(ctx, first, None, n, base, picks, lang)
        values_b = factor_values(ctx, second, None, n, base, picks, lang)
        _check_count(ctx, _count(values_a) * _count(values_b), most, lang)
        return make_grid(base, first, values_a, second, values_b), [first, second]  # type: ignore[arg-type]
    values = factor_values(ctx, factor, values_text, n, base, picks, lang)
    _check_count(ctx, _count(values), most, lang)
    return make_variants(base, factor, values), [factor]  # type: ignore[arg-type]


def factor_values(
    ctx: UiContext, factor: str, values_text: str | None, n: int, base: Recipe, picks: dict[str, Any], lang: str
) -> list[Any] | int:
    """Values for one factor: from its picker, else (API callers) the comma-separated text, capped at n."""
    if factor == "seed":
        return max(1, n)  # a count: export/variants.py applies the seed rule
    picked = picks.get(factor)
    if factor == "copy":
        items = [line.strip() for line in str(picked or "").splitlines() if line.strip()]
    else:
        items = [str(v) for v in (picked or []) if str(v).strip()]
    if not items:
        items = [v.strip() for v in (values_text or "").replace("，", ",").split(",") if v.strip()][: max(1, n)]
    if not items:
        what = (
            {"scene": "场景", "style": "风格", "copy": "标题", "layout": "版式"}.get(factor, factor)
            if lang == "zh"
            else factor
        )
        raise gr.Error(ctx.tr.text("ex_need_values", lang, what=what), print_exception=False)
    if factor == "style":
        items = ["" if v == NO_STYLE else v for v in items]
    return list(dict.fromkeys(items))  # a value picked twice is one variant


def _count(values: list[Any] | int) -> int:
    return values if isinstance(values, int) else len(values)


def _check_count(ctx: UiContext, count: int, most: int, lang: str) -> None:
    if count > most:
        raise gr.Error(ctx.tr.text("ex_too_many", lang, n=count, most=most), print_exception=False)


def variant_label(recipe: Recipe, factors: list[str], lang: str = "zh") -> str:
    """What this variant is, in the seller's words: '双11 红金', 'seed 3', '双11 红金 × 限时半价'."""
    parts = []
    for factor in factors:
        if factor == "seed":
            parts.append(f"{'种子' if lang == 'zh' else 'seed'} {recipe.scene.seed}")
        elif factor == "scene":
            item = all_presets("scenes").get(recipe.scene.preset)
            parts.append(display_name(item, lang) if item else recipe.scene.preset)
        elif factor == "style":
            parts.append(", ".join(s.name for s in recipe.styles) or ("无风格" if lang == "zh" else "no style"))
        elif factor == "copy":
            headline = recipe.copy_text.headline or ("（无标题）" if lang == "zh" else "(no headline)")
            parts.append(headline if len(headline) <= 14 else headline[:13] + "…")
        elif factor == "layout":
            item = all_presets("layouts").get(recipe.copy_text.layout)
            parts.append(display_name(item, lang) if item else recipe.copy_text.layout)
    return " × ".join(parts)


def grouped_notes(ctx: UiContext, notes: list[Any], lang: str) -> str:
    """Ten files with the same note become one line 'X (10 files)'; notes are records, never parsed."""
    counts: dict[str, int] = {}
    for note in notes:
        from studio.ui.handlers import note_text

        text = note_text(note, lang)
        counts[text] = counts.get(text, 0) + 1
    return "\n".join(
        f"- {ctx.tr.text('ex_files_note', lang, note=note, n=n) if n > 1 else note}" for note, n in counts.items()
    )


# ---- compliance ---------------------------------------------------------------------------------------------------


def report_records(result: Any) -> list[dict[str, Any]]:
    """The export's own compliance records (file, variant, platform, checks), in file order."""
    variants = {o.file: r.variant for r in result.recipes for o in r.outputs}
    return [
        {**report, "file": name, "variant": variants.get(name, ""), "platform": report.get("platform", "")}
        for name, report in result.reports.items()
    ]


def compliance_rows(out_dir: Path, lang: str = "zh") -> list[list[str]]:
    """The table from an export folder's compliance.json (a reopened export; a fresh one uses its records)."""
    report = json.loads((out_dir / "compliance.json").read_text(encoding="utf-8"))
    variants = {}
    manifest = out_dir / "manifest.csv"
    if manifest.is_file():
        with manifest.open(encoding="utf-8-sig") as fh:
            variants = {row["file"]: plain_cell(row["variant"]) for row in csv.DictReader(fh)}
    return compliance_rows_from(
        [{**item, "variant": variants.get(item.get("file", ""), "")} for item in report.get("files", [])], lang
    )


def compliance_rows_from(records: list[dict[str, Any]], lang: str = "zh") -> list[list[str]]:
    """One row per written file: file, variant, platform, passed / failed / partly not checked, and why."""
    zh = lang == "zh"
    rows = []
    for item in records:
        checks = item.get("checks", {})
        failed = {k: c for k, c in checks.items() if c.get("status") == "failed"}
        unchecked = {k: c for k, c in checks.items() if c.get("status") == "not_checked"}
        warned = {k: c for k, c in checks.items() if c.get("status") == "warning"}
        result = "failed" if failed else "not_checked" if unchecked else "warning" if warned else "passed"
        reasons = [f"{_check_name(k, zh)}: {c.get('reason', '')}" for k, c in (failed | warned).items()]
        reasons += [
            f"{_check_name(k, zh)} ({'未检查' if zh else 'not checked'}): {c.get('reason', '')}"
            for k, c in unchecked.items()
        ]
        if not reasons:
            reasons = [f"全部 {len(checks)} 项通过" if zh else f"all {len(checks)} checks passed"]
        rows.append(
            [
                item.get("file", ""),
                item.get("variant", ""),
                item.get("platform", ""),
                RESULT_WORDS[result][0 if zh else 1],
                "; ".join(reasons),
            ]
        )
    return rows


def _check_name(key: str, zh: bool) -> str:
    names = CHECK_NAMES.get(key)
    return (names[0] if zh else names[1]) if names else key


# ---- A/B results ----------------------------------------------------------------------------------------------------


# Both languages in each label: the language switch updates labels, not choices.
AB_DESIGN_CHOICES = [("随机分流 · Random split", "split"), ("轮播 · Rotation", "rotation")]


def ab_table(stats: dict[str, Any], lang: str) -> tuple[list[list[Any]], list[str]]:
    """Rows of the stats table; a conversion column appears when orders were given."""
    with_orders = any("cvr" in v for v in stats["variants"].values())
    headers = list(AB_HEADERS[lang]) + (["转化率 CVR" if lang == "zh" else "CVR"] if with_orders else [])
    rows = []
    for name, v in stats["variants"].items():
        lo, hi = v.get("ctr_ci", (0, 0))
        ctr = "—" if v.get("ctr") is None else f"{v['ctr']:.2%}"
        row = [
            name,
            v["impressions"],
            v["clicks"],
            ctr,
            f"{lo:.2%} – {hi:.2%}",
            "—" if v.get("p_value") is None else f"{v['p_value']:.3f}",
            f"{v['prob_best']:.0%}",
        ]
        if with_orders:
            row.append("—" if v.get("cvr") is None else f"{v['cvr']:.2%}")
        rows.append(row)
    return rows, headers


def ab_decision(ctx: UiContext, stats: dict[str, Any], lang: str) -> str:
    """A winner, or 'not significant yet' with the impressions still needed."""
    variants = stats["variants"]
    if len(variants) < 2:
        return ctx.tr.text("ex_ab_one", lang)
    ranked = sorted(variants.items(), key=lambda kv: kv[1]["ctr"] if kv[1]["ctr"] is not None else -1.0, reverse=True)
    (best, b), (runner, r) = ranked[0], ranked[1]
    p = stats.get("winner_p_value")
    p_text = "—" if p is None else f"{p:.3g}"
    if stats.get("winner"):
        return ctx.tr.text(
            "ex_ab_winner",
            lang,
            winner=stats["winner"],
            ctr=f"{b['ctr']:.2%}",
            runner=runner,
            runner_ctr=f"{r['ctr']:.2%}",
            p=p_text,
        )
    guidance = stats.get("guidance", {}).get(lang, "")
    tail = f"\n\n<small>{guidance}</small>" if guidance else ""
    if stats.get("reason") in ("too_few", "peeking_guard", "rotation"):
        # The core says why there is no verdict yet and how much more data it needs.
        return "⏳ " + stats.get("note_zh" if lang == "zh" else "note", "") + tail
    need = stats.get("needed_impressions")
    if not need:
        return ctx.tr.text("ex_ab_tied", lang) + tail
    more = max(0, need - min(b["impressions"], r["impressions"]))
    return (
        ctx.tr.text("ex_ab_not_yet", lang, best=best, runner=runner, p=p_text)
        + "\n\n"
        + ctx.tr.text("ex_ab_need_more", lang, need=f"{need:,}", more=f"{more:,}")
    ) + tail


def _all_zero(table: Any) -> bool:
    """True when the seller has typed no numbers into the results table yet."""
    try:
        rows = _table_rows(table)
    except (TypeError, ValueError, IndexError):
        return False
    return all(
        str(r.get(k, 0)).strip() in ("0", "0.0", "", "None", "nan") for r in rows for k in ("impressions", "clicks")
    )


def _manifest_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig") as fh:  # Excel-friendly BOM
        reader = csv.reader(fh)
        return [[plain_cell(cell) for cell in row] for row in reader]  # the seller's text, not spreadsheet escapes


def _table_rows(table: Any) -> list[dict]:
    """Rows from the gr.Dataframe value (a pandas frame or a list of lists)."""
    if hasattr(table, "values") and hasattr(table, "columns"):
        records = table.values.tolist()
    else:
        records = table or []
    rows = []
    for rec in records:
        if not rec or not str(rec[0]).strip():
            continue
        row = {"variant": str(rec[0]).strip(), "impressions": rec[1], "clicks": rec[2]}
        if len(rec) > 3 and str(rec[3]).strip() not in ("", "None", "nan"):
            row["orders"] = rec[3]
        rows.append(row)
    return rows
