"""The words of the public pages, in Chinese (the default) and English (``?lang=en``).

Kept apart from the templates so that both languages are checked for the same keys by a test, and so a
translator edits one table.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final, Literal

from registry.calendar import province_time_text, province_time_zh

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")

UI: Final[dict[Lang, dict[str, str]]] = {
    "zh": {
        "site": "职业技能证书查验",
        "check": "证书查验",
        "proof_title": "公开日志收录证明",
        "proof_intro": "每一张证书在发证时都被记入省鉴定中心的公开日志。日志只能追加、不能修改："
        "任何人都可以核对一条记录确实在日志里，而省中心也无法事后悄悄删除、改动或补记一张证书。",
        "proof_what": "本页证明：日志第 {index} 条记录（这张证书的发证记录）包含在省中心签名的日志检查点中，"
        "该检查点共有 {size} 条记录。",
        "proof_how": "证明的原理：把这条记录的摘要与下面列出的 {count} 个摘要依次合并计算，"
        "结果必须等于检查点中签名的根摘要。只要有一条记录被删改，根摘要就会不同，签名也就对不上。",
        "proof_leaf": "记录摘要",
        "proof_root": "检查点根摘要",
        "proof_path": "证明路径（依次合并的摘要）",
        "proof_checkpoint": "省中心签名的检查点",
        "proof_json": "机器可读的证明（JSON）",
        "proof_tools": "审计人员可用任何符合 RFC 6962 的工具独立核验，无需信任本网站。",
        "site_sub": "职业资格证书 · 职业技能等级证书 · 专项职业能力证书",
        "other_lang": "English",
        "holder": "姓名",
        "id": "证件号码",
        "kind": "证书类别",
        "occupation": "职业（工种）",
        "project": "专项能力项目",
        "level": "等级",
        "institution": "评价机构",
        "authority": "发证机构",
        "issued_on": "发证日期",
        "origin": "来源",
        "origin_imported": "登记系统上线前颁发，导入自 {source}",
        "number": "证书编号",
        "log": "公开日志",
        "log_link": "第 {index} 条记录（收录证明）",
        "log_covered": "已纳入省中心签名的日志检查点（共 {size} 条）",
        "log_pending": "将纳入下一个签名检查点",
        "revoked_on": "撤销时间",
        "reissued_on": "补发时间",
        "replaced_on": "换发时间",
        "reason": "原因",
        "new_number": "新证书编号",
        "print_serial": "有效印制流水号",
        "reprint_note": "此前印制的证书已作废：有效的证书在备注栏注明“补发”。",
        "check_new": "查询新证书",
        "qr_note": "本结果由证书二维码的数字签名和登记库的当前状态共同得出。",
        "not_genuine_help": "此二维码不能证明证书真实。请向持证人索取原件，或向发证机构核实。",
        "query_title": "证书查询",
        "query_help": "请输入证书编号和持证人姓名。只输入编号不会显示任何个人信息。",
        "query_button": "查询",
        "query_again": "查询其他证书",
        "need_both": "请同时输入证书编号和姓名。",
        "number_format": "证书编号格式不正确：{detail}",
        "short_help": "请输入持证人姓名以查看此证书。",
        "too_many": "查询过于频繁，请在 {seconds} 秒后重试。",
        "unavailable": "查询服务暂时不可用，请在 {seconds} 秒后重试。",
        "not_found_page": "页面不存在。",
        "footer": "证书状态以登记库为准。数据不含完整证件号码。",
    },
    "en": {
        "site": "Vocational Certificate Verification",
        "check": "Certificate check",
        "proof_title": "Transparency log: proof of inclusion",
        "proof_intro": "Every certificate is recorded in the province centre's public log when it is issued. The log "
        "can only grow: anyone can check that a record is in it, and the centre cannot quietly delete, alter or "
        "back-date a certificate afterwards.",
        "proof_what": "This page proves that log entry {index} (this certificate's issue record) is included in the "
        "checkpoint of {size} entries that the province centre signed.",
        "proof_how": "How: hashing the entry with the {count} hashes listed below, in order, must give the root hash "
        "the checkpoint signs. Had any entry been deleted or changed, the root would differ and the signature fail.",
        "proof_leaf": "Entry hash",
        "proof_root": "Checkpoint root hash",
        "proof_path": "Proof path (hashes combined in order)",
        "proof_checkpoint": "Checkpoint signed by the province centre",
        "proof_json": "Machine-readable proof (JSON)",
        "proof_tools": "Auditors can check it independently with any RFC 6962 tool, without trusting this site.",
        "site_sub": "Qualification · Skill level · Special ability certificates",
        "other_lang": "中文",
        "holder": "Holder",
        "id": "ID number",
        "kind": "Kind",
        "occupation": "Occupation",
        "project": "Special ability project",
        "level": "Level",
        "institution": "Assessed by",
        "authority": "Issued by",
        "issued_on": "Issued on",
        "origin": "Origin",
        "origin_imported": "issued before the registry; imported from {source}",
        "number": "Certificate number",
        "log": "Transparency log",
        "log_link": "entry {index} (inclusion proof)",
        "log_covered": "included in the log checkpoint signed by the province ({size} entries)",
        "log_pending": "to be included in the next signed checkpoint",
        "revoked_on": "Revoked at",
        "reissued_on": "Reissued at",
        "replaced_on": "Replaced at",
        "reason": "Reason",
        "new_number": "New certificate number",
        "print_serial": "Valid print serial",
        "reprint_note": "Earlier prints are void: the valid certificate says {reissued} (reissued) under {remarks} "
        "(remarks).",
        "check_new": "Check the new certificate",
        "qr_note": "This result combines the QR code's digital signature with the registry's current status.",
        "not_genuine_help": "This QR code does not prove the certificate genuine. Ask the holder for the original "
        "or check with the issuing centre.",
        "query_title": "Check a certificate",
        "query_help": "Enter the certificate number and the holder's name. A number alone shows no personal data.",
        "query_button": "Check",
        "query_again": "Check another certificate",
        "need_both": "Enter both the certificate number and the holder's name.",
        "number_format": "The certificate number is not in a valid format: {detail}",
        "short_help": "Enter the holder's name to see this certificate.",
        "too_many": "Too many requests; try again in {seconds} seconds.",
        "unavailable": "The service is temporarily unavailable; try again in {seconds} seconds.",
        "not_found_page": "No such page.",
        "footer": "The registry is the authority on a certificate's status. No full ID number is shown.",
    },
}


def lang_of(value: str | None) -> Lang:
    """``en`` when asked for, Chinese otherwise (anything unknown falls back to the default)."""
    return "en" if value == "en" else "zh"


def format_date(day: date, lang: Lang) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def format_moment(moment: datetime, lang: Lang) -> str:
    """A moment in the province's time (China Standard Time), to the minute."""
    return province_time_zh(moment) if lang == "zh" else province_time_text(moment)
