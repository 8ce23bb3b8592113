"""Exact CP-SAT model of panchakarma-schedule/1 and /2, the yardstick the engine is benchmarked against."""

# Model, per step s: presence p_s, start S_s (an integer over the step's feasible grid starts,
# minutes since the horizon origin, so DST is already folded in), and decoupled resource
# literals a[s,k] (practitioner) and b[s,r] (room) with sum = p_s. Practitioner availability is
# "a[s,k] => S_s in D_k". Optional intervals give NoOverlap per practitioner, NoOverlap per
# patient (size = duration + rest) and Cumulative per room (size = duration + turnover). Group
# therapies instead enumerate (start, room, practitioner) literals w, tied to occurrence literals
# o that hold the practitioner once. Every objective term of FORMAT.md is modelled exactly, so
# the solver's bound is a true lower bound on the problem's optimum.

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from bench.instance import Candidate, Instance, Step
from scheduling.engine.checker import check

FORMAT = "panchakarma-schedule/2"
LARGE_MODEL_VARS = 30_000


@dataclass
class CpsatResult:
    """Best solution found (None if none), its objective and CP-SAT's proven lower bound."""

    solution: dict | None
    objective: int | None
    bound: int | None
    status: str
    wall_time: float
    build_time: float
    model_objective: int | None = None  # CP-SAT's own value, to catch model/checker drift


@dataclass
class _StepVars:
    step: Step
    present: object  # BoolVar or int 0/1
    start: object | None = None
    cands: dict[int, Candidate] | None = None
    pracs: dict[int, object] | None = None  # k -> literal
    rooms: dict[int, object] | None = None  # r -> literal
    days: dict[int, object] | None = None  # local day index -> literal
    group: dict[tuple[int, int, int], object] | None = None  # (t, r, k) -> literal
    prac_starts: dict[int, list[int]] | None = None
    reason: str | None = None


def _is(x, value: int) -> bool:
    """True when x is the plain integer `value` (CP-SAT variables must not be compared with ==)."""
    return isinstance(x, int) and x == value


class CpsatModel:
    def __init__(self, problem: dict):
        self.problem = problem
        self.inst = Instance(problem)
        self.m = cp_model.CpModel()
        self.vars: list[_StepVars] = []
        self.terms: list = []  # objective terms (linear expressions)
        self.constant = 0
        self.occurrences: dict[tuple, object] = {}

    # -- variables per step ----------------------------------------------------------------------

    def _options(self, step: Step) -> _StepVars:
        inst = self.inst
        prev = inst.previous.get(step.index)
        if prev is not None and prev["pinned"]:
            day, m0 = inst.local(prev["t"])
            m1 = inst.end_minute(day, prev["t"] + step.therapy.duration)
            c = Candidate(prev["t"], day, m0, 1440 if m1 is None else m1)
            return _StepVars(
                step,
                1,
                cands={c.t: c},
                prac_starts={prev["prac"]: [c.t]},
                rooms={prev["room"]: None},
            )
        pracs = inst.pracs_for(step)
        rooms = inst.rooms_for(step)
        cands = inst.candidates(step)
        prac_starts = {}
        for k in pracs:
            free = inst.prac_free_starts(k, step.therapy.duration)
            ts = [c.t for c in cands if c.t in free]
            if ts:
                prac_starts[k] = ts
        reason = None
        if not pracs:
            reason = "no_practitioner_with_skill"
        elif not rooms:
            reason = "no_room_of_type"
        elif not cands:
            reason = "patient_unavailable"
        elif not prac_starts:
            reason = "practitioner_unavailable"
        if reason:
            return _StepVars(step, 0, reason=reason)
        usable = {t for ts in prac_starts.values() for t in ts}
        return _StepVars(
            step,
            None,
            cands={c.t: c for c in cands if c.t in usable},
            prac_starts=prac_starts,
            rooms=dict.fromkeys(rooms),
        )

    def build_step(self, step: Step) -> _StepVars:
        m = self.m
        sv = self._options(step)
        self.vars.append(sv)
        if _is(sv.present, 0):
            return sv
        name = f"{step.plan}/{step.id}"
        if sv.present is None:
            sv.present = m.new_bool_var(f"p[{name}]")
        p = sv.present
        times = sorted(sv.cands)
        sv.start = m.new_int_var_from_domain(cp_model.Domain.from_values(times), f"S[{name}]")
        if step.therapy.group_size > 1:
            self._group_step(sv, name)
        else:
            sv.pracs = {}
            for k, ts in sv.prac_starts.items():
                lit = p if len(sv.prac_starts) == 1 else m.new_bool_var(f"a[{name},{k}]")
                if len(ts) < len(times):
                    m.add_linear_expression_in_domain(
                        sv.start, cp_model.Domain.from_values(ts)
                    ).only_enforce_if(lit)
                sv.pracs[k] = lit
            if len(sv.pracs) > 1:
                m.add(sum(sv.pracs.values()) == p)
            rooms = list(sv.rooms)
            sv.rooms = {
                r: p if len(rooms) == 1 else m.new_bool_var(f"b[{name},{r}]") for r in rooms
            }
            if len(rooms) > 1:
                m.add(sum(sv.rooms.values()) == p)
        self._day_literals(sv, name, times)
        return sv

    def _day_literals(self, sv: _StepVars, name: str, times: list[int]) -> None:
        """sv.days: a literal per local day the step may fall on, true on the day it does."""
        m, p = self.m, sv.present
        by_day: dict[int, list[int]] = defaultdict(list)
        for t in times:
            by_day[sv.cands[t].day].append(t)
        if len(by_day) == 1:
            sv.days = {next(iter(by_day)): p}
        elif sv.group is not None:
            sv.days = {}
            for day in by_day:
                lit = m.new_bool_var(f"d[{name},{day}]")
                m.add(lit == sum(w for (t, _, _), w in sv.group.items() if sv.cands[t].day == day))
                sv.days[day] = lit
        else:
            sv.days = {}
            for day, ts in by_day.items():
                lit = m.new_bool_var(f"d[{name},{day}]")
                m.add_linear_expression_in_domain(
                    sv.start, cp_model.Domain.from_values(ts)
                ).only_enforce_if(lit)
                sv.days[day] = lit
            m.add(sum(sv.days.values()) == p)

    def _group_step(self, sv: _StepVars, name: str) -> None:
        m, step = self.m, sv.step
        p = sv.present
        sv.group = {}
        for k, ts in sv.prac_starts.items():
            for t in ts:
                for r in sv.rooms:
                    sv.group[(t, r, k)] = m.new_bool_var(f"w[{name},{t},{r},{k}]")
        m.add(sum(sv.group.values()) == p)
        self._enforce(m.add(sv.start == sum(t * w for (t, _, _), w in sv.group.items())), p)
        sv.pracs, sv.rooms = {}, dict.fromkeys(sv.rooms)
        for k in sv.prac_starts:
            lit = m.new_bool_var(f"a[{name},{k}]")
            m.add(lit == sum(w for (_, _, kk), w in sv.group.items() if kk == k))
            sv.pracs[k] = lit
        for r in list(sv.rooms):
            lit = m.new_bool_var(f"b[{name},{r}]")
            m.add(lit == sum(w for (_, rr, _), w in sv.group.items() if rr == r))
            sv.rooms[r] = lit
        for (t, r, k), w in sv.group.items():
            key = (step.therapy.id, t, r, k)
            o = self.occurrences.get(key)
            if o is None:
                o = m.new_bool_var(f"o[{key}]")
                self.occurrences[key] = o
                self.occ_members[key] = []
            self.occ_members[key].append(w)
            m.add_implication(w, o)

    # -- constraints -----------------------------------------------------------------------------

    def build(self) -> None:
        m, inst = self.m, self.inst
        self.occ_members: dict[tuple, list] = {}
        for step in inst.steps:
            self.build_step(step)
        for therapy, t, r, k in self.occurrences:
            # Joining a group booked before the problem: only its seats left are open.
            size = inst.booked_groups.get((therapy, r, k, t), inst.therapies[therapy].group_size)
            members = self.occ_members[(therapy, t, r, k)]
            if len(members) > size:
                m.add(sum(members) <= size)
        self._plan_order()
        self._no_overlaps()
        self._daily_limits()
        self._objective()

    def _plan_order(self) -> None:
        """Plans: prefix rule, list order, after-gaps."""
        for plan in self.inst.plans:
            ids = plan["steps"]
            for i, gi in enumerate(ids):
                sv = self.vars[gi]
                if _is(sv.present, 0):
                    continue
                before = self.vars[ids[i - 1]] if i > 0 else None
                if before is not None and not self._follows(sv, before):
                    continue
                if sv.step.after is not None:
                    self._after_gap(sv)

    def _follows(self, sv: _StepVars, before: _StepVars) -> bool:
        """Step sv starts after `before` ends and only when it is placed; False (and sv
        forced out) when `before` can never be placed."""
        if _is(before.present, 0):
            self._force_absent(sv)
            return False
        p = sv.present
        self._implies(p, before.present)
        self._enforce(self.m.add(sv.start >= before.start + before.step.therapy.duration), p)
        return True

    def _after_gap(self, sv: _StepVars) -> None:
        ref, gmin, gmax = sv.step.after
        av = self.vars[ref]
        if _is(av.present, 0):
            self._force_absent(sv)
            return
        p = sv.present
        end = av.start + av.step.therapy.duration
        self._enforce(self.m.add(sv.start >= end + gmin), p)
        if gmax is not None:
            self._enforce(self.m.add(sv.start <= end + gmax), p)

    def _no_overlaps(self) -> None:
        """Practitioners: one session at a time, group occurrences counted once (a booked
        one is always there); rooms up to their capacity (busy intervals take their `places`,
        or every place); patients one session (with rest)."""
        m, inst = self.m, self.inst
        per_prac: dict[int, list] = defaultdict(list)
        per_room: dict[int, list] = defaultdict(list)
        per_patient: dict[str, list] = defaultdict(list)
        for sv in self.vars:
            if not _is(sv.present, 0):
                self._step_intervals(sv, per_prac, per_room, per_patient)
        self._occurrence_intervals(per_prac)
        for items in per_prac.values():
            m.add_no_overlap(items)
        self._busy_room_intervals(per_room)
        for r, items in per_room.items():
            cap = inst.rooms[r]["capacity"]
            if cap == 1:
                m.add_no_overlap([iv for iv, _ in items])
            else:
                m.add_cumulative([iv for iv, _ in items], [d for _, d in items], cap)
        for items in per_patient.values():
            m.add_no_overlap(items)

    def _occurrence_intervals(self, per_prac: dict) -> None:
        """A group occurrence holds its practitioner once, when it has members; one booked
        before the problem holds them in any case."""
        m, inst = self.m, self.inst
        for (therapy, t, r, k), o in self.occurrences.items():
            if (therapy, r, k, t) not in inst.booked_groups:
                dur = inst.therapies[therapy].duration
                per_prac[k].append(m.new_optional_fixed_size_interval_var(t, dur, o, ""))
        for therapy, _r, k, t in inst.booked_groups:
            dur = inst.therapies[therapy].duration
            per_prac[k].append(m.new_interval_var(t, dur, t + dur, ""))

    def _busy_room_intervals(self, per_room: dict) -> None:
        """Busy intervals on rooms, each taking its places (all of them in the old form)."""
        m, inst = self.m, self.inst
        for res, intervals in inst.busy.items():
            if res in inst.room_index:
                r = inst.room_index[res]
                per_room[r].extend(
                    (m.new_interval_var(a, b - a, b, ""), inst.rooms[r]["capacity"])
                    for a, b in intervals
                    if b > a
                )
        for res, intervals in inst.room_places.items():
            r = inst.room_index[res]
            per_room[r].extend(
                (m.new_interval_var(a, b - a, b, ""), places) for a, b, places in intervals if b > a
            )

    def _step_intervals(self, sv: _StepVars, per_prac: dict, per_room: dict, per_patient: dict):
        """Step sv's optional intervals on its patient, practitioners and rooms."""
        m = self.m
        th = sv.step.therapy
        name = f"{sv.step.plan}/{sv.step.id}"
        per_patient[sv.step.patient].append(
            self._interval(sv.start, th.duration + th.rest, sv.present, f"pat[{name}]")
        )
        if sv.group is not None:
            for (t, r, _), w in sv.group.items():
                per_room[r].append(
                    (m.new_optional_fixed_size_interval_var(t, th.duration + th.turnover, w, ""), 1)
                )
            return
        for k, lit in sv.pracs.items():
            per_prac[k].append(self._interval(sv.start, th.duration, lit, f"prac[{name},{k}]"))
        for r, lit in sv.rooms.items():
            per_room[r].append(
                (self._interval(sv.start, th.duration + th.turnover, lit, f"room[{name},{r}]"), 1)
            )

    def _daily_limits(self) -> None:
        """Daily session limits per patient and local date."""
        per_day: dict[tuple[str, int], list] = defaultdict(list)
        for sv in self.vars:
            if not _is(sv.present, 0):
                for day, lit in sv.days.items():
                    per_day[(sv.step.patient, day)].append(lit)
        for (pid, _), lits in per_day.items():
            limit = (self.inst.patients.get(pid) or {}).get("max_daily")
            if limit is not None and len(lits) > limit:
                self.m.add(sum(lits) <= limit)

    def _force_absent(self, sv: _StepVars) -> None:
        sv.reason = sv.reason or "predecessor_unscheduled"
        if isinstance(sv.present, int):
            # A pinned step after an impossible one: the problem itself is inconsistent.
            self.m.add(self.m.new_constant(sv.present) == 0)
        else:
            self.m.add(sv.present == 0)

    def _implies(self, a, b) -> None:
        if isinstance(b, int):
            if b == 0 and not isinstance(a, int):
                self.m.add(a == 0)
            return
        if isinstance(a, int):
            if a == 1:
                self.m.add(b == 1)
            return
        self.m.add_implication(a, b)

    @staticmethod
    def _enforce(ct, lit) -> None:
        if not isinstance(lit, int):
            ct.only_enforce_if(lit)

    def _interval(self, start, size: int, lit, name: str):
        if isinstance(lit, int):
            return self.m.new_interval_var(start, size, start + size, name)
        return self.m.new_optional_fixed_size_interval_var(start, size, lit, name)

    # -- objective -------------------------------------------------------------------------------

    def _objective(self) -> None:
        inst = self.inst
        for sv in self.vars:
            step = sv.step
            weight = 1000 * (1 + inst.priority(step))
            self.constant += weight
            if _is(sv.present, 0):
                continue
            self.terms.append(-weight * sv.present)
            for day, lit in sv.days.items():
                k = (inst.dates[day] - step.nominal).days
                if k > 0:
                    self.terms.append(50 * k * lit)
            self._preferred_term(sv)
            self._same_practitioner_term(sv)
            self._previous_terms(sv)
        self._overtime()
        self.m.minimize(sum(self.terms) + self.constant)

    def _preferred_term(self, sv: _StepVars) -> None:
        """5 when the session is outside its patient's preferred windows."""
        m, inst, step = self.m, self.inst, sv.step
        if not (inst.patients.get(step.patient) or {}).get("preferred"):
            return
        good = [t for t, c in sv.cands.items() if inst.preferred_ok(step, c)]
        if len(good) == len(sv.cands):
            return
        if not good:
            self.terms.append(5 * sv.present)
        elif sv.group is not None:
            good_set = set(good)
            self.terms.append(5 * sum(w for (t, _, _), w in sv.group.items() if t not in good_set))
        else:
            ok = m.new_bool_var("")
            self._implies(ok, sv.present)
            m.add_linear_expression_in_domain(
                sv.start, cp_model.Domain.from_values(good)
            ).only_enforce_if(ok)
            self.terms.append(5 * sv.present - 5 * ok)

    def _same_practitioner_term(self, sv: _StepVars) -> None:
        """10 when the practitioner differs from the same_practitioner_as step's."""
        m, step = self.m, sv.step
        if step.same_as is None or _is(self.vars[step.same_as].present, 0):
            return
        other = self.vars[step.same_as]
        if len(sv.pracs) > 1 or len(other.pracs) > 1 or set(sv.pracs) != set(other.pracs):
            diff = m.new_bool_var("")
            for k, lit in sv.pracs.items():
                if k in other.pracs:
                    m.add(diff >= lit - other.pracs[k])
                else:
                    m.add(diff >= lit)
            self.terms.append(10 * diff)

    def _previous_terms(self, sv: _StepVars) -> None:
        """20 when a (non-pinned) previous placement's start moved, else 5 when its room or
        practitioner changed."""
        m = self.m
        prev = self.inst.previous.get(sv.step.index)
        if prev is None or prev["pinned"]:
            return
        if prev["t"] not in sv.cands:
            self.terms.append(20 * sv.present)
            return
        eq = m.new_bool_var("")
        m.add(sv.start == prev["t"]).only_enforce_if(eq)
        self._implies(eq, sv.present)
        self.terms.append(20 * sv.present - 20 * eq)
        ch = m.new_bool_var("")
        pk = sv.pracs.get(prev["prac"])
        rr = sv.rooms.get(prev["room"])
        m.add(ch >= eq - pk) if pk is not None else m.add(ch >= eq)
        m.add(ch >= eq - rr) if rr is not None else m.add(ch >= eq)
        self.terms.append(5 * ch)

    def _overtime(self) -> None:
        m, inst = self.m, self.inst
        loads: dict[tuple[int, int], list] = defaultdict(list)  # (k, day) -> [(minutes, lit|pair)]
        for sv in self.vars:
            if _is(sv.present, 0) or sv.group is not None:
                continue
            dur = sv.step.therapy.duration
            for k, a in sv.pracs.items():
                days = {sv.cands[t].day for t in sv.prac_starts.get(k, sv.cands)}
                for day in days:
                    loads[(k, day)].append((dur, a, sv.days[day] if len(sv.days) > 1 else None))
        for (therapy, t, r, k), o in self.occurrences.items():
            if (therapy, r, k, t) in inst.booked_groups:  # booked before: not this schedule's
                continue
            loads[(k, self.inst.local(t)[0])].append((inst.therapies[therapy].duration, o, None))
        for (k, _), items in loads.items():
            soft = inst.pracs[k]["soft"]
            if soft is None or sum(d for d, _, _ in items) <= int(soft):
                continue
            minutes = []
            for dur, a, dlit in items:
                if dlit is None:
                    minutes.append(dur * a)
                else:
                    # u >= a AND day: only the lower bound matters, overtime is minimised.
                    u = m.new_bool_var("")
                    m.add(u >= a + dlit - 1)
                    minutes.append(dur * u)
            top = math.ceil((sum(d for d, _, _ in items) - int(soft)) / 15)
            ot = m.new_int_var(0, top, "")
            m.add(15 * ot >= sum(minutes) - int(soft))
            self.terms.append(ot)

    # -- hints and read-back ---------------------------------------------------------------------

    def hint(self, solution: dict) -> None:
        inst = self.inst
        placed = {}
        for a in solution.get("assignments") or []:
            gi = inst.step_index.get((a["plan"], a["step"]))
            if gi is not None:
                placed[gi] = (
                    inst.instant(a["start"]),
                    inst.room_index.get(a["room"]),
                    inst.prac_index.get(a["practitioner"]),
                )
        for sv in self.vars:
            if _is(sv.present, 0):
                continue
            got = placed.get(sv.step.index)
            if not isinstance(sv.present, int):
                self.m.add_hint(sv.present, got is not None)
            if got is not None:
                self._hint_placement(sv, *got)

    def _hint_placement(self, sv: _StepVars, t: int, r: int | None, k: int | None) -> None:
        """Hint step sv at start t in room r with practitioner k."""
        if t in sv.cands:
            self.m.add_hint(sv.start, t)
        if sv.group is not None:
            for key, w in sv.group.items():
                self.m.add_hint(w, key == (t, r, k))
            return
        for kk, lit in sv.pracs.items():
            if not isinstance(lit, int) and lit is not sv.present:
                self.m.add_hint(lit, kk == k)
        for rr, lit in sv.rooms.items():
            if not isinstance(lit, int) and lit is not sv.present:
                self.m.add_hint(lit, rr == r)

    def complete_hint(self, solution: dict, time_limit: float) -> bool:
        """Turn a solution into a complete hint (auxiliary literals included) so that CP-SAT
        starts from it at once instead of spending its budget rediscovering a first schedule."""
        self.hint(solution)
        solver = cp_model.CpSolver()
        solver.parameters.fix_variables_to_their_hinted_value = True
        solver.parameters.max_time_in_seconds = time_limit
        solver.parameters.num_workers = 1
        status = solver.solve(self.m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        self.m.clear_hints()
        for i in range(len(self.m.proto.variables)):
            var = self.m.get_int_var_from_proto_index(i)
            self.m.add_hint(var, solver.value(var))
        return True

    def read(self, solver: cp_model.CpSolver) -> dict:
        inst = self.inst
        assignments, unscheduled = [], []
        failed: dict[str, str] = {}
        for sv in self.vars:
            step = sv.step
            on = self._true(solver, sv.present)
            if not on:
                if step.plan in failed:
                    code, msg = "predecessor_unscheduled", f"earlier step {failed[step.plan]}"
                else:
                    code = sv.reason if sv.reason != "predecessor_unscheduled" else "search_limit"
                    code = code or "search_limit"
                    msg = "not placed by the CP-SAT model"
                failed.setdefault(step.plan, step.id)
                unscheduled.append(
                    {
                        "plan": step.plan,
                        "step": step.id,
                        "reasons": [{"code": code, "message": msg}],
                    }
                )
                continue
            t = solver.value(sv.start)
            if sv.group is not None:
                (t, r, k) = next(key for key, w in sv.group.items() if solver.boolean_value(w))
            else:
                k = next(kk for kk, lit in sv.pracs.items() if self._true(solver, lit))
                r = next(rr for rr, lit in sv.rooms.items() if self._true(solver, lit))
            assignments.append(
                {
                    "plan": step.plan,
                    "step": step.id,
                    "start": inst.iso(t),
                    "room": inst.rooms[r]["id"],
                    "practitioner": inst.pracs[k]["id"],
                }
            )
        return {"format": FORMAT, "assignments": assignments, "unscheduled": unscheduled}

    @staticmethod
    def _true(solver: cp_model.CpSolver, lit) -> bool:
        if lit is None or isinstance(lit, int):
            return lit is None or lit == 1
        return solver.boolean_value(lit)


def solve_cpsat(
    problem: dict,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    hint: dict | None = None,
    seed: int = 0,
) -> CpsatResult:
    """Build and solve the exact model; the time limit applies to the search, not the build."""
    t0 = time.perf_counter()
    model = CpsatModel(problem)
    model.build()
    if hint is not None and not model.complete_hint(hint, time_limit=max(1.0, time_limit)):
        model.m.clear_hints()
        model.hint(hint)  # an incomplete hint is still better than none
    build = time.perf_counter() - t0
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    if len(model.m.proto.variables) > LARGE_MODEL_VARS:
        # Default presolve (probing, symmetry, repeated passes) alone outlasts a 60 s budget on
        # ~1,500-step models and then returns nothing; a light presolve lets the search start.
        solver.parameters.symmetry_level = 0
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.max_presolve_iterations = 1
    status = solver.solve(model.m)
    name = solver.status_name(status)
    wall = time.perf_counter() - t0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = solver.best_objective_bound if status == cp_model.UNKNOWN else None
        bound = None if bound is None or math.isinf(bound) else math.ceil(bound - 1e-6)
        return CpsatResult(None, None, bound, name, wall, build)
    solution = model.read(solver)
    report = check(problem, solution)
    solution["objective"] = report.objective
    return CpsatResult(
        solution=solution,
        objective=report.objective,
        bound=math.ceil(solver.best_objective_bound - 1e-6),
        status=name,
        wall_time=wall,
        build_time=build,
        model_objective=round(solver.objective_value),
    )
