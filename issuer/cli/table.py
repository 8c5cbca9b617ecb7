"""Every top-level ``certreg`` command: the modules of :mod:`issuer.cli` that make it, and what ``certreg --help``
lists of it.

Why a table: the command modules import what their commands use (litestar, SQLAlchemy, the PDF renderer,
openpyxl, …), 1.5 s of CPU when all are loaded, and ``certreg --version``, ``certreg --help`` and every
``certreg <command> …`` paid it all. With this table the command group lists the commands without importing
any of them and imports only the modules of the command it runs. The modules' own ``COMMANDS`` lists stay the
source of truth: ``tests/unit/cli/test_command_table.py`` checks this table against them (every command, the
modules of every subcommand, the summary as listed at every width), so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class Entry(NamedTuple):
    """One top-level command of ``certreg``."""

    #: The first sentence of the command's help, which ``certreg --help`` shortens to the width of the terminal.
    summary: str
    #: The modules (of :mod:`issuer.cli`) to import: the first holds the command in its ``COMMANDS``, the others
    #: add subcommands to it (``documents`` adds ``certificates pdf`` and ``batches photos``).
    modules: tuple[str, ...]


COMMAND_TABLE: Final[dict[str, Entry]] = {
    "apikeys": Entry("用人单位 API 密钥 / employer API keys for batch verification.", ("apikeys",)),
    "audit": Entry(
        "审计登记库 / Audit the registry: the log rebuilt from its events, every certificate, its W3C credential "
        "(hash against its event, proof against the authority key), status list (bits against the log's statuses, "
        "proof against the authority key), key, filing and checkpoint (those stored and those earlier audits saw).",
        ("audit",),
    ),
    "batches": Entry("成绩批次 / batches of assessment results.", ("batches", "documents")),
    "certificates": Entry(
        "证书变更：撤销、补发、换发 / revoke, reissue or replace one certificate.", ("certificates", "documents")
    ),
    "credentials": Entry(
        "标准凭证（W3C VC / Open Badges 3.0）/ standards credentials (W3C VC 2.0, Open Badges 3.0).", ("credentials",)
    ),
    "db": Entry("数据库结构 / database schema.", ("db",)),
    "demo": Entry("演示数据 / demo data.", ("demo",)),
    "feed": Entry("国家库数据交换 / the national exchange feed.", ("feed",)),
    "identity": Entry("持证人身份（完整证件号码封存）/ holders' sealed identities.", ("identity",)),
    "issue": Entry(
        "一步完成导入、审核、公示与发证 / Import FILE (CSV or XLSX), review it, start its public notice and — once "
        "the notice has ended (run the same command again then) — issue it, each step by the operator named for it "
        "(no one does two reviews or issues what they submitted).",
        ("issue",),
    ),
    "issue-batch": Entry(
        "发证：签发公示期满的批次 / issue batch BATCH_ID (its public notice must have ended).", ("issue_batch",)
    ),
    "keys": Entry(
        "签名密钥 / signing keys (private keys sealed in CERTREG_KEY_DIR, public keys in the registry).", ("keys",)
    ),
    "legacy": Entry("历史证书导入 / certificates issued before the registry.", ("legacy",)),
    "log": Entry("透明日志 / the transparency log (checkpoints and the log's public key).", ("log",)),
    "monitor": Entry(
        "监测日志只增不改 / Check that the log at URL only grew since the last run; exit 1 on a fork, rollback, "
        "rewrite or new key.",
        ("monitor",),
    ),
    "registry": Entry(
        "参考数据 / reference data: regions, authorities, catalogues, institutions, filings.", ("registry_data",)
    ),
    "serve": Entry("启动服务：发证与查验同一端口 / serve the registry: issue and verify, on one port.", ("serve",)),
    "staff": Entry("控制台工作人员账户 / staff accounts of the web console.", ("staff",)),
    "tokens": Entry("发证方 API 令牌 / API tokens of institutions and centres.", ("tokens",)),
    "verify-qr": Entry(
        "离线查验二维码图片 / decode a photo or scan of a certificate's QR code and verify it offline.", ("offline",)
    ),
    "verify-token": Entry(
        "离线查验二维码令牌 / verify a QR token (or its full URL) offline against a key set file.", ("offline",)
    ),
}
