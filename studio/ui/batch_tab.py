"""Tab 6 — a whole catalogue: upload the spreadsheet and photos, preview the rows, make them all, download."""

from __future__ import annotations

import gradio as gr

from studio.ui.common import UiContext, lang_of, progress_adapter, seller_errors
from studio.ui.forms import BatchForm


def build_batch_tab(ctx: UiContext) -> None:
    from studio.ui.batch_handlers import PREVIEW_HEADERS, STATUS_WIDTHS

    tr = ctx.tr
    tr.bind(gr.Markdown(tr.text("cat_intro")), "cat_intro", "value")
    with gr.Row():
        with gr.Column(scale=1):
            catalogue = tr.bind(
                gr.File(file_types=[".csv", ".xlsx"], label=tr.text("cat_file"), elem_id="batch-catalogue"), "cat_file"
            )
            photos_zip = tr.bind(
                gr.File(file_types=[".zip"], label=tr.text("cat_photos"), elem_id="batch-photos"), "cat_photos"
            )
            # A folder path reads the server's disk: only offered where the server is the seller's own computer.
            folder = tr.bind(
                gr.Textbox(label=tr.text("cat_folder"), visible=not ctx.settings.public, elem_id="batch-folder"),
                "cat_folder",
            )
            variants = tr.bind(
                gr.Number(
                    value=1, minimum=1, maximum=ctx.settings.max_variants, precision=0, label=tr.text("cat_variants")
                ),
                "cat_variants",
            )
            with gr.Row():
                preview_btn = tr.bind(
                    gr.Button(tr.text("cat_preview"), elem_id="batch-preview"), "cat_preview", "value"
                )
                run_btn = tr.bind(
                    gr.Button(tr.text("cat_run"), variant="primary", elem_id="batch-run"), "cat_run", "value"
                )
                cancel_btn = tr.bind(
                    gr.Button(tr.text("cat_cancel"), variant="stop", elem_id="batch-cancel"), "cat_cancel", "value"
                )
        with gr.Column(scale=2):
            status = gr.Markdown(elem_id="batch-status")
            table = tr.bind(
                gr.Dataframe(
                    headers=PREVIEW_HEADERS,
                    label=tr.text("cat_rows"),
                    interactive=False,
                    wrap=True,
                    # row, sku, photo, status: the status holds a bad row's whole reason, so it gets the room
                    column_widths=list(STATUS_WIDTHS),
                    elem_id="batch-rows",
                ),
                "cat_rows",
            )
            downloads = tr.bind(
                gr.File(
                    file_count="multiple", label=tr.text("cat_downloads"), interactive=False, elem_id="batch-downloads"
                ),
                "cat_downloads",
            )
    inputs = [catalogue, photos_zip, folder, variants]

    @seller_errors
    def preview(cat, zipped, path, count, lang):
        from studio.ui.batch_handlers import preview_batch

        shown = preview_batch(ctx, BatchForm(cat, zipped, path or "", count or 1), lang_of(lang))
        return shown.message, shown.rows

    preview_btn.click(
        preview, inputs=[*inputs, ctx.lang], outputs=[status, table], api_name="batch_preview", queue=False
    )

    @seller_errors
    def run(cat, zipped, path, count, lang, request: gr.Request = None, progress=gr.Progress()):  # type: ignore[assignment]
        from studio.ui.batch_handlers import BatchRun, preview_batch, stream_batch

        lang = lang_of(lang)
        form = BatchForm(cat, zipped, path or "", count or 1)
        shown = preview_batch(ctx, form, lang)
        token = ctx.cancels.fresh(request.session_hash if request else None)
        # A generator: the status line counts done · failed · left after every SKU, not only the bar.
        yield tr.text("cat_running", lang, line="…"), shown.rows, gr.skip()
        for update in stream_batch(ctx, form, lang, progress=progress_adapter(progress), cancel=token):
            if isinstance(update, BatchRun):
                yield update.message, update.rows, [str(p) for p in update.downloads]
            else:
                yield tr.text("cat_running", lang, line=update), gr.skip(), gr.skip()

    ctx.extra["batch_event"] = run_btn.click(
        run, inputs=[*inputs, ctx.lang], outputs=[status, table, downloads], api_name="catalogue_batch"
    )

    def cancel(request: gr.Request = None):  # type: ignore[assignment]
        ctx.cancels.token(request.session_hash if request else None).cancel()

    cancel_btn.click(cancel, inputs=None, outputs=None, api_visibility="private", queue=False)
