"""baocao: reporting information system for Vietnam's ICT sector state management."""

__version__ = "0.1.0"
