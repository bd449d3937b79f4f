import pytest
from typer.testing import CliRunner

from countyhub.cli import app
from countyhub.crossborder import services
from countyhub.customs import messages

from .setup import export_fields, ready, shop_order

runner = CliRunner()


@pytest.mark.parametrize(
    ("code", "printed"),
    [("0902.2090.00", "0902209000"), ("2103909000114", "2103909000114")],
)
def test_hs_prints_the_normalised_code(code, printed):
    result = runner.invoke(app, ["crossborder", "hs", code])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == printed


@pytest.mark.parametrize(
    ("code", "reason"),
    [("902209000", "leading zero was probably lost"), ("7700000000", "chapter 77")],
)
def test_hs_exits_2_with_the_reason(code, reason):
    result = runner.invoke(app, ["crossborder", "hs", code])
    assert result.exit_code == 2
    assert reason in result.stderr


@pytest.mark.django_db
def test_messages_are_written_per_export_order(world, tmp_path):
    made = ready(world)
    orders = []
    for n, mode in enumerate(("9610", "9710")):
        order = shop_order(world.seller, world.product)
        services.create_export_order(
            actor=None, order=order, **export_fields(made, mode=mode, logistics_no=f"YL{n}")
        )
        orders.append(order)
    result = runner.invoke(
        app, ["crossborder", "messages", "--county", world.county.slug, "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    for order in orders:
        folder = tmp_path / order.number
        assert sorted(path.name for path in folder.iterdir()) == [
            "CEB303Message.xml",
            "CEB403Message.xml",
            "CEB505Message.xml",
            "CEB603Message.xml",
        ]
        for path in folder.iterdir():
            assert messages.message_problems(path.read_bytes()) == []
    result = runner.invoke(
        app, ["crossborder", "messages", "--county", "nowhere", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
