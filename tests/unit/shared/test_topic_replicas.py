"""Topics get as many replicas as the cluster has brokers, up to three: one broker for `make test`, three in a cluster."""

from __future__ import annotations

from tuoyu.kafka import replication_factor


def test_a_single_broker_gives_each_topic_one_replica():
    assert replication_factor(1) == 1


def test_a_three_broker_cluster_gives_each_topic_three_replicas():
    assert replication_factor(3) == 3


def test_a_larger_cluster_still_keeps_three_replicas():
    assert replication_factor(5) == 3


def test_a_cluster_that_reports_no_broker_still_asks_for_one_replica():
    assert replication_factor(0) == 1
