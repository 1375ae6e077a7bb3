"""How a rebuild cuts the log into waves of whole partitions."""

from aiokafka import TopicPartition

from services.analytics.entrypoints.rebuild import WAVES, waves


def log_of(*sizes: int) -> tuple[list[TopicPartition], dict, dict]:
    partitions = [TopicPartition("log", p) for p in range(len(sizes))]
    begin = {tp: 100 for tp in partitions}
    return partitions, begin, {tp: 100 + n for tp, n in zip(partitions, sizes, strict=True)}


def numbers(groups) -> list[list[int]]:
    return [[tp.partition for tp in group] for group in groups]


def test_each_partition_is_a_wave_when_the_partitions_are_big():
    assert numbers(waves(*log_of(50_000, 50_000, 50_000), wave_records=20_000)) == [[0], [1], [2]]


def test_small_partitions_share_a_wave_of_at_least_the_minimum():
    assert numbers(waves(*log_of(8, 8, 8, 8, 8), wave_records=16)) == [[0, 1], [2, 3], [4]]


def test_empty_partitions_are_not_read():
    assert numbers(waves(*log_of(0, 30, 0, 30), wave_records=1)) == [[1], [3]]
    assert waves(*log_of(0, 0), wave_records=1) == []


def test_many_partitions_make_about_the_set_number_of_waves():
    groups = waves(*log_of(*[1000] * 64), wave_records=1)
    assert len(groups) == WAVES
    assert sorted(tp.partition for g in groups for tp in g) == list(range(64))
