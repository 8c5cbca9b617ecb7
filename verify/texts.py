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
        "number": "证书编号",
        "log": "公开日志",
        "log_link": "第 {index} 条记录（收录证明）",
        "log_covered": "已纳入省中心签名的日志检查点（共 {size} 条）",
        "log_pending": "将纳入下一个签名检查点",
        "revoked_on": "撤销时间",
        "changed_on": "换发时间",
        "reason": "原因",
        "new_number": "新证书编号",
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
        "number": "Certificate number",
        "log": "Transparency log",
        "log_link": "entry {index} (inclusion proof)",
        "log_covered": "included in the log checkpoint signed by the province ({size} entries)",
        "log_pending": "to be included in the next signed checkpoint",
        "revoked_on": "Revoked at",
        "changed_on": "Superseded at",
        "reason": "Reason",
        "new_number": "New certificate number",
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
