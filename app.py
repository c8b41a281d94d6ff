"""Poster Studio — `python app.py --help`. Parses flags, builds the app, launches it.

Three ways to run it: on this computer (127.0.0.1, opens the browser), as a share
link for a team (`--share` needs `--auth`), or on a Hugging Face Space (SPACE_ID is
set: binds 0.0.0.0, public limits on, ZeroGPU when the Space has it).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys

from studio.errors import StudioError
from studio.settings import DTYPES, PROFILES, Settings, parse_auth

MCP_HINT = 'Install it with: pip install "gradio[mcp]"'


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Poster Studio: product photo → e-commerce posters.")
    p.add_argument("--profile", choices=PROFILES, help="models: auto (default), sd15, sdxl, tiny or none")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1, this computer only; 0.0.0.0 on a Space)")
    p.add_argument("--port", type=int, help="port to listen on (default 7860)")
    p.add_argument("--share", action="store_true", help="make a public share link (requires --auth)")
    p.add_argument("--auth", metavar="USER:PASS", help="log-in for the app, or a file holding USER:PASS")
    p.add_argument(
        "--no-auth-i-know-the-risk",
        dest="no_auth",
        action="store_true",
        help="serve a non-loopback --host with no log-in anyway (public limits still apply)",
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    p.add_argument("--base-model", help="hub id, local diffusers folder or .safetensors checkpoint")
    p.add_argument("--controlnet", help="hub id or local diffusers folder")
    p.add_argument("--lora-dir", help="folder of LoRA styles (default loras/)")
    p.add_argument(
        "--allow-uploads",
        action="store_true",
        help="allow LoRA and font uploads with --auth, on a share link or a Space (off there by default)",
    )
    p.add_argument(
        "--jobs-per-minute",
        type=int,
        metavar="N",
        help="heavy jobs each user may start per minute (default: no limit locally, 10 when public; 0 = none)",
    )
    p.add_argument(
        "--mcp",
        action="store_true",
        help="also serve the public API (make_posters, remove_background, check_copy, ab_stats) as MCP tools",
    )
    p.add_argument("--compile", action="store_true", help="torch.compile the diffusion models on CUDA (slow first run)")
    p.add_argument("--low-vram", action="store_true", help="offload models to the CPU between steps (6–8 GB GPUs)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], help="where diffusion runs (default auto)")
    p.add_argument("--dtype", choices=DTYPES, help="diffusion dtype (default auto: chosen from the card)")
    p.add_argument(
        "--fast-path",
        action="store_true",
        help="apply the GPU fast path on any device (e.g. --device cpu --dtype bfloat16 --fast-path)",
    )
    return p.parse_args(argv)


def settings_from_args(args: argparse.Namespace) -> Settings:
    auth = parse_auth(args.auth)
    if args.share and auth is None:
        raise StudioError(
            "--share makes the studio reachable by anyone with the link, so it needs a log-in.",
            hint="Add --auth USER:PASS (or --auth path/to/file).",
        )
    if args.mcp and importlib.util.find_spec("mcp") is None:
        raise StudioError("--mcp needs Gradio's MCP extra, which is not installed.", hint=MCP_HINT)
    settings = Settings.from_env(
        profile=args.profile,
        host=args.host,
        port=args.port,
        share=args.share or None,
        auth=auth,
        open_browser=False if args.no_browser else None,
        base_model=args.base_model,
        controlnet=args.controlnet,
        lora_dir=args.lora_dir,
        allow_uploads_on_share=args.allow_uploads or None,
        jobs_per_minute=args.jobs_per_minute,
        mcp=args.mcp or None,
        low_vram=args.low_vram or None,
        compile=args.compile or None,
        device=args.device,
        dtype=args.dtype,
        fast_path=args.fast_path or None,
        no_auth_accepted=args.no_auth or None,
    )
    if settings.open_to_network_without_login and not settings.no_auth_accepted:
        raise StudioError(
            f"--host {settings.host} lets anyone on the network use the studio, so it needs a log-in. "
            f"/ --host {settings.host} 会让网络上的任何人使用本工作室，必须设置登录。",
            hint="Add --auth USER:PASS (or --auth team.txt), or --no-auth-i-know-the-risk to serve it open anyway.",
        )
    return settings.resolved()


def open_network_warning(settings: Settings) -> str:
    """The line printed when the owner chose to serve the network without a log-in ('' otherwise)."""
    if not settings.open_to_network_without_login:
        return ""
    return (
        f"warning: serving {settings.host}:{settings.port} with NO log-in (--no-auth-i-know-the-risk): anyone who "
        "reaches this address can use the studio; public limits apply. / 警告：未设置登录，网络上任何人都能使用。"
    )


def check_startup(settings: Settings) -> None:
    """Refuse to start with limits that cannot hold (a preset larger than the canvas limit)."""
    from studio.limits import apply_pillow_limits, check_canvas
    from studio.presets import all_presets

    apply_pillow_limits(settings)
    for pid, platform in all_presets("platforms").items():
        try:
            check_canvas((int(platform["width"]), int(platform["height"])), settings)
        except StudioError as exc:
            raise StudioError(f"Platform preset '{pid}': {exc.message}", hint=exc.hint) from None


def main(argv: list[str] | None = None) -> int:
    from studio.models.zerogpu import import_spaces_first

    zero_gpu = import_spaces_first()  # before anything imports torch
    try:
        settings = settings_from_args(parse_args(argv))
        check_startup(settings)
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if open_network_warning(settings):
        print(open_network_warning(settings), file=sys.stderr, flush=True)
    from studio.limits import start_output_sweeper
    from studio.models import ModelManager
    from studio.ui.app import create_app, launch_kwargs

    models = ModelManager(settings)
    print(models.describe(), flush=True)
    if zero_gpu:
        from studio.models.zerogpu import preload_for_zero_gpu

        try:
            print(preload_for_zero_gpu(models), flush=True)
        except StudioError as exc:  # keep serving: cutout, procedural scenes and export still work
            print(f"warning: {exc}", file=sys.stderr, flush=True)
    demo = create_app(settings, models)
    demo.queue(max_size=settings.max_queue, default_concurrency_limit=4)
    from studio.ui.admission import install_admission

    install_admission(demo, demo.studio_context)  # per-user queue places and rate limit, before any decoding
    start_output_sweeper(settings=settings)  # old folders hourly; the disk quotas every 5 minutes
    from studio.ui.login_guard import guarded_app_kwargs

    # The log-in also guards the routes Gradio leaves open (MCP, heartbeat); see studio/ui/login_guard.py.
    from studio.ui.stream_cap import stream_cap_middleware
    from studio.ui.upload_quota import upload_quota_middleware

    app_kwargs = guarded_app_kwargs(settings.auth)
    # Public modes: a cap on the streams one address holds open, and its day's upload quota (studio/ui/).
    app_kwargs["middleware"] = [
        *app_kwargs.get("middleware", []),
        *stream_cap_middleware(settings),
        *upload_quota_middleware(settings),
    ]
    demo.launch(**launch_kwargs(settings), app_kwargs=app_kwargs, prevent_thread_lock=True)
    if settings.mcp:
        from studio.ui.public_api import restrict_mcp_tools

        print(f"MCP tools: {', '.join(restrict_mcp_tools(demo, settings.auth))}", flush=True)
    demo.block_thread()
    return 0


if __name__ == "__main__":
    sys.exit(main())
