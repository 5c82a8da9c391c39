import os, pytest, torch

IN_CI = os.environ.get('CI', '').lower() == 'true'
# Browser waits (Playwright) only stop a hang: 2 minutes, not Playwright's 30 s, which a loaded 2-core box can exceed.
HANG_MS = 120_000

def need(cond:bool, why:str):
    "Skip when `cond` is False on a developer machine; fail under CI, where everything must be present."
    if cond: return
    if IN_CI: pytest.fail(f"required under CI: {why}")
    pytest.skip(why)

@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
