"""`make demo` shows a living dashboard: program, budget, tasks, stations, training, payouts."""

from django.db.models import F

from countyhub.demo import data
from countyhub.programs.kpis import county_kpis
from countyhub.programs.models import (
    Kpi,
    LedgerEntry,
    LineKind,
    PayoutRun,
    RunStatus,
    Spending,
    SpendingStatus,
    Task,
)
from countyhub.stations.models import Station
from countyhub.training.models import Certificate, Course


def test_demo_county_has_programs_training_and_two_years_of_payouts(demo_county, db):
    county = demo_county
    program = county.program_set.get()
    assert program.budget_lines.count() == 6
    assert {line.kind for line in program.budget_lines.all()} == {"current", "investment"}
    spending = Spending.objects.filter(budget_line__program=program)
    assert spending.filter(status=SpendingStatus.APPROVED).exists()
    assert spending.filter(status=SpendingStatus.PENDING).exists()
    assert all(s.decided_by_id != s.recorded_by_id for s in spending if s.decided_by_id)
    assert Task.objects.filter(program=program).count() == 10
    stations = Station.objects.filter(county=county, active=True)
    assert set(stations.values_list("village__name", flat=True)) == {
        *data.STATION_VILLAGES,
        data.LAST_STATION_VILLAGE,
    }
    assert Course.objects.filter(county=county).count() == 5
    certificate = Certificate.objects.filter(enrollment__user__username="seller").first()
    assert certificate is not None
    # The certificate prints the trainee's real name, and is issued once the session is over.
    assert certificate.trainee_name == "刘晓燕"
    assert not Certificate.objects.filter(issued_on__lte=F("enrollment__session__date")).exists()
    assert not Certificate.objects.exclude(enrollment__attended=True).exists()
    runs = PayoutRun.objects.filter(county=county)
    assert runs.count() == 24
    assert set(runs.values_list("status", flat=True)) == {RunStatus.APPROVED}
    assert LedgerEntry.objects.filter(county=county, kind=LineKind.REVERSAL).exists()
    assert len(set(LedgerEntry.objects.values_list("rule_id", flat=True))) == 4
    board = county_kpis(county=county)
    assert board.kpi(Kpi.VILLAGE_COVERAGE).met
    assert board.kpi(Kpi.ONLINE_SALES).value > 0
    assert board.kpi(Kpi.ORDERS_OUT).value > 0
    assert 0 < board.kpi(Kpi.TRAINEES_SELLING).value < board.kpi(Kpi.PEOPLE_TRAINED).value
