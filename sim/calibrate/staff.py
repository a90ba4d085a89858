"""Staff: roles from resources, headcount per role, weekly working calendars.

* **Roles.** Each resource's activity profile (how many instances of each activity it did) is
  compared with every other's by cosine similarity; resources are clustered by average linkage
  and the tree is cut at ``1 - role_similarity`` (the resource-pool discovery of Song & van der
  Aalst, as Simod uses it, threshold 0.7 by default, but with the cosine where they use the
  Pearson correlation: with two activities the correlation of two profiles is +1 or -1 by the
  noise of the counts alone, 482 / 473 against 472 / 481 gives -1, and two clerks doing the
  same work fell into two roles). Each activity is done by the cluster that did
  most of its instances; a cluster that is the main one for no activity joins the role whose
  activities make up most of its work, so its people still count. One role = one activity set.
  A cluster whose people spend less than ``MIN_OWN_WORK`` of their work on the activities it
  would own (receipt: three people mostly doing the large role's work, main cluster only for an
  activity seen twice) is not a role: its people join the cluster whose activities they mostly
  do, so their capacity is where their work is.
* **Headcount** = the most people the role had on staff at once: a person is on staff from
  their first to their last event. In a log where everybody works throughout this is the number
  of distinct resources; where people leave and others join during the extract (BPIC 2012:
  39 names in role_1 over ten weeks, at most 36 of them on staff at once)
  a leaver and their successor are one seat, not two people working side by side. It is the
  peak, not the median: a role whose members overlap only part of the time (a completion-only
  log's sparse resources, BPIC 2013's 1,440 names with 21 on staff at the median moment) would
  otherwise lose capacity that the log's waits show it had. The distinct count, the median
  and the time mean stay in the provenance.
* **Calendars.** For each role, an hour of the week is a working hour when at least one member
  started or ended an activity in that hour in at least ``calendar_threshold`` of the weeks the
  log covers that hour, and in at least two of them (an end counts only where its activity
  started the same day: one that runs across a night or a weekend ends when it is resumed, or
  when a system closes it - BPIC 2012's nightly batch ends call-backs at 05:15, which opened its
  clerks' calendar at 05:00, where the simulation then did 16 % of their work against none in
  the log - except where such ends extend a day's opening by the work resumed in its morning,
  ``resumed_work``: specialists who finish Friday's reviews from 08:00 on Monday start nothing
  new before 09:00): one event in one week is not a working
  pattern (a case that arrives at the instant a shift closes is logged as started then,
  although its work happens the next morning; opening that hour every week would count an hour
  of work in every activity that spans it). But an hour is closed only where its silence is
  evidence (``quiet_not_closed``): a role with few events leaves open hours empty in some weeks
  by chance, so an hour (or a run of silent hours) that an open hour at the role's event rate
  could well have left that empty stays open. A log shorter than two weeks gives one daily
  pattern instead; hours of the day that a log shorter than a day never reaches are unknown and
  count as working hours (closing them would stop all work there). Within the open hours, slots
  of ``calendar_minutes`` (30 by default) are then closed where the evidence is strong
  (``closed_slots``): whole hours read a lunch break from 12:30 to 13:30 or a shift opening at
  08:30 as open time (a simulated CRM office of 35 hours came out as 40 hours a week).
* **Work on the clock.** Some "roles" do not pause outside the hours in which they start and end
  work: a customer filling in a form, a supplier delivering, an external check with a fixed lead
  time. Their activities start in office hours (when the case reaches them) but run through
  nights and weekends. If such durations were measured in working hours of the observed
  calendar, a 24-hour task would become 8 working hours plus closed time, drawn anew for each
  start time. The data tell which reading is right: where work pauses, the working-hour
  durations of an activity are more regular than its clock durations (the closed time in
  between depends on when it started, not on the work); where it does not, the clock durations
  are the regular ones. A role whose activities that span closed hours (at least
  ``CLOCK_MIN_SPANNING`` of them) have a lower coefficient of variation on the clock than in
  working hours (averaged over its activities, weighted by their counts) works on the clock:
  its calendar is 24/7, with a note in its provenance. So does a role most of whose activities
  across closed hours (at least ``CLOCK_MIN_ENDS``) *end* in them, which work that pauses
  cannot do (an expert on call around the clock for cases that arrive in office hours: too few
  of its activities cross the evening for the spread test, which cutting hours out of random
  durations also tilts towards pausing, QA 8b #2).
* Hourly costs are not in event logs: they are set to 0 with a note.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist
from scipy.stats import binom, variation

from sim.calibrate.fitting import samples_that_differ
from sim.model.calendar import ALWAYS, HOURS_PER_WEEK, WeeklyRate, _compress

SHORT_LOG_DAYS = 14.0  # below this span, weekly patterns are pooled into one daily pattern
CLOCK_MIN_SPANNING = 20  # activities across closed hours needed to tell clock from working time
CLOCK_MIN_ENDS = 5  # ... and to read it from where they end
CLOCK_ENDS_SHARE = 0.5  # the share of them ending in closed hours that shows work going on
BATCH_SHARE = 0.5  # ... unless this share of those ends fall in one quarter-hour: a batch job
CLOSED_EVIDENCE_P = 0.001  # an hour is closed when its silence is this improbable for an open one
SLOT_MINUTES = (15, 20, 30, 60)  # calendar slots: divisors of the hour, >= 15
WAITS_KNOWN_SHARE = 0.5  # a role's instances with a known enabled time needed to read its waits
MIN_OWN_WORK = 0.25  # a role whose people spend less of their work on its activities is dissolved
RESUMED_QUANTILE = 0.95  # durations within a day that bound the work resumed in a morning


def observed_days(t: np.ndarray) -> set[int]:
    """Weekdays (0 = Monday) a short log covers: Monday-Friday when it saw no weekend day."""
    seen = set((np.floor(t / 24.0).astype(np.int64) % 7).tolist())
    return set(range(5)) if max(seen) < 5 else set(range(7))


def covered_hours(lo: float, hi: float) -> np.ndarray:
    """Which hours of the day (24 booleans) the time range ``[lo, hi]`` (hours) covers at all.

    A log shorter than a day (or an arrival record cut by a train/test split) says nothing about
    the other hours: neither that nobody works then nor that nobody arrives.
    """
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi - lo >= 24.0:
        return np.ones(24, dtype=bool)
    out = np.zeros(24, dtype=bool)
    h = np.floor(lo)
    while h < hi:
        out[int(h) % 24] = True
        h += 1.0
    return out


COST_NOTE = "hourly cost is not in the event log: set to 0, fill it in for cost KPIs"


@dataclass
class RoleFit:
    """One discovered role."""

    name: str
    members: list[str]
    activities: list[str]  # the steps this role does
    calendar: WeeklyRate
    provenance: dict[str, Any] = field(default_factory=dict)
    on_staff: int | None = None  # the most people on staff at once (None: every member)

    @property
    def headcount(self) -> int:
        """Number of people the role has at once (see the module docstring)."""
        return len(self.members) if self.on_staff is None else self.on_staff


def cluster_resources(events: pd.DataFrame, *, role_similarity: float = 0.7) -> dict[str, int]:
    """Resource -> cluster id, by cosine similarity of activity profiles (average linkage)."""
    staffed = events[events["resource"].notna()]
    if staffed.empty:
        return {}
    profile = pd.crosstab(staffed["resource"], staffed["activity"])
    names = [str(r) for r in profile.index]
    if len(names) == 1 or profile.shape[1] == 1:
        return dict.fromkeys(names, 1)
    x = profile.to_numpy(dtype=float)  # counts: every row has at least one event
    # distances first: a square, symmetric profile with a zero diagonal (two people, two
    # activities each their own) is otherwise taken for a distance matrix, with a ClusterWarning
    z = linkage(pdist(x, metric="cosine"), method="average")
    z[:, 2] = np.nan_to_num(z[:, 2], nan=2.0)
    labels = fcluster(z, t=max(1.0 - role_similarity, 1e-9), criterion="distance")
    return {r: int(c) for r, c in zip(names, labels, strict=True)}


def _role_work(clusters: dict[str, int], res_counts: pd.DataFrame) -> dict[int, float]:
    """Per cluster that is the main one for some activity: the share of its members' work spent
    on those activities."""
    cl = pd.Series(clusters).reindex(res_counts.index)
    by_cluster = res_counts.groupby(cl.to_numpy()).sum()  # cluster x activity
    main = by_cluster.idxmax(axis=0)  # activity -> main cluster
    return {
        int(c): float(by_cluster.loc[c, main[main == c].index].sum() / by_cluster.loc[c].sum())
        for c in set(main)
    }


def _without_idle_roles(clusters: dict[str, int], res_counts: pd.DataFrame) -> dict[str, int]:
    """Clusters with every would-be role that spends less than ``MIN_OWN_WORK`` of its people's
    work on its own activities dissolved into the others (its people join the cluster whose
    activities make up most of their work).

    Receipt: three people who mostly do the large role's activities are the main cluster only
    for an activity seen twice; as a role of their own they would sit idle in the simulation
    (utilisation 0 %) while the large role lacks their capacity.
    """
    clusters = dict(clusters)
    while True:
        work = _role_work(clusters, res_counts)
        weak = [c for c, w in work.items() if w < MIN_OWN_WORK]
        if not weak or len(work) < 2:
            return clusters
        gone = min(weak, key=lambda c: (work[c], c))  # one at a time: the others may recover
        keep = [c for c in work if c != gone]
        cl = pd.Series(clusters).reindex(res_counts.index)
        by_cluster = res_counts.groupby(cl.to_numpy()).sum()
        main = by_cluster.idxmax(axis=0)
        acts = {c: main[main == c].index for c in keep}
        for r in [r for r, c in clusters.items() if c == gone]:
            row = res_counts.loc[r]
            clusters[r] = max(keep, key=lambda c: (row.reindex(acts[c]).fillna(0).sum(), -c))


def discover_roles(
    events: pd.DataFrame,
    *,
    role_similarity: float = 0.7,
    calendar_threshold: float = 0.1,
    calendar_minutes: int = 30,
    given: Mapping[str, str] | None = None,
    enabled: np.ndarray | None = None,
    shared: Mapping[str, int] | None = None,
) -> tuple[dict[str, RoleFit], dict[str, str]]:
    """Roles and the role of each staffed activity (see the module docstring).

    ``shared``: activities done by several people at once (their ``events`` hold one row per
    person, ``sim.calibrate.prepare.explode_people``) -> their number of instances: every role
    whose people take part in at least half of them counts it among its activities (the main
    role, the most frequent, is still the one ``act_role`` names).

    ``given``: resource -> role, from the log (its role column), naming a role for every
    resource of ``events``: those roles, under those names, instead of groups of resources with
    similar activity profiles (a role that is the main one of no activity still joins the role
    whose activities its people do most, as it would sit idle in a simulation).

    ``enabled``: when each event's activity became enabled (aligned with ``events``; NaN where
    unknown, e.g. a case's first activity): the instances of a role's activities wait for it
    from then to their start, which tells a closed slot from an idle one
    (``discover_calendar``'s ``waiting``), where at least ``WAITS_KNOWN_SHARE`` of them have it.

    Returns ``(roles by name, activity -> role name)``; activities never done by a named resource
    are automated (not in the mapping).
    """
    staffed = events[events["resource"].notna()]
    if given:
        ids = {name: k for k, name in enumerate(sorted(set(given.values())), start=1)}
        clusters = {str(r): ids[given[str(r)]] for r in pd.unique(staffed["resource"])}
        names = {k: name for name, k in ids.items()}
    else:
        clusters = cluster_resources(events, role_similarity=role_similarity)
        names = {}
    if not clusters:
        return {}, {}
    span = (float(events["start"].min()), float(events["end"].max()))
    res_counts = pd.crosstab(staffed["resource"], staffed["activity"])
    if not given:
        clusters = _without_idle_roles(clusters, res_counts)
    cl = staffed["resource"].map(clusters)
    counts = pd.crosstab(staffed["activity"], cl)  # activity x cluster
    main = counts.idxmax(axis=1)  # activity -> main cluster
    taking_part = {
        a: [c for c in counts.columns if counts.at[a, c] >= 0.5 * n]
        for a, n in (shared or {}).items()
        if a in counts.index
    }
    role_clusters = sorted(
        set(main) | {c for cs in taking_part.values() for c in cs},
        key=lambda c: (-counts[c].sum(), c),
    )
    members: dict[int, list[str]] = {c: [] for c in role_clusters}
    acts_of: dict[int, list[str]] = {
        c: sorted(set(main[main == c].index) | {a for a, cs in taking_part.items() if c in cs})
        for c in role_clusters
    }
    for r, c in sorted(clusters.items()):
        if c in members:
            members[c].append(r)
            continue
        # join the role whose activities make up most of this resource's work
        row = res_counts.loc[r]
        best = max(role_clusters, key=lambda rc: (row.reindex(acts_of[rc]).fillna(0).sum(), -rc))
        members[best].append(r)
    roles: dict[str, RoleFit] = {}
    act_role: dict[str, str] = {}
    for k, c in enumerate(role_clusters, start=1):
        name = names.get(c, f"role_{k}")
        mem = sorted(members[c])
        ev_role = staffed[staffed["activity"].isin(acts_of[c])]
        coverage = {
            a: round(float((ev_role.loc[ev_role["activity"] == a, "resource"].isin(mem)).mean()), 4)
            for a in acts_of[c]
        }
        mine = staffed[staffed["resource"].isin(mem)]
        waiting = None
        if enabled is not None:
            theirs = events["activity"].isin(acts_of[c]).to_numpy()
            known = theirs & np.isfinite(enabled)
            # most of its instances open their cases (whose arrivals a log does not hold): no
            # evidence of when work waited, so every week counts
            if known.sum() >= WAITS_KNOWN_SHARE * theirs.sum():
                waiting = (enabled[known], events["start"].to_numpy(dtype=float)[known])
        cal, cal_prov = discover_calendar(
            mine,
            threshold=calendar_threshold,
            covered=span,
            slot_minutes=calendar_minutes,
            waiting=waiting,
        )
        clock, clock_prov = works_on_the_clock(mine, cal)
        if clock_prov:
            cal_prov["work_on_the_clock"] = clock_prov
        if clock:
            cal_prov["observed_working_hours_per_week"] = cal_prov["working_hours_per_week"]
            cal_prov["working_hours_per_week"] = 168
            cal = ALWAYS
        on_staff, staff_prov = headcount_on_staff(mine, span)
        roles[name] = RoleFit(
            name=name,
            members=mem,
            activities=acts_of[c],
            calendar=cal,
            on_staff=on_staff,
            provenance={
                "n_events": int(len(mine)),
                "headcount_from": staff_prov,
                "activities": list(acts_of[c]),
                "coverage": coverage,
                **(
                    {"from": "the log's role column"}
                    if given
                    else {"role_similarity": role_similarity}
                ),
                "calendar": cal_prov,
                "hourly_cost_note": COST_NOTE,
            },
        )
        for a in acts_of[c]:
            if main[a] == c:
                act_role[a] = name
    return _borrowed_calendars(roles), act_role


def works_on_the_clock_verdict(calendar_provenance: Mapping[str, Any]) -> bool:
    """Whether a role's calendar provenance says its work runs on the clock (24/7)."""
    verdict = (calendar_provenance.get("work_on_the_clock") or {}).get("verdict", "")
    return str(verdict).startswith("works")


def _borrowed_calendars(roles: dict[str, RoleFit]) -> dict[str, RoleFit]:
    """Roles seen too seldom for any hour to meet the calendar rule (``too_few_events``) work
    the hours of the role with the most events instead of the few hours they were seen in (QA:
    helpdesk's role_3, 2 events, got a calendar of 2 hours a week, so any case reaching it
    waited up to a week in a simulation); their provenance says so. Unchanged when every role
    is that sparse."""
    read = [r for r in roles.values() if not r.provenance["calendar"].get("too_few_events")]
    if not read or len(read) == len(roles):
        return roles
    donor = max(read, key=lambda r: (r.provenance["n_events"], r.name))
    out = {}
    for name, role in roles.items():
        prov = role.provenance["calendar"]
        if prov.get("too_few_events") and not works_on_the_clock_verdict(prov):
            prov = {
                **prov,
                "observed_working_hours_per_week": prov["working_hours_per_week"],
                "working_hours_per_week": donor.provenance["calendar"]["working_hours_per_week"],
                "borrowed_from": donor.name,
                "note": f"{role.provenance['n_events']} event(s): too few to read its own hours, "
                f"so the hours of {donor.name}, the role with the most events",
            }
            role = dataclasses.replace(
                role,
                calendar=donor.calendar,
                provenance={**role.provenance, "calendar": prov},
            )
        out[name] = role
    return out


def headcount_on_staff(
    events: pd.DataFrame, span: tuple[float, float]
) -> tuple[int, dict[str, Any]]:
    """The most people on staff at once within ``span`` (hours, at least 1), and provenance.

    A person is on staff from the start of their first event to the end of their last one in
    ``events`` (one group's events: resource, start, end). The provenance adds the distinct
    count and, over time, the median (the smallest count that the number on staff is at or
    below for at least half of the span) and the mean.
    """
    g = events.groupby("resource", sort=True).agg(first=("start", "min"), last=("end", "max"))
    first = g["first"].to_numpy(dtype=float)
    last = np.maximum(g["last"].to_numpy(dtype=float), first)
    distinct = int(len(g))
    lo, hi = span
    cuts = np.unique(np.clip(np.r_[lo, hi, first, last], lo, hi))
    if distinct == 0 or cuts.size < 2:
        return max(distinct, 1), {"rule": "distinct resources (no time span)", "distinct": distinct}
    mid = (cuts[:-1] + cuts[1:]) / 2.0
    width = np.diff(cuts)
    count = ((first[None, :] <= mid[:, None]) & (last[None, :] >= mid[:, None])).sum(axis=1)
    order = np.argsort(count, kind="stable")
    reach = np.cumsum(width[order]) / width.sum()
    median = int(count[order][np.searchsorted(reach, 0.5)])
    headcount = max(int(count.max()), 1)
    prov = {
        "rule": "most people on staff at once (each from their first to their last event)",
        "distinct": distinct,
        "on_staff_median": median,
        "on_staff_max": int(count.max()),
        "on_staff_time_mean": round(float((count * width).sum() / width.sum()), 2),
    }
    return headcount, prov


def discover_calendar(
    events: pd.DataFrame,
    *,
    threshold: float = 0.1,
    covered: tuple[float, float] | None = None,
    slot_minutes: int = 30,
    waiting: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[WeeklyRate, dict[str, Any]]:
    """Working hours of a group of resources (see the module docstring): whole hours first, then
    slots of ``slot_minutes`` (a divisor of 60) within them that are closed (``closed_slots``).

    ``covered`` is the time range of the whole log (default: these events'); in a log shorter
    than a day, hours of the day outside it are unknown and kept open. ``waiting``: (from, to)
    of the intervals in which work waited for the role (its activities' instances from enabled
    to started): a slot is closed only on silence while work waited; without it every week
    (day) counts.
    """
    if events.empty:
        return ALWAYS, {"note": "no events: 24/7"}
    grid = timestamp_grid(
        np.concatenate([events["start"].to_numpy(dtype=float), events["end"].to_numpy(dtype=float)])
    )
    t = evidence_times(events, grid=grid)
    asked = slot_minutes
    slot_minutes = max(slot_minutes, grid)  # slots finer than the timestamps are empty ones
    per_hour = slots_per_hour(slot_minutes)
    week = np.floor(t / HOURS_PER_WEEK).astype(np.int64)
    slot = np.floor(t % HOURS_PER_WEEK).astype(np.int64) % 168
    span_days = (t.max() - t.min()) / 24.0
    n_weeks = int(week.max() - week.min() + 1)
    lo, hi = covered if covered is not None else (float(t.min()), float(t.max()))
    if span_days < SHORT_LOG_DAYS:
        # too short to tell weekdays apart: one daily pattern, on the kind of days observed
        day = np.floor(t / 24.0).astype(np.int64)
        n_days = int(day.max() - day.min() + 1)
        hours = pd.DataFrame({"d": day, "h": slot % 24}).drop_duplicates()
        share_h = np.bincount(hours["h"].to_numpy(), minlength=24) / max(n_days, 1)
        open_h = share_h >= threshold
        too_few = not open_h.any()
        if too_few:
            open_h = share_h > 0
        known = covered_hours(lo, hi)
        unknown_note = ""
        if not known.all():
            open_h = open_h | ~known
            unknown_note = (
                f"; the log covers {int(known.sum())} hour(s) of the day only: the other hours "
                "are unknown and kept open"
            )
        days = observed_days(t)
        first_day = int(day.min())
        n_kind = sum((d % 7) in days for d in range(first_day, int(day.max()) + 1))
        closed_f, n_tests = _refine(
            t,
            waiting,
            np.repeat(open_h & known, per_hour),
            threshold,
            per_hour,
            period=24.0,
            exposure=np.full(24 * per_hour, max(n_kind, 1)),
            unit_ok=lambda u: (u % 7) in days,
        )
        per_day = 24 * per_hour
        on_day = np.array([(s // per_day) in days for s in range(168 * per_hour)])
        open_f = np.tile(np.repeat(open_h, per_hour) & ~closed_f, 7) & on_day
        rule = (
            f"short log ({span_days:.1f} days): hours of the day with activity on >= "
            f"{threshold:.0%} of {n_days} day(s), on {'weekdays' if max(days) < 5 else 'every day'}"
            + unknown_note
        )
        n_closed = int(closed_f.sum()) * len(days)
        unit = "days"
    else:
        weeks_seen, exposure = weekly_activity(t, (lo, hi))
        share = weeks_seen / exposure
        open_ = (share >= threshold) & (weeks_seen >= 2)
        reopened = resumed_hours = 0
        too_few = not open_.any()
        if too_few:
            open_ = share > 0
        else:
            quiet = quiet_not_closed(weeks_seen, exposure, open_, np.bincount(slot, minlength=168))
            reopened = int(quiet.sum())
            open_ = open_ | quiet
            if grid == 1:  # a rounded log's ends are no evidence at all (``evidence_times``)
                wider, resumed = resumed_work(events, t, open_, (lo, hi), threshold)
                resumed_hours = int((wider & ~open_).sum())
                open_, t = wider, np.concatenate([t, resumed])
        rule = (
            f"hours with activity in >= {threshold:.0%} of the weeks the log covers them "
            f"({n_weeks} weeks) and in 2 or more, unless a run of such hours is too seldom "
            f"covered for its silence to show closed hours (binomial p >= {CLOSED_EVIDENCE_P} "
            "at the role's event rate in its open hours)"
        )
        if resumed_hours:
            rule += (
                "; the hours just before a day's opening where the ends of work begun the day "
                "before show it resumed (resumed_work)"
            )
        open_f = np.repeat(open_, per_hour)
        closed_f, n_tests = _refine(
            t,
            waiting,
            open_f,
            threshold,
            per_hour,
            period=HOURS_PER_WEEK,
            exposure=np.maximum(slot_exposure(lo, hi, per_hour), 1),
        )
        open_f = open_f & ~closed_f
        n_closed = int(closed_f.sum())
        unit = "weeks"
    if per_hour > 1:
        rule += (
            f"; then {slot_minutes}-minute slots of open hours closed where they were silent "
            f"while work waited for the role in {unit} in which an open slot would improbably "
            f"be (binomial p < {CLOSED_EVIDENCE_P} / {n_tests} tests: alone, at that time on "
            "every open day, or as a run of such slots)"
        )
    prov: dict[str, Any] = {
        "rule": rule,
        "weeks_observed": n_weeks,
        "working_hours_per_week": _whole_or_minutes(open_f.sum() / per_hour),
        "slot_minutes": slot_minutes,
    }
    if slot_minutes != asked:
        prov["timestamps_on_a_grid_of_minutes"] = grid
    if span_days >= SHORT_LOG_DAYS:
        prov["quiet_hours_kept_open"] = reopened
        if resumed_hours:
            prov["hours_opened_by_resumed_work"] = resumed_hours
    if per_hour > 1:
        prov["slots_closed_in_open_hours"] = n_closed
    if too_few:
        prov["too_few_events"] = True  # no hour meets the rule: the hours it was seen in
    if open_f.all():
        return ALWAYS, prov
    rates = [1.0 if o else 0.0 for o in open_f]
    return _compress([s / per_hour for s in range(168 * per_hour)], rates), prov


def timestamp_grid(t: np.ndarray, share: float = 0.99) -> int:
    """The coarsest grid, in minutes dividing an hour, that ``share`` of the instants ``t``
    (hours) lie on: 60 for a log whose times are whole hours (an ERP export), 1 for one with
    seconds. Half-hour slots of such a log hold no instant at :30, which is no closed time."""
    t = np.asarray(t, dtype=float)
    t = t[np.isfinite(t)]
    if t.size == 0:
        return 1
    minutes = (t * 60.0) % 60.0
    for grid in sorted(SLOT_MINUTES, reverse=True):
        off = minutes % grid
        on = np.minimum(off, grid - off) < 1e-4  # within about 6 ms
        if on.mean() >= share:
            return grid
    return 1


def evidence_times(events: pd.DataFrame, *, grid: int | None = None) -> np.ndarray:
    """The instants (hours) of ``events`` that show somebody at work: every start, and every end
    on the day its activity started (one that runs across a night or a weekend ends when
    somebody resumes it, or a system closes it - BPIC 2012's nightly batch ends call-backs at
    05:15 - which says nothing of the role's hours). An end exactly on the hour (17:00) counts
    in the hour before it. In a log whose times lie on a grid of 15 minutes or more
    (``timestamp_grid``: rounded exports) the starts alone: an end logged at 13:00 may be work
    that ended at 13:10, after a lunch break that the rule above would fill (QA: a lunch from
    12:30 to 13:00 in a log rounded to half hours). ``grid``: the events' ``timestamp_grid``,
    where the caller has it."""
    start = events["start"].to_numpy(dtype=float)
    raw_end = events["end"].to_numpy(dtype=float)
    if grid is None:
        grid = timestamp_grid(np.concatenate([start, raw_end]))
    if grid > 1:
        return start[np.isfinite(start)]
    end = np.maximum(raw_end - 1e-6, start)
    same_day = np.floor(start / 24.0) == np.floor(end / 24.0)
    t = np.concatenate([start, end[same_day]])
    return t[np.isfinite(t)]


def overnight_ends(events: pd.DataFrame) -> np.ndarray:
    """The ends (hours since a Monday 00:00) of ``events`` whose activity started on an earlier
    day: those ``evidence_times`` leaves out. An end exactly on the hour counts in the hour
    before it, as there."""
    start = events["start"].to_numpy(dtype=float)
    end = np.maximum(events["end"].to_numpy(dtype=float) - 1e-6, start)
    ends = end[np.floor(start / 24.0) != np.floor(end / 24.0)]
    return ends[np.isfinite(ends)]


def resumed_work(
    events: pd.DataFrame,
    t: np.ndarray,
    open_: np.ndarray,
    covered: tuple[float, float],
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The hours of the week (168 booleans) ``open_`` widened by the work ``events`` resumed in
    the morning, and the ends of activities across a night (``overnight_ends``, which
    ``evidence_times`` leaves out) that are evidence of work; ``t``: the ``evidence_times``.

    Work paused over a night is resumed when the office opens, and a person who resumes it
    often starts nothing new until it is done, so the hour in which the office opens can hold
    no start at all: specialists working 08:00-12:00 and 13:00-17:00 finished Friday's reviews
    on Monday from 08:00 and started new ones from 09:00, when the clerks had registered new
    cases; without those ends 08:00-09:00 closed on Mondays in 20 of 20 simulated logs (35-39 h
    for 40), and the reviews came out 3 % short. But such ends are no evidence where work goes
    on through the night or a system closes it, so they count only where they extend a day's
    opening: walking back from the first hour of the day that ``open_`` opens, an hour opens
    while, with them, it meets the rule of the hours (active in ``threshold`` of the weeks the
    log covers it, and in 2 or more). A day is left as it was where the run reaches midnight,
    where the night before the run holds an hour that meets the rule with these ends too (work
    that pauses does not end in the night: a customer whose forms come back at any hour, whose
    role ``works_on_the_clock`` then finds), or where the run is longer than the work resumed
    in a morning can fill (``_longest_resumed``: a job with a lead time of 16 hours that ends
    from 01:00 to 09:00). Ends in the quarter hour of the day where a system closes work
    (``batch_closures`` of the ends in closed hours: BPIC 2012's 05:15) never count. The ends
    that count are those in the widened hours, where the slots within them (``closed_slots``)
    read them too. Not for a log shorter than ``SHORT_LOG_DAYS``, nor one rounded to a grid of
    15 minutes or more, whose ends are no evidence at all (``evidence_times``).
    """
    ends = overnight_ends(events)
    longest = _longest_resumed(events)
    if ends.size == 0 or open_.all() or not open_.any() or longest == 0:
        return open_, ends[:0]
    hour = np.floor(ends % HOURS_PER_WEEK).astype(np.int64) % 168
    batch, at = batch_closures(ends[~open_[hour]])
    if batch and at is not None:
        quarter = int(at[:2]) * 4 + int(at[3:]) // 15
        ends = ends[np.floor((ends % 24.0) * 4.0).astype(np.int64) % 96 != quarter]
    seen, exposure = weekly_activity(np.concatenate([t, ends]), covered)
    meets = (seen / exposure >= threshold) & (seen >= 2)
    out = open_.copy()
    for day in range(7):
        hours = np.arange(day * 24, day * 24 + 24)
        if not open_[hours].any() or open_[hours[0]]:
            continue
        first = int(np.argmax(open_[hours]))
        h = first - 1
        while h >= 0 and meets[hours[h]]:
            h -= 1
        if h < 0 or meets[hours[: h + 1]].any() or first - 1 - h > longest:
            continue  # ends all through the night, or too long before: not resumed work
        out[hours[h + 1 : first]] = True
    hour = np.floor(ends % HOURS_PER_WEEK).astype(np.int64) % 168
    return out, ends[out[hour]]


def _longest_resumed(events: pd.DataFrame) -> int:
    """Whole hours that the work resumed in a morning can fill: the 95th percentile of the
    clock durations of ``events``' activities done within a day (those across a night are
    longer by the night), rounded up; 0 when none was."""
    start = events["start"].to_numpy(dtype=float)
    end = events["end"].to_numpy(dtype=float)
    ok = np.isfinite(start) & np.isfinite(end)
    same_day = ok & (np.floor(start / 24.0) == np.floor(np.maximum(end - 1e-6, start) / 24.0))
    if not same_day.any():
        return 0
    return int(math.ceil(float(np.quantile(end[same_day] - start[same_day], RESUMED_QUANTILE))))


def weekly_activity(
    t: np.ndarray, covered: tuple[float, float], per_hour: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """For each slot of the week (``168 * per_hour``, Monday 00:00 first): in how many weeks an
    instant of ``t`` (hours since a Monday 00:00, ``evidence_times``) fell in it, and how many
    weeks of ``covered`` (from, to) it lay in (at least 1)."""
    seen, _ = _slot_trials(t, None, per_hour, HOURS_PER_WEEK, None)
    return seen, np.maximum(slot_exposure(*covered, per_hour), 1)


def _refine(
    t: np.ndarray,
    waiting: tuple[np.ndarray, np.ndarray] | None,
    open_: np.ndarray,
    threshold: float,
    per_hour: int,
    *,
    period: float,
    exposure: np.ndarray,
    unit_ok: Callable[[int], bool] | None = None,
) -> tuple[np.ndarray, int]:
    """The slots of ``open_`` (a ``period`` of 168 or 24 hours in slots of ``1 / per_hour`` h)
    that ``closed_slots`` closes, and how many tests it made. The trials are the periods (weeks,
    or days where ``unit_ok`` takes the day index) in which a slot was active, or in which work
    waited for the role through all of it (``waiting``; every period of ``exposure`` without)."""
    if per_hour == 1 or not open_.any():
        return np.zeros(open_.size, dtype=bool), 0
    seen, trials = _slot_trials(t, waiting, per_hour, period, unit_ok)
    seen_h, trials_h = _slot_trials(t, waiting, 1, period, unit_ok)
    if waiting is None:
        trials = exposure
        trials_h = exposure.reshape(-1, per_hour).max(axis=1)
    open_h = open_.reshape(-1, per_hour).any(axis=1)
    q_hour = _share_active(seen_h[open_h], trials_h[open_h])
    return closed_slots(seen, exposure, trials, open_, threshold, 24 * per_hour, q_hour)


def _slot_trials(
    t: np.ndarray,
    waiting: tuple[np.ndarray, np.ndarray] | None,
    per_hour: int,
    period: float,
    unit_ok: Callable[[int], bool] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per slot of a ``period``: the periods in which an instant of ``t`` fell in it, and those
    in which one did or work waited through the whole slot (``waiting``: from, to)."""
    n = int(round(period * per_hour))
    pairs = [np.floor(t * per_hour).astype(np.int64)]
    if waiting is not None and len(waiting[0]):
        # absolute slots that lie wholly inside a wait: from ceil(from) to floor(to) - 1
        lo = np.ceil(np.asarray(waiting[0], dtype=float) * per_hour).astype(np.int64)
        hi = np.floor(np.asarray(waiting[1], dtype=float) * per_hour).astype(np.int64)
        keep = hi > lo
        if keep.any():
            lo, hi = lo[keep], hi[keep]
            base = int(lo.min())
            diff = np.zeros(int(hi.max()) - base + 1, dtype=np.int64)
            np.add.at(diff, lo - base, 1)
            np.add.at(diff, hi - base, -1)
            pairs.append(np.flatnonzero(np.cumsum(diff) > 0) + base)
    active = pd.Series(pairs[0]).drop_duplicates()
    every = pd.Series(np.concatenate(pairs)).drop_duplicates()
    out = []
    for abs_slots in (active, every):
        unit, slot = np.divmod(abs_slots.to_numpy(), n)
        if unit_ok is not None:
            ok = np.array([unit_ok(int(u)) for u in unit], dtype=bool)
            slot = slot[ok] if ok.size else slot
        out.append(np.bincount(slot, minlength=n))
    return out[0], out[1]


def closed_slots(
    seen: np.ndarray,
    exposure: np.ndarray,
    trials: np.ndarray,
    open_: np.ndarray,
    threshold: float,
    per_day: int,
    hour_active: float,
) -> tuple[np.ndarray, int]:
    """Slots shorter than an hour, inside the hours found open, that are closed: a lunch break
    from 12:30 to 13:30, a shift that opens at 08:30, which whole hours read as open time; and
    the number of tests made.

    ``seen``: in how many weeks (days, for a short log) each slot had a start or end;
    ``exposure``: how many the log covered it; ``trials``: in how many it was active or work
    waited for the role through all of it (silence while nothing waited is idle time, not a
    closed office: a Friday afternoon after the week's work is done); ``per_day``: slots in a
    day (a multiple of 24). A slot that the hours' rule would open (active in ``threshold`` of
    its weeks and in 2 or more) stays open. Otherwise it closes when seeing it active in so few
    of its trials is improbable for an open slot: on its own, together with the same time of
    day on every day it is open (a daily break is evidence pooled over the days: one silent
    weekday slot of a sparse role proves little, five prove a lunch break), or as a run of such
    slots (slots of a minute each hold too little evidence alone). An open slot is active in a
    trial with probability ``q = 1 - (1 - hour_active) ** (slot / hour)``, where
    ``hour_active`` is the share of its trials in which an open *hour* of the role was active:
    whole hours, because the slots' own share is lowered by the closed slots being tested (a
    shift of one hour from 06:30, half of its two open hours silent), and weeks, not events,
    because a role that starts its backlog at 09:00 has many events then, which would make a
    quiet afternoon slot look improbably quiet. The level is ``CLOSED_EVIDENCE_P`` divided by
    the number of tests (Bonferroni): a sparse role must not get its open hours cut to pieces
    (tested slot by slot at ``CLOSED_EVIDENCE_P`` with the role's event rate and every week a
    trial, a role seen about once an hour lost 30 of its 168 open hours).
    """
    if not open_.any():
        return np.zeros(open_.size, dtype=bool), 0
    q = 1.0 - (1.0 - min(max(hour_active, 0.0), 1.0)) ** (24.0 / per_day)
    active = (seen / exposure >= threshold) & (seen >= 2)
    candidate = open_ & ~active
    time_of_day = np.arange(open_.size) % per_day
    seen_daily = np.bincount(time_of_day[open_], weights=seen[open_], minlength=per_day)
    trials_daily = np.bincount(time_of_day[open_], weights=trials[open_], minlength=per_day)
    alone = binom.cdf(seen, trials, q)
    daily = binom.cdf(np.rint(seen_daily), np.rint(trials_daily), q)[time_of_day]
    runs = [(a, b) for a, b in true_runs(candidate) if b - a > 1]
    n_tests = int(open_.sum()) + int((trials_daily > 0).sum()) + len(runs)
    level = CLOSED_EVIDENCE_P / n_tests
    closed = candidate & ((alone < level) | (daily < level))
    for a, b in runs:
        if binom.cdf(seen[a:b].sum(), trials[a:b].sum(), q) < level:
            closed[a:b] = True
    return closed, n_tests


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) indices of each run of True in ``mask``."""
    edges = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _share_active(seen: np.ndarray, exposure: np.ndarray | int) -> float:
    """The share of their weeks (days) in which open hours were active, shrunk away from 1 (a
    Jeffreys-like half count): seeing every open hour active in the one day of a short log is no
    evidence that a silent half hour of it is closed."""
    trials = float(np.sum(np.broadcast_to(exposure, np.shape(seen))))
    return (float(np.sum(seen)) + 0.5) / (trials + 1.0)


def slots_per_hour(slot_minutes: int) -> int:
    """Slots per hour of calendar discovery; ``slot_minutes`` is one of ``SLOT_MINUTES``: a
    divisor of the hour, and at least 15. Shorter slots hold too few starts and ends to tell a
    closed slot from a quiet one (QA: at 1 minute a lunch from 12:30 began at 12:17; at 5, two
    people with long tasks lost 11:45-12:15, at 6 and 10 roles fell back to wider hours)."""
    ok = isinstance(slot_minutes, int) and not isinstance(slot_minutes, bool)
    if not ok or slot_minutes not in SLOT_MINUTES:
        raise ValueError(
            f"one of {', '.join(map(str, SLOT_MINUTES))} minutes, got {slot_minutes!r}"
        )
    return 60 // slot_minutes


def _whole_or_minutes(h: float) -> float | int:
    """Hours a week as an int where whole (40), else as they are (37.5)."""
    return int(round(h)) if abs(h - round(h)) < 1e-9 else round(float(h), 4)


def slot_exposure(lo: float, hi: float, per_hour: int = 1) -> np.ndarray:
    """How many weeks each slot of the week (``168 * per_hour`` counts; hours by default) lies,
    at least in part, in ``[lo, hi]`` (hours since a Monday 00:00): a log of 14 days that starts
    on a Wednesday sees its Monday hours twice, not in each of the 3 calendar weeks it
    touches."""
    first, last = int(np.floor(lo * per_hour)), int(np.floor(hi * per_hour))
    slots = np.arange(first, max(last, first) + 1)
    return np.bincount(slots % (168 * per_hour), minlength=168 * per_hour)


def quiet_not_closed(
    weeks_seen: np.ndarray, exposure: np.ndarray, open_: np.ndarray, events: np.ndarray
) -> np.ndarray:
    """The hours that the threshold rule would close but whose silence is no evidence of a closed
    hour: a role with few events leaves open hours empty in some weeks by chance.

    An open hour of the role is active in a week with probability ``q``: the lower of
    ``1 - exp(-rate)``, the rate being the role's starts and ends per week in the hours the rule
    opens (``events``: per hour of the week, over the log), and the share of those hours' weeks
    in which they were active. Counts alone overstate it where work comes in bursts (a lawyer
    seen 8 times a week, who starts the night's backlog back to back at 09:00, got 22-24 of 35
    hours in fragments, or 24/7 from its own fake gaps); active weeks alone overstate it for a
    sparse role seen around the clock, because the hours the rule opens were chosen for being
    active. An hour stays closed only when seeing it active in so few of the
    weeks the log covers it is improbable at ``q`` (one-sided binomial p below
    ``CLOSED_EVIDENCE_P``); hours never active are judged by runs of consecutive silent hours (a
    night, a weekend), since a closed block is silent as a whole: a night silent in every week
    closes even for a sparse role, while a lone quiet hour of a role seen around the clock stays
    open. Closing an open hour in error would cut the time of every activity spanning it out of
    its duration, and stop work in the simulation then (QA 8b #2: a 24/7 role with about one
    event an hour got 40-78 closed hours a week, its step's mean 19 % short).
    """
    seen = weeks_seen > 0
    if open_.all() or not open_.any():
        return np.zeros(168, dtype=bool)
    q = min(
        1.0 - math.exp(-float(events[open_].sum() / exposure[open_].sum())),
        _share_active(weeks_seen[open_], exposure[open_]),
    )
    out = ~open_ & seen & (binom.cdf(weeks_seen, exposure, q) >= CLOSED_EVIDENCE_P)
    # runs of silent hours, around the end of the week: start from an hour that is not silent
    first = int(np.flatnonzero(seen)[0])
    run: list[int] = []
    for h in [*((np.arange(168) + first) % 168).tolist(), first]:
        if not seen[h]:
            run.append(h)
        elif run:
            if (1.0 - q) ** int(exposure[run].sum()) >= CLOSED_EVIDENCE_P:
                out[run] = True
            run = []
    return out


def working_time(
    cal: WeeklyRate,
    start: np.ndarray,
    end: np.ndarray,
    pauses: Sequence[Sequence[tuple[float, float]] | None] | None = None,
) -> np.ndarray:
    """Working hours between ``start`` and ``end`` (hours since a Monday 00:00) under ``cal``.

    An activity that lies entirely outside the calendar (done off-shift) keeps its clock duration,
    rather than becoming an instant. ``pauses`` (aligned with ``start``: per activity its
    suspensions as (from, to) hours, or none; ``sim.calibrate.prepare``'s ``suspended``) are
    left out: the working hours within them (a suspension overnight holds none, as the calendar
    closes the night anyway; one in working hours is not work either). An activity whose time
    left is all off shift keeps its clock duration less the suspensions, as above.
    """
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    clock = np.maximum(end - start, 0.0)
    row, lo, hi = _pause_spans(pauses, start, end)
    if row.size:
        clock = np.maximum(clock - np.bincount(row, hi - lo, minlength=len(clock)), 0.0)
    if cal.is_constant:
        return clock
    work = cal.cumulative_array(end) - cal.cumulative_array(start)
    if row.size:
        paused = np.maximum(cal.cumulative_array(hi) - cal.cumulative_array(lo), 0.0)
        work = work - np.bincount(row, paused, minlength=len(work))
    work = np.maximum(work, 0.0)
    off = (work <= 1e-9) & (clock > 1e-9)
    work[off] = clock[off]
    return work


def _pause_spans(
    pauses: Sequence[Sequence[tuple[float, float]] | None] | None,
    start: np.ndarray,
    end: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The suspensions of ``working_time``'s ``pauses`` as flat arrays: the activity each
    belongs to, and its from and to cut to that activity's start and end."""
    none = np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    if pauses is None:
        return none
    found = [(i, a, b) for i, p in enumerate(pauses) if p for a, b in p]
    if not found:
        return none
    row = np.fromiter((f[0] for f in found), dtype=np.int64, count=len(found))
    lo = np.clip(np.array([f[1] for f in found], dtype=float), start[row], end[row])
    hi = np.clip(np.array([f[2] for f in found], dtype=float), lo, end[row])
    return row, lo, hi


def works_on_the_clock(events: pd.DataFrame, cal: WeeklyRate) -> tuple[bool, dict[str, Any]]:
    """Whether a role's activities run through the hours its calendar closes (module docstring).

    ``events`` are the role's (``activity``, ``start``, ``end`` in hours since a Monday 00:00).
    Returns the verdict and its evidence (empty when ``cal`` is 24/7 or too few activities span
    closed hours to tell).
    """
    if cal.is_constant or events.empty:
        return False, {}
    s = events["start"].to_numpy(dtype=float)
    e = events["end"].to_numpy(dtype=float)
    clock = np.maximum(e - s, 0.0)
    work = working_time(cal, s, e)
    across = clock - work > 1.0 / 60.0  # at least a minute of closed time
    spanning = int(across.sum())
    # work that pauses outside the calendar ends in its open hours; work that goes on ends
    # whenever it is done, in the closed hours too
    closed_ends = np.array(
        [t for t in e[across] if cal.rate_at(float(t - 1e-6) % HOURS_PER_WEEK) == 0.0]
    )
    batch, batch_at = batch_closures(closed_ends)
    ended_closed = len(closed_ends) - batch
    evidence: dict[str, Any] = {}
    if batch:  # a system closing what is open at one time of day: not work going on
        evidence = {"ended_by_a_batch": batch, "batch_at": batch_at}
    if spanning >= CLOCK_MIN_ENDS and ended_closed >= CLOCK_ENDS_SHARE * spanning:
        return True, {
            "activities_spanning_closed_hours": spanning,
            "ended_in_closed_hours": int(ended_closed),
            **evidence,
            "verdict": "works on the clock (24/7 calendar): most of its activities across closed "
            "hours ended in them, which work that pauses cannot do",
        }
    if spanning < CLOCK_MIN_SPANNING:
        return False, {}
    frame = pd.DataFrame({"a": events["activity"].to_numpy(), "clock": clock, "work": work})
    cv_clock = cv_work = total = 0.0
    for _, g in frame.groupby("a", sort=True):
        if len(g) < 2:
            continue
        n = float(len(g))
        cv_clock += n * _cv(g["clock"])
        cv_work += n * _cv(g["work"])
        total += n
    if total == 0:
        return False, {}
    cv_clock, cv_work = cv_clock / total, cv_work / total
    clock_wins = cv_clock < cv_work
    return clock_wins, {
        "activities_spanning_closed_hours": spanning,
        "ended_in_closed_hours": int(ended_closed),
        **evidence,
        "cv_clock_durations": round(cv_clock, 4),
        "cv_working_hour_durations": round(cv_work, 4),
        "verdict": "works on the clock (24/7 calendar): its durations are more regular on the "
        "clock than in the observed working hours"
        if clock_wins
        else "pauses outside its working hours",
    }


def batch_closures(ends: np.ndarray) -> tuple[int, str | None]:
    """How many of ``ends`` (hours since a Monday 00:00: activities that ended in closed hours)
    a system closed at one time of day, and when: where at least ``CLOCK_MIN_ENDS`` of them,
    and at least ``BATCH_SHARE`` of all, fall in one quarter of an hour of the day (BPIC 2012:
    59 of its clerks' 60 activities across a night end at 05:15, a nightly batch). Work that
    goes on through the night ends at whatever time it is done; (0, None) otherwise."""
    if len(ends) < CLOCK_MIN_ENDS:
        return 0, None
    quarter = np.floor((ends % 24.0) * 4.0).astype(np.int64) % 96
    counts = np.bincount(quarter, minlength=96)
    top = int(counts.argmax())
    n = int(counts[top])
    if n < CLOCK_MIN_ENDS or n < BATCH_SHARE * len(ends):
        return 0, None
    return n, f"{top // 4:02d}:{15 * (top % 4):02d}"


def _cv(x: pd.Series) -> float:
    """Coefficient of variation, 0 for durations that are all zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = variation(x.to_numpy(dtype=float))
    return float(np.nan_to_num(cv, nan=0.0, posinf=0.0))


ROLE_DURATION_MIN_N = 30  # instances a role needs at a step for its durations to be compared
ROLE_DURATION_ALPHA = 0.001  # level of the k-sample Anderson-Darling test


def durations_by_role(
    steps: np.ndarray,
    resources: pd.Series,
    work: np.ndarray,
    roles: dict[str, RoleFit],
    act_role: dict[str, str],
) -> dict[str, dict[str, Any]]:
    """The steps whose durations differ by the role of the person who did them.

    A step is given to one role (the one that did most of its instances), but people of other
    roles may do some of it, at their own pace (a senior's review in half a junior's time).
    For each staffed step the processing times (``work``, per event, with ``steps`` and
    ``resources``) of every role with at least ``ROLE_DURATION_MIN_N`` instances there are
    compared (k-sample Anderson-Darling, ``ROLE_DURATION_ALPHA``); where they differ the step
    gets ``{role: {"n", "mean_h"}, ..., "test": evidence}``; calibration makes those other
    roles the step's ``alternatives`` (``calibrate_model(role_alternatives=...)``). ``work`` is
    each instance's working time in the calendar of the role of who did it (the caller,
    ``sim.calibrate.calibrate``, measures it so), as the alternatives' durations are fitted.
    """
    role_of = {m: name for name, r in roles.items() for m in r.members}
    by = resources.map(role_of).to_numpy(dtype=object)
    out: dict[str, dict[str, Any]] = {}
    for step in sorted(act_role):
        mine = steps == step
        samples = {
            str(r): work[mine & (by == r)] for r in pd.unique(by[mine]) if isinstance(r, str)
        }
        differ, evidence = samples_that_differ(
            samples, min_n=ROLE_DURATION_MIN_N, alpha=ROLE_DURATION_ALPHA
        )
        if len(differ) < 2:
            continue
        out[step] = {
            r: {"n": int(samples[r].size), "mean_h": round(float(samples[r].mean()), 4)}
            for r in sorted(differ)
        } | {"test": evidence}
    return out


FIRST_CHOICE_MIN_N = 30  # instances ready while the own role had someone free, for the estimate


def first_choice_shares(
    step: np.ndarray,
    ready: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    event_role: np.ndarray,
    roles: list[RoleFit],
) -> dict[str, dict[str, Any]]:
    """The share of a step's cases that go to each alternative role *first*.

    ``roles``: the step's own role, then its alternatives. A log's share of a step done by
    another role counts the cases sent to it and those it took because nobody of the role
    they were sent to was free; the engine adds the second kind itself. So the share is read
    from the instances (``step``: mask of the events of the step) that became ready
    (``ready``, after any extraneous delay) while every one of the roles was on shift with
    somebody free (fewer of its members at work, from ``start``/``end`` of the events of
    ``event_role``, than its headcount): there a case went to the role it was sent to first.
    Fewer than ``FIRST_CHOICE_MIN_N`` such instances: the share of all of them. Returns per
    alternative ``{"share", "n", "of", "method"}``.
    """
    t = ready[step]
    who = event_role[step]
    free = np.ones(t.shape, dtype=bool)
    for role in roles:
        mine = event_role == role.name
        starts, ends = np.sort(start[mine]), np.sort(end[mine])
        # members at work at t: started by t and not yet ended, but for the instance itself
        # (it may start at t); one who ends work at t and starts another case's at t is at
        # work: they went to a case that was waiting, as the engine hands them on
        at_work = np.searchsorted(starts, t, "right") - np.searchsorted(ends, t, "right")
        at_work -= (who == role.name) & (start[step] <= t)
        cal = role.calendar
        on_shift = cal.cumulative_array(t + 1e-6) > cal.cumulative_array(t)
        free &= (at_work < role.headcount) & on_shift
    chose = int(free.sum()) >= FIRST_CHOICE_MIN_N
    pool = free if chose else np.ones_like(free)
    return {
        r.name: {
            "share": round(float(np.mean(who[pool] == r.name)), 4),
            "n": int(np.sum(who[pool] == r.name)),
            "of": int(pool.sum()),
            "method": "instances ready while each of the step's roles had somebody free"
            if chose
            else "all instances (too few were ready while each role had somebody free)",
        }
        for r in roles[1:]
    }
