"""``python -m local_runtime.ministack``: MiniStack with every declared patch applied (``patches.py``), then served."""

from local_runtime.ministack.patches import apply_patches

apply_patches()
from ministack import app  # noqa: E402 - after the patches: it imports names they replace

app.main()
