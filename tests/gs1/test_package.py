import subprocess
import sys


def test_the_gs1_library_never_imports_django():
    code = (
        "import sys\n"
        "from countyhub.gs1 import builders, cbv, digital_link, epcis, hashing, keys, labels\n"
        "from countyhub.gs1 import validation\n"
        "epcis.validate_document({'type': 'EPCISDocument'})\n"
        "print('django' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
