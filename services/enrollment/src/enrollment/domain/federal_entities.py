"""The 32 federal entities of Mexico by their INEGI code: the state of every participant,
project and group, and the platform's tenant."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from enrollment.domain.errors import InvalidData


@dataclass(frozen=True)
class FederalEntity:
    code: str
    name: str


FEDERAL_ENTITIES: Final = MappingProxyType(
    {
        code: FederalEntity(code, name)
        for code, name in (
            ("01", "Aguascalientes"),
            ("02", "Baja California"),
            ("03", "Baja California Sur"),
            ("04", "Campeche"),
            ("05", "Coahuila de Zaragoza"),
            ("06", "Colima"),
            ("07", "Chiapas"),
            ("08", "Chihuahua"),
            ("09", "Ciudad de México"),
            ("10", "Durango"),
            ("11", "Guanajuato"),
            ("12", "Guerrero"),
            ("13", "Hidalgo"),
            ("14", "Jalisco"),
            ("15", "México"),
            ("16", "Michoacán de Ocampo"),
            ("17", "Morelos"),
            ("18", "Nayarit"),
            ("19", "Nuevo León"),
            ("20", "Oaxaca"),
            ("21", "Puebla"),
            ("22", "Querétaro"),
            ("23", "Quintana Roo"),
            ("24", "San Luis Potosí"),
            ("25", "Sinaloa"),
            ("26", "Sonora"),
            ("27", "Tabasco"),
            ("28", "Tamaulipas"),
            ("29", "Tlaxcala"),
            ("30", "Veracruz de Ignacio de la Llave"),
            ("31", "Yucatán"),
            ("32", "Zacatecas"),
        )
    }
)


class UnknownFederalEntity(InvalidData):
    pass


def federal_entity(code: str) -> FederalEntity:
    """The entity with INEGI code `code` ("01".."32")."""
    try:
        return FEDERAL_ENTITIES[code]
    except KeyError:
        raise UnknownFederalEntity(
            f"{code!r} is not the INEGI code of a federal entity ('01' to '32')",
            field="state_code",
        ) from None
