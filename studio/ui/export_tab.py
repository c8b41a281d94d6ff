"""Tab 5 — A/B export: variants × platforms → files, manifest, recipes, zip; A/B results."""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path

import gradio as gr

from studio.presets import all_presets, display_name
from studio.ui.common import UiContext, lang_of, progress_adapter, seller_errors
from studio.ui.session import ensure

DEFAULT_PLATFORMS = ["taobao_main", "taobao_3x4", "jd_main", "douyin_9x16", "xiaohongshu_3x4"]
FACTORS = ["seed", "scene", "copy", "layout"]


def platform_choices(lang: str = "zh") -> list[tuple[str, str]]:
    return [(f"{display_name(p, lang)} {p['width']}×{p['height']}", pid) for pid, p in all_presets("platforms").items()]


def build_export_tab(ctx: UiContext) -> None:
    tr = ctx.tr
    with gr.Row():
        with gr.Column(scale=1):
            platforms = tr.bind(gr.CheckboxGroup(platform_choices(), value=DEFAULT_PLATFORMS, label=tr.text("platforms")), "platforms")
            with gr.Row():
                n_variants = tr.bind(gr.Slider(1, ctx.settings.max_variants, value=2, step=1, label=tr.text("ab_variants")), "ab_variants")
                factor = tr.bind(gr.Radio(FACTORS, value="seed", label=tr.text("vary")), "vary")
            values = tr.bind(gr.Textbox(label=tr.text("vary_values"), placeholder=tr.text("vary_values_ph")), "vary_values")
            with gr.Row():
                sku = tr.bind(gr.Textbox(value="poster", label=tr.text("sku"), max_length=40), "sku")
                fmt = tr.bind(gr.Radio(["auto", "jpeg", "png", "webp"], value="auto", label=tr.text("format")), "format")
            ai_label = tr.bind(gr.Checkbox(value=True, label=tr.text("ai_label")), "ai_label")
            run = tr.bind(gr.Button(tr.text("export"), variant="primary"), "export", "value")
            zip_file = tr.bind(gr.File(label=tr.text("download_zip"), interactive=False), "download_zip")
        with gr.Column(scale=2):
            gallery = tr.bind(gr.Gallery(label=tr.text("posters"), columns=4, height=520, interactive=False), "posters")
            manifest = gr.Dataframe(interactive=False, wrap=True)
            status = gr.Markdown()
    with tr.bind(gr.Accordion(tr.text("project"), open=False), "project"):
        with gr.Row():
            save_btn = tr.bind(gr.Button(tr.text("save_project")), "save_project", "value")
            project_file = tr.bind(gr.File(label=tr.text("project_file"), interactive=False), "project_file")
            open_file = tr.bind(gr.File(file_types=[".poster", ".zip", ".json", "image"], label=tr.text("open_project")), "open_project")
        project_status = gr.Markdown()
    with tr.bind(gr.Accordion(tr.text("ab_results"), open=False), "ab_results"):
        with gr.Row():
            results_csv = tr.bind(gr.File(file_types=[".csv"], label=tr.text("results_csv")), "results_csv")
            results_table = gr.Dataframe(headers=["variant", "impressions", "clicks", "orders"],
                                         value=[["A", 0, 0, 0], ["B", 0, 0, 0]], interactive=True, column_count=(4, "fixed"))
        analyse = tr.bind(gr.Button(tr.text("analyse")), "analyse", "value")
        stats_table = gr.Dataframe(interactive=False)
        decision = gr.Markdown()

    @seller_errors
    def export_posters(platform_ids, n, factor_name, values_text, sku_text, file_format, with_label,
                       session, lang, request: gr.Request, progress=gr.Progress()):
        from studio.export.variants import describe_variant, make_variants
        from studio.pipeline import SceneCache, make_posters

        session = ensure(session)
        if session.cutout is None:
            raise gr.Error(ctx.tr.text("need_cutout", lang_of(lang)), print_exception=False)
        if not platform_ids:
            raise gr.Error(ctx.tr.text("need_platform", lang_of(lang)), print_exception=False)
        export = session.recipe.export.model_copy(update={"platforms": list(platform_ids), "sku": (sku_text or "poster").strip(),
                                                          "file_format": file_format, "aigc_label": bool(with_label)})
        base = session.recipe.model_copy(update={"export": export})
        base = type(base).model_validate(base.model_dump())  # re-check the seller's SKU and the rest
        recipes = make_variants(base, factor_name, _factor_values(factor_name, values_text, int(n), base))
        out = Path(tempfile.mkdtemp(prefix="posters-")) / time.strftime("%Y%m%d-%H%M%S")
        cache = session.scene_cache if isinstance(session.scene_cache, SceneCache) else SceneCache()
        token = ctx.cancels.fresh(request.session_hash if request else None)
        result = make_posters(ctx.models, session.cutout, recipes, out, cache=cache, progress=progress_adapter(progress), cancel=token)
        session.scene_cache = cache
        session.last_export = result.zip_path
        images = [(str(out / o.file), f"{r.variant} · {o.platform}") for r in result.recipes for o in r.outputs]
        header, *rows = _manifest_rows(out / "manifest.csv")
        notes = "\n".join(f"- {w}" for w in dict.fromkeys(result.warnings))
        described = "; ".join(describe_variant(r, base) for r in result.recipes)
        msg = ctx.tr.text("export_done", lang_of(lang), files=len(images)) + f"\n\n{described}" + (f"\n\n{notes}" if notes else "")
        return images, str(result.zip_path), gr.update(value=rows, headers=header), msg, session

    run.click(
        export_posters,
        inputs=[platforms, n_variants, factor, values, sku, fmt, ai_label, ctx.session, ctx.lang],
        outputs=[gallery, zip_file, manifest, status, ctx.session],
        api_name="export_posters",
        concurrency_id="gpu",
        concurrency_limit=1,
    )

    @seller_errors
    def save_project_file(session, lang):
        from studio.export.project import save_project

        session = ensure(session)
        if session.cutout is None:
            raise gr.Error(ctx.tr.text("need_cutout", lang_of(lang)), print_exception=False)
        path = Path(tempfile.mkdtemp(prefix="project-")) / f"{session.recipe.export.sku}.poster"
        save_project(path, cutouts={session.photo_name or "product": session.cutout.rgba}, recipes=[session.recipe],
                     extra={"photo_name": session.photo_name})
        return str(path), ctx.tr.text("project_saved", lang_of(lang))

    save_btn.click(save_project_file, inputs=[ctx.session, ctx.lang], outputs=[project_file, project_status],
                   api_name="save_project")

    @seller_errors
    def open_anything(file, session, lang):
        """A .poster project, a recipe .json, or a poster image made by the studio."""
        from studio.ui.reopen import reopen

        if not file:
            return gr.update(), session
        session, message = reopen(Path(getattr(file, "name", file)), ensure(session), lang_of(lang))
        return message, session

    open_file.upload(open_anything, inputs=[open_file, ctx.session, ctx.lang], outputs=[project_status, ctx.session],
                     api_name="open_project")

    @seller_errors
    def load_results(file):
        from studio.export.abtest import read_results_csv

        if not file:
            return gr.update()
        rows = read_results_csv(Path(getattr(file, "name", file)))  # handles GBK files from Chinese Excel
        return [[r["variant"], r["impressions"], r["clicks"], r.get("orders", 0) or 0] for r in rows]

    results_csv.upload(load_results, inputs=[results_csv], outputs=[results_table], api_name=False)

    @seller_errors
    def ab_analysis(table, lang):
        from studio.export.abtest import ab_stats

        rows = _table_rows(table)
        stats = ab_stats(rows)
        out_rows = []
        for name, v in stats["variants"].items():
            lo, hi = v.get("ctr_ci", (0, 0))
            out_rows.append([name, f"{v['ctr']:.2%}", f"{lo:.2%} – {hi:.2%}",
                             "—" if v.get("p_value") is None else f"{v['p_value']:.3f}", f"{v['prob_best']:.0%}"])
        winner = stats.get("winner")
        if winner:
            text = ctx.tr.text("ab_winner", lang_of(lang), winner=winner)
        else:
            text = ctx.tr.text("ab_not_yet", lang_of(lang)) + (f"\n\n{stats.get('note', '')}" if stats.get("note") else "")
        return gr.update(value=out_rows, headers=["variant", "CTR", "95% CI", "p vs A", "P(best)"]), text

    analyse.click(ab_analysis, inputs=[results_table, ctx.lang], outputs=[stats_table, decision], api_name="ab_stats")


def _factor_values(factor: str, text: str | None, n: int, base) -> list:
    items = [v.strip() for v in (text or "").replace("，", ",").split(",") if v.strip()]
    if factor == "seed":
        return [base.scene.seed + i for i in range(n)]
    if not items:
        raise gr.Error(f"List the {factor} values to compare, separated by commas.", print_exception=False)
    return items[:n] if n >= 1 else items


def _manifest_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig") as fh:  # Excel-friendly BOM
        reader = csv.reader(fh)
        return [row for row in reader]


def _table_rows(table) -> list[dict]:
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
