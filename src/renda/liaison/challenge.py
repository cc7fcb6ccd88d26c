"""验证码: the challenge on the public liaison forms (django-simple-captcha, made readable).

Two forms of the same challenge, both checked by the library's store (one attempt per key, expiry):

- ``image`` — four characters from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B),
  large, upright, light noise (settings ``CAPTCHA_*``);
- ``text`` — for anyone who cannot read the picture (a screen reader, poor eyesight): a small sum
  written in words, shown as page text (``七加五等于几？``), answered in digits.

The citizen switches between them and asks for a new one without losing what they typed
(``renda.js``: ``data-captcha-*``); without JavaScript the switch is a link that reloads the form.
"""

from __future__ import annotations

import secrets
import unicodedata
from typing import Any

from captcha.fields import CaptchaField, CaptchaTextInput
from captcha.models import CaptchaStore
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MODES = ("image", "text")

# Upper-case letters and digits that cannot be taken for one another in print.
LEGIBLE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LEGIBLE_LENGTH = 4


def legible_challenge() -> tuple[str, str]:
    """The picture's characters (``CAPTCHA_CHALLENGE_FUNCT``): the answer is case-insensitive."""
    text = "".join(secrets.choice(LEGIBLE_ALPHABET) for _i in range(LEGIBLE_LENGTH))
    return text, text.lower()


def light_noise(draw: Any, image: Any) -> Any:
    """A few grey dots (``CAPTCHA_NOISE_FUNCTIONS``): enough to spoil a naive reader, not a person's
    (the library's own dots cover a tenth of the picture in the letters' colour)."""
    width, height = image.size
    for _dot in range(width * height // 40):
        draw.point((secrets.randbelow(width), secrets.randbelow(height)), fill="#9aa0a6")
    return draw


def _number_words() -> list[str]:
    return [
        _("one"),
        _("two"),
        _("three"),
        _("four"),
        _("five"),
        _("six"),
        _("seven"),
        _("eight"),
        _("nine"),
    ]


def text_challenge() -> tuple[str, str]:
    """文字题: ``a + b`` written in words in the reader's language; the answer in digits."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    words = _number_words()
    question = _("What is %(a)s plus %(b)s?") % {"a": words[a - 1], "b": words[b - 1]}
    return question[:32], str(a + b)


def new_challenge(mode: str) -> dict[str, Any]:
    """A fresh challenge of ``mode`` for the refresh and switch requests (JSON-ready)."""
    if mode == "text":
        question, answer = text_challenge()
        store = CaptchaStore.objects.create(challenge=question, response=answer)
        return {"key": store.hashkey, "question": question, "mode": "text"}
    key = CaptchaStore.generate_key()
    return {"key": key, "image_url": reverse("captcha-image", kwargs={"key": key}), "mode": "image"}


class ChallengeInput(CaptchaTextInput):
    """The picture (or the question), a new-one button, the switch, the key and the answer box."""

    template_name = "liaison/captcha_widget.html"
    mode = "image"
    switch_query = ""  # the form page's query string without ``challenge`` (kept by the switch links)

    def fetch_captcha_store(self, name: str, value: Any, attrs: Any = None, generator: Any = None) -> None:
        super().fetch_captcha_store(name, value, attrs, text_challenge if self.mode == "text" else generator)

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        store = CaptchaStore.objects.filter(hashkey=self._key).first()
        prefix = f"{self.switch_query}&" if self.switch_query else ""
        context.update(
            mode=self.mode,
            question=store.challenge if store is not None and self.mode == "text" else "",
            refresh_image=reverse("captcha-refresh"),
            refresh_text=reverse("liaison:challenge") + "?mode=text",
            switch_image=reverse("liaison:challenge") + "?mode=image",
            to_text=f"?{prefix}challenge=text",
            to_image=f"?{prefix}challenge=image",
        )
        return context


class ChallengeField(CaptchaField):
    """The library's field; the answer is read in half-width (``１２`` from a Chinese keyboard is 12)."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, list) and len(value) > 1 and value[1]:
            value = [value[0], unicodedata.normalize("NFKC", value[1])]
        return super().clean(value)


def challenge_field() -> ChallengeField:
    return ChallengeField(
        label=gettext_lazy("Verification code"),
        help_text=gettext_lazy(
            "Type the four characters of the picture (capital or small letters), or the answer "
            "to the question in digits."
        ),
        widget=ChallengeInput(
            attrs={
                "autocomplete": "off",
                "class": "form-control",
                "aria-label": gettext_lazy("Verification code"),
            }
        ),
        error_messages={"invalid": gettext_lazy("The verification code is wrong; please type the new one.")},
    )


def use_challenge_mode(form: Any, mode: str, switch_query: str = "") -> None:
    """Show ``form``'s challenge as a picture or as a question in words."""
    widget = form.fields["captcha"].widget
    widget.mode = mode if mode in MODES else "image"
    widget.switch_query = switch_query
