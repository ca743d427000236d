"""The one rule for a call's ambition level when it uses criteria from the library.

**The applied level is the highest level among the call's library criteria.** Level 3 therefore
needs at least one ambitious (level-3) criterion, level 2 at least one significant one; a call
with only national minimum criteria (level 1) is at level 1, whatever it claims. A claim above the
applied level is refused (`level_claim_problem`); the stored level is the applied one, so comply or
explain (applied level against the category's target) is computed, not declared.

A call without library criteria (every call made before the library existed) keeps the level
stored with it: `applied_level` answers None and the declared level stands. But a draft call whose
category HAS active library criteria is published only after at least one was chosen
(`library_choice_problem`), so no new call can claim a level it does not apply; calls already
published are left as they are, and categories without a library are unaffected. Once a call
has left the draft state with library criteria, it cannot drop all of them (`emptying_problem`).

calls.services (save_call, choose_library_criteria) and the call form ask these functions; no
other module decides a level.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l


def applied_level(levels: Iterable[int]) -> int | None:
    """The call's level following from the levels of its library criteria; None without any."""
    return max(levels, default=None)


def level_claim_problem(claimed: int, levels: Iterable[int]) -> str | None:
    """Why a call with criteria of `levels` cannot claim level `claimed`, or None."""
    applied = applied_level(levels)
    if applied is None or claimed <= applied:
        return None
    return str(_l("The criteria chosen for this call reach level %(applied)d: a call claiming level %(claimed)d "
                  "needs at least one criterion of that level from the library. Choose the criteria first, or "
                  "claim level %(applied)d.", applied=applied, claimed=claimed))


def choose_criteria_text() -> str:
    """The publication problem of a call that still has to pick from its category's library."""
    return str(_l("Choose the MVI criteria from the library"))


def library_choice_problem(*, is_draft: bool, category_has_library: bool, chosen: int) -> str | None:
    """Why a call cannot be published yet for lack of library criteria, or None.

    Only drafts are judged (publishing is DRAFT -> PUBLISHED; a published call is never judged
    retroactively), and only when the category has active criteria to choose from: without a
    library the declared level is all there is.
    """
    if is_draft and category_has_library and chosen == 0:
        return choose_criteria_text()
    return None


def emptying_problem(*, is_draft: bool, had: int, chosen: int) -> str | None:
    """Why a call cannot drop all its library criteria, or None. A call that left the draft state with
    criteria would otherwise fall back to its stored level with nothing to show for it: the applied
    level would be declared again, and comply-or-explain no longer computed."""
    if not is_draft and had > 0 and chosen == 0:
        return str(_l("A published call keeps at least one criterion from the library: its ambition level "
                      "follows from them. Choose the criteria it applies instead."))
    return None


def may_pick(criterion: Any, category_id: int, already_chosen: bool) -> str | None:
    """Why `criterion` cannot be (kept) on a call of `category_id`, or None.

    A retired criterion stays on a call that already had it (history), but is not picked anew.
    """
    if criterion.category_id != category_id:
        return str(_l("Criterion %(code)s belongs to another category.", code=criterion.code))
    if criterion.is_retired and not already_chosen:
        return str(_l("Criterion %(code)s has been retired and can no longer be chosen.", code=criterion.code))
    return None
