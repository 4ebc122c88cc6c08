"""The console's screens: one folder per service or task (`screens/<name>/`) holding
`routes.py` (a `screen = Screen(...)` with its FastAPI router and its menu entries) and
`templates/` (named `<name>/<file>.html` in the pages). The app finds every folder here and
mounts it; nothing else has to change to add one (services/console/README.md)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter

from console.domain.rights import Person

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class MenuItem:
    label: str  # a message id, translated when the menu is drawn
    path: str
    shown: Callable[[Person], bool]


@dataclass(frozen=True)
class Screen:
    name: str
    router: APIRouter
    menu: tuple[MenuItem, ...] = field(default_factory=tuple)

    @property
    def templates(self) -> Path:
        return HERE / self.name / "templates"


def discover() -> list[Screen]:
    found = []
    for module in sorted(pkgutil.iter_modules([str(HERE)]), key=lambda m: m.name):
        if not module.ispkg:
            continue
        routes = importlib.import_module(f"console.screens.{module.name}.routes")
        screen = routes.screen
        if not isinstance(screen, Screen) or screen.name != module.name:
            raise RuntimeError(f"console/screens/{module.name}/routes.py must define screen")
        found.append(screen)
    return found
