"""What the tests share, one module per purpose: ``paths`` (the project's folders, a copy of handler/), ``fixtures``
(the request documents of ``fixtures/``), ``cli`` (the command line in this process or in one of its own, and its
environment), ``polling`` (deadline-based waiting), ``gaps`` (an emulator's known differences from AWS),
``botocore_scripting`` (HTTP answers served below botocore's retries) and ``workers`` (pytest-xdist).

The HTTP client and the bursts are the load generator's: ``benchmarks.load``."""
