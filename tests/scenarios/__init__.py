from pathlib import Path


def path(name: str) -> Path:
    return Path(__file__).parent / name
