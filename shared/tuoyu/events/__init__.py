"""Event contracts: the records and payloads of enrollment events, their registry, schemas and catalogue."""
