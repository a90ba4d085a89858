"""Drop-off suggestions read the words of exported logs in other languages (QA 2026-12-05: a
German 'Abgelehnt' end got no suggestion, and the console printed 'suggested: []')."""

from __future__ import annotations

import pytest

from sim.calibrate.calibrate import ABANDON_PATTERN, DROPOFF_PATTERN


@pytest.mark.parametrize(
    "name",
    [
        "Abgelehnt",
        "Antrag storniert",
        "Vorgang abgebrochen",
        "Annulé",
        "Rechazado",
        "Cancelado",
        "Geannuleerd",
        "Afgewezen",
        "Offre rejetée",
        "Client perdu",
        "A_DECLINED",
    ],
)
def test_a_loss_in_another_language_reads_as_drop_off(name):
    assert DROPOFF_PATTERN.search(name)


@pytest.mark.parametrize("name", ["Abgeschlossen", "Genehmigt", "Approved", "Aceptado", "Signé"])
def test_a_success_does_not(name):
    assert not DROPOFF_PATTERN.search(name)


def test_giving_up_words_read_as_abandonment():
    assert ABANDON_PATTERN.search("Vorgang abgebrochen") and ABANDON_PATTERN.search("Cancelado")
    assert not ABANDON_PATTERN.search("Abgelehnt")  # turned down, not given up
