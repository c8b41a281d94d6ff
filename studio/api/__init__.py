"""The public API: stateless, typed functions over the core, one call per whole job.

Each function takes everything it needs (a product image, a recipe, a text) and returns
plain results; nothing depends on an earlier call or on a browser session, so the same
functions serve gradio_client, MCP agents and Python scripts alike. No gradio here:
studio/ui/public_api.py registers these with Gradio. Mistakes raise `ApiError`, which
carries a stable `code` and a message in the caller's language (zh or en).
"""

from studio.api.errors import ERROR_MESSAGES, ApiError, Language, pick_language
from studio.api.listing import ListingBatch, make_detail_page, make_set
from studio.api.posters import PosterBatch, export_recipe, make_posters, parse_recipe
from studio.api.simple import ab_stats, check_copy, remove_background

__all__ = [
    "ERROR_MESSAGES",
    "ApiError",
    "Language",
    "ListingBatch",
    "PosterBatch",
    "ab_stats",
    "check_copy",
    "export_recipe",
    "make_detail_page",
    "make_posters",
    "make_set",
    "parse_recipe",
    "pick_language",
    "remove_background",
]
