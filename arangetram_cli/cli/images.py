"""`arangetram vendors images`: portfolio pictures, uploaded to S3 or an S3-compatible store.

Only typer is imported at module level (this module is loaded with `vendors`); boto3, Rich
and the media checks are imported when a command runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from arangetram_cli.cli.context import state
from arangetram_cli.cli.output import Col, byte_progress, one_line, report_error
from arangetram_cli.core.errors import ArangetramError, Invalid

if TYPE_CHECKING:
    from arangetram_cli.media.images import LocalImage
    from arangetram_cli.media.s3 import Upload

app = typer.Typer(
    rich_markup_mode=None,
    help="Upload, list and remove portfolio images (S3 or any S3-compatible store).",
    no_args_is_help=True,
)

VendorRef = Annotated[
    str | None,
    typer.Option(
        "--vendor", help="Vendor id, id prefix or exact name (default: your own profile)."
    ),
]
RESULT_COLUMNS = [
    Col("file", "File", priority=0),
    Col("status", "Status", priority=0, fixed=True),
    Col("url", "URL", priority=0, min_width=20, fold=True),
]


def _say_bad(path: Any, reason: object) -> None:
    """A file that will not go: one `error:` line each (the others still go)."""
    report_error(f"{path}: {reason}")


@contextmanager
def _progress(st: Any) -> Iterator[Callable[[LocalImage], Callable[[int], None] | None]]:
    """Yields start(image) -> a byte-count callback driving that file's bar (or None)."""
    if not st.io.progress(st.out.quiet):
        yield lambda image: None
        return
    with byte_progress(st.out.console(stderr=True)) as bars:

        def start(image: LocalImage) -> Callable[[int], None]:
            task = bars.add_task(one_line(image.path.name), total=image.size)
            return lambda n: bars.update(task, advance=n)

        yield start


def _images_api(planner: Any) -> Any:
    if not hasattr(planner, "add_vendor_images"):
        raise ArangetramError(
            "portfolio images are not available with this planner",
            hint="use a local or MongoDB profile, or a server run by `arangetram serve`",
        )
    return planner


def _is_remote(planner: Any) -> bool:
    """Remote mode: the server presigns uploads and deletes objects itself."""
    return hasattr(planner, "presign_image")


@app.command("add")
def add(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="JPEG, PNG or WebP files (judged by content, not name).", metavar="PATH"
        ),
    ],
    vendor: VendorRef = None,
    max_size: Annotated[
        str | None,
        typer.Option(
            "--max-size",
            help="Largest file accepted, such as 10MiB, 500k or 2000000 "
            "(default: $ARANGETRAM_S3_MAX_BYTES, else 10 MiB).",
            metavar="SIZE",
        ),
    ] = None,
) -> None:
    """Upload images and add them to a portfolio.

    Each file is checked before any byte is sent; bad ones are reported one per line and the
    others still go (exit 2 at the end). Objects are content-addressed, so running the same
    command again uploads nothing twice and adds no URL twice.
    """

    # the media edge (image checks, S3, boto3) is imported by the commands that upload or
    # delete: `vendors images list` needs none of it
    from arangetram_cli.media.images import BadImage, check_image, parse_size
    from arangetram_cli.media.presigned import PresignedUploader
    from arangetram_cli.media.s3 import BotoUploader
    from arangetram_cli.media.s3_config import S3Config
    from arangetram_cli.planner.local import MAX_PORTFOLIO_IMAGES

    st = state(ctx)
    cfg = S3Config.load()  # a bad setting stops us before anything is read or sent
    limit = cfg.max_bytes
    if max_size is not None:
        try:
            limit = parse_size(max_size)
        except ValueError as e:
            raise Invalid(f"--max-size: {e}") from None

    bad = 0
    images: list[LocalImage] = []
    for path in paths:  # the files first: checking them needs no login and no bucket
        try:
            images.append(check_image(path, limit))
        except BadImage as e:
            _say_bad(path, e)
            bad += 1
    if not images:
        raise typer.Exit(2)

    # then who may change which portfolio (logged out or someone else's is the answer,
    # whatever the bucket settings), then where the bytes would go
    planner = _images_api(st.planner(auth=True))
    remote = _is_remote(planner)
    target = planner.add_vendor_images(vendor, [])  # may this caller change it? (no bytes yet)
    if not remote:  # remote mode: the server's bucket and credentials (presigned uploads)
        cfg.require_bucket()

    vid = target["id"]
    name = target.get("business_name") or vid
    uploader: Any = PresignedUploader(planner.presign_image) if remote else BotoUploader(cfg)

    planned: dict[str, LocalImage] = {}  # url -> first file with that content
    for image in images:
        url = uploader.url_for(image, vid)
        first = planned.setdefault(url, image)
        if first is not image:
            st.out.note(f"{image.path}: same content as {first.path}, sent once")
    before = list(target.get("portfolio_images") or [])
    fresh = [u for u in planned if u not in before]
    if len(before) + len(fresh) > MAX_PORTFOLIO_IMAGES:
        raise Invalid(
            f"a portfolio holds at most {MAX_PORTFOLIO_IMAGES} images; this one has "
            f"{len(before)}, and {len(fresh)} more would not fit",
            hint="remove some first: arangetram vendors images remove URL",
        )

    done: list[tuple[LocalImage, Upload]] = []
    failure: ArangetramError | None = None
    with _progress(st) as start:
        for image in planned.values():
            tick = start(image)
            try:
                up = uploader.upload(image, vendor_id=vid, progress=tick)
            except BadImage as e:
                _say_bad(image.path, e)
                bad += 1
                continue
            except ArangetramError as e:  # the store itself: the next file would fail too
                failure = e
                break
            if tick is not None and not up.sent:
                tick(image.size)
            done.append((image, up))

    if done:
        try:
            planner.add_vendor_images(vid, [up.url for _, up in done])
        except BaseException:
            _roll_back(st, uploader, [up for _, up in done])
            raise

    rows = [
        {
            "file": str(image.path),
            "status": ("uploaded" if up.sent else "unchanged" if up.url in before else "reused"),
            "url": up.url,
            "key": up.key,
            "size": image.size,
            "content_type": image.content_type,
            "sha256": image.sha256,
        }
        for image, up in done
    ]
    if rows:
        st.out.items(rows, RESULT_COLUMNS, title=f"Portfolio of {name}", id_key="url")
        added = sum(1 for r in rows if r["status"] != "unchanged")
        sent = sum(1 for r in rows if r["status"] == "uploaded")
        st.out.success(
            f"{name}: {added} image{'s' * (added != 1)} added to the portfolio "
            f"({sent} uploaded, {len(rows) - sent} already in storage)"
        )
    if failure is not None:
        raise failure
    if bad:
        raise typer.Exit(2)


def _roll_back(st: Any, uploader: Any, uploads: list[Upload]) -> None:
    """The URLs did not make it into the portfolio: delete the objects this run created
    (never one that was there before: an earlier run's URL may point at it)."""

    for up in uploads:
        try:
            uploader.discard(up)
        except ArangetramError as e:
            st.out.note(f"could not delete {up.key} after the failure: {e.message}")


@app.command("list")
def list_(ctx: typer.Context, vendor: VendorRef = None) -> None:
    """The images of a portfolio, in order (anyone's with --vendor; yours without)."""
    st = state(ctx)
    planner = st.planner(auth=vendor is None)
    found = planner.my_vendor() if vendor is None else planner.get_vendor(vendor)
    rows = [
        {"position": n, "url": url}
        for n, url in enumerate(found.get("portfolio_images") or [], start=1)
    ]
    st.out.items(
        rows,
        [Col("position", "#", fixed=True), Col("url", "URL", priority=0, fold=True)],
        title=f"Portfolio of {found.get('business_name') or found.get('id')}",
        empty="no images in this portfolio",
        id_key="url",
    )


@app.command("remove")
def remove(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The image URL, as `images list` shows it.")],
    vendor: VendorRef = None,
    keep_object: Annotated[
        bool, typer.Option("--keep-object", help="Only unlink it; leave the object in storage.")
    ] = False,
) -> None:
    """Take an image out of a portfolio, and delete its object when it is one this tool
    uploaded to the configured bucket."""

    from arangetram_cli.media.s3 import BotoUploader
    from arangetram_cli.media.s3_config import S3Config

    st = state(ctx)
    cfg = S3Config.load()  # a bad setting stops us before anything changes
    planner = _images_api(st.planner(auth=True))
    remote = _is_remote(planner)
    if remote:
        updated = planner.remove_vendor_image(vendor, url, keep_object=keep_object)
    else:
        updated = planner.remove_vendor_image(vendor, url)
    name = updated.get("business_name") or updated["id"]
    result: dict[str, Any] = {
        "vendor_id": updated["id"],
        "removed": url,
        "deleted_object": updated.get("deleted_object") if remote else None,
        "portfolio_images": updated.get("portfolio_images") or [],
    }
    st.out.success(f"Removed the image from the portfolio of {name}")
    if remote and updated.get("delete_error"):
        st.out.note(f"the server could not delete the object: {updated['delete_error']}")
    elif remote and result["deleted_object"]:
        st.out.note(f"the server deleted {result['deleted_object']}")
    if not keep_object and cfg.bucket and not remote:
        uploader = BotoUploader(cfg)
        key = cfg.key_of(url, updated["id"], uploader.region)
        if key is not None:
            try:
                uploader.delete_url(url, vendor_id=updated["id"])
            except ArangetramError as e:
                raise type(e)(
                    f"unlinked, but s3://{cfg.bucket}/{key} was not deleted: {e.message}",
                    hint=e.hint,
                ) from None
            result["deleted_object"] = f"s3://{cfg.bucket}/{key}"
            st.out.note(f"deleted s3://{cfg.bucket}/{key}")
    if result["deleted_object"] is None and not keep_object and not updated.get("delete_error"):
        where = "the server's bucket" if remote else "the configured bucket"
        st.out.note(f"no object deleted: the URL is not one of this vendor's in {where}")
    st.out.item(
        result,
        [
            ("removed", "Removed"),
            ("deleted_object", "Deleted"),
            ("portfolio_images", "Portfolio"),
        ],
        title=f"Portfolio of {name}",
        id_key="removed",
    )
