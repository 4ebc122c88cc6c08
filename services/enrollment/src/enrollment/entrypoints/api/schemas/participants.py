from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from enrollment.domain.federal_entities import federal_entity
from enrollment.domain.identity import Gender
from enrollment.domain.participant import Function, MemberType, Participant, Programme
from enrollment.entrypoints.api.schemas.common import Name, Request, StateCode


class ParticipantCreate(Request):
    curp: str = Field(
        min_length=18,
        max_length=24,
        examples=["GALM850312MOCRPR07"],
        description="CURP with its check digit; must match birth date and gender",
    )
    given_names: Name = Field(examples=["María Luisa"])
    first_surname: Name = Field(examples=["García"])
    second_surname: Name | None = Field(default=None, examples=["López"])
    birth_date: date = Field(examples=["1985-03-12"])
    gender: Gender
    state_code: StateCode
    municipality: Name = Field(examples=["Santa María Atzompa"])
    disabled: bool = False
    indigenous: bool = False
    inventor: bool = False
    functions: list[Function] = Field(
        min_length=1,
        max_length=4,
        examples=[["production", "sales_promotion"]],
        description="The functions the participant concentrates on [¶37]",
    )
    declared_programmes: list[Programme] = Field(
        default_factory=list,
        max_length=8,
        examples=[["women", "popular_art"]],
        description="Programmes the participant declares; young and elderly are derived",
    )

    def details(self) -> dict[str, object]:
        data = self.model_dump(exclude={"curp", "birth_date", "gender", "state_code"})
        return data | {"state": self.state_code}


class RegistrationSheet(Request):
    participants: list[ParticipantCreate] = Field(
        min_length=1,
        max_length=500,
        description="One line per person to enroll, as POST /participants takes it",
    )


class RegisteredLine(BaseModel):
    line: int = Field(description="The line's number on the sheet, from 1")
    id: str
    curp: str
    programmes: list[Programme]
    version: int


class RegistrationSheetPublic(BaseModel):
    enrolled: int
    participants: list[RegisteredLine]


class ParticipantUpdate(Request):
    """Only the fields sent change. CURP, birth date and gender cannot change."""

    given_names: Name | None = None
    first_surname: Name | None = None
    second_surname: Name | None = None
    state_code: StateCode | None = None
    municipality: Name | None = None
    disabled: bool | None = None
    indigenous: bool | None = None
    inventor: bool | None = None
    functions: list[Function] | None = Field(default=None, min_length=1, max_length=4)
    declared_programmes: list[Programme] | None = Field(default=None, max_length=8)

    def changes(self) -> dict[str, object]:
        data = self.model_dump(exclude_unset=True)
        if "state_code" in data:
            data["state"] = data.pop("state_code")
        if data.get("functions") is not None:
            data["functions"] = sorted(set(data["functions"]))
        if data.get("declared_programmes") is not None:
            data["declared_programmes"] = sorted(set(data["declared_programmes"]))
        return {k: v for k, v in data.items() if v is not None or k == "second_surname"}


class ParticipantPublic(BaseModel):
    id: str
    curp: str
    given_names: str
    first_surname: str
    second_surname: str | None
    birth_date: date
    gender: Gender
    state_code: str
    state_name: str
    municipality: str
    disabled: bool
    indigenous: bool
    inventor: bool
    functions: list[Function]
    member_type: MemberType
    declared_programmes: list[Programme]
    programmes: list[Programme]
    group_id: str | None
    enrolled_on: date
    version: int

    @classmethod
    def of(cls, p: Participant) -> ParticipantPublic:
        return cls(
            id=p.id,
            curp=p.curp,
            given_names=p.given_names,
            first_surname=p.first_surname,
            second_surname=p.second_surname,
            birth_date=p.birth_date,
            gender=p.gender,
            state_code=p.state,
            state_name=federal_entity(p.state).name,
            municipality=p.municipality,
            disabled=p.disabled,
            indigenous=p.indigenous,
            inventor=p.inventor,
            functions=p.functions,
            member_type=p.member_type,
            declared_programmes=p.declared_programmes,
            programmes=p.programmes,
            group_id=p.group_id,
            enrolled_on=p.enrolled_on,
            version=p.version,
        )


class FederalEntityPublic(BaseModel):
    code: str
    name: str
