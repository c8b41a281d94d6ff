"""Tab 7 — the whole listing: the seller's facts entered once, the main-image set, and the detail page editor.

Left: the facts (selling points with icons, specs, guarantees, notes, brand…), one accordion per page section,
all stored in the session recipe (ListingForm). Right: the set for the chosen marketplaces (gallery + zips) and
the detail page: its sections in order (pick one, move it up/down, remove it, add one), a scrolling preview,
and the export of the whole page and its slices. The work is in listing_handlers (no gradio there).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from studio.progress import Cancelled
from studio.ui.common import UiContext, lang_of, progress_adapter, register_form, seller_errors
from studio.ui.forms import MAX_POINTS, ListingForm, parse_sections
from studio.ui.scene_tab import language_switch
from studio.ui.session import ensure


def icon_choices(lang: str = "zh") -> list[tuple[str, str]]:
    from studio.listing.icons import icon_ids

    none = "数字序号" if lang == "zh" else "Numbered pill"
    return [(none, ""), *((i, i) for i in icon_ids())]


def scene_choices(lang: str = "zh") -> list[tuple[str, str]]:
    from studio.presets import all_presets, display_name, ordered_ids

    presets = all_presets("scenes")
    return [(display_name(presets[sid], lang), sid) for sid in ordered_ids("scenes")]


def build_listing_tab(ctx: UiContext) -> None:
    from studio.ui.listing_handlers import marketplace_choices, order_choices, section_names

    tr = ctx.tr
    default = ListingForm()
    zh, en = section_names("zh"), section_names("en")
    names = {sid: f"{zh[sid]} · {en[sid]}" for sid in zh}  # one accordion of facts per page section
    tr.bind(gr.Markdown(tr.text("ls_intro")), "ls_intro", "value")
    facts: dict[str, Any] = {}
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            tr.bind(gr.Markdown(tr.text("ls_fields")), "ls_fields", "value")
            with gr.Accordion(names["hero"], open=False, elem_id="listing-facts-hero") as facts["hero"]:
                tr.bind(gr.Markdown(tr.text("ls_hero_note")), "ls_hero_note", "value")
            with gr.Accordion(names["points"], open=True, elem_id="listing-facts-points") as facts["points"]:
                point_boxes, icon_boxes = [], []
                for n in range(1, MAX_POINTS + 1):
                    with gr.Row():
                        point_boxes.append(
                            tr.bind(
                                gr.Textbox(label=tr.text(f"ls_point_{n}"), scale=3, elem_id=f"listing-point-{n}"),
                                f"ls_point_{n}",
                            )
                        )
                        icon_boxes.append(
                            tr.bind(
                                gr.Dropdown(
                                    icon_choices(),
                                    value="",
                                    label=tr.text(f"ls_icon_{n}"),
                                    scale=1,
                                    min_width=130,
                                    elem_id=f"listing-icon-{n}",
                                ),
                                f"ls_icon_{n}",
                            )
                        )
            with gr.Accordion(names["specs"], open=True, elem_id="listing-facts-specs") as facts["specs"]:
                specs = tr.bind(
                    gr.Textbox(label=tr.text("ls_specs"), lines=4, placeholder=tr.text("ls_specs_ph"),
                               elem_id="listing-specs"),
                    "ls_specs",
                )  # fmt: skip
            with gr.Accordion(names["guarantee"], open=False, elem_id="listing-facts-guarantee") as facts["guarantee"]:
                guarantees = tr.bind(
                    gr.Textbox(label=tr.text("ls_guarantees"), lines=3, placeholder=tr.text("ls_guarantees_ph"),
                               elem_id="listing-guarantees"),
                    "ls_guarantees",
                )  # fmt: skip
            with gr.Accordion(names["notes"], open=False, elem_id="listing-facts-notes") as facts["notes"]:
                notes = tr.bind(gr.Textbox(label=tr.text("ls_notes"), lines=3, elem_id="listing-notes"), "ls_notes")
            with gr.Accordion(names["brand"], open=False, elem_id="listing-facts-brand") as facts["brand"]:
                brand = tr.bind(gr.Textbox(label=tr.text("ls_brand"), elem_id="listing-brand"), "ls_brand")
                brand_line = tr.bind(
                    gr.Textbox(label=tr.text("ls_brand_line"), elem_id="listing-brand-line"), "ls_brand_line"
                )
                tr.bind(gr.Markdown(tr.text("ls_logo_note")), "ls_logo_note", "value")
            with gr.Accordion(names["scenes"], open=False, elem_id="listing-facts-scenes") as facts["scenes"]:
                gallery_pick = tr.bind(
                    gr.Dropdown(scene_choices(), value=[], multiselect=True, max_choices=3,
                                label=tr.text("ls_gallery"), elem_id="listing-gallery-scenes"),
                    "ls_gallery",
                )  # fmt: skip
            with gr.Accordion(names["closeups"], open=False, elem_id="listing-facts-closeups") as facts["closeups"]:
                region = tr.bind(
                    gr.Textbox(label=tr.text("ls_region"), placeholder="0.2, 0.3, 0.6, 0.7", elem_id="listing-region"),
                    "ls_region",
                )

        with gr.Column(scale=2):
            tr.bind(gr.Markdown(tr.text("ls_set_head")), "ls_set_head", "value")
            with gr.Row():
                markets = tr.bind(
                    gr.CheckboxGroup(marketplace_choices(), value=default.marketplaces, label=tr.text("ls_markets"),
                                     elem_id="listing-markets", scale=3),
                    "ls_markets",
                )  # fmt: skip
                set_btn = tr.bind(
                    gr.Button(tr.text("ls_make_set"), variant="primary", elem_id="listing-make-set", scale=1),
                    "ls_make_set",
                    "value",
                )
            set_status = gr.Markdown(elem_id="listing-set-status")
            set_gallery = tr.bind(
                gr.Gallery(label=tr.text("ls_set_gallery"), columns=6, height=260, object_fit="contain",
                           elem_id="listing-set-gallery"),
                "ls_set_gallery",
            )  # fmt: skip
            set_files = tr.bind(
                gr.File(file_count="multiple", label=tr.text("ls_set_files"), interactive=False,
                        elem_id="listing-set-files"),
                "ls_set_files",
            )  # fmt: skip

            tr.bind(gr.Markdown(tr.text("ls_page_head")), "ls_page_head", "value")
            with gr.Row():
                with gr.Column(scale=1, min_width=260):
                    page_market = tr.bind(
                        gr.Radio(marketplace_choices(), value=default.page_marketplace,
                                 label=tr.text("ls_page_market"), elem_id="listing-page-market"),
                        "ls_page_market",
                    )  # fmt: skip
                    picker = tr.bind(
                        gr.Radio(order_choices(parse_sections(default.sections)), label=tr.text("ls_order"),
                                 elem_id="listing-order"),
                        "ls_order",
                    )  # fmt: skip
                    with gr.Row():
                        up = tr.bind(gr.Button(tr.text("ls_up"), size="sm", elem_id="listing-up"), "ls_up", "value")
                        down = tr.bind(
                            gr.Button(tr.text("ls_down"), size="sm", elem_id="listing-down"), "ls_down", "value"
                        )
                        remove = tr.bind(
                            gr.Button(tr.text("ls_remove"), size="sm", elem_id="listing-remove"), "ls_remove", "value"
                        )
                    with gr.Row():
                        add_pick = tr.bind(
                            gr.Dropdown([], label=tr.text("ls_add_pick"), elem_id="listing-add-pick", scale=2),
                            "ls_add_pick",
                        )
                        add = tr.bind(gr.Button(tr.text("ls_add"), size="sm", elem_id="listing-add", scale=1),
                                      "ls_add", "value")  # fmt: skip
                    # The order itself (ids): the form's field, written by the buttons, stored in the recipe.
                    sections = tr.bind(
                        gr.Textbox(default.sections, label=tr.text("ls_order_ids"), interactive=False,
                                   elem_id="listing-sections"),
                        "ls_order_ids",
                    )  # fmt: skip
                    with gr.Row():
                        build_btn = tr.bind(
                            gr.Button(tr.text("ls_build"), elem_id="listing-build"), "ls_build", "value"
                        )
                        export_btn = tr.bind(
                            gr.Button(tr.text("ls_export"), variant="primary", elem_id="listing-export"),
                            "ls_export",
                            "value",
                        )
                    cancel_btn = tr.bind(
                        gr.Button(tr.text("ls_cancel"), variant="stop", size="sm", elem_id="listing-cancel"),
                        "ls_cancel",
                        "value",
                    )
                with gr.Column(scale=2):
                    tr.bind(gr.Markdown(tr.text("ls_preview")), "ls_preview", "value")
                    preview = gr.HTML(elem_id="listing-page-preview")
                    page_status = gr.Markdown(elem_id="listing-page-status")
                    page_files = tr.bind(
                        gr.File(file_count="multiple", label=tr.text("ls_page_files"), interactive=False,
                                elem_id="listing-page-files"),
                        "ls_page_files",
                    )  # fmt: skip

    # The widgets of ListingForm, in its field order: the events' inputs and the refill use the same list.
    fields = [*point_boxes, *icon_boxes, specs, guarantees, notes, brand, brand_line, gallery_pick, region,
              sections, markets, page_market]  # fmt: skip
    assert len(fields) == len(ListingForm.widgets())
    register_form(
        ctx,
        ListingForm,
        fields,
        views={
            "listing_set_gallery": set_gallery,
            "listing_set_files": set_files,
            "listing_preview": preview,
            "listing_page_files": page_files,
        },
    )
    _wire_order(ctx, sections, picker, add_pick, up, down, remove, add, page_status, facts)
    _mirror_points(ctx, point_boxes)
    _follow_language(ctx, sections, picker, markets, page_market, icon_boxes, gallery_pick, add_pick)

    def form_of(values: list[Any]) -> ListingForm:
        return ListingForm.from_values(*values)

    @seller_errors
    def make_set(*values, request: gr.Request = None, progress=gr.Progress()):  # type: ignore[assignment]
        from studio.ui.listing_handlers import make_set as run

        *form_values, session, lang = values
        lang, session = lang_of(lang), ensure(session)
        token = ctx.cancels.fresh(request.session_hash if request else None)
        try:
            made = run(ctx, session, form_of(form_values), lang, progress=progress_adapter(progress), cancel=token)
        except Cancelled:
            raise gr.Error(ctx.tr.text("ls_cancelled", lang), print_exception=False) from None
        return made.images, made.downloads, made.message, session

    ctx.extra["listing_set_event"] = set_btn.click(
        make_set,
        inputs=[*fields, ctx.session, ctx.lang],
        outputs=[set_gallery, set_files, set_status, ctx.session],
        api_name="ui_make_set",
    )

    def page_job(export: bool):
        @seller_errors
        def job(*values, request: gr.Request = None, progress=gr.Progress()):  # type: ignore[assignment]
            from studio.ui.listing_handlers import build_page, export_page

            *form_values, session, lang = values
            lang, session = lang_of(lang), ensure(session)
            token = ctx.cancels.fresh(request.session_hash if request else None)
            run = export_page if export else build_page
            try:
                made = run(ctx, session, form_of(form_values), lang, progress=progress_adapter(progress), cancel=token)
            except Cancelled:
                raise gr.Error(ctx.tr.text("ls_cancelled", lang), print_exception=False) from None
            files = made.downloads if export else gr.update()
            return made.preview_html, made.message, files, session

        job.__name__ = "export_detail_page" if export else "preview_detail_page"
        return job

    page_outputs = [preview, page_status, page_files, ctx.session]
    ctx.extra["listing_preview_event"] = build_btn.click(
        page_job(False), inputs=[*fields, ctx.session, ctx.lang], outputs=page_outputs, api_name="ui_detail_preview"
    )
    ctx.extra["listing_export_event"] = export_btn.click(
        page_job(True), inputs=[*fields, ctx.session, ctx.lang], outputs=page_outputs, api_name="ui_detail_export"
    )

    def cancel(request: gr.Request = None):  # type: ignore[assignment]
        ctx.cancels.token(request.session_hash if request else None).cancel()

    cancel_btn.click(cancel, inputs=None, outputs=None, api_visibility="private", queue=False)


def _wire_order(
    ctx: UiContext,
    sections: Any,
    picker: Any,
    add_pick: Any,
    up: Any,
    down: Any,
    remove: Any,
    add: Any,
    status: Any,
    facts: dict[str, Any],
) -> None:
    """The order editor: the buttons edit the `sections` box; the list, the add menu and the facts follow it."""
    from studio.errors import StudioError
    from studio.ui.listing_handlers import (
        add_section,
        missing_sections,
        move_section,
        order_choices,
        remove_section,
        section_names,
    )

    def edited(order: list[str], lang: str) -> tuple[str, str]:
        names = section_names(lang)
        return ",".join(order), ctx.tr.text("ls_order_changed", lang, order=" → ".join(names[s] for s in order))

    def mover(step: int):
        @seller_errors
        def move(text: str, picked: str | None, lang: str | None) -> tuple[str, str]:
            lang = lang_of(lang)
            if not picked:
                raise StudioError(ctx.tr.text("ls_pick_first", lang))
            order = parse_sections(text)
            return edited(move_section(order, picked, step), lang)

        return move

    @seller_errors
    def drop(text: str, picked: str | None, lang: str | None) -> tuple[str, str]:
        lang = lang_of(lang)
        order = parse_sections(text)
        if not picked:
            raise StudioError(ctx.tr.text("ls_pick_first", lang))
        if len(order) <= 1:
            raise StudioError(ctx.tr.text("ls_need_section", lang))
        return edited(remove_section(order, picked), lang)

    @seller_errors
    def put(text: str, sid: str | None, lang: str | None) -> tuple[str, str]:
        lang = lang_of(lang)
        order = parse_sections(text)
        if not missing_sections(order):
            raise StudioError(ctx.tr.text("ls_all_added", lang))
        if not sid:
            raise StudioError(ctx.tr.text("ls_pick_first", lang))
        return edited(add_section(order, sid), lang)

    for button, fn in ((up, mover(-1)), (down, mover(+1)), (remove, drop)):
        button.click(fn, inputs=[sections, picker, ctx.lang], outputs=[sections, status], api_visibility="private",
                     queue=False)  # fmt: skip
    add.click(put, inputs=[sections, add_pick, ctx.lang], outputs=[sections, status], api_visibility="private",
              queue=False)  # fmt: skip

    def follow(text: str, picked: str | None, lang: str | None) -> tuple[Any, Any]:
        lang = lang_of(lang)
        order = parse_sections(text)
        names = section_names(lang)
        return (
            gr.update(choices=order_choices(order, lang), value=picked if picked in order else None),
            gr.update(choices=[(names[s], s) for s in missing_sections(order)], value=None),
        )

    sections.change(follow, inputs=[sections, picker, ctx.lang], outputs=[picker, add_pick],
                    api_visibility="private", queue=False, show_progress="hidden")  # fmt: skip
    accordions = list(facts.values())

    def open_facts(picked: str | None) -> list[Any]:
        """Picking a section opens its facts (the per-section fields) and folds the others."""
        return [gr.update(open=picked == sid) if picked else gr.update() for sid in facts]

    picker.change(open_facts, inputs=[picker], outputs=accordions, api_visibility="private", queue=False,
                  show_progress="hidden")  # fmt: skip


def _mirror_points(ctx: UiContext, point_boxes: list[Any]) -> None:
    """The selling points are one list (copy_text.selling_points) shown in ④ and here: a change in either place
    updates the other, so neither tab writes back a stale list. Each side writes only when the lists differ,
    so the two change events stop after one round."""
    copy = ctx.extra.get("forms", {}).get("copy")
    if copy is None:  # the tab built alone
        return
    copy_points = copy[1][copy[0].widgets().index("points")]

    def compact(lines: list[str]) -> list[str]:
        return [line.strip() for line in lines if line and line.strip()][:MAX_POINTS]

    def to_copy(*values: str) -> Any:
        *rows, shown = values
        points = compact(list(rows))
        return gr.update() if points == compact((shown or "").splitlines()) else "\n".join(points)

    def from_copy(text: str, *rows: str) -> list[Any]:
        points = compact((text or "").splitlines())
        if points == compact(list(rows)):
            return [gr.update() for _ in point_boxes]
        return points + [""] * (MAX_POINTS - len(points))

    for box in point_boxes:
        box.change(to_copy, inputs=[*point_boxes, copy_points], outputs=[copy_points], api_visibility="private",
                   queue=False, show_progress="hidden")  # fmt: skip
    copy_points.change(from_copy, inputs=[copy_points, *point_boxes], outputs=point_boxes, api_visibility="private",
                       queue=False, show_progress="hidden")  # fmt: skip


def _follow_language(
    ctx: UiContext,
    sections: Any,
    picker: Any,
    markets: Any,
    page_market: Any,
    icon_boxes: list[Any],
    gallery_pick: Any,
    add_pick: Any,
) -> None:
    """Lists of names (sections, marketplaces, icons, scenes) re-labelled when the header's language changes."""
    from studio.ui.listing_handlers import marketplace_choices, missing_sections, order_choices, section_names

    def follow_language(lang: str | None, text: str) -> list[Any]:
        lang = lang_of(lang)
        order = parse_sections(text)
        names = section_names(lang)
        return [
            gr.update(choices=order_choices(order, lang)),
            gr.update(choices=marketplace_choices(lang)),
            gr.update(choices=marketplace_choices(lang)),
            *(gr.update(choices=icon_choices(lang)) for _ in icon_boxes),
            gr.update(choices=scene_choices(lang)),
            gr.update(choices=[(names[s], s) for s in missing_sections(order)]),
        ]

    switch = language_switch(ctx)
    if switch is not None:
        switch.change(follow_language, inputs=[switch, sections],
                      outputs=[picker, markets, page_market, *icon_boxes, gallery_pick, add_pick],
                      api_visibility="private", queue=False)  # fmt: skip
