"""Jinja2 pages in the person's language (Babel catalogues) with es-MX dates, money, numbers.

One Jinja environment per locale, each with its own translations installed, so concurrent
requests in different languages never share a gettext. Templates: the shell's own
(console/templates) and each screen's, under the screen's name (`group/group.html`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from gettext import NullTranslations
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import Translations
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape

HERE = Path(__file__).resolve().parents[2]
LOCALE_DIR = HERE / "locale"
TEMPLATES = HERE / "templates"
#: the languages offered; the first is the default
LOCALES = ("es_MX", "en")
LANGUAGE_NAMES = {"es_MX": "Español", "en": "English"}


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            return date.fromisoformat(value[:10])
    return None


def translations_of(locale: str) -> NullTranslations:
    return Translations.load(str(LOCALE_DIR), [locale], domain="messages")


def build_environment(locale: str, screen_templates: dict[str, Path]) -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader({name: FileSystemLoader(p) for name, p in screen_templates.items()}),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translations = translations_of(locale)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]

    def money(value: Any, currency: str = "MXN") -> str:
        number = _decimal(value)
        return "—" if number is None else format_currency(number, currency, locale=locale)

    def number(value: Any) -> str:
        n = _decimal(value)
        return "—" if n is None else format_decimal(n, locale=locale)

    def percent(value: Any) -> str:
        n = _decimal(value)
        return "—" if n is None else format_percent(n, format="#,##0.0 %", locale=locale)

    def day(value: Any) -> str:
        d = _as_date(value)
        return "—" if d is None else format_date(d, format="medium", locale=locale)

    def month(value: Any) -> str:
        d = _as_date(value)
        return "—" if d is None else format_skeleton("yMMMM", d, locale=locale)

    def moment(value: Any) -> str:
        if isinstance(value, str) and value:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if not isinstance(value, datetime):
            return "—"
        return format_datetime(value, format="medium", locale=locale)

    env.filters.update(
        money=money, number=number, percent=percent, day=day, month=month, moment=moment
    )
    env.globals.update(
        locale=locale,
        html_lang="es-MX" if locale == "es_MX" else "en",
        locales=LOCALES,
        language_names=LANGUAGE_NAMES,
    )
    return env


class Pages:
    def __init__(self, screen_templates: dict[str, Path]) -> None:
        self.envs = {loc: build_environment(loc, screen_templates) for loc in LOCALES}
        self.translations = {loc: translations_of(loc) for loc in LOCALES}

    def render(self, locale: str, name: str, context: dict[str, Any]) -> str:
        env = self.envs.get(locale) or self.envs[LOCALES[0]]
        return env.get_template(name).render(context)

    def gettext(self, locale: str, message: str) -> str:
        found = self.translations.get(locale) or self.translations[LOCALES[0]]
        return str(found.gettext(message))
