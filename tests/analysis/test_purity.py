"""countyhub.analysis is pure Python: it imports, and runs, with Django made unimportable."""

import subprocess
import sys

PROBE = """
import importlib, pkgutil, sys

class NoDjango:
    def find_spec(self, name, path=None, target=None):
        if name == "django" or name.startswith("django."):
            raise ImportError("django is not allowed in countyhub.analysis")
        return None

sys.meta_path.insert(0, NoDjango())
import countyhub.analysis as analysis
names = [m.name for m in pkgutil.walk_packages(analysis.__path__, "countyhub.analysis.")]
for name in names:
    importlib.import_module(name)
from countyhub.analysis.plssem import PLSModel
frame = {"a1": [1, 2, 3, 4, 5, 6], "a2": [2, 1, 4, 3, 6, 5], "b": [1, 3, 2, 5, 4, 6]}
result = PLSModel.from_syntax("A =~ a1 + a2\\nB =~ b\\nB ~ A", frame).fit()
print(len(names), round(result.r_squared_values[1], 6))
"""


def test_analysis_imports_and_estimates_without_django():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    modules, r_squared = result.stdout.split()
    assert int(modules) >= 15
    assert 0 < float(r_squared) <= 1
