"""The training page starts, steps, stops and finishes a run, and shows its results."""

from __future__ import annotations

import time

from tests.app.conftest import app_test, button


def test_defaults_are_the_course_setup(training_page) -> None:
    assert training_page.radio(key="training_dataset").value == "iris"
    assert training_page.selectbox(key="training_preset").value == "iris"
    assert training_page.selectbox(key="training_optimizer").value == "sgd"
    assert training_page.selectbox(key="training_device").value == "cpu"
    assert button(training_page, "training_pause").disabled and button(training_page, "training_stop").disabled


def test_step_one_epoch_then_train_to_the_end(training_page) -> None:
    training_page.number_input(key="training_epochs_iris").set_value(5)
    button(training_page, "training_step").click().run()
    assert not training_page.exception
    run = training_page.session_state["training_run"]
    assert run.wait(60)  # the epoch trains in the background; the page does not wait for it
    training_page.run()
    assert run.trainer.epoch == 1 and not run.trainer.finished and run.status == "ready"
    # settings lock while a run exists
    assert training_page.selectbox(key="training_optimizer").disabled
    button(training_page, "training_start").click().run()
    assert run.wait(60)
    training_page.run()
    assert not training_page.exception
    metrics = {m.label: m.value for m in training_page.metric}
    assert metrics["Epochs"] == "5"
    assert metrics["Test accuracy"] == f"{run.trainer.state['test_acc']:.2%}"
    per_class = next(d.value for d in training_page.dataframe if "test samples" in d.value.columns)
    assert per_class["class"].tolist() == ["setosa", "versicolor", "virginica"]
    assert sum(per_class["test samples"]) == len(run.trainer.test_y)


def test_stop_and_reset(training_page) -> None:
    training_page.number_input(key="training_epochs_iris").set_value(400)
    training_page.number_input(key="training_batch_iris").set_value(1)
    button(training_page, "training_start").click().run()
    run = training_page.session_state["training_run"]
    time.sleep(0.3)
    training_page.run()
    assert not button(training_page, "training_stop").disabled
    button(training_page, "training_stop").click().run()
    assert not run.is_alive and run.progress().status == "stopped" and run.trainer.epoch < 400
    button(training_page, "training_reset").click().run()
    assert "training_run" not in training_page.session_state
    assert not training_page.selectbox(key="training_optimizer").disabled


def test_bad_builder_network_is_a_clear_message(training_page) -> None:
    training_page.session_state["builder_layers"] = [{"kind": "Linear", "in_features": 4, "out_features": 2}]
    training_page.session_state["builder_input_shape"] = [4]
    training_page.run()
    training_page.radio(key="training_network_source").set_value("builder").run()
    button(training_page, "training_start").click().run()
    assert not training_page.exception
    assert "3 classes" in training_page.error[0].value
    assert "training_run" not in training_page.session_state


# ------------------------------------------------------------------ a run belongs to a student


def student(name: str, **query: str):
    """A fresh session (a tab) of the browser ``name``."""
    at = app_test("pages/training.py", timeout=120)
    at.session_state["student_key"] = f"test-{name}-{id(at)}" if name == "anyone" else f"test-{name}"
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_a_reload_or_another_tab_finds_the_run_and_another_student_does_not() -> None:
    first_tab = student("carol")
    first_tab.number_input(key="training_epochs_iris").set_value(300)
    first_tab.number_input(key="training_batch_iris").set_value(1)
    first_tab.selectbox(key="training_optimizer").set_value("adam")
    button(first_tab, "training_start").click().run()
    run = first_tab.session_state["training_run"]
    token = first_tab.query_params["run"][0]
    try:
        reloaded = student("carol", run=token)
        assert reloaded.session_state["training_run"] is run
        # shown with the settings it was started with, locked
        assert reloaded.selectbox(key="training_optimizer").value == "adam"
        assert reloaded.selectbox(key="training_optimizer").disabled
        assert reloaded.number_input(key="training_epochs_iris").value == 300
        new_tab = student("carol")  # no token in the address: the student's newest run
        assert new_tab.session_state["training_run"] is run
        stranger = student("dave", run=token)
        assert "training_run" not in stranger.session_state
        assert button(stranger, "training_stop").disabled and not stranger.selectbox(key="training_optimizer").disabled
        # another tab of the same student can pause the run; the first tab sees it
        button(new_tab, "training_pause").click().run()
        assert wait_for_status(run, "paused")
        first_tab.run()
        assert not button(first_tab, "training_resume").disabled
    finally:
        run.stop()


def wait_for_status(run, status: str, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if run.status == status:
            return True
        time.sleep(0.02)
    return False


def test_one_run_at_a_time_per_student_race_included() -> None:
    tab = student("erin")
    tab.number_input(key="training_epochs_iris").set_value(300)
    tab.number_input(key="training_batch_iris").set_value(1)
    button(tab, "training_start").click().run()
    run = tab.session_state["training_run"]
    try:
        button(tab, "training_race_start").click().run()
        assert not tab.exception
        assert any("You already have a training run in progress" in e.value for e in tab.error)
        assert "training_race" not in tab.session_state
        other = student("frank")  # another student races freely
        button(other, "training_race_start").click().run()
        race = other.session_state["training_race"]
        assert [leg.label for leg in race.legs] == ["A: SGD, η=0.1", "B: Adam, η=0.01"]
        assert race.wait(120) and race.status == "finished"
        other.run()
        assert not other.exception
        assert any("test accuracy" in m.value for m in other.markdown)
        other.radio(key="training_dataset").set_value("notmnist").run()  # the race no longer fits: gone
        assert "training_race" not in other.session_state
        assert not any("test accuracy" in m.value for m in other.markdown)
    finally:
        run.stop()


def test_a_run_too_big_for_the_server_is_refused_with_what_to_lower(monkeypatch) -> None:
    from nnlib.core.settings import get_settings

    monkeypatch.setenv("NNLIB_MAX_RUN_WORK", "1000")
    get_settings.cache_clear()
    try:
        tab = student("anyone")
        button(tab, "training_start").click().run()
        assert not tab.exception and "training_run" not in tab.session_state
        assert "too big for this server" in tab.error[0].value and "Lower the epochs" in tab.error[0].value
    finally:
        monkeypatch.delenv("NNLIB_MAX_RUN_WORK")
        get_settings.cache_clear()


# ------------------------------------------------------------------ the fast mode


def test_the_fast_mode_switch_shows_only_where_the_hardware_has_bf16_and_trains_the_run_in_it(monkeypatch) -> None:
    from nnlib.training import speed

    monkeypatch.setattr(speed, "cpu_bf16_hardware", lambda: None)
    tab = student("anyone")
    assert not tab.exception and not [switch for switch in tab.toggle if switch.key == "training_fast"]
    monkeypatch.setattr(speed, "cpu_bf16_hardware", lambda: "AVX-512 BF16")  # correct without it, only slow
    tab.run()
    switch = tab.toggle(key="training_fast")
    assert switch.label == "Fast mode: bfloat16 autocast" and switch.value is False
    assert switch.help == (
        "Runs the forward pass and the loss in bfloat16 (torch.autocast) on hardware with native bf16 arithmetic; "
        "weights and optimizer stay in float32. Faster, and the accuracy stays within half a point of float32; "
        "the weights no longer equal a float32 run's.")
    switch.set_value(True).run()
    tab.number_input(key="training_epochs_iris").set_value(2)
    button(tab, "training_start").click().run()
    run = tab.session_state["training_run"]
    assert run.wait(60)
    tab.run()
    assert not tab.exception and tab.toggle(key="training_fast").disabled  # locked with the other settings
    assert run.config.fast is True and run.trainer.summary()["fast"] is True and run.trainer.epoch == 2


# ------------------------------------------------------------------ the 2-D playground


def test_the_offered_datasets_are_the_registrys_families() -> None:
    from nnlib.data.registry import DATASETS, FAMILIES
    from pages.sections.training import DATASET_CHOICES

    assert list(DATASET_CHOICES) == list(FAMILIES) == ["iris", "notmnist", "toy", "regression", "csv"]
    assert {record.family for record in DATASETS.values()} <= set(DATASET_CHOICES)
    assert [choice.label for choice in DATASET_CHOICES.values()] == [family.label for family in FAMILIES.values()]


def test_choosing_a_toy_set_shows_its_settings_and_trains_it_with_the_playground_network() -> None:
    tab = student("anyone")
    tab.radio(key="training_dataset").set_value("toy").run()
    assert not tab.exception
    assert tab.selectbox(key="training_toy_set").options == ["Circles: a disc inside a ring",
                                                            "Moons: two interleaved half circles", "XOR: four squares",
                                                            "Two spirals", "Blobs: three Gaussian clouds"]
    tab.selectbox(key="training_toy_set").set_value("moons").run()
    assert tab.slider(key="training_toy_noise").value == 0.2
    assert tab.number_input(key="training_toy_samples").value == 400
    assert tab.number_input(key="training_toy_seed").value == 0
    assert tab.multiselect(key="training_toy_features").options == ["x²", "y²", "xy", "sin x", "sin y"]
    # The playground's network is the default for points in the plane, with Adam at 0.03 (the set's record).
    assert tab.selectbox(key="training_preset").value == "playground"
    assert tab.number_input(key="training_lr_moons").value == 0.03
    tab.number_input(key="training_toy_samples").set_value(300)
    tab.multiselect(key="training_toy_features").set_value(["y²", "x²"])
    tab.number_input(key="training_epochs_moons").set_value(20).run()
    assert tab.selectbox(key="training_optimizer").value == "adam"  # the toy sets' optimizer came with them
    button(tab, "training_start").click().run()
    assert not tab.exception
    run = tab.session_state["training_run"]
    assert run.wait(60) and run.status == "finished"
    tab.run()
    assert not tab.exception
    config = run.config
    assert (config.dataset, config.network, config.toy_samples, config.toy_noise, config.toy_features) == (
        "moons", "playground", 300, 0.2, ("x²", "y²"))  # extra inputs in their fixed order, whatever the clicks
    # 2 + 2 inputs → 8 → 8 → 2 classes, trained by the same Trainer as iris
    assert [tuple(p.shape) for p in run.trainer.model.parameters()] == [(8, 4), (8,), (8, 8), (8,), (2, 8), (2,)]
    assert len(run.trainer.train_x) + len(run.trainer.val_x) + len(run.trainer.test_x) == 300
    assert {m.label: m.value for m in tab.metric}["Epochs"] == "20"
    # The boundary under the points and a map per hidden unit: 8 + 8 pictures under their layers' captions.
    pictures = image_captions(tab)
    assert sum("Decision boundary" in caption for caption in pictures) == 1
    assert pictures.count("unit 8") == 2 and pictures.count("unit 1") == 2 and "unit 9" not in pictures
    captions = [caption.value for caption in tab.caption]
    assert "Hidden layer 1 · Tanh: 8 units, model[1] (orange below 0, blue above)" in captions
    assert "Hidden layer 2 · Tanh: 8 units, model[3] (orange below 0, blue above)" in captions


def test_changing_the_data_set_brings_its_optimizer_unless_the_student_picked_another() -> None:
    tab = student("anyone")
    assert tab.selectbox(key="training_optimizer").value == "sgd"
    tab.radio(key="training_dataset").set_value("toy").run()
    assert tab.selectbox(key="training_optimizer").value == "adam"
    tab.radio(key="training_dataset").set_value("iris").run()
    assert tab.selectbox(key="training_optimizer").value == "sgd"
    tab.selectbox(key="training_optimizer").set_value("rmsprop").run()
    tab.radio(key="training_dataset").set_value("toy").run()
    assert tab.selectbox(key="training_optimizer").value == "rmsprop"
    tab.selectbox(key="training_toy_set").set_value("spirals").run()
    assert tab.selectbox(key="training_optimizer").value == "rmsprop"
    assert tab.selectbox(key="training_preset").value == "playground_spirals"
    assert tab.selectbox(key="training_preset").options == ["Spirals 2 → 32 → 32 → 32 → classes (ReLU)",
                                                           "Playground 2 → 8 → 8 → classes (Tanh)"]


def image_captions(at) -> list[str]:
    """Every st.image caption on the page (AppTest has no image element: read the protos)."""
    return [image.caption for element in at.get("image") for image in element.proto.imgs]


def test_a_reload_shows_a_toy_run_with_its_data_settings() -> None:
    tab = student("gina")
    tab.radio(key="training_dataset").set_value("toy").run()
    tab.selectbox(key="training_toy_set").set_value("blobs").run()
    tab.slider(key="training_toy_noise").set_value(0.35)
    tab.number_input(key="training_toy_seed").set_value(3)
    tab.multiselect(key="training_toy_features").set_value(["xy"])
    tab.number_input(key="training_epochs_blobs").set_value(5).run()
    button(tab, "training_start").click().run()
    run = tab.session_state["training_run"]
    try:
        assert run.wait(60)
        reloaded = student("gina", run=tab.query_params["run"][0])
        assert not reloaded.exception and reloaded.session_state["training_run"] is run
        assert reloaded.radio(key="training_dataset").value == "toy"
        assert reloaded.selectbox(key="training_toy_set").value == "blobs"
        assert reloaded.slider(key="training_toy_noise").value == 0.35
        assert reloaded.number_input(key="training_toy_seed").value == 3
        assert reloaded.multiselect(key="training_toy_features").value == ["xy"]
        assert reloaded.selectbox(key="training_toy_set").disabled
        assert run.config.toy_seed == 3 and run.trainer.classes == ("blob 1", "blob 2", "blob 3")
    finally:
        run.stop()
