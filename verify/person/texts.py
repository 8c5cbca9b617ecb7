"""The words of the person look-up pages, in Chinese (the default) and English.

Apart from :data:`verify.texts.UI` so that the person pages can change without touching the certificate
pages; a test checks both languages have the same keys.
"""

from __future__ import annotations

from typing import Final

from verify.texts import Lang

PERSON_UI: Final[dict[Lang, dict[str, str]]] = {
    "zh": {
        "tab_number": "按证书编号查询",
        "tab_person": "按姓名和证件查询",
        "person_title": "持证人证书查询",
        "person_help": "请输入姓名、证件类型和证件号码，查询此人名下的全部证书。证件号码不会被保存或显示。",
        "id_type": "证件类型",
        "id_number": "证件号码",
        "working": "正在进行安全验证…",
        "need_all": "请输入姓名、证件类型和证件号码。",
        "id_format": "证件号码格式不正确：{detail}",
        "results_title": "持证人的证书",
        "person_again": "查询其他持证人",
        "check_one": "单独查验",
        "all_of_person": "按姓名和证件查询此持证人的全部证书",
    },
    "en": {
        "tab_number": "By certificate number",
        "tab_person": "By name and ID document",
        "person_title": "Find a holder's certificates",
        "person_help": "Enter the holder's name, document type and number to list every certificate they hold. "
        "The document number is neither kept nor shown.",
        "id_type": "Document type",
        "id_number": "Document number",
        "working": "Running a security check…",
        "need_all": "Enter the name, the document type and the document number.",
        "id_format": "The document number is not valid: {detail}",
        "results_title": "The holder's certificates",
        "person_again": "Look up another holder",
        "check_one": "Check this one",
        "all_of_person": "List all of this holder's certificates (name and ID document required)",
    },
}
