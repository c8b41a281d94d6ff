"""Poster Studio — `python app.py --help`. Parses flags, builds the app, launches it."""

from __future__ import annotations

import argparse
import sys

from studio.errors import StudioError
from studio.settings import PROFILES, Settings, parse_auth


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Poster Studio: product photo → e-commerce posters.")
    p.add_argument("--profile", choices=PROFILES, help="models: auto (default), sd15, sdxl, tiny or none")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this computer only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--share", action="store_true", help="make a public share link (requires --auth)")
    p.add_argument("--auth", metavar="USER:PASS", help="log-in for the app, or a file holding USER:PASS")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    p.add_argument("--base-model", help="hub id, local diffusers folder or .safetensors checkpoint")
    p.add_argument("--controlnet", help="hub id or local diffusers folder")
    p.add_argument("--lora-dir", help="folder of LoRA styles (default loras/)")
    p.add_argument("--allow-uploads", action="store_true", help="allow LoRA and font uploads on a shared link")
    p.add_argument("--low-vram", action="store_true", help="offload models to the CPU between steps (6–8 GB GPUs)")
    return p.parse_args(argv)


def settings_from_args(args: argparse.Namespace) -> Settings:
    auth = parse_auth(args.auth)
    if args.share and auth is None:
        raise StudioError(
            "--share makes the studio reachable by anyone with the link, so it needs a log-in.",
            hint="Add --auth USER:PASS (or --auth path/to/file).",
        )
    return Settings.from_env(
        profile=args.profile,
        host=args.host,
        port=args.port,
        share=args.share,
        auth=auth,
        open_browser=not args.no_browser,
        base_model=args.base_model,
        controlnet=args.controlnet,
        lora_dir=args.lora_dir,
        allow_uploads_on_share=args.allow_uploads,
        low_vram=args.low_vram or None,
    ).resolved()


def main(argv: list[str] | None = None) -> int:
    try:
        settings = settings_from_args(parse_args(argv))
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from studio.models import ModelManager
    from studio.ui.app import create_app, launch_kwargs

    models = ModelManager(settings)
    print(models.describe(), flush=True)
    demo = create_app(settings, models)
    demo.queue(max_size=32, default_concurrency_limit=4)
    demo.launch(**launch_kwargs(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
