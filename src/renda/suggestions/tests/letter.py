"""The formal parts every reply letter in the tests carries (联系人, 联系电话, 签发人)."""

from typing import TypedDict


class Letter(TypedDict):
    contact_person: str
    contact_phone: str
    signer: str


LETTER: Letter = {"contact_person": "李明", "contact_phone": "0917-3212345", "signer": "王建华"}
