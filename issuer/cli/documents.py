"""``certreg certificates pdf NUMBER``, ``certreg batches certificates BATCH``, ``certreg batches photos BATCH ZIP``:
certificate documents and holder photos from the command line (issue 15; ``docs/certificates.md``).

The same services as the routes (:mod:`issuer.artefacts`), run by a named operator in the province admin role:
a document handed out is a ``certificate.document`` or ``batch.documents`` event; a batch's file is built
once and kept (a progress bar on stderr while it is built), then copied to ``-o FILE`` (whole or not at all:
:mod:`issuer.cli.output`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from issuer.artefacts.photos import PhotoReport, upload_photos
from issuer.artefacts.services import Artefacts, draw_test_print, parse_offset, parse_variant
from issuer.artefacts.store import ArtefactKind
from issuer.auth import Role
from issuer.auth.operators import operator as find_operator
from issuer.cli._common import (
    ROW_ID,
    console,
    err_console,
    open_database,
    province,
    run,
    settings_from_env,
    with_passphrase,
)
from issuer.cli.batches import batches_group
from issuer.cli.certificates import certificates_group
from issuer.cli.options import operator_option
from issuer.cli.output import copy_output, write_output
from issuer.documents.model import Variant
from issuer.documents.render import print_offset
from registry.calendar import province_day
from registry.errors import RegistryError
from registry.models import Certificate
from registry.vocab import CertificateKind

_variant = click.option(
    "--variant", type=click.Choice([v.value for v in Variant]), default=Variant.ELECTRONIC.value, show_default=True,
    help="electronic：电子证书（完整版式）；print：套打（只印内容）"
    "/ electronic: the full design; print: the fields only, for blank stock.",
)  # fmt: skip
_output = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="输出文件 / the file to write.",
)


@certificates_group.command("pdf")
@click.argument("number")
@_variant
@_output
@operator_option
def certificate_pdf_command(number: str, variant: str, output: Path, operator: str | None) -> None:
    """证书 PDF / write certificate NUMBER's PDF to FILE (logged as a certificate.document event)."""
    settings = with_passphrase(settings_from_env())

    async def _main() -> bytes:
        async with open_database(settings) as database:
            async with database.reader() as session:
                caller = await find_operator(session, operator, Role.PROVINCE_ADMIN)
            artefacts = Artefacts(database, settings)
            today = province_day(datetime.now(UTC))
            profile = province(settings)
            _, data = await artefacts.certificate_pdf(caller, profile, number, parse_variant(variant), today=today)
        return data

    data = run(_main)
    write_output(output, data)
    console.print(f"已写入 / written {output} ({len(data):,} bytes)")


@certificates_group.command("test-print")
@click.option("--kind", type=click.Choice([kind.value for kind in CertificateKind]), required=True,
              help="哪种证书的空白证书纸 / whose blank stock.")  # fmt: skip
@click.option("--offset", default=None, metavar="X,Y",
              help="试用的偏移（毫米，各在 ±20 以内；+ 为右、下；默认 CERTREG_PRINT_OFFSET_MM，未设则用本省配置）/ "
                   "offset to try (mm, each within ±20; + is "
                   "right/down). Default: CERTREG_PRINT_OFFSET_MM, else the profile's.")  # fmt: skip
@_output
def test_print_command(kind: str, offset: str | None, output: Path) -> None:
    """套打校准页 / write the blank stock's test page (ruler, grid, the print's boxes moved by the offset) to FILE.

    Holds no personal data: needs no database or operator. docs/certificates.md, "Adjusting the print offset".
    """
    settings = settings_from_env()
    try:
        moved = parse_offset(offset)
    except RegistryError as exc:
        raise click.BadParameter(str(exc), param_hint="--offset") from None
    data = draw_test_print(settings, CertificateKind(kind), moved)
    write_output(output, data)
    x, y = moved if moved is not None else print_offset(settings.issuing.profile, settings.documents.print_offset())
    console.print(f"已写入 / written {output} ({len(data):,} bytes; offset x = {x:+.1f} mm, y = {y:+.1f} mm)")


@batches_group.command("certificates")
@click.argument("batch_id", type=ROW_ID)
@click.option("--format", "file_format", type=click.Choice(["zip", "pdf"]), default="zip", show_default=True,
              help="zip：每张证书一个 PDF；pdf：套打合并 / zip: one PDF per certificate; "
                   "pdf: every print page in one file.")  # fmt: skip
@_variant
@_output
@operator_option
def batch_certificates_command(
    batch_id: int, file_format: str, variant: str, output: Path, operator: str | None
) -> None:
    """批次证书文件 / write the batch's certificates (built once and kept) to FILE, with a progress bar."""
    settings = with_passphrase(settings_from_env())
    kind = ArtefactKind.CERTIFICATES_ZIP if file_format == "zip" else ArtefactKind.CERTIFICATES_PDF
    chosen = parse_variant(variant) if kind is ArtefactKind.CERTIFICATES_ZIP else Variant.PRINT
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())

    async def _main() -> tuple[int, int]:
        async with open_database(settings) as database:
            async with database.reader() as session:
                caller = await find_operator(session, operator, Role.PROVINCE_ADMIN)
                total = await session.scalar(select(func.count()).where(Certificate.batch_id == batch_id))
            with Progress(*columns, console=err_console, transient=True) as bar:
                task = bar.add_task(f"批次 batch {batch_id} {kind.value} ({chosen.value})", total=total or None)
                artefacts = Artefacts(database, settings)
                found = await artefacts.batch_file(
                    caller, batch_id, kind, chosen.value, progress=lambda done: bar.update(task, completed=done)
                )
            await copy_output(found.handle, output)
            return found.size, found.rendered

    size, rendered = run(_main)
    zh, en = (f"新绘制 {rendered} 份", f"{rendered} drawn") if rendered else ("取自已保存的文件", "from the kept file")
    console.print(f"已写入 {output}（{size:,} 字节，{zh}）/ written {output} ({size:,} bytes; {en})")


def _report_table(report: PhotoReport) -> Table:
    table = Table(title=f"照片问题 / photo problems, batch {report.batch_id}")
    for heading in ("file #", "row", "code", "问题 / problem"):
        table.add_column(heading, overflow="fold")
    for problem in report.problems:
        row = "—" if problem.row is None else str(problem.row)
        table.add_row(str(problem.file), row, problem.code, f"{problem.message_zh} / {problem.message_en}")
    return table


@batches_group.command("photos")
@click.argument("batch_id", type=ROW_ID)
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@operator_option
def batch_photos_command(batch_id: int, archive: Path, operator: str | None) -> None:
    """上传照片 / store the photos of ZIP (files named by document number) for the batch's rows."""
    settings = with_passphrase(settings_from_env())

    content = archive.read_bytes()

    async def _main() -> PhotoReport:
        async with open_database(settings) as database:
            async with database.reader() as session:
                caller = await find_operator(session, operator, Role.PROVINCE_ADMIN)
            return await upload_photos(database, settings, caller, batch_id, content)

    report = run(_main)
    console.print(f"已存照片的行 / rows with a photo stored: {', '.join(map(str, report.stored_rows)) or '—'}")
    if report.problems:
        console.print(_report_table(report))
    missing = ", ".join(map(str, report.rows_without_photo)) or "—"
    console.print(f"仍无照片的行（照片框留空） / rows still without a photo (box left empty): {missing}")


COMMANDS: list[click.Command] = []  # the commands above join the certificates and batches groups
