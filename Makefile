# The local stack and the test suite. The work is done by deploy/*.sh, which also run without make;
# ports and paths come from TUOYU_* environment variables (defaults in deploy/env.sh,
# described in docs/operations.md).
TARGETS := up down status reset infra bootstrap test demo bench kafka-check pg-check soak
.PHONY: help $(TARGETS)

help:
	@echo "make up | down | status | reset   the whole local stack (PostgreSQL, Kafka, services)"
	@echo "make infra                        PostgreSQL and Kafka only"
	@echo "make bootstrap                    install what is missing (.venv, postgresql, Kafka jars)"
	@echo "make test | demo | bench          test suite, two-district demo, benchmarks"
	@echo "make kafka-check                  three brokers, one SIGKILLed under load: nothing lost (not in test)"
	@echo "make pg-check                     PostgreSQL primary SIGKILLed under writes: standby promoted, nothing lost"
	@echo "make soak                         2 instances each, 3 brokers, PG failover, all SIGKILLed: reports unchanged"
	@echo "TUOYU_INSTANCES=2 make up         two processes per service behind HAProxy (docs/operations.md)"

$(TARGETS):
	@bash deploy/stack.sh $@
