"""Two people each doing their own activity give a square, symmetric activity profile with a
zero diagonal; scipy took it for a distance matrix and printed a ClusterWarning on the console of
an ordinary calibration (QA xes17 #4)."""

from __future__ import annotations

import warnings

import pandas as pd

from sim.calibrate.staff import cluster_resources


def test_a_square_profile_is_clustered_as_observations_without_a_warning():
    events = pd.DataFrame(
        {
            "resource": ["anna"] * 5 + ["ben"] * 5,
            "activity": ["check"] * 5 + ["approve"] * 5,
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clusters = cluster_resources(events)
    assert clusters["anna"] != clusters["ben"]
    # the same people doing the same mix are one role
    both = pd.DataFrame(
        {"resource": ["anna", "anna", "ben", "ben"], "activity": ["check", "approve"] * 2}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(set(cluster_resources(both).values())) == 1
