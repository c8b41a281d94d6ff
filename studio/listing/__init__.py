"""The whole listing from one product: the main-image set (套图) and the detail page (详情页).

No gradio here; the UI, the CLI (`set`, `detail-page`) and the API (`make_set`, `make_detail_page`)
call these functions. Public entry points (stable):

- `resolve_marketplace(name)` → `Marketplace` (its main, white and detail-page platforms, its slots)
- `list_set_slots(marketplace)`, `list_detail_sections()` (ids in order, names, fields) — data in presets/
- `render_set_slot(...)` → `SlotImage` (one slot, for a preview); `make_listing_set(...)` → `ListingSet`
- `render_detail_page(...)` → `DetailPage` (the full page, for a scrolling preview);
  `export_detail_page(page, out_dir)` and `make_detail_page(...)` → `DetailExport` (page + slices + zip)

The product's own pixels enter every slot and section through `place_product` (or, for close-ups,
one resample of the seller's photo), never through a model; text is laid beside them, never on them.
"""

from studio.listing.market import Marketplace, list_detail_sections, list_set_slots, resolve_marketplace
from studio.listing.page import (
    DetailExport,
    DetailPage,
    PageSection,
    export_detail_page,
    make_detail_page,
    render_detail_page,
)
from studio.listing.set import ListingSet, SetFile, make_listing_set
from studio.listing.slots import SlotImage, render_set_slot

__all__ = [
    "DetailExport",
    "DetailPage",
    "ListingSet",
    "Marketplace",
    "PageSection",
    "SetFile",
    "SlotImage",
    "export_detail_page",
    "list_detail_sections",
    "list_set_slots",
    "make_detail_page",
    "make_listing_set",
    "render_detail_page",
    "render_set_slot",
    "resolve_marketplace",
]
