"""The studio's public API and MCP tools: the stateless calls of studio.api, registered with `gr.api`.

Every endpoint takes what it needs by full-word keyword (a product image, a recipe, a
text) and returns plain results; none reads or writes a browser session, so two
scripts or two MCP agents never see each other's work. The endpoint name, the MCP tool
name and the Python function name are the same word. Parameter and result descriptions
come from each function's docstring (one source for the API page, `view_api()` and MCP).

No `from __future__ import annotations` here: Gradio reads these signatures' types at run time.
"""

import functools
import inspect
import logging
from pathlib import Path
from typing import Any, Callable

import gradio as gr
from gradio.data_classes import FileData

from studio.errors import StudioError
from studio.progress import Cancelled
from studio.ui.common import UiContext

log = logging.getLogger("studio.api")

PUBLIC_ENDPOINTS = ("make_posters", "make_set", "make_detail_page", "remove_background", "check_copy", "ab_stats")
# The UI session's own calls (reading out or loading what a person built): documented, but never MCP tools,
# because every MCP caller shares one Gradio session.
SESSION_ENDPOINTS = ("get_recipe", "set_recipe")


def register_public_api(ctx: UiContext) -> list[str]:
    """The public endpoints, and the UI's own events taken off the API page and MCP.

    Call it once, last inside `with gr.Blocks()`: every event registered before it that is
    not public API becomes "undocumented" (the page still calls it; the API page, `view_api()`
    and MCP do not list it). Returns the public endpoint names.
    """
    from gradio.context import get_blocks_context

    blocks = get_blocks_context()
    for block_fn in blocks.fns.values():
        if block_fn.api_name in PUBLIC_ENDPOINTS:
            raise RuntimeError(f"a UI event took the public API name {block_fn.api_name!r}; rename it")
        if block_fn.api_visibility == "public" and block_fn.api_name not in SESSION_ENDPOINTS:
            block_fn.api_visibility = "undocumented"
    endpoints = [
        _make_posters(ctx),
        _make_set(ctx),
        _make_detail_page(ctx),
        _remove_background(ctx),
        _check_copy(),
        _ab_stats(ctx),
    ]
    for fn in endpoints:
        gr.api(fn, api_name=fn.__name__)
        block_fn = next(f for f in blocks.fns.values() if f.api_name == fn.__name__)
        describe_endpoint(block_fn)
    return [fn.__name__ for fn in endpoints]


def restrict_mcp_tools(demo: gr.Blocks, auth: tuple[tuple[str, str], ...] | None = None) -> list[str]:
    """Serve only the stateless public API over MCP (call right after launch); returns the tool names.

    Gradio's MCP server lists every documented endpoint, and all its callers share one Gradio
    session, so a session endpoint (get_recipe/set_recipe) would let one agent read another's work.
    With a log-in, the MCP server's own loopback client logs in too (Gradio's would be refused);
    callers reach MCP only with the log-in themselves (studio/ui/login_guard.py).
    """
    server = getattr(demo, "mcp_server_obj", None)
    if server is None:
        return []
    if auth is not None:
        from gradio_client import Client

        server._client_instance = Client(
            demo.local_url, auth=auth[0], download_files=False, verbose=False, analytics_enabled=False,
            headers={"x-gradio-user": "mcp"},
        )  # fmt: skip
    server.tool_to_endpoint = {
        tool: endpoint for tool, endpoint in server.tool_to_endpoint.items() if endpoint.lstrip("/") in PUBLIC_ENDPOINTS
    }
    return sorted(server.tool_to_endpoint)


def describe_endpoint(block_fn: Any) -> None:
    """Copy the docstring's parameter and result descriptions onto the endpoint's API components.

    gr.api labels them "1st", "2nd"…; `Client.view_api()` shows a parameter's
    `additional_description` and a result's label, so both come from the docstring.
    """
    from gradio.utils import get_function_description

    _summary, parameters, returns = get_function_description(block_fn.fn)
    names = [name for name in parameters if name != "request"]
    for component, name in zip(block_fn.inputs, names):
        component.label = name
        component._api_info = {**component._api_info, "additional_description": parameters[name]}
    for component, line in zip(block_fn.outputs, returns):
        name, _, text = line.partition(":")
        component.label = name.strip()
        component._api_info = {**component._api_info, "description": text.strip()}


def _language(language: str, request: gr.Request | None) -> str:
    from studio.api import pick_language

    headers = getattr(request, "headers", None) or {}
    return pick_language(language, headers.get("accept-language"))


def api_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """ApiError → gr.Error whose title is the stable code; anything unexpected → internal_error (logged)."""
    from studio.api import ApiError

    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ApiError as exc:
            raise gr.Error(str(exc), title=exc.code, print_exception=False) from None
        except Cancelled as exc:  # the caller left: nobody reads this, the log says why the job stopped
            log.info("%s stopped: its caller left", fn.__name__)
            raise gr.Error(str(exc), title="cancelled", print_exception=False) from None
        except gr.Error:
            raise
        except StudioError as exc:  # a core refusal outside the API's own checks
            given = signature.bind_partial(*args, **kwargs).arguments
            refused = ApiError("invalid_input", _language(given.get("language", "auto"), given.get("request")),
                               detail=str(exc))  # fmt: skip
            raise gr.Error(str(refused), title=refused.code, print_exception=False) from None
        except Exception:
            log.exception("unexpected failure in %s", fn.__name__)
            given = signature.bind_partial(*args, **kwargs).arguments
            failed = ApiError("internal_error", _language(given.get("language", "auto"), given.get("request")))  # type: ignore[arg-type]
            raise gr.Error(str(failed), title=failed.code, print_exception=False) from None

    return wrapper


def _caller_watch(ctx: UiContext, request: Any) -> Any:
    """Stops the job between steps once its caller has gone (see departed.py)."""
    from studio.ui.departed import watch_caller

    return watch_caller(ctx.extra.get("blocks"), request)


def _path(file: Any) -> Any:
    """The server-side path of an uploaded file (Gradio has already checked it is one of its uploads)."""
    if isinstance(file, dict):
        return file.get("path")
    return getattr(file, "path", file)


def _file(path: Path) -> FileData:
    return FileData(path=str(path), orig_name=Path(path).name)


def _make_posters(ctx: UiContext) -> Callable[..., Any]:
    from studio.api import make_posters as run

    @api_errors
    def make_posters(
        product: FileData,
        recipe: str | dict = "",
        variants: int = 1,
        logo: FileData | None = None,
        language: str = "auto",
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> tuple[FileData, list[dict], list[dict], dict, list[str]]:
        """Make finished e-commerce posters in one call: cut out the product, build the scene, lay the copy, export every platform size with its compliance checks, and zip them. Nothing from earlier calls is used or kept.

        Args:
            product: The product photo (JPEG, PNG or WebP) or an RGBA cut-out whose transparency outlines the product.
            recipe: The recipe as JSON text or an object, the schema of recipes/<variant>.json in an exported zip (scene, copy_text, styles, placement, cutout, export.platforms, export.sku). Empty: the defaults (marble counter, Taobao main image, no copy).
            variants: How many A/B variants to make, 1 to 8; variant i uses the recipe's scene seed plus i and is named A, B, C...
            logo: Optional brand logo (a PNG with transparency), set in a free corner of every poster that carries copy; a logo path inside the recipe is not read.
            language: Language of error messages, zh or en; auto follows the request's Accept-Language header.
        Returns:
            zip: posters.zip with every poster file, manifest.csv, compliance.csv and compliance.json, and recipes/<variant>.json.
            manifest: One row per poster file (file, variant, platform, width, height, bytes, seed, scene, headline, compliant, failed_checks, sku...).
            compliance: One row per file and platform check (file, platform, check, status, reason).
            recipe_used: Variant A's recipe as used, with its output files, model ids and the photo's sha256: pass it back to make the same posters again.
            notes: Things the seller should know, e.g. a slot that allows no text, so the copy was left off.
        """
        lang = _language(language, request)
        batch = run(_path(product), recipe, models=ctx.models, variants=variants, logo=_path(logo) if logo else None,
                    language=lang, cancel=_caller_watch(ctx, request))  # type: ignore[arg-type]  # fmt: skip
        return _file(batch.zip_path), batch.manifest, batch.compliance, batch.recipe, batch.notes

    return make_posters


def _make_set(ctx: UiContext) -> Callable[..., Any]:
    from studio.api import make_set as run

    @api_errors
    def make_set(
        product: FileData,
        recipe: str | dict = "",
        platform: str = "taobao",
        logo: FileData | None = None,
        language: str = "auto",
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> tuple[FileData, list[str], list[dict], list[dict], dict, list[str]]:
        """Make a marketplace's whole main-image set (套图) in one call: 1 hero poster, 2 selling points with icons, 3 a close-up from the product photo's own pixels, 4 another scene, 5 a specs table, and the white-background image where the marketplace wants one, each checked against its rules and zipped. Nothing from earlier calls is used or kept.

        Args:
            product: The product photo (JPEG, PNG or WebP) or an RGBA cut-out whose transparency outlines the product.
            recipe: The recipe as JSON text or an object (the schema of recipes/<variant>.json), with copy_text.selling_points (3 to 5) and the listing fields: listing.point_icons, listing.specs ([{key, value}]), listing.detail_region, listing.scene_variant.
            platform: The marketplace: taobao, tmall, jd or pdd.
            logo: Optional brand logo (a PNG with transparency); a logo path inside the recipe is not read.
            language: Language of error messages, zh or en; auto follows the request's Accept-Language header.
        Returns:
            zip: posters.zip with the set's files in slot order, manifest.csv, compliance.csv and .json, recipes/<NN-slot>.json and recipes/set.json.
            files: The set's file names in slot order.
            manifest: One row per file (file, variant = NN-slot, platform, width, height, bytes, compliant, failed_checks...).
            compliance: One row per file and check (file, platform, check, status, reason).
            recipe_used: The recipe as used (model ids and the photo's sha256 recorded): pass it back to make the same set again.
            notes: Things the seller should know, e.g. a slot that allows no text.
        """
        lang = _language(language, request)
        batch = run(_path(product), recipe, models=ctx.models, platform=platform, logo=_path(logo) if logo else None,
                    language=lang, cancel=_caller_watch(ctx, request))  # type: ignore[arg-type]  # fmt: skip
        return _file(batch.zip_path), batch.files, batch.manifest, batch.compliance, batch.recipe, batch.notes

    return make_set


def _make_detail_page(ctx: UiContext) -> Callable[..., Any]:
    from studio.api import make_detail_page as run

    @api_errors
    def make_detail_page(
        product: FileData,
        recipe: str | dict = "",
        platform: str = "taobao",
        sections: str = "",
        width: int = 0,
        logo: FileData | None = None,
        language: str = "auto",
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> tuple[FileData, FileData, list[str], list[dict], dict, list[str]]:
        """Make a product detail page (详情页) in one call: hero, selling-point icon grid, scene gallery, close-ups of the real photo, specs table, usage notes, guarantee strip and brand footer, at the marketplace's width, exported whole and as JPEG slices in order, each within the marketplace's slice height and byte cap. Nothing from earlier calls is used or kept.

        Args:
            product: The product photo (JPEG, PNG or WebP) or an RGBA cut-out whose transparency outlines the product.
            recipe: The recipe as JSON text or an object (the schema of recipes/<variant>.json) with the fields its sections use: copy_text (headline, selling_points), listing.specs, listing.notes, listing.guarantees, listing.brand, listing.gallery.
            platform: The marketplace: taobao, tmall, jd or pdd (its page width, slice height and byte cap).
            sections: Section ids in page order, comma-separated, from hero, points, scenes, closeups, specs, notes, guarantee, brand. Empty: the recipe's listing.sections.
            width: Page width in pixels, 480 to 1242; 0: the marketplace's (750 Taobao/Tmall/PDD, 790 JD).
            logo: Optional brand logo (a PNG with transparency) for the hero and the brand footer.
            language: Language of error messages, zh or en; auto follows the request's Accept-Language header.
        Returns:
            zip: posters.zip with the slices, the whole page, manifest.csv, compliance.csv and .json, recipes/detail-NN.json and recipes/page.json.
            page: The whole page as one JPEG, for a preview.
            slices: The slice file names in page order (upload them in this order).
            compliance: One row per slice and check (file, platform, check, status, reason).
            recipe_used: The recipe as used, with listing.sections in page order: pass it back to make the same page again.
            notes: Things the seller should know.
        """
        lang = _language(language, request)
        batch = run(_path(product), recipe, models=ctx.models, platform=platform, sections=sections or None,
                    width=width or None, logo=_path(logo) if logo else None,
                    language=lang, cancel=_caller_watch(ctx, request))  # type: ignore[arg-type]  # fmt: skip
        page = _file(batch.page_path) if batch.page_path else _file(batch.zip_path)
        return _file(batch.zip_path), page, batch.files, batch.compliance, batch.recipe, batch.notes

    return make_detail_page


def _remove_background(ctx: UiContext) -> Callable[..., Any]:
    from studio.api import remove_background as run

    @api_errors
    def remove_background(
        photo: FileData,
        model: str = "u2netp",
        edge_shift: int = 0,
        feather: float = 0.0,
        fill_holes: bool = False,
        alpha_matting: bool = False,
        keep_main_object: bool = True,
        decontaminate: bool = True,
        language: str = "auto",
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> FileData:
        """Remove the background of a product photo and return the product alone as an RGBA PNG cut-out, cropped to the product with a small margin. A PNG that is already transparent keeps its own outline.

        Args:
            photo: The product photo (JPEG, PNG or WebP).
            model: Background-removal model: u2netp (default, small and fast), u2net, isnet-general-use, birefnet-general, bria-rmbg (non-commercial licence) or silueta.
            edge_shift: Pixels to move the outline, -32 to 32: negative erodes it (drops a halo), positive grows it.
            feather: Pixels of soft edge, 0 to 32.
            fill_holes: Fill holes inside the product; off keeps real gaps such as a cup handle's loop transparent.
            alpha_matting: Refine hair-fine edges with alpha matting (slower).
            keep_main_object: Keep only the main product and drop separate specks and objects.
            decontaminate: Remove the background's colour cast from the product's edge pixels.
            language: Language of error messages, zh or en; auto follows the request's Accept-Language header.
        Returns:
            cutout: The product as an RGBA PNG; its alpha channel is the product's mask.
        """
        lang = _language(language, request)
        path = run(_path(photo), models=ctx.models, model=model, edge_shift=edge_shift, feather=feather,
                   fill_holes=fill_holes, alpha_matting=alpha_matting, keep_main_object=keep_main_object,
                   decontaminate=decontaminate, language=lang)  # type: ignore[arg-type]  # fmt: skip
        return _file(path)

    return remove_background


def _check_copy() -> Callable[..., Any]:
    from studio.api import check_copy as run

    @api_errors
    def check_copy(text: str, language: str = "auto", request: gr.Request = None) -> list[dict]:  # type: ignore[assignment]
        """Check marketing copy for words Chinese advertising law or the marketplaces reject (superlatives such as 最佳, first or only claims, absolute or medical claims, false urgency), each with a suggested replacement. It only reports; it never changes the text.

        Args:
            text: The copy to check, Chinese or English, up to 2000 characters (a headline, selling points, a whole description).
            language: Language of the findings' messages and of errors, zh or en; auto follows the request's Accept-Language header.
        Returns:
            findings: One entry per flagged word: word, start and end (character offsets, end exclusive), kind, suggestion and message.
        """
        return run(text, language=_language(language, request))  # type: ignore[arg-type]

    return check_copy


def _ab_stats(ctx: UiContext) -> Callable[..., Any]:
    from studio.api import ab_stats as run

    @api_errors
    def ab_stats(results_csv: str, language: str = "auto", request: gr.Request = None) -> dict:  # type: ignore[assignment]
        """Decide which poster variant wins an A/B test from its click (and order) counts: click rates with 95 % intervals, the probability each variant is best, p-values against the first variant, and how many more impressions a clear answer needs.

        Args:
            results_csv: The results as CSV text: a header line variant,impressions,clicks (orders optional) and one line per variant, e.g. "variant,impressions,clicks\\nA,1000,50\\nB,1000,80".
            language: Language of error messages, zh or en; auto follows the request's Accept-Language header.
        Returns:
            analysis: baseline, alpha, per-variant figures (impressions, clicks, ctr, ctr_ci, prob_best, p_value, lift_vs_baseline, needed_impressions), winner, winner_p_value and a one-line note.
        """
        return run(results_csv, language=_language(language, request), budgets=ctx.settings.budgets)  # type: ignore[arg-type]

    return ab_stats
