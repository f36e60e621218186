"""The classroom storage layer, the same tests on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from nnlib.classroom.schema import MIGRATIONS
from nnlib.classroom.storage import CLASS_CODE_ALPHABET, ClassroomStore, RunRecord
from nnlib.core.errors import InputError

HOSTILE_NAMES = [
    "<script>alert('x')</script><b>bold</b>",
    "Robert'); DROP TABLE students;--",
    "x" * 10_240,
    "Иван «Ваня» Петров",
]


def run_record(store_class: str, student: str, run_id: str, **changes) -> RunRecord:
    values = dict(run_id=run_id, class_code=store_class, student_id=student, dataset="iris", network="4-16-3",
                  optimizer="sgd", status="training", epochs_done=3, epochs_total=50, accuracy=None)
    values.update(changes)
    return RunRecord(**values)


def in_threads(count: int, work) -> list:
    results: list = [None] * count
    start = threading.Barrier(count)

    def one(index: int) -> None:
        start.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_migrating_twice_or_at_once_leaves_one_schema(store: ClassroomStore) -> None:
    assert store.version() == len(MIGRATIONS)
    assert in_threads(4, lambda _: ClassroomStore(store.url).migrate()) == [len(MIGRATIONS)] * 4
    assert store.version() == len(MIGRATIONS)


def test_a_class_has_a_short_code_to_read_aloud(store: ClassroomStore) -> None:
    made = store.create_class("Нейросети, группа 3")
    assert len(made.code) == 6 and set(made.code) <= set(CLASS_CODE_ALPHABET)
    assert store.find_class(made.code) == made
    assert store.find_class("NOPE00") is None


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=["markup", "sql", "10kB", "cyrillic"])
def test_a_name_is_stored_exactly_as_typed(store: ClassroomStore, name: str) -> None:
    made = store.create_class("class")
    student = store.join(made.code, name, "browser-1")
    assert store.student(student.id).name == name
    assert [s.name for s in store.students(made.code)] == [name]
    assert store.find_class(made.code) is not None  # the SQL in a name did nothing


def test_joining_again_renames_and_a_browser_is_one_student_per_class(store: ClassroomStore) -> None:
    first, second = store.create_class("a"), store.create_class("b")
    ann = store.join(first.code, "Ann", "browser-1")
    again = store.join(first.code, "Anna", "browser-1")
    elsewhere = store.join(second.code, "Ann", "browser-1")
    assert again.id == ann.id and again.name == "Anna"
    assert elsewhere.id != ann.id
    assert [s.name for s in store.students(first.code)] == ["Anna"]


def test_joining_refuses_a_missing_class_and_empty_or_huge_names(store: ClassroomStore) -> None:
    made = store.create_class("a")
    with pytest.raises(InputError) as missing:
        store.join("ZZZZZZ", "Ann", "k")
    assert missing.value.code == "classroom.no_such_class"
    assert "ZZZZZZ" in str(missing.value)
    with pytest.raises(InputError) as empty:
        store.join(made.code, "   ", "k")
    assert empty.value.code == "classroom.empty_name"
    with pytest.raises(InputError) as huge:
        store.join(made.code, "x" * 20_001, "k")
    assert huge.value.details == {"limit": 20_000, "length": 20_001}


def test_presence_is_the_latest_page(store: ClassroomStore) -> None:
    made = store.create_class("a")
    ann = store.join(made.code, "Ann", "k")
    store.seen(ann.id, "losses")
    store.seen(ann.id, "training")
    seen = store.student(ann.id)
    assert seen.page == "training" and seen.seen_at >= seen.joined_at


def test_a_run_is_one_row_updated_as_it_trains(store: ClassroomStore) -> None:
    made = store.create_class("a")
    ann = store.join(made.code, "Ann", "k")
    store.record_run(run_record(made.code, ann.id, "run-1", settings={"lr": 0.1, "epochs": 50}))
    store.record_run(run_record(made.code, ann.id, "run-1", status="finished", epochs_done=50, accuracy=0.96))
    (run,) = store.runs(made.code)
    assert (run.status, run.epochs_done, run.accuracy) == ("finished", 50, 0.96)
    assert run.settings == {"epochs": 50, "lr": 0.1}
    assert store.runs(store.create_class("b").code) == []


def test_answers_are_replaced_and_kept_within_the_class(store: ClassroomStore) -> None:
    first, second = store.create_class("a"), store.create_class("b")
    ann = store.join(first.code, "Ann", "k1")
    bob = store.join(first.code, "Bob", "k2")
    eve = store.join(second.code, "Eve", "k3")
    store.answer(ann.id, "mse_058", 0.7, correct=False)
    store.answer(ann.id, "mse_058", 0.58, correct=True)
    store.answer(bob.id, "mse_058", 0.5, correct=False)
    store.answer(eve.id, "mse_058", 0.58, correct=True)
    answers = store.answers(first.code, "mse_058")
    assert sorted((a.student_id, a.value, a.correct) for a in answers) == sorted(
        [(ann.id, 0.58, True), (bob.id, 0.5, False)]
    )
    assert store.my_answer(bob.id, "mse_058").value == 0.5
    assert store.my_answer(eve.id, "other") is None


def test_a_leaderboard_entry_is_written_once_even_when_servers_race(store: ClassroomStore) -> None:
    made = store.create_class("a")
    ann = store.join(made.code, "Ann", "k")
    challenge = store.create_challenge(made.code, "moons ≥ 95 %", {"dataset": "moons", "goal": 0.95}, None)
    racers = [ClassroomStore(store.url) for _ in range(6)]
    wrote = in_threads(6, lambda i: racers[i].post_result(challenge, "run-1", ann.id, 0.97, 8, 40))
    assert wrote.count(True) == 1
    assert len(store.leaderboard(challenge)) == 1
    assert store.post_result(challenge, "run-1", ann.id, 0.99, 4, 10) is False


def test_the_leaderboard_ranks_each_students_best_run(store: ClassroomStore) -> None:
    made = store.create_class("a")
    ann, bob, cid = store.join(made.code, "Ann", "k1"), store.join(made.code, "Bob", "k2"), store.join(
        made.code, "Cid", "k3")
    challenge = store.create_challenge(made.code, "iris", {"dataset": "iris"}, deadline=2e9)
    assert store.challenge(challenge) == (made.code, "iris", {"dataset": "iris"}, 2e9)
    store.post_result(challenge, "a1", ann.id, 0.96, 16, 50)
    store.post_result(challenge, "a2", ann.id, 0.98, 16, 80)  # Ann's best
    store.post_result(challenge, "b1", bob.id, 0.98, 8, 90)  # same score, smaller network: above Ann
    store.post_result(challenge, "c1", cid.id, 0.98, 8, 60)  # same score and size, fewer epochs: first
    board = store.leaderboard(challenge)
    assert [(e.rank, e.name, e.run_id) for e in board] == [(1, "Cid", "c1"), (2, "Bob", "b1"), (3, "Ann", "a2")]
    assert store.challenge("missing") is None


def test_a_database_url_names_its_engine() -> None:
    with pytest.raises(InputError) as wrong:
        ClassroomStore("mysql://localhost/class")
    assert wrong.value.code == "classroom.bad_database_url"
    assert "mysql" in str(wrong.value)


def test_an_instructor_lists_classes_chooses_questions_and_lists_challenges(store: ClassroomStore) -> None:
    older = store.create_class("morning")
    newer = store.create_class("evening")
    assert [c.code for c in store.classes()][:2] in ([newer.code, older.code], [older.code, newer.code])
    assert {c.code for c in store.classes()} == {older.code, newer.code}
    store.set_questions(older.code, ["mse_course", "gradient_sign", "mse_course"])
    assert store.questions_for(older.code) == ["gradient_sign", "mse_course"]
    store.set_questions(older.code, ["bce_course"])
    assert store.questions_for(older.code) == ["bce_course"]
    assert store.questions_for(newer.code) == []
    first = store.create_challenge(older.code, "iris", {"goal": {"min_accuracy": 0.9}}, None)
    assert store.challenges(older.code) == [(first, "iris", {"goal": {"min_accuracy": 0.9}}, None)]
    assert store.challenges(newer.code) == []


def test_a_browser_finds_the_class_it_joined_last(store: ClassroomStore) -> None:
    first, second = store.create_class("a"), store.create_class("b")
    assert store.member_of("browser-1") is None
    store.join(first.code, "Ann", "browser-1")
    assert store.member_of("browser-1").class_code == first.code
    store.join(second.code, "Ann B", "browser-1")
    assert (store.member_of("browser-1").class_code, store.member_of("browser-1").name) == (second.code, "Ann B")
    assert store.member_of("browser-2") is None


def test_two_server_processes_racing_write_one_leaderboard_entry(store: ClassroomStore) -> None:
    import subprocess
    import sys

    made = store.create_class("a")
    ann = store.join(made.code, "Ann", "k")
    challenge = store.create_challenge(made.code, "race", {"goal": {"min_accuracy": 0.5}}, None)
    post = (
        "import sys\nfrom nnlib.classroom.storage import ClassroomStore\n"
        "print(ClassroomStore(sys.argv[1]).post_result(sys.argv[2], 'run-9', sys.argv[3], 0.9, 8, 10))\n"
    )
    racers = [subprocess.Popen([sys.executable, "-c", post, store.url, challenge, ann.id], stdout=subprocess.PIPE,
                               text=True) for _ in range(3)]
    answers = sorted(racer.communicate(timeout=120)[0].strip() for racer in racers)
    assert answers == ["False", "False", "True"]
    assert [(e.run_id, e.score) for e in store.leaderboard(challenge)] == [("run-9", 0.9)]
