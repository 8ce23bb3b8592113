"""Plain first-fit baseline: plans in file order, each step at its earliest feasible placement."""

# No look-ahead and no backtracking on purpose: this is the floor the real engine must never be
# worse than, so it should be simple enough to be obviously right rather than good.

from __future__ import annotations

from collections import Counter, defaultdict

from bench.instance import Candidate, Instance, Step
from scheduling.engine.checker import check

FORMAT = "panchakarma-schedule/2"
BUCKET = 1440  # minutes per occupancy bucket; any fixed width works, a day keeps lists short


class Occupancy:
    """Intervals per resource, hashed into fixed-width time buckets for quick overlap queries."""

    def __init__(self) -> None:
        self.buckets: dict[tuple, list[tuple]] = defaultdict(list)

    def add(self, res: tuple, s: int, e: int, demand: int = 1, key: object = None) -> None:
        entry = (s, e, demand, key)
        for b in range(s // BUCKET, (max(e, s + 1) - 1) // BUCKET + 1):
            self.buckets[(res, b)].append(entry)

    def overlapping(self, res: tuple, s: int, e: int) -> list[tuple]:
        seen: dict[int, tuple] = {}
        for b in range(s // BUCKET, (max(e, s + 1) - 1) // BUCKET + 1):
            for entry in self.buckets.get((res, b), ()):
                if entry[0] < e and s < entry[1]:
                    seen[id(entry)] = entry
        return list(seen.values())


def peak_load(entries: list[tuple], s: int, e: int) -> int:
    """Largest summed demand of the entries at any instant of [s, e)."""
    events = []
    for a, b, demand, _ in entries:
        events.append((max(a, s), 1, demand))
        events.append((min(b, e), 0, -demand))
    events.sort()
    load = peak = 0
    for _, _, delta in events:
        load += delta
        peak = max(peak, load)
    return peak


class FirstFit:
    def __init__(self, inst: Instance):
        self.inst = inst
        self.occ = Occupancy()
        self.daily: Counter = Counter()
        self.members: Counter = Counter()
        self.placed: dict[int, tuple[int, int, int]] = {}  # step -> (t, room, prac)
        for k, p in enumerate(inst.pracs):
            for a, b in p["off"]:
                self.occ.add(("T", k), a, b, key="off")
        for res, intervals in inst.busy.items():
            for a, b in intervals:
                if res in inst.prac_index:
                    self.occ.add(("T", inst.prac_index[res]), a, b, key="busy")
                elif res in inst.room_index:
                    r = inst.room_index[res]
                    self.occ.add(("R", r), a, b, demand=inst.rooms[r]["capacity"], key="busy")
                # Patient busy intervals are already excluded from the step candidates.
        for res, intervals in inst.room_places.items():
            for a, b, places in intervals:
                self.occ.add(("R", inst.room_index[res]), a, b, demand=places, key="busy")
        for key, seats in inst.booked_groups.items():
            therapy_id, _r, k, t = key
            therapy = inst.therapies[therapy_id]
            # Held under the occurrence's key, so that only a joiner shares the practitioner.
            self.occ.add(("T", k), t, t + therapy.duration, key=key)
            self.members[key] = therapy.group_size - seats

    def occ_key(self, step: Step, t: int, r: int, k: int) -> tuple | None:
        return (step.therapy.id, r, k, t) if step.therapy.group_size > 1 else None

    def place(self, step: Step, t: int, r: int, k: int) -> None:
        th = step.therapy
        key = self.occ_key(step, t, r, k)
        if key is None or self.members[key] == 0:
            self.occ.add(("T", k), t, t + th.duration, key=key)
        if key is not None:
            self.members[key] += 1
        self.occ.add(("R", r), t, t + th.duration + th.turnover)
        self.occ.add(("P", step.patient), t, t + th.duration + th.rest)
        self.daily[(step.patient, self.inst.local(t)[0])] += 1
        self.placed[step.index] = (t, r, k)

    def window(self, step: Step) -> tuple[int | None, int | None]:
        """Earliest and latest start allowed by rule 8, given the plan's earlier placements."""
        inst = self.inst
        lo = hi = None
        if step.pos > 0:
            prev = inst.steps[step.index - 1]
            t, _, _ = self.placed[prev.index]
            lo = t + prev.therapy.duration
        if step.after is not None:
            ref, gmin, gmax = step.after
            t, _, _ = self.placed[ref]
            end = t + inst.steps[ref].therapy.duration
            lo = max(lo if lo is not None else end + gmin, end + gmin)
            if gmax is not None:
                hi = end + gmax
        return lo, hi

    def room_ok(self, step: Step, c: Candidate, r: int, k: int | None = None) -> bool:
        th = step.therapy
        e = c.t + th.duration + th.turnover
        entries = self.occ.overlapping(("R", r), c.t, e)
        return peak_load(entries, c.t, e) + 1 <= self.inst.rooms[r]["capacity"]

    def prac_ok(self, step: Step, c: Candidate, k: int, r: int) -> bool:
        if not self.inst.prac_available(k, step, c):
            return False
        key = self.occ_key(step, c.t, r, k)
        for entry in self.occ.overlapping(("T", k), c.t, c.t + step.therapy.duration):
            if key is None or entry[3] != key:
                return False
        return key is None or self.members[key] < step.therapy.group_size

    def try_step(self, step: Step, why: Counter) -> tuple[int, int, int] | None:
        inst = self.inst
        th = step.therapy
        pracs = inst.pracs_for(step)
        rooms = inst.rooms_for(step)
        if not pracs:
            why["gender_constraint" if self._skilled(step) else "no_practitioner_with_skill"] += 1
            return None
        if not rooms:
            why["gender_constraint" if self._typed(step) else "no_room_of_type"] += 1
            return None
        cands = inst.candidates(step)
        if not cands:
            why[self._no_candidate_reason(step)] += 1
            return None
        lo, hi = self.window(step)
        limit = (inst.patients.get(step.patient) or {}).get("max_daily")
        for c in cands:
            if (lo is not None and c.t < lo) or (hi is not None and c.t > hi):
                why["sequence_gap"] += 1
                continue
            if limit is not None and self.daily[(step.patient, c.day)] >= limit:
                why["daily_limit"] += 1
                continue
            if self.occ.overlapping(("P", step.patient), c.t, c.t + th.duration + th.rest):
                why["patient_unavailable"] += 1
                continue
            found_prac = False
            for r in rooms:
                if not self.room_ok(step, c, r):
                    continue
                for k in pracs:
                    if self.prac_ok(step, c, k, r):
                        return c.t, r, k
                found_prac = found_prac or any(inst.prac_available(k, step, c) for k in pracs)
            why["room_unavailable" if found_prac else "practitioner_unavailable"] += 1
        return None

    def _skilled(self, step: Step) -> bool:
        return any(step.therapy.skill in p["skills"] for p in self.inst.pracs)

    def _typed(self, step: Step) -> bool:
        return any(r["type"] in step.therapy.room_types for r in self.inst.rooms)

    def _no_candidate_reason(self, step: Step) -> str:
        inst = self.inst
        days = [(step.nominal - inst.h_start).days + k for k in range(step.slack + 1)]
        inside = [d for d in days if 0 <= d < inst.days]
        if not inside:
            return "horizon_exceeded"
        if all(inst.dates[d] in inst.closed for d in inside):
            return "center_closed"
        return "patient_unavailable"

    def solve(self) -> dict:
        inst = self.inst
        pinned = {gi: p for gi, p in inst.previous.items() if p["pinned"]}
        for gi, p in sorted(pinned.items(), key=lambda kv: kv[1]["t"]):
            # Pinned sessions are facts: place them first, exactly as given.
            self.place(inst.steps[gi], p["t"], p["room"], p["prac"])
        assignments, unscheduled = [], []
        for plan in inst.plans:
            failed = None
            for gi in plan["steps"]:
                step = inst.steps[gi]
                if gi in pinned:
                    placement = self.placed[gi]
                elif failed is not None:
                    unscheduled.append(
                        {
                            "plan": step.plan,
                            "step": step.id,
                            "reasons": [
                                {
                                    "code": "predecessor_unscheduled",
                                    "message": f"earlier step {failed} is unscheduled",
                                }
                            ],
                        }
                    )
                    continue
                else:
                    why: Counter = Counter()
                    placement = self.try_step(step, why)
                    if placement is None:
                        failed = step.id
                        code = why.most_common(1)[0][0] if why else "search_limit"
                        unscheduled.append(
                            {
                                "plan": step.plan,
                                "step": step.id,
                                "reasons": [
                                    {
                                        "code": code,
                                        "message": "first fit found no feasible start "
                                        f"({', '.join(f'{c}: {n}' for c, n in why.most_common())})",
                                    }
                                ],
                            }
                        )
                        continue
                    self.place(step, *placement)
                t, r, k = placement
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


def first_fit(problem: dict) -> dict:
    """Schedule `problem` by plain first fit; the solution's objective is the checker's."""
    solution = FirstFit(Instance(problem)).solve()
    solution["objective"] = check(problem, solution).objective
    return solution
