"""BPIC 2012 W: would capacity by hour of day (who is at work when) make the model queue?

    python experiments/backtest_public_logs/presence_check.py [--log FILE]

The calibrated model gives each role its headcount for the whole of its calendar (role_1: 36
people, 79 hours a week), while the log shows far fewer people at work at any hour. Modelling
that (per-person calendars, capacity by hour) would matter only if the people *present* were busy
a large share of the time they are present: then waits would be queues, not timers. This prints,
per hour of the day (weekdays), the people present (a person is present from the first start to
the last end of their day, in the hours that span overlaps) and the people busy (their
processing time in that hour), and the share of present time that is busy. ``NOT_SET`` (a
placeholder, not a person) is left out. A person's overlapping activities all count as busy, and
so do activities left open overnight, so "busy" is an upper bound.

The last column is what the people present would add to each step's wait if they formed one
queue at that hour (M/M/c, Erlang C: ``Wq = C(c, a) s / (c - a)`` with ``c`` the people present,
rounded, ``a`` the people busy and ``s`` the mean processing time): the most capacity by hour
could add to the waits of a model that has none.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import DATA  # noqa: E402

LOG = DATA / "bpic2012_w" / "BPIC_2012_W_train.csv.gz"


def hour_overlaps(start: pd.Series, end: pd.Series) -> pd.DataFrame:
    """Each interval cut at the clock hours: one row per (interval, hour) with the hours inside."""
    rows = []
    for i, (s, e) in enumerate(zip(start, end, strict=True)):
        h = s.floor("h")
        while h < e:
            nxt = h + pd.Timedelta(hours=1)
            rows.append((i, h, (min(e, nxt) - max(s, h)) / pd.Timedelta(hours=1)))
            h = nxt
    return pd.DataFrame(rows, columns=["row", "hour", "hours"])


def erlang_c_wait(c: int, a: float, service: float) -> float:
    """M/M/c mean wait in queue with ``c`` servers, offered load ``a`` (erlangs) and mean
    service ``service``: ``C(c, a) service / (c - a)``; infinite when ``a >= c``."""
    if a >= c:
        return math.inf
    top = a**c / math.factorial(c) * c / (c - a)
    wait_prob = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return wait_prob * service / (c - a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--log", type=Path, default=LOG)
    args = parser.parse_args()
    from sim.eventlog import read_event_log

    df = read_event_log(args.log).events
    df = df[df["resource"].astype(str) != "NOT_SET"].reset_index(drop=True)
    df["day"] = df["start_time"].dt.floor("D")

    days = df.groupby(["resource", "day"]).agg(start=("start_time", "min"), end=("end_time", "max"))
    present = hour_overlaps(
        days["start"].reset_index(drop=True), days["end"].reset_index(drop=True)
    )
    busy = hour_overlaps(df["start_time"], df["end_time"])

    def by_hour(cut: pd.DataFrame) -> pd.Series:
        cut = cut[cut["hour"].dt.day_of_week < 5]
        return cut.groupby(cut["hour"].dt.hour)["hours"].sum()

    weekdays = pd.Series(df["day"].unique())
    n_days = int((weekdays.dt.day_of_week < 5).sum())
    table = pd.DataFrame({"present": by_hour(present), "busy": by_hour(busy)}).fillna(0.0)
    table = table / n_days  # people (person-hours per hour), on an average weekday
    table["busy share of present"] = table["busy"] / table["present"]
    service = float(((df["end_time"] - df["start_time"]) / pd.Timedelta(hours=1)).mean())
    table["M/M/c wait per step (min)"] = [
        60 * erlang_c_wait(max(1, round(p)), b, service)
        for p, b in zip(table["present"], table["busy"], strict=True)
    ]
    pd.set_option("display.width", 120)
    print(
        f"{args.log.name}: {df['resource'].nunique()} people, {n_days} weekdays, "
        f"mean processing time {60 * service:.1f} min"
    )
    print(table.round(2).to_string())
    total = table[["present", "busy"]].sum()
    print(
        f"all weekday hours: {total['present']:.1f} person-hours present a day, "
        f"{total['busy']:.1f} busy ({total['busy'] / total['present']:.1%})"
    )


if __name__ == "__main__":
    main()
