"""Plain-language reasons for unscheduled steps and for placements off the first choice."""

from __future__ import annotations

from .instance import NO_LIMIT, Instance, _overlaps
from .model import Reason
from .state import INF, State
from .timegrid import fmt_hm, in_windows

GENDER_WORD = {"F": "female", "M": "male"}
MAX_NAMES = 4


def _names(ids: list[str]) -> str:
    if len(ids) <= MAX_NAMES:
        if len(ids) <= 2:
            return " and ".join(ids)
        return ", ".join(ids[:-1]) + " and " + ids[-1]
    return ", ".join(ids[:MAX_NAMES]) + f" and {len(ids) - MAX_NAMES} more"


def _spans(inst: Instance, spans: list[tuple[int, int]]) -> str:
    """Elapsed intervals of one date as '10:00–12:00, 14:00–15:00' (local wall time)."""
    g = inst.grid
    out = []
    for a, b in spans[:6]:
        _, ma = g.local_of_abs(a)
        db, mb = g.local_of_abs(b)
        da, _ = g.local_of_abs(a)
        out.append(f"{fmt_hm(ma)}–{fmt_hm(mb if db == da else 1440)}")
    if len(spans) > 6:
        out.append("…")
    return ", ".join(out)


def _windows_text(wins: list[tuple[int, int]]) -> str:
    return ", ".join(f"{fmt_hm(a)}–{fmt_hm(b)}" for a, b in wins) or "no hours"


def _runs(occ: bytearray, level: int, a: int, b: int) -> list[tuple[int, int]]:
    """Maximal runs inside [a, b) where occ >= level (level 1: taken; capacity: full)."""
    a, b = max(0, a), min(len(occ), b)
    runs = []
    if level == 1:
        x = a
        while x < b:
            s = occ.find(1, x, b)
            if s < 0:
                break
            e = s
            while e < b and occ[e]:
                e += 1
            runs.append((s, e))
            x = e
        return runs
    start = -1
    for x in range(a, b):
        if occ[x] >= level:
            if start < 0:
                start = x
        elif start >= 0:
            runs.append((start, x))
            start = -1
    if start >= 0:
        runs.append((start, b))
    return runs


class Explainer:
    """Diagnoses, against a final schedule, why placements are impossible or not ideal."""

    def __init__(self, state: State):
        self.st = state
        self.inst = state.inst

    # -- resource descriptions -----------------------------------------------------------------
    def _day_bounds(self, d: int) -> tuple[int, int]:
        g = self.inst.grid
        return g.day_start[d], g.day_start[d + 1]

    def _prac_status(self, p: int, d: int) -> str:
        inst, st = self.inst, self.st
        pid = inst.prac_ids[p]
        wins = inst.prac_hours[p][d]
        a, b = self._day_bounds(d)
        if not wins:
            return f"{pid} has no shift on {inst.grid.weekday(d).capitalize()}"
        if any(oa <= a and ob >= b for oa, ob in inst.prac_off[p]):
            return f"{pid} is on leave"
        parts = [f"{pid} works {_windows_text(wins)}"]
        off = [(max(oa, a), min(ob, b)) for oa, ob in inst.prac_off[p] if oa < b and a < ob]
        if off:
            parts.append(f"is on leave {_spans(inst, off)}")
        busy = [(max(x, a), min(y, b)) for x, y in inst.prac_busy[p] if x < b and a < y]
        if busy:
            parts.append(f"has prior commitments {_spans(inst, busy)}")
        runs = _runs(st.prac_occ[p], 1, a, b)
        if runs:
            parts.append(f"is booked {_spans(inst, runs)}")
        return (
            " and ".join(parts) if len(parts) <= 2 else ", ".join(parts[:-1]) + " and " + parts[-1]
        )

    def _room_status(self, r: int, d: int) -> str:
        inst, st = self.inst, self.st
        rid = inst.room_ids[r]
        a, b = self._day_bounds(d)
        parts = []
        busy = [(max(x, a), min(y, b)) for x, y in inst.room_busy[r] if x < b and a < y]
        if busy:
            parts.append(f"is reserved {_spans(inst, busy)}")
        runs = _runs(st.room_occ[r], inst.room_cap[r], a, b)
        if runs:
            word = "full" if inst.room_cap[r] > 1 else "booked"
            parts.append(f"is {word} {_spans(inst, runs)} (incl. cleaning)")
        if not parts:
            return f"room {rid} is free only at times that do not fit"
        return f"room {rid} " + " and ".join(parts)

    def _patient_status(self, i: int, d: int) -> str:
        inst, st = self.inst, self.st
        pat = inst.st_pat[i]
        pid = inst.pat_ids[pat]
        a, b = self._day_bounds(d)
        parts = []
        hours = inst.pat_hours[pat]
        if hours is not None:
            parts.append(f"can attend only {_windows_text(hours[d])}")
        busy = [(max(x, a), min(y, b)) for x, y in inst.pat_busy[pat] if x < b and a < y]
        if busy:
            parts.append(f"is busy {_spans(inst, busy)}")
        runs = _runs(st.pat_occ[pat], 1, a, b)
        if runs:
            parts.append(f"has sessions (with rest) {_spans(inst, runs)}")
        return f"patient {pid} " + (" and ".join(parts) if parts else "is not available")

    # -- the funnel -------------------------------------------------------------------------------
    def funnel(
        self,
        i: int,
        d: int,
        *,
        times: set[int] | None = None,
        pracs: tuple[int, ...] | None = None,
        rooms: tuple[int, ...] | None = None,
    ) -> tuple[str, str] | None:
        """Why step i cannot start on date d (optionally only at elapsed `times`, only with
        `pracs`/`rooms`): filters are applied in order and the first one that removes every
        remaining start gives the reason. None when some start is actually feasible."""
        inst, st = self.inst, self.st
        g = inst.grid
        label = g.date_label(d)
        dur = inst.st_dur[i]
        pat = inst.st_pat[i]
        pid = inst.pat_ids[pat]
        if inst.closed[d]:
            return "center_closed", f"the center is closed on {label}"
        ends = g.ends_for(dur)
        ts = [
            t for t in range(g.t_first[d], g.t_first[d + 1]) if times is None or g.t_abs[t] in times
        ]
        ts = [t for t in ts if ends[t] >= 0 and in_windows(inst.center[d], g.t_loc[t], ends[t])]
        if not ts:
            wins = _windows_text(inst.center[d])
            if times is not None:
                return "center_closed", f"the center is not open then on {label} ({wins})"
            return "center_closed", (
                f"the center's hours on {label} ({wins}) hold no {dur}-minute session"
            )
        hours = inst.pat_hours[pat]
        pbusy = inst.pat_busy[pat]
        ts2 = [
            t
            for t in ts
            if (hours is None or in_windows(hours[d], g.t_loc[t], ends[t]))
            and not _overlaps(pbusy, g.t_abs[t], g.t_abs[t] + dur)
        ]
        if not ts2:
            return "patient_unavailable", f"on {label} {self._patient_status(i, d)}"
        lo, hi = st.window(i)
        ts3 = [t for t in ts2 if lo <= g.t_abs[t] <= hi]
        if not ts3:
            starts = [g.t_abs[t] for t in ts2]
            return "sequence_gap", self._sequence_text(i, d, min(starts), max(starts))
        if st.pat_day[pat][d] >= inst.pat_maxd[pat]:
            return "daily_limit", (
                f"{pid} already has {st.pat_day[pat][d]} sessions on {label}"
                f" (at most {inst.pat_maxd[pat]} a day)"
            )
        rest = inst.st_rest[i]
        pocc = st.pat_occ[pat]
        ts4 = [t for t in ts3 if pocc.find(1, g.t_abs[t], g.t_abs[t] + dur + rest) < 0]
        if not ts4:
            return "patient_unavailable", f"on {label} {self._patient_status(i, d)}"
        pr_all = inst.st_elig_pracs[i] if pracs is None else pracs
        rm_all = inst.st_elig_rooms[i] if rooms is None else rooms
        ts5 = []
        for t in ts4:
            s = g.t_abs[t]
            if any(self._prac_free(i, p, d, t, s) for p in pr_all):
                ts5.append(t)
        if not ts5:
            who = [self._prac_status(p, d) for p in pr_all[:MAX_NAMES]]
            more = "" if len(pr_all) <= MAX_NAMES else f" (and {len(pr_all) - MAX_NAMES} more)"
            when = " at that time" if times is not None else ""
            return "practitioner_unavailable", (
                f"on {label}{when} no suitable practitioner is free: " + "; ".join(who) + more
            )
        turn = inst.st_turn[i]
        for t in ts5:
            s = g.t_abs[t]
            for r in rm_all:
                if self._room_free(i, r, s, s + dur + turn):
                    return None
        rm_names = [self._room_status(r, d) for r in rm_all[:MAX_NAMES]]
        return "room_unavailable", (
            f"on {label} no suitable room is free when a practitioner is: " + "; ".join(rm_names)
        )

    def _prac_free(self, i: int, p: int, d: int, t: int, s: int) -> bool:
        inst, st = self.inst, self.st
        g = inst.grid
        wins = inst.prac_hours[p][d]
        dur = inst.st_dur[i]
        le = g.ends_for(dur)[t]
        if not in_windows(wins, g.t_loc[t], le) or _overlaps(inst.prac_block[p], s, s + dur):
            return False
        if st.prac_occ[p].find(1, s, s + dur) < 0:
            return True
        gs = inst.st_gsize[i]
        if gs > 1:
            for q, r in st.group_at.get((inst.st_ther[i], s), ()):
                if q == p and st.groups[(inst.st_ther[i], q, r, s)] < gs:
                    return True
        return False

    def _room_free(self, i: int, r: int, s: int, e: int) -> bool:
        inst, st = self.inst, self.st
        if _overlaps(inst.room_busy[r], s, e):
            return False
        return st.room_occ[r].find(inst.room_cap[r], s, e) < 0

    def _sequence_text(self, i: int, d: int, earliest: int, latest: int) -> str:
        """Why no start between `earliest` and `latest` on date d keeps the plan's order,
        naming the neighbours whose bound alone rules the day out (else all that cut into it):
        a step's later neighbour sits where it does because of this step, not the reverse."""
        inst, st = self.inst, self.st
        g = inst.grid
        rules = []  # (lowest start it allows, highest, text)
        a = inst.st_after[i]
        pv = inst.st_prev[i]
        if a >= 0 and st.asg_s[a] >= 0:
            ea = st.asg_s[a] + inst.st_dur[a]
            max_gap = inst.st_max_gap[i]
            if max_gap != NO_LIMIT:
                gap = f"{inst.st_min_gap[i]}–{max_gap} minutes "
            elif inst.st_min_gap[i]:
                gap = f"at least {inst.st_min_gap[i]} minutes "
            else:
                gap = ""
            rules.append(
                (
                    ea + inst.st_min_gap[i],
                    ea + max_gap if max_gap != NO_LIMIT else INF,
                    f"it must start {gap}after {inst.step_key[a][1]} ends ({g.label(ea)})",
                )
            )
        elif pv >= 0 and st.asg_s[pv] >= 0:
            end = st.asg_s[pv] + inst.st_dur[pv]
            rules.append(
                (end, INF, f"it must start after {inst.step_key[pv][1]} ends at {g.label(end)}")
            )
        nx = inst.st_next[i]
        if nx >= 0 and st.asg_s[nx] >= 0:
            rules.append(
                (
                    -INF,
                    st.asg_s[nx] - inst.st_dur[i],
                    f"it must end before {inst.step_key[nx][1]} starts at {g.label(st.asg_s[nx])}",
                )
            )
        deciding = [text for lo, hi, text in rules if lo > latest or hi < earliest]
        parts = deciding or [text for lo, hi, text in rules if lo > earliest or hi < latest]
        label = g.date_label(d)
        if not parts:
            return f"no start on {label} fits the order of the plan's steps"
        return f"on {label} " + " and ".join(parts) + ", and no such time works"

    # -- unscheduled steps ---------------------------------------------------------------------------
    def unscheduled(self, i: int) -> list[Reason]:
        inst, st = self.inst, self.st
        g = inst.grid
        name = inst.step_key[i][1]
        if i in inst.bad_steps:
            msg = inst.bad_steps[i]
            code = "patient_unavailable" if "patient" in msg else "no_practitioner_with_skill"
            return [Reason(code, f"{name}: {msg}")]
        pv = inst.st_prev[i]
        if pv >= 0 and st.asg_s[pv] < 0:
            return [
                Reason(
                    "predecessor_unscheduled",
                    f"{name} follows {inst.step_key[pv][1]}, which could not be scheduled",
                )
            ]
        static = self._static_reasons(i)
        if static:
            return static
        reasons: dict[str, list[str]] = {}
        for d in inst.step_dates(i):
            got = self.funnel(i, d)
            code, msg = got if got is not None else ("search_limit", "")
            if got is None:
                msg = (
                    f"a place on {g.date_label(d)} is free, but fitting it would have meant "
                    "moving other sessions further than the search had time for"
                )
            reasons.setdefault(code, []).append(msg)
        out = []
        for code, msgs in reasons.items():
            text = "; ".join(msgs)
            out.append(Reason(code, text[0].upper() + text[1:]))
        return out or [Reason("search_limit", "No placement was found in the time allowed")]

    def _static_reasons(self, i: int) -> list[Reason]:
        """Reasons that do not depend on the other sessions (empty when options exist)."""
        inst = self.inst
        g = inst.grid
        if inst.st_opts[i]:
            return []
        th = inst.therapies[inst.st_ther[i]]
        pat = inst.st_pat[i]
        pid = inst.pat_ids[pat]
        pg = inst.pat_gender[pat]
        skilled = [p for p in range(len(inst.prac_ids)) if th.skill in inst.prac_skills[p]]
        if not skilled:
            return [
                Reason("no_practitioner_with_skill", f"No practitioner has the skill {th.skill}")
            ]
        if not inst.st_elig_pracs[i]:
            others = [inst.prac_ids[p] for p in skilled]
            word = GENDER_WORD.get(pg, str(pg))
            return [
                Reason(
                    "gender_constraint",
                    f"{pid} needs a {word} practitioner and no {word} practitioner has "
                    f"{th.skill} (only {_names(others)})",
                )
            ]
        typed = [r for r in range(len(inst.room_ids)) if inst.room_type[r] in th.room_types]
        if not typed:
            return [
                Reason("no_room_of_type", f"No room of type {' or '.join(th.room_types)} exists")
            ]
        if not inst.st_elig_rooms[i]:
            rooms = [f"{inst.room_ids[r]} ({inst.room_gender[r]} only)" for r in typed]
            return [
                Reason(
                    "gender_constraint",
                    f"Every {' or '.join(th.room_types)} room is reserved for the other "
                    f"gender: {_names(rooms)}",
                )
            ]
        dates = inst.step_dates(i)
        if not dates:
            lo = inst.st_target[i]
            hi = lo + inst.st_slack[i]
            span = g.date_label(lo) + (f" to {g.date_label(hi)}" if hi > lo else "")
            return [
                Reason(
                    "horizon_exceeded",
                    f"It is due {span}, outside the horizon {g.date_label(0)} to "
                    f"{g.date_label(inst.days - 1)}",
                )
            ]
        reasons: dict[str, list[str]] = {}
        for d in dates:
            got = self.funnel(i, d)
            if got is None:
                continue
            reasons.setdefault(got[0], []).append(got[1])
        out = [
            Reason(code, "; ".join(m)[0].upper() + "; ".join(m)[1:]) for code, m in reasons.items()
        ]
        if inst.st_target[i] + inst.st_slack[i] >= inst.days:
            out.append(
                Reason(
                    "horizon_exceeded",
                    f"Later days it could slip to lie after the horizon ends "
                    f"({g.date_label(inst.days - 1)})",
                )
            )
        return out or [Reason("search_limit", "No placement fits the rules")]

    # -- scheduled steps ------------------------------------------------------------------------------
    def assignment(self, i: int) -> str:
        """Where step i is, and when not at the first choice, why."""
        inst, st = self.inst, self.st
        g = inst.grid
        s, d, p, r = st.asg_s[i], st.asg_d[i], st.asg_p[i], st.asg_r[i]
        dur = inst.st_dur[i]
        pid = inst.prac_ids[p] if p >= 0 else "?"
        rid = inst.room_ids[r] if r >= 0 else "?"
        base = f"{g.span_label(s, s + dur)} with {pid} in {rid}"
        if inst.st_pinned[i] is not None:
            return base + "; kept as pinned in the previous schedule."
        notes = []
        prev = inst.st_prevasg[i]
        target = inst.st_target[i]
        slipped = d - target
        pat = inst.st_pat[i]
        pref = inst.pat_pref[pat]
        _, ls = g.local_of_abs(s)
        de, le = g.local_of_abs(s + dur)
        le = le if de == d else 1440
        outside_pref = bool(pref) and not in_windows(pref, ls, le)
        spa = inst.st_spa[i]
        other_prac = spa >= 0 and st.asg_s[spa] >= 0 and st.asg_p[spa] != p
        moved = prev is not None and (prev[0] != s or prev[1] != p or prev[2] != r)
        if not (slipped > 0 or outside_pref or other_prac or moved):
            if prev is not None:
                return base + "; unchanged from the previous schedule."
            return base + "."
        sc = st.asg_sc[i]
        # Look at the alternatives with this step taken out of the schedule.
        st.log = None
        st.remove(i)
        try:
            if moved:
                notes.append(self._moved_note(i, prev, s, p, r))
            if slipped > 0:
                why = []
                for dd in range(max(0, target), min(d, inst.days)):
                    got = self.funnel(i, dd)
                    if got is not None and got[0] == "sequence_gap":
                        day = {g.t_abs[t] for t in range(g.t_first[dd], g.t_first[dd + 1])}
                        got = self._partner_reason(i, dd, day, later_only=True) or got
                    why.append(got[1] if got else f"{g.date_label(dd)} would push other sessions")
                if target < 0:
                    why.append("the planned day is before the horizon")
                days = "day" if slipped == 1 else "days"
                notes.append(
                    f"slipped {slipped} {days} from {g.date_label(target)}: " + "; ".join(why)
                )
            if outside_pref:
                times = {
                    g.t_abs[t]
                    for t in range(g.t_first[d], g.t_first[d + 1])
                    if g.ends_for(dur)[t] >= 0 and in_windows(pref, g.t_loc[t], g.ends_for(dur)[t])
                }
                got = self.funnel(i, d, times=times) if times else None
                if got and got[0] == "sequence_gap":
                    got = self._partner_reason(i, d, times) or got
                if got is None or got[0] == "sequence_gap":
                    got = self._preferred_tradeoff(i, d, times, s, p, free=got is None) or got
                why = got[1] if got else "the preferred times are needed by other sessions"
                notes.append(f"outside the preferred {_windows_text(pref)}: {why}")
            if other_prac:
                q = st.asg_p[spa]
                got = self.funnel(i, d, times={s}, pracs=(q,))
                if q not in inst.st_elig_pracs[i]:
                    why = f"{inst.prac_ids[q]} cannot give this therapy"
                elif got:
                    why = got[1]
                else:
                    why = f"keeping {inst.prac_ids[q]} would have cost more elsewhere"
                notes.append(
                    f"not with {inst.prac_ids[q]}, who gave {inst.step_key[spa][1]}: {why}"
                )
        finally:
            st.insert(i, s, d, p, r, sc)
        return base + "; " + "; ".join(notes) + "."

    def _partner_reason(
        self, i: int, d: int, times: set[int], *, later_only: bool = False
    ) -> tuple[str, str] | None:
        """Step i (taken out of the schedule) cannot start at `times` on date d only because
        of a same-day partner it must stay within a maximum gap of. Saying "it must end
        before its partner starts" would be circular, as the partner sits where it does
        because of step i; so the pair is looked at together: with the partner out too,
        what keeps step i or the partner from those times. With `later_only`, only partners
        after step i count (one before it moved first, and saying so is no circle). None
        when step i alone is held back by another neighbour."""
        inst, st = self.inst, self.st
        dur = inst.st_dur[i]
        partners = []  # (step, earliest start, latest start) for i at each of `times`
        a = inst.st_after[i]
        if a >= 0 and st.asg_s[a] >= 0 and inst.st_max_gap[i] != NO_LIMIT and not later_only:
            lead = inst.st_dur[a]
            partners.append((a, -inst.st_max_gap[i] - lead, -inst.st_min_gap[i] - lead))
        for j in inst.st_after_deps[i]:
            if st.asg_s[j] >= 0 and inst.st_max_gap[j] != NO_LIMIT:
                partners.append((j, dur + inst.st_min_gap[j], dur + inst.st_max_gap[j]))
        if not partners:
            return None
        kept = [
            (j, st.asg_s[j], st.asg_d[j], st.asg_p[j], st.asg_r[j], st.asg_sc[j])
            for j, _, _ in partners
        ]
        for j, *_ in kept:
            st.remove(j)
        try:
            alone = self.funnel(i, d, times=times)
            if alone is not None:
                return alone if alone[0] != "sequence_gap" else None
            for j, lo, hi in partners:
                their_times = {t + k for t in times for k in range(lo, hi + 1)}
                got = self.funnel(j, d, times=their_times)
                if got is not None and got[0] != "sequence_gap":
                    return got[0], f"{self._closely(j, lo)} could not be then: {got[1]}"
            together = " and ".join(self._closely(j, lo) for j, lo, _ in partners)
            every = "both" if len(partners) == 1 else "all"
            return "sequence_gap", (
                f"it goes with {together}, and they could not {every} be placed then "
                "without pushing other sessions"
            )
        finally:
            for j, sj, dj, pj, rj, scj in kept:
                st.insert(j, sj, dj, pj, rj, scj)

    def _preferred_tradeoff(
        self, i: int, d: int, times: set[int], s: int, p: int, *, free: bool
    ) -> tuple[str, str] | None:
        """Step i stays at s with p although the preferred `times` are `free` for it (or are
        held only by its plan's order): say which part of the objective its place keeps
        down, when it is one this step alone decides."""
        inst, st = self.inst, self.st
        prev = inst.st_prevasg[i]
        if prev is not None and prev[0] == s:
            return "previous_change", (
                "it keeps its time from the previous schedule, and moving a booked session "
                "weighs more than the preferred hours"
            )
        spa = inst.st_spa[i]
        if free and spa >= 0 and st.asg_s[spa] >= 0 and st.asg_p[spa] == p:
            got = self.funnel(i, d, times=times, pracs=(p,))
            if got is not None:
                partner = inst.step_key[spa][1]
                return got[0], f"it keeps {inst.prac_ids[p]}, who gave {partner}: {got[1]}"
        return None

    def _closely(self, j: int, offset: int) -> str:
        return f"{self.inst.step_key[j][1]} (just {'after' if offset > 0 else 'before'} it)"

    def _moved_note(self, i: int, prev: tuple[int, int, int], s: int, p: int, r: int) -> str:
        inst = self.inst
        g = inst.grid
        ps, pp, pr = prev
        pd = g.local_of_abs(ps)[0]
        pname = inst.prac_ids[pp] if pp >= 0 else "an unknown practitioner"
        rname = inst.room_ids[pr] if pr >= 0 else "an unknown room"
        where = f"{g.label(ps)} with {pname} in {rname}"
        if not 0 <= pd < inst.days or pd not in inst.step_dates(i):
            return f"moved from {where}: that date is no longer allowed"
        got = self.funnel(
            i,
            pd,
            times={ps},
            pracs=(pp,) if pp >= 0 else (),
            rooms=(pr,) if pr >= 0 else (),
        )
        if pp >= 0 and pp not in inst.st_elig_pracs[i]:
            why = f"{pname} can no longer give it"
        elif pr >= 0 and pr not in inst.st_elig_rooms[i]:
            why = f"{rname} no longer suits it"
        elif got:
            why = got[1]
        else:
            why = "other sessions had to move there"
        if ps == s:
            return f"same time as before but not with {pname} in {rname}: {why}"
        return f"moved from {where}: {why}"
