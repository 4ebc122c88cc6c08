"""What trade knows of a project group, learnt from enrollment's events: its state, its ODF
(the only one who lists and sells its members' products [¶94]), its active members (the
producers) and its governance (who decides for it [¶55]): the platform's one group record,
kept by megp_common.group_events."""

from __future__ import annotations

from megp_common.groups import GroupRecord

__all__ = ["GroupRecord"]
